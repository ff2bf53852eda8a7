"""Aménagements d'épreuves: a candidate with a disability asks, from their espace, for adapted
épreuves (extra time, a human assistant, adapted equipment, accessible premises…) with a
supporting document; the certifier's managers decide, once (docs/amenagements.md).

Who reads what:
- the request's description and its justificatif (health data): the candidate and the
  certifier's managers only (DemandeAmenagement.objects.visible_to);
- the granted measures, without a word of the request: the session's page (its organiser), the
  évaluateurs' grid and the candidate's convocation (`granted_for`).

No HTTP here; each write and its journal entry (auditlog) are one transaction.
"""

from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cqpilot.core.mail import send_after_commit
from cqpilot.core.models import Role, User
from cqpilot.dossiers.documents import upload_problem
from cqpilot.dossiers.models import Dossier
from cqpilot.dossiers.workflow import CANDIDAT, CERTIFICATEUR, FINAL_STATES, actor_of

from .models import GRANTED, DemandeAmenagement, StatutAmenagement, TypeAmenagement


class AmenagementRefus(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def may_request(dossier: Dossier, user: User) -> bool:
    """The dossier's candidate, from their espace, while the dossier is open."""
    return actor_of(user, dossier) == CANDIDAT and dossier.state not in FINAL_STATES


def pending_request(dossier: Dossier) -> DemandeAmenagement | None:
    return dossier.demandes_amenagement.filter(statut=StatutAmenagement.A_DECIDER).first()


def _clean_types(types: Iterable[str]) -> list[str]:
    known = [value for value, _label in TypeAmenagement.choices]
    chosen = set(types)
    return [value for value in known if value in chosen]  # in the list's order, no duplicate


@transaction.atomic
def request_amenagement(
    dossier: Dossier,
    *,
    types: Sequence[str],
    description: str,
    justificatif: UploadedFile,
    by: User,
) -> DemandeAmenagement:
    """Record the candidate's request and tell the certifier's gestionnaires (after commit)."""
    if actor_of(by, dossier) != CANDIDAT:
        raise AmenagementRefus("Seul le candidat demande un aménagement, depuis son espace.")
    if dossier.state in FINAL_STATES:
        raise AmenagementRefus("Ce dossier est clos : il n'y a plus d'épreuve à aménager.")
    Dossier.objects.select_for_update().filter(pk=dossier.pk).first()  # one pending at a time
    if pending_request(dossier) is not None:
        raise AmenagementRefus(
            "Une demande d'aménagement attend déjà la décision du certificateur pour ce dossier."
        )
    types = _clean_types(types)
    if not types:
        raise AmenagementRefus("Choisissez au moins un type d'aménagement.")
    if not description.strip():
        raise AmenagementRefus("Décrivez votre besoin : le certificateur en a besoin pour décider.")
    if problem := upload_problem(justificatif):
        raise AmenagementRefus(problem)
    demande = DemandeAmenagement.objects.create(
        dossier=dossier,
        types=types,
        description=description.strip(),
        justificatif=justificatif,
        justificatif_nom=justificatif.name[:255],
        demande_par=by,
    )
    _tell_gestionnaires(demande)
    return demande


def _gestionnaires_emails(dossier: Dossier) -> list[str]:
    managers = User.objects.filter(
        is_active=True,
        organisation__in=dossier.certification.certificateurs.all(),
        roles__code=Role.GESTIONNAIRE,
    ).exclude(email="")
    return sorted(set(managers.values_list("email", flat=True)))


def _tell_gestionnaires(demande: DemandeAmenagement) -> None:
    dossier = demande.dossier
    to = _gestionnaires_emails(dossier)
    if not to:
        return  # the « À faire » home still counts it
    url = settings.PUBLIC_URL + reverse("evaluations:amenagement_decider", args=[demande.pk])
    # No word of the need nor of the document in an e-mail: they are read in cqpilot.
    send_after_commit(
        subject=f"Demande d'aménagement d'épreuves : {dossier.candidat}",
        body=(
            "Bonjour,\n\n"
            f"{dossier.candidat} demande un aménagement des épreuves de la certification "
            f"« {dossier.certification.intitule} ».\n\n"
            f"Consultez sa demande et décidez-la dans cqpilot :\n\n{url}\n"
        ),
        to=to,
    )


@transaction.atomic
def decide_amenagement(
    demande: DemandeAmenagement,
    *,
    statut: str,
    types_accordes: Sequence[str] = (),
    precisions: str = "",
    motivation: str = "",
    by: User,
) -> DemandeAmenagement:
    """The certifier's decision, taken once: a decided request is never changed again (a new
    request may follow). The candidate is told by e-mail after commit."""
    demande = DemandeAmenagement.objects.select_for_update().get(pk=demande.pk)
    dossier = demande.dossier
    if actor_of(by, dossier) != CERTIFICATEUR:
        raise AmenagementRefus(
            "Seuls les gestionnaires du certificateur décident des aménagements."
        )
    if demande.is_decided:
        raise AmenagementRefus(
            f"Cette demande a déjà été décidée le {timezone.localtime(demande.decide_at):%d/%m/%Y}"
            " : la décision ne change plus. Le candidat peut déposer une nouvelle demande."
        )
    if statut not in (*GRANTED, StatutAmenagement.REFUSE):
        raise AmenagementRefus("Choisissez la décision : accordé, accordé partiellement ou refusé.")
    types_accordes = _clean_types(types_accordes)
    motivation = motivation.strip()
    if statut in GRANTED and not types_accordes:
        raise AmenagementRefus("Cochez les aménagements accordés.")
    if statut == StatutAmenagement.REFUSE:
        types_accordes, precisions = [], ""
    if statut != StatutAmenagement.ACCORDE and not motivation:
        raise AmenagementRefus(
            "Motivez la décision : le candidat doit savoir pourquoi tout n'est pas accordé."
        )
    demande.statut = statut
    demande.types_accordes = types_accordes
    demande.precisions = precisions.strip()[:300]
    demande.motivation = motivation
    demande.decide_par = by
    demande.decide_at = timezone.now()
    demande.save()
    _tell_candidat(demande)
    return demande


def _tell_candidat(demande: DemandeAmenagement) -> None:
    candidat = demande.dossier.candidat
    email = candidat.compte.email if candidat.compte_id else candidat.email
    if not email:
        return
    lines = [
        f"Bonjour {candidat.prenom1},\n",
        f"Le certificateur a décidé de votre demande d'aménagement des épreuves de la "
        f"certification « {demande.dossier.certification.intitule} » : "
        f"{demande.get_statut_display().lower()}.",
    ]
    if demande.is_granted:
        lines.append(f"Aménagements accordés : {demande.accordes_display}.")
    if demande.motivation:
        lines.append(f"Motivation : {demande.motivation}")
    lines.append(
        f"\nLa décision est aussi dans votre espace candidat : {settings.PUBLIC_URL}/espace/"
    )
    send_after_commit(
        subject="Décision sur votre demande d'aménagement d'épreuves",
        body="\n".join(lines) + "\n",
        to=[email],
    )


def granted_for(dossier_ids: Iterable[int]) -> dict[int, list[DemandeAmenagement]]:
    """The granted requests of each dossier, oldest first, in one query: what the session's
    organiser and the évaluateurs read (`accordes_display`), never the justificatif."""
    granted: dict[int, list[DemandeAmenagement]] = {}
    rows = (
        DemandeAmenagement.objects.granted()
        .filter(dossier__in=list(dossier_ids))
        .only("pk", "dossier_id", "statut", "types_accordes", "precisions", "decide_at")
        .order_by("decide_at", "pk")
    )
    for demande in rows:
        granted.setdefault(demande.dossier_id, []).append(demande)
    return granted


def to_decide_for(user: User):
    """The requests waiting for this certifier manager's decision."""
    return DemandeAmenagement.objects.visible_to(user).filter(statut=StatutAmenagement.A_DECIDER)
