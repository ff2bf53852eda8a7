"""The mentions France compétences requires on a parchemin or attestation of a registered
certification (docs/domaine.md §5.1), and the check that refuses to issue without them."""

import unicodedata
from dataclasses import dataclass
from datetime import date

from cqpilot.core.french import accorde
from cqpilot.dossiers.models import Candidat, Sexe
from cqpilot.referentiels.models import Certification, CodeKind

from .models import ModeleParchemin


def european_level(niveau: str) -> str:
    """French levels 3 to 8 (décret 2019-14) match the same European (CEC) levels."""
    return niveau.removeprefix("NIV")


@dataclass(frozen=True)
class Mentions:
    enregistrement: str  # registration, or the branch mention for an unregistered CQP
    certificateurs: str
    intitule: str
    niveau: str
    nsf: str
    titulaire: str
    delivrance: str
    signataire: str


def _duration(certification: Certification) -> str:
    if not (certification.date_decision and certification.date_fin_enregistrement):
        return ""
    years = round(
        (certification.date_fin_enregistrement - certification.date_decision).days / 365.25
    )
    return f" et pour une durée de {years} an{'s' if years > 1 else ''}" if years else ""


BORN = {Sexe.F: "née", Sexe.M: "né"}


def _birth(candidat: Candidat) -> str:
    born = BORN.get(candidat.sexe, "né(e)")  # a sex not recorded keeps both
    if candidat.jour_naissance and candidat.mois_naissance:
        return f"{born} le {candidat.jour_naissance:02d}/{candidat.mois_naissance:02d}/{candidat.annee_naissance}"
    return f"{born} en {candidat.annee_naissance}"


def _repertoire(certification: Certification) -> str:
    return "au RNCP" if certification.is_rncp else "au Répertoire spécifique"


def registration_lapse(certification: Certification, decided_on: date) -> str | None:
    """Why the registration is not in force on the decision date, in French; None when it is,
    or when the certification was never registered (its branch mention says so). A document
    states only what was true when the jury (or the CPNE) decided."""
    if not (certification.is_rncp or certification.is_rs) or not certification.date_decision:
        return None  # unregistered, or its date missing: missing_mentions refuses the latter
    if decided_on < certification.date_decision:
        return (
            f"l'enregistrement {_repertoire(certification)} date du "
            f"{certification.date_decision:%d/%m/%Y}"
        )
    if certification.registration_ended_on(decided_on):
        return (
            f"l'enregistrement {_repertoire(certification)} a pris fin le "
            f"{certification.date_fin_enregistrement:%d/%m/%Y}"
        )
    return None


def registration_warning(certification: Certification, decided_on: date) -> str:
    """What the issuer is told, and the register keeps, when the registration is left out."""
    lapse = registration_lapse(certification, decided_on)
    if lapse is None:
        return ""
    what = "Le niveau et la mention" if certification.is_rncp else "La mention"
    return (
        f"Décision du {decided_on:%d/%m/%Y} : {lapse}. {what} d'enregistrement "
        f"{_repertoire(certification)} ne sont pas imprimés."
    )


def missing_mentions(
    certification: Certification,
    candidat: Candidat,
    modele: ModeleParchemin | None,
    lieu: str,
) -> list[str]:
    """What is missing for the document to carry every mandatory mention, in French."""
    missing = []
    registered = certification.is_rncp or certification.is_rs
    if registered and not certification.date_decision:
        missing.append("la date de la décision de France compétences (fiche de la certification)")
    if certification.is_rncp and not certification.niveau:
        missing.append("le niveau de qualification (fiche de la certification)")
    if registered and not any(c.kind == CodeKind.NSF for c in certification.codes.all()):
        missing.append("le code NSF (fiche de la certification)")
    if not candidat.nom_naissance or not candidat.prenom1:
        missing.append("le nom et le prénom du titulaire")
    if not lieu:
        missing.append("le lieu de délivrance (modèle de parchemin)")
    if modele is None or not modele.signataire_nom or not modele.signataire_qualite:
        missing.append("le nom et la qualité du signataire habilité (modèle de parchemin)")
    return missing


def mentions(
    certification: Certification,
    candidat: Candidat,
    modele: ModeleParchemin,
    on: date,
    lieu: str,
    *,
    decided_on: date,
) -> Mentions:
    """The mentions printed on a document issued on `on` for a decision of `decided_on`: the
    registration and the level only if the registration was in force that day."""
    certificateurs = " et ".join(o.nom for o in certification.certificateurs.all())
    lapsed = registration_lapse(certification, decided_on) is not None
    if (certification.is_rncp or certification.is_rs) and not lapsed:
        repertoire = (
            "au Répertoire national des certifications professionnelles"
            if certification.is_rncp
            else "au Répertoire spécifique"
        )
        enregistrement = (
            f"Certification enregistrée {repertoire} ({certification.code_rncp_rs}) par décision "
            f"du directeur général de France compétences en date du "
            f"{certification.date_decision:%d/%m/%Y}{_duration(certification)}."
        )
    else:
        idcc = ", ".join(
            f"{o.nom} (IDCC {o.idcc})" if o.idcc else o.nom
            for o in certification.certificateurs.all()
        )
        enregistrement = (
            f"Certificat de qualification professionnelle créé par la commission paritaire "
            f"nationale de l'emploi de la branche : {idcc}. Certification non enregistrée au "
            f"RNCP ni au Répertoire spécifique"
            + (f" à la date de la décision ({decided_on:%d/%m/%Y})." if lapsed else ".")
        )
    niveau = ""
    if certification.niveau and not lapsed:
        niveau = (
            f"{certification.get_niveau_display()} du cadre national des certifications "
            f"professionnelles, niveau {european_level(certification.niveau)} du cadre européen "
            f"des certifications (CEC)"
        )
    nsf_codes = [
        f"{c.code}{f' ({c.libelle})' if c.libelle else ''}"
        for c in certification.codes.all()
        if c.kind == CodeKind.NSF
    ]
    nsf = ", ".join(nsf_codes)
    nom = candidat.nom_naissance.upper()
    usage = f" (nom d'usage : {candidat.nom_usage})" if candidat.nom_usage else ""
    prenoms = " ".join(p for p in (candidat.prenom1, candidat.prenom2, candidat.prenom3) if p)
    return Mentions(
        enregistrement=enregistrement,
        certificateurs=certificateurs,
        intitule=certification.intitule,
        niveau=niveau,
        nsf=f"{accorde(len(nsf_codes), 'Code')} NSF : {nsf}" if nsf else "",
        titulaire=f"{prenoms} {nom}{usage}, {_birth(candidat)}",
        delivrance=f"Délivré à {lieu}, le {on:%d/%m/%Y}",
        signataire=f"{modele.signataire_nom}, {modele.signataire_qualite}",
    )


# What each mention is called when a PDF lacks it, in the order they are printed.
LABELS = {
    "titulaire": "le nom du titulaire",
    "enregistrement": "la mention d'enregistrement",
    "intitule": "l'intitulé de la certification",
    "niveau": "le niveau de qualification",
    "nsf": "le code NSF",
    "certificateurs": "le nom du certificateur",
    "delivrance": "la date et le lieu de délivrance",
    "signataire": "le nom et la qualité du signataire",
}


def missing_from_text(printed: Mentions, text: str) -> list[str]:
    """The mentions the text of a PDF does not carry, each named with its expected text.
    Whitespace is left out on both sides: a line may break anywhere."""
    found = _squeezed(text)
    return [
        f"{label} (« {value} »)"
        for name, label in LABELS.items()
        if (value := getattr(printed, name)) and _squeezed(value) not in found
    ]


def _squeezed(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())
