"""The demande de recevabilité VAE, from its filing to its decision (docs/vae.md). No HTTP.

1. Filing (`deposer`): by the certifier's gestionnaires, or by the candidate from their espace
   (the same function), on a VAE dossier « inscrit »; the limits per calendar year are checked
   (limites.py) and the candidate's déclaration sur l'honneur is required.
2. Completeness: the certifier asks for missing pièces (`demander_pieces`, the candidate is told
   which), then records the day the demande is complete (`declarer_complete`): the decision
   period (a setting of the certification, 2 months by default) runs from that day, on calendar
   dates with the end-of-month clamp, and its last day is stored then.
3. Decision (`decider`): recevable or non recevable, motivated, with the gap analysis per bloc
   and compétence and the recommendations; the dossier's state moves through the workflow in the
   same transaction; a decided demande never changes.
4. Silence: past the last day, a complete demande becomes « recevable (acceptation tacite) »
   when the certification says silence means acceptance (the default): tacite.py.

Each write and its journal entries (auditlog, DossierTransition) are in one transaction; the
e-mails leave after the commit.
"""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cqpilot.core.french import compte
from cqpilot.core.mail import Attachment, send_after_commit
from cqpilot.core.models import Organisation, Role, User
from cqpilot.dossiers.acquis import add_months
from cqpilot.dossiers.models import Dossier, DossierState, VoieAcces
from cqpilot.dossiers.workflow import (
    ACCOMPAGNATEUR,
    CANDIDAT,
    CERTIFICATEUR,
    TransitionRefusee,
    actor_of,
)
from cqpilot.dossiers.workflow import transition as move_dossier
from cqpilot.referentiels.models import Bloc, Competence

from .limites import refus_limite
from .models import (
    AnalyseEcart,
    ComplementDemande,
    DemandeRecevabilite,
    ExperienceVae,
    NatureExperience,
    NiveauEcart,
    StatutDemande,
)

TEXTE_MAX = 10_000  # characters of a free text: a letter, not a file
EXPERIENCES_MAX = 50
SILENCE_ACCEPTATION = "acceptation"


class VaeRefus(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def today() -> date:
    """The certifier's date (Europe/Paris): the only "today" these rules read."""
    return timezone.localdate()


@dataclass(frozen=True)
class ExperienceSaisie:
    intitule: str
    nature: str
    duree_mois: int
    structure: str = ""
    activites: str = ""


@dataclass(frozen=True)
class DemandeSaisie:
    """What the candidate declares (entered by them, or for them by the certifier)."""

    experiences: list[ExperienceSaisie]
    declaration_honneur: bool
    blocs: list[Bloc] = field(default_factory=list)  # none: the whole certification
    formations: str = ""
    certifications_detenues: str = ""
    accompagnateur: str = ""
    avis_accompagnateur: str = ""
    reference_france_vae: str = ""
    ancien_regime: bool = False


@dataclass(frozen=True)
class EcartSaisi:
    bloc: Bloc
    niveau: str
    competence: Competence | None = None
    commentaire: str = ""


def instructing_organisation(dossier: Dossier, by: User) -> Organisation | None:
    """The certifier that instructs the demande: the gestionnaire's own organisation; for the
    candidate (or a superuser), the certification's first certifier."""
    if by.organisation is not None and by.organisation.is_certificateur:
        return by.organisation
    return dossier.certification.certificateurs.order_by("pk").first()


def is_manager_of(demande: DemandeRecevabilite, user: User) -> bool:
    return user.is_superuser or (
        user.is_certificateur_manager and user.organisation_id == demande.organisation_id
    )


def _texte(value: str, label: str) -> str:
    value = value.strip()
    if len(value) > TEXTE_MAX:
        raise VaeRefus(f"{label} : {TEXTE_MAX:_} caractères au plus.".replace("_", " "))
    return value


def _check_saisie(dossier: Dossier, saisie: DemandeSaisie) -> None:
    if not saisie.declaration_honneur:
        raise VaeRefus(
            "Le candidat déclare sur l'honneur ses autres demandes de recevabilité de l'année "
            "civile : cochez la déclaration."
        )
    if saisie.reference_france_vae.strip() and saisie.ancien_regime:
        raise VaeRefus(
            "Une candidature France VAE ne passe pas par le formulaire Cerfa 12818 : indiquez "
            "la référence France VAE ou l'ancien formulaire, pas les deux."
        )
    if len(saisie.reference_france_vae.strip()) > 60:
        raise VaeRefus("La référence France VAE tient en 60 caractères au plus.")
    foreign = [b for b in saisie.blocs if b.version_id != dossier.version_id]
    if foreign:
        raise VaeRefus(
            "Les blocs visés sont ceux de la version du référentiel du dossier "
            f"(version {dossier.version.numero})."
        )
    if not saisie.experiences:
        raise VaeRefus("Décrivez au moins une expérience en rapport avec la certification.")
    if len(saisie.experiences) > EXPERIENCES_MAX:
        raise VaeRefus(f"Au plus {EXPERIENCES_MAX} expériences par demande.")
    for experience in saisie.experiences:
        if not experience.intitule.strip():
            raise VaeRefus("Chaque expérience a un intitulé (emploi ou fonction).")
        if experience.nature not in NatureExperience.values:
            raise VaeRefus(f"Indiquez la nature de l'expérience « {experience.intitule} ».")
        if not 1 <= experience.duree_mois <= 600:
            raise VaeRefus(
                f"La durée de l'expérience « {experience.intitule} » se compte en mois, de 1 à 600."
            )


def _managers_emails(organisation_id: int) -> list[str]:
    managers = User.objects.filter(
        is_active=True,
        organisation=organisation_id,
        roles__code__in=[Role.GESTIONNAIRE, Role.ADMINISTRATEUR],
    ).exclude(email="")
    return sorted(set(managers.values_list("email", flat=True)))


def candidate_email(dossier: Dossier) -> str:
    candidat = dossier.candidat
    account = candidat.compte
    return ((account.email if account else "") or candidat.email or "").strip()


def _intitule(demande: DemandeRecevabilite) -> str:
    certification = demande.dossier.certification
    blocs = list(demande.blocs.all())
    if blocs:
        return f"{certification.intitule} (blocs {', '.join(b.code for b in blocs)})"
    return certification.intitule


def _tell_candidate(demande: DemandeRecevabilite, subject: str, text: str, **kwargs) -> None:
    email = candidate_email(demande.dossier)
    if not email:
        return
    send_after_commit(
        subject=subject,
        body=f"Bonjour {demande.dossier.candidat.prenom1},\n\n{text}\n\n"
        f"{demande.organisation.nom}\n",
        to=[email],
        **kwargs,
    )


@transaction.atomic
def deposer(
    dossier: Dossier, saisie: DemandeSaisie, *, by: User, on: date | None = None
) -> DemandeRecevabilite:
    """Files the demande de recevabilité of a VAE dossier « inscrit », or raises VaeRefus."""
    on = on or today()
    dossier = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("candidat__compte", "certification", "version")
        .get(pk=dossier.pk)
    )  # one filing at a time per dossier
    actor = actor_of(by, dossier)
    if actor not in (CERTIFICATEUR, CANDIDAT, ACCOMPAGNATEUR):
        raise VaeRefus(
            "Réservé au candidat, à son accompagnateur VAE et aux gestionnaires du certificateur "
            "de la certification."
        )
    if dossier.voie_acces != VoieAcces.VAE:
        raise VaeRefus("Seul un dossier de VAE a une demande de recevabilité.")
    if DemandeRecevabilite.objects.filter(dossier=dossier).exists():
        raise VaeRefus("Ce dossier a déjà sa demande de recevabilité.")
    if dossier.state != DossierState.INSCRIT:
        raise VaeRefus(
            f"Le dossier est « {dossier.get_state_display()} » : la demande de recevabilité "
            "se dépose sur un dossier inscrit."
        )
    _check_saisie(dossier, saisie)
    organisation = instructing_organisation(dossier, by)
    if organisation is None:
        raise VaeRefus("La certification n'a pas de certificateur pour instruire la demande.")
    if refus := refus_limite(
        dossier.candidat, dossier.certification, saisie.blocs, organisation, on
    ):
        raise VaeRefus(refus)
    demande = DemandeRecevabilite.objects.create(
        dossier=dossier,
        organisation=organisation,
        formations=_texte(saisie.formations, "Formations"),
        certifications_detenues=_texte(saisie.certifications_detenues, "Certifications"),
        accompagnateur=saisie.accompagnateur.strip()[:200],
        avis_accompagnateur=_texte(saisie.avis_accompagnateur, "Avis de l'accompagnateur"),
        reference_france_vae=saisie.reference_france_vae.strip(),
        ancien_regime=saisie.ancien_regime,
        declaration_honneur_le=on,
        deposee_le=on,
        deposee_par=by,
    )
    demande.blocs.set(saisie.blocs)
    dossier.blocs_vises.set(saisie.blocs)  # the dossier's perimeter is the demande's
    for ordre, experience in enumerate(saisie.experiences):
        ExperienceVae.objects.create(  # one by one: each gets its journal entry
            demande=demande,
            intitule=experience.intitule.strip()[:200],
            structure=experience.structure.strip()[:200],
            nature=experience.nature,
            activites=_texte(experience.activites, "Activités"),
            duree_mois=experience.duree_mois,
            ordre=ordre,
        )
    if actor in (CANDIDAT, ACCOMPAGNATEUR) and (to := _managers_emails(organisation.pk)):
        url = settings.PUBLIC_URL + reverse("vae:demande_detail", args=[demande.pk])
        send_after_commit(
            subject=f"Demande de recevabilité VAE de {dossier.candidat}",
            body=(
                "Bonjour,\n\n"
                f"{_deposant(dossier, actor)} sa demande de recevabilité VAE pour « "
                f"{_intitule(demande)} ».\n\nVérifiez qu'elle est complète dans cqpilot :\n\n"
                f"{url}\n"
            ),
            to=to,
        )
    return demande


def _deposant(dossier: Dossier, actor: str) -> str:
    if actor == ACCOMPAGNATEUR:
        return f"{dossier.accompagnateur}, accompagnateur VAE de {dossier.candidat}, dépose"
    return f"{dossier.candidat} dépose"


def _locked(demande: DemandeRecevabilite, by: User) -> DemandeRecevabilite:
    demande = (
        DemandeRecevabilite.objects.select_for_update(of=("self",))
        .select_related("dossier__candidat__compte", "dossier__certification", "organisation")
        .get(pk=demande.pk)
    )
    if not is_manager_of(demande, by):
        raise VaeRefus("Réservé aux gestionnaires du certificateur qui instruit la demande.")
    if demande.is_decided:
        raise VaeRefus(
            f"La recevabilité a été décidée le {demande.decidee_le:%d/%m/%Y} : la demande ne "
            "change plus."
        )
    return demande


@transaction.atomic
def demander_pieces(
    demande: DemandeRecevabilite, pieces: str, *, by: User, on: date | None = None
) -> ComplementDemande:
    """The demande is incomplete: the candidate is told which pièces are missing."""
    on = on or today()
    demande = _locked(demande, by)
    if demande.statut == StatutDemande.COMPLETE:
        raise VaeRefus(
            f"La demande est complète depuis le {demande.complete_le:%d/%m/%Y} : le délai de "
            "décision court, il reste à décider."
        )
    pieces = _texte(pieces, "Pièces manquantes")
    if not pieces:
        raise VaeRefus("Indiquez les pièces manquantes : le candidat les lira.")
    complement = ComplementDemande.objects.create(
        demande=demande, pieces=pieces, demande_le=on, par=by
    )
    demande.statut = StatutDemande.INCOMPLETE
    demande.save(update_fields=["statut", "updated_at"])
    liste = "\n".join(f"- {piece}" for piece in complement.liste)
    _tell_candidate(
        demande,
        "Votre demande de recevabilité VAE est incomplète",
        f"Le certificateur a examiné votre demande de recevabilité VAE pour « "
        f"{_intitule(demande)} ». Il y manque :\n\n{liste}\n\n"
        "Le délai de décision commencera le jour où votre dossier sera complet.",
    )
    return complement


@transaction.atomic
def declarer_complete(
    demande: DemandeRecevabilite, *, by: User, le: date | None = None
) -> DemandeRecevabilite:
    """The demande is complete on `le` (today by default): the decision period starts."""
    demande = _locked(demande, by)
    le = le or today()
    if demande.statut == StatutDemande.COMPLETE:
        raise VaeRefus(f"La demande est déjà complète depuis le {demande.complete_le:%d/%m/%Y}.")
    if le > today():
        raise VaeRefus("La date à laquelle la demande est complète ne peut pas être à venir.")
    if le < demande.deposee_le:
        raise VaeRefus(
            f"La demande a été déposée le {demande.deposee_le:%d/%m/%Y} : elle ne peut pas être "
            "complète avant."
        )
    certification = demande.dossier.certification
    demande.statut = StatutDemande.COMPLETE
    demande.complete_le = le
    demande.date_limite = add_months(le, certification.delai_recevabilite_vae_mois)
    demande.save(update_fields=["statut", "complete_le", "date_limite", "updated_at"])
    silence = (
        "sans réponse de sa part à cette date, votre demande sera recevable"
        if certification.silence_recevabilite_vae == SILENCE_ACCEPTATION
        else "il vous notifiera sa décision"
    )
    _tell_candidate(
        demande,
        "Votre demande de recevabilité VAE est complète",
        f"Votre demande de recevabilité VAE pour « {_intitule(demande)} » est complète depuis "
        f"le {le:%d/%m/%Y}. Le certificateur décide au plus tard le "
        f"{demande.date_limite:%d/%m/%Y} ; {silence}.",
    )
    return demande


def perimetre(demande: DemandeRecevabilite) -> list[Bloc]:
    """The blocs the decision analyses: those targeted, else all the version's."""
    blocs = list(demande.blocs.all())
    if blocs:
        return sorted(blocs, key=lambda b: (b.ordre, b.code))
    return list(demande.dossier.version.blocs.order_by("ordre", "code"))


def _check_ecarts(demande: DemandeRecevabilite, ecarts: list[EcartSaisi]) -> None:
    blocs = {b.pk: b for b in perimetre(demande)}
    seen = set()
    for ecart in ecarts:
        if ecart.bloc.pk not in blocs:
            raise VaeRefus(f"Le bloc {ecart.bloc.code} n'est pas dans le périmètre de la demande.")
        if ecart.niveau not in NiveauEcart.values:
            raise VaeRefus(f"Situez les acquis du bloc {ecart.bloc.code}.")
        if (
            ecart.competence is not None
            and not ecart.bloc.competences.filter(pk=ecart.competence.pk).exists()
        ):
            raise VaeRefus(f"La compétence n'appartient pas au bloc {ecart.bloc.code}.")
        key = (ecart.bloc.pk, ecart.competence.pk if ecart.competence else None)
        if key in seen:
            raise VaeRefus(f"Le bloc {ecart.bloc.code} est analysé deux fois.")
        seen.add(key)
    missing = [b.code for pk, b in blocs.items() if (pk, None) not in seen]
    if missing:
        raise VaeRefus(
            "L'analyse des écarts situe chaque bloc de la demande : il manque "
            + ", ".join(missing)
            + "."
        )


@transaction.atomic
def decider(
    demande: DemandeRecevabilite,
    *,
    recevable: bool,
    motivation: str,
    ecarts: list[EcartSaisi],
    by: User,
    recommande_formation: bool = False,
    recommande_pmsmp: bool = False,
    recommandations: str = "",
    on: date | None = None,
) -> DemandeRecevabilite:
    """Decides the recevabilité, once: the dossier becomes « recevable » or « non recevable »
    through its workflow, and the candidate gets the notification letter by e-mail."""
    on = on or today()
    demande = _locked(demande, by)
    if demande.statut != StatutDemande.COMPLETE:
        raise VaeRefus(
            "Déclarez d'abord la demande complète : le délai de décision part de ce jour."
        )
    motivation = _texte(motivation, "Motivation")
    if not motivation:
        raise VaeRefus("Motivez la décision : le candidat la lira.")
    _check_ecarts(demande, ecarts)
    try:
        move_dossier(
            demande.dossier,
            DossierState.RECEVABLE if recevable else DossierState.NON_RECEVABLE,
            by=by,
            motif=motivation,
            allow_hidden=True,  # the workflow leaves a VAE recevabilité to this service only
        )
    except TransitionRefusee as refusal:
        raise VaeRefus(refusal.message) from refusal
    certification = demande.dossier.certification
    demande.statut = StatutDemande.RECEVABLE if recevable else StatutDemande.NON_RECEVABLE
    demande.decidee_le = on
    demande.decidee_par = by
    demande.motivation = motivation
    demande.recommande_formation = recommande_formation
    demande.recommande_pmsmp = recommande_pmsmp
    demande.recommandations = _texte(recommandations, "Recommandations")
    if recevable:
        demande.validite_mois = certification.validite_recevabilite_vae_mois
        demande.valide_jusquau = add_months(on, demande.validite_mois)
    demande.save()
    for ecart in ecarts:
        AnalyseEcart.objects.create(
            demande=demande,
            bloc=ecart.bloc,
            competence=ecart.competence,
            niveau=ecart.niveau,
            commentaire=_texte(ecart.commentaire, "Commentaire"),
        )
    notify_decision(demande)
    return demande


def notify_decision(demande: DemandeRecevabilite) -> None:
    from .lettre import lettre_pdf  # WeasyPrint: loaded when a letter is written

    if demande.is_recevable:
        text = (
            f"Votre demande de recevabilité VAE pour « {_intitule(demande)} » est recevable"
            + (" (acceptation tacite)" if demande.statut == StatutDemande.RECEVABLE_TACITE else "")
            + f". Cette recevabilité est valable jusqu'au {demande.valide_jusquau:%d/%m/%Y}."
        )
    else:
        text = (
            f"Votre demande de recevabilité VAE pour « {_intitule(demande)} » n'est pas recevable."
        )
    _tell_candidate(
        demande,
        "Décision sur votre demande de recevabilité VAE",
        text + "\n\nLa lettre de notification, jointe, en donne les motifs et l'analyse.",
        attachments=[
            Attachment.of_bytes(
                lettre_pdf(demande),
                filename="recevabilite-vae.pdf",
                mimetype="application/pdf",
            )
        ],
    )


def texte_echeance(demande: DemandeRecevabilite, on: date) -> str:
    """What the pages say of the decision period on `on` (empty when none runs)."""
    left = demande.jours_restants(on)
    if left is None:
        return ""
    limite = f"{demande.date_limite:%d/%m/%Y}"
    if left > 0:
        return f"{compte(left, 'jour', 'jours')} pour décider (jusqu'au {limite} inclus)"
    if left == 0:
        return f"dernier jour pour décider (le {limite})"
    silence = (
        "le silence vaut acceptation : la demande devient recevable au prochain passage du "
        "traitement quotidien"
        if demande.dossier.certification.silence_recevabilite_vae == SILENCE_ACCEPTATION
        else "la certification ne donne pas d'effet au silence"
    )
    return f"délai dépassé de {compte(-left, 'jour', 'jours')} (fini le {limite}) : {silence}"
