"""The dossier de validation (« livret 2 ») of a VAE dossier and the jury's deadline (docs/vae.md).
No HTTP.

The certifier's gestionnaires, or the OF of the dossier, file it (an upload checked like every
document of a dossier) on a dossier recevable, in formation or in évaluation, with the day it was
received. From that day the jury must sit **before the end of the 3rd month** (Code du travail,
domaine.md §3.2): on calendar dates, the same day three months later, clamped to the end of a
shorter month, that last day included. It is a national rule, not a setting. A jury sitting later
is flagged (warning), never refused: the certifier may have its reasons, the page says them.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse

from cqpilot.core.french import compte
from cqpilot.core.mail import send_after_commit
from cqpilot.core.models import Role, User
from cqpilot.dossiers.acquis import add_months
from cqpilot.dossiers.documents import add_document
from cqpilot.dossiers.models import DocumentType, Dossier, DossierState, VoieAcces
from cqpilot.dossiers.workflow import ACCOMPAGNATEUR, CERTIFICATEUR, OF, TransitionRefusee, actor_of
from cqpilot.jurys.models import Deliberation, Jury, JuryStatus

from .models import DossierValidationVae
from .recevabilite import VaeRefus, today

DELAI_JURY_MOIS = 3  # « avant la fin du 3e mois » suivant le dépôt (domaine.md §3.2)
HORIZON_JOURS = 15  # the « À faire » home warns this many days before the deadline
ETATS_DEPOT = (DossierState.RECEVABLE, DossierState.EN_FORMATION, DossierState.EN_EVALUATION)


def jury_avant_le(deposee_le: date) -> date:
    """The last day the jury may sit for a dossier de validation filed on `deposee_le`."""
    return add_months(deposee_le, DELAI_JURY_MOIS)


def validation_of(dossier: Dossier) -> DossierValidationVae | None:
    return DossierValidationVae.objects.filter(dossier=dossier).select_related("document").first()


def refus_depot(dossier: Dossier, by: User) -> str | None:
    """Why `by` may not file this dossier's dossier de validation now (None: they may)."""
    if actor_of(by, dossier) not in (CERTIFICATEUR, OF, ACCOMPAGNATEUR):
        return (
            "Réservé aux gestionnaires du certificateur, à l'organisme et à l'accompagnateur VAE "
            "du dossier."
        )
    if dossier.voie_acces != VoieAcces.VAE:
        return "Seul un dossier de VAE a un dossier de validation."
    if (validation := validation_of(dossier)) is not None:
        return f"Le dossier de validation a déjà été déposé le {validation.deposee_le:%d/%m/%Y}."
    if dossier.state not in ETATS_DEPOT:
        return (
            f"Le dossier est « {dossier.get_state_display()} » : le dossier de validation se "
            "dépose sur un dossier recevable, en formation ou en évaluation."
        )
    return None


def _managers_emails(dossier: Dossier) -> list[str]:
    managers = User.objects.filter(
        is_active=True,
        organisation__in=dossier.certification.certificateurs.all(),
        roles__code__in=[Role.GESTIONNAIRE, Role.ADMINISTRATEUR],
    ).exclude(email="")
    return sorted(set(managers.values_list("email", flat=True)))


@transaction.atomic
def deposer_validation(
    dossier: Dossier, upload: UploadedFile, *, by: User, le: date | None = None
) -> DossierValidationVae:
    """Files the dossier de validation received on `le` (today by default), or raises VaeRefus."""
    day = today()
    le = le or day
    dossier = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("candidat", "certification")
        .get(pk=dossier.pk)
    )  # one filing at a time per dossier
    if refus := refus_depot(dossier, by):
        raise VaeRefus(refus)
    if le > day:
        raise VaeRefus("La date de dépôt ne peut pas être à venir.")
    if le < dossier.date_inscription:
        raise VaeRefus(
            f"La date de dépôt ne peut pas précéder l'inscription du "
            f"{dossier.date_inscription:%d/%m/%Y}."
        )
    try:
        document = add_document(dossier, upload, type=DocumentType.DOSSIER_VALIDATION, by=by)
    except TransitionRefusee as refusal:
        raise VaeRefus(refusal.message) from refusal
    validation = DossierValidationVae.objects.create(
        dossier=dossier,
        document=document,
        deposee_le=le,
        deposee_par=by,
        jury_avant_le=jury_avant_le(le),
    )
    if actor_of(by, dossier) in (OF, ACCOMPAGNATEUR) and (to := _managers_emails(dossier)):
        url = settings.PUBLIC_URL + reverse("dossiers:dossier_detail", args=[dossier.pk])
        send_after_commit(
            subject=f"Dossier de validation VAE de {dossier.candidat}",
            body=(
                "Bonjour,\n\n"
                f"{by.organisation} dépose le dossier de validation VAE de {dossier.candidat} "
                f"pour « {dossier.certification.intitule} », reçu le {le:%d/%m/%Y}.\n\n"
                f"Le jury doit siéger au plus tard le {validation.jury_avant_le:%d/%m/%Y}.\n\n"
                f"{url}\n"
            ),
            to=to,
        )
    return validation


def texte_delai(validation: DossierValidationVae, on: date) -> str:
    """What the pages say of the jury's deadline on `on`."""
    limite = f"{validation.jury_avant_le:%d/%m/%Y}"
    left = (validation.jury_avant_le - on).days
    if left > 0:
        return f"jury au plus tard le {limite} ({compte(left, 'jour restant', 'jours restants')})"
    if left == 0:
        return f"jury au plus tard aujourd'hui, le {limite}"
    return (
        f"délai dépassé de {compte(-left, 'jour', 'jours')} : le jury devait siéger au plus "
        f"tard le {limite}"
    )


def is_late(validation: DossierValidationVae, jury: Jury) -> bool:
    return jury.date > validation.jury_avant_le


@dataclass(frozen=True)
class EtatValidation:
    """The dossier page's view of its dossier de validation."""

    validation: DossierValidationVae | None
    texte: str
    jurys: list[tuple[Jury, bool]]  # the juries that hold the dossier, and whether late
    proposes: list[Jury]  # juries in preparation, within the deadline, the dossier on none
    refus: str | None  # why the user may not file it (None: the form is shown)


def etat_validation(dossier: Dossier, user: User, on: date) -> EtatValidation:
    validation = validation_of(dossier)
    if validation is None:
        return EtatValidation(None, "", [], [], refus_depot(dossier, user))
    jurys = [
        (d.jury, is_late(validation, d.jury))
        for d in Deliberation.objects.filter(dossier=dossier).select_related("jury")
    ]
    proposes = []
    if not any(not late for _, late in jurys):
        proposes = list(
            Jury.objects.visible_to(user)
            .filter(
                certification=dossier.certification_id,
                status=JuryStatus.PREPARATION,
                date__gte=on,
                date__lte=validation.jury_avant_le,
            )
            .order_by("date", "pk")[:10]
        )
    return EtatValidation(validation, texte_delai(validation, on), jurys, proposes, "")


def retards(jury: Jury, dossiers: list[Dossier]) -> list[str]:
    """A warning for each VAE dossier this jury examines after its deadline."""
    validations = DossierValidationVae.objects.filter(
        dossier__in=[d.pk for d in dossiers], jury_avant_le__lt=jury.date
    ).select_related("dossier__candidat")
    return [
        f"Le jury du {jury.date:%d/%m/%Y} siège après la date limite du dossier de validation "
        f"VAE de {v.dossier.candidat} : déposé le {v.deposee_le:%d/%m/%Y}, il devait être "
        f"examiné au plus tard le {v.jury_avant_le:%d/%m/%Y} (fin du 3e mois)."
        for v in validations
    ]


def horizon(on: date) -> date:
    return on + timedelta(days=HORIZON_JOURS)
