"""Who may enrol in what, and why not: every rule returns a French explanation.

Called alike by the dossier form, the API, the bulk import and the inscription transition. A
refusal blocks; an avertissement is shown to the certifier, who decides at recevabilité.
"""

from dataclasses import dataclass
from datetime import date

from cqpilot.core.french import accorde
from cqpilot.core.models import Organisation
from cqpilot.referentiels.models import Bloc, Certification, ListeProA, ReferentielVersion

from .models import Habilitation, VoieAcces


@dataclass(frozen=True)
class Refus:
    field: str  # the form field the user should change ("" for the dossier as a whole)
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Avertissement:
    """Something the certifier judges at recevabilité: shown, never blocking."""

    field: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Eligibilite:
    refus: list[Refus]
    avertissements: list[Avertissement]

    @property
    def is_eligible(self) -> bool:
        return not self.refus


# Routes open only to a certification registered at the RNCP (docs/domaine.md §3.1 and §4.1;
# L6211-1 Code du travail for apprenticeship): the refusal, and the route's name in the refusal
# of an enrolment after the registration's end.
RNCP_ONLY = {
    VoieAcces.VAE: (
        "{nom} n'est pas enregistrée au RNCP : elle ne peut pas s'obtenir par la VAE.",
        "en VAE",
    ),
    VoieAcces.FORMATION_INITIALE_APPRENTISSAGE: (
        "{nom} n'est pas enregistrée au RNCP : elle ne se prépare pas en apprentissage.",
        "en apprentissage",
    ),
    VoieAcces.FORMATION_CONTINUE_PRO_A: (
        "La Pro-A n'est possible que pour une certification enregistrée au RNCP ; "
        "{nom} ne l'est pas.",
        "en Pro-A",
    ),
}


def eligibility(
    *,
    certification: Certification,
    version: ReferentielVersion | None,
    voie_acces: str,
    date_inscription: date,
    organisme: Organisation | None = None,
    experience_mois: int | None = None,
    cpf: bool = False,
    blocs_vises: list[Bloc] | tuple = (),
    voie_vae: str = "",
    habilitations: list[Habilitation] | None = None,
) -> Eligibilite:
    """Why this enrolment is not possible (no refus: it is), and what the certifier should look
    at without it being refused (avertissements).

    `habilitations`, when given, are those of `organisme` for `certification` (a bulk import loads
    them once instead of once per row).
    """
    refus = []
    avertissements = []
    nom = certification.intitule
    when = date_inscription.strftime("%d/%m/%Y")
    ended = certification.registration_ended_on(date_inscription)
    fin = f"{certification.date_fin_enregistrement:%d/%m/%Y}" if ended else ""
    if version is None or version.certification_id != certification.pk:
        refus.append(Refus("version", f"Choisissez une version du référentiel de {nom}."))
    elif not version.is_published:
        refus.append(
            Refus("version", f"La version {version.numero} du référentiel n'est pas publiée.")
        )
    if voie_acces in RNCP_ONLY:
        not_rncp, route = RNCP_ONLY[voie_acces]
        if not certification.is_rncp:
            refus.append(Refus("voie_acces", not_rncp.format(nom=nom)))
        elif ended:
            refus.append(
                Refus(
                    "voie_acces",
                    f"L'enregistrement de {nom} au RNCP a pris fin le {fin} : une inscription "
                    f"{route} n'est plus possible au {when}.",
                )
            )
        elif voie_acces == VoieAcces.VAE and not certification.vae_ouverte:
            refus.append(Refus("voie_acces", f"{nom} n'est pas ouverte à la VAE."))
        elif voie_acces == VoieAcces.FORMATION_CONTINUE_PRO_A:
            refus.extend(_pro_a_refus(certification, date_inscription))
    if voie_acces == VoieAcces.VAE:
        avertissements.extend(_experience_avertissement(certification, experience_mois))
    elif voie_vae:
        refus.append(Refus("voie_vae", "Le type de VAE ne concerne que la voie d'accès VAE."))
    if cpf and not certification.code_rncp_rs:
        refus.append(
            Refus(
                "cpf",
                f"{nom} n'est enregistrée ni au RNCP ni au répertoire spécifique : "
                "elle n'est pas finançable par le CPF.",
            )
        )
    elif cpf and ended:
        refus.append(
            Refus(
                "cpf",
                f"L'enregistrement de {nom} a pris fin le {fin} : elle n'est plus finançable "
                f"par le CPF au {when}.",
            )
        )
    if organisme is not None:
        if habilitations is None:
            habilitations = list(
                Habilitation.objects.filter(
                    organisme=organisme, certification=certification
                ).prefetch_related("blocs")
            )
        refus.extend(
            _habilitation_refus(
                organisme, certification, date_inscription, habilitations, blocs_vises
            )
        )
    if blocs_vises and not certification.has_blocs:
        refus.append(
            Refus(
                "blocs_vises",
                f"{nom} est enregistrée au répertoire spécifique : elle se prépare en entier, "
                "sans blocs de compétences.",
            )
        )
    elif version is not None:
        strangers = [b.code for b in blocs_vises if b.version_id != version.pk]
        if strangers:
            refus.append(
                Refus(
                    "blocs_vises",
                    f"{accorde(len(strangers), 'Bloc')} {', '.join(strangers)} "
                    f"{accorde(len(strangers), 'absent')} de la version {version.numero}.",
                )
            )
    return Eligibilite(refus, avertissements)


def _experience_avertissement(
    certification: Certification, experience_mois: int | None
) -> list[Avertissement]:
    # The loi du 21 décembre 2022 removed any minimum: a branch's expected duration only
    # informs the certifier's recevabilité (docs/domaine.md §3.1).
    attendu = certification.experience_min_vae_mois
    if not attendu or (experience_mois is not None and experience_mois >= attendu):
        return []
    indique = "non indiquée" if experience_mois is None else f"{experience_mois} mois"
    return [
        Avertissement(
            "experience_mois",
            f"Expérience en rapport avec la certification : {indique}, pour {attendu} mois "
            f"attendus par {certification.intitule}. Ce n'est pas un motif de refus (aucune "
            "durée minimale depuis la loi du 21 décembre 2022) : le certificateur en juge à la "
            "recevabilité.",
        )
    ]


def _pro_a_refus(certification: Certification, day: date) -> list[Refus]:
    """Pro-A is open to the certifications on the list of an extended branch agreement
    (docs/domaine.md §4.3): here, the lists of the certification's own branches."""
    branches = list(certification.certificateurs.all())
    listes = [
        liste
        for liste in ListeProA.objects.filter(branche__in=branches).select_related("branche")
        if liste.lists(certification.code_rncp_rs)
    ]
    if any(liste.date_extension <= day for liste in listes):
        return []
    if listes:
        first = min(listes, key=lambda liste: liste.date_extension)
        message = (
            f"La liste Pro-A de {first.branche} ne s'applique qu'à partir de l'arrêté "
            f"d'extension du {first.date_extension:%d/%m/%Y} : pas de Pro-A au "
            f"{day:%d/%m/%Y}."
        )
    else:
        names = ", ".join(str(b) for b in branches) or "aucun"
        message = (
            f"{certification.code_rncp_rs} ne figure sur la liste Pro-A d'aucun accord de "
            f"branche étendu de ses certificateurs ({names}) : la Pro-A n'est pas possible."
        )
    return [Refus("voie_acces", message)]


def _habilitation_refus(
    organisme: Organisation,
    certification: Certification,
    day: date,
    habilitations: list[Habilitation],
    blocs_vises: list[Bloc] | tuple,
) -> list[Refus]:
    valid = [h for h in habilitations if h.is_valid_on(day)]
    if any(not h.bloc_codes for h in valid):
        return []  # habilitated for the whole certification
    if valid:
        # Habilitated for some blocs only: the dossier must target those blocs, by code (the
        # habilitation outlives référentiel versions).
        allowed = set().union(*(h.bloc_codes for h in valid))
        outside = sorted({b.code for b in blocs_vises} - allowed) if blocs_vises else []
        if blocs_vises and not outside:
            return []
        scope = ", ".join(sorted(allowed))
        if not blocs_vises:
            message = (
                f"{organisme} n'est habilité que pour les blocs {scope} de "
                f"{certification.intitule} : choisissez les blocs visés."
            )
        else:
            message = (
                f"{organisme} n'est pas habilité pour "
                f"{accorde(len(outside), 'le bloc', 'les blocs')} {', '.join(outside)} "
                f"(habilitation limitée aux blocs {scope})."
            )
        return [Refus("blocs_vises", message)]
    when = day.strftime("%d/%m/%Y")
    if not habilitations:
        message = f"{organisme} n'est pas habilité pour {certification.intitule}."
    else:
        ended = [h.date_fin for h in habilitations if h.date_fin and h.date_fin < day]
        if ended:
            message = (
                f"L'habilitation de {organisme} pour {certification.intitule} a pris fin le "
                f"{max(ended):%d/%m/%Y} : aucune inscription nouvelle n'est possible au {when}."
            )
        else:
            message = (
                f"{organisme} n'a pas d'habilitation active pour {certification.intitule} "
                f"au {when}."
            )
    return [Refus("organisme", message)]
