"""Reminders about pièces exigées: the OF of each open dossier holding up on one is e-mailed,
not more than once every `every_days` days per dossier (Dossier.pieces_relancees_le, journaled
with the dossier). The candidate will be told too once the candidate space exists."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from cqpilot.core.french import compte
from cqpilot.core.mail import send_after_commit
from cqpilot.core.models import Role, User

from .models import Dossier, PieceExigee
from .pieces import EtatPiece, etat_pieces, pieces_of
from .workflow import OPEN_STATES

DEFAULT_EVERY_DAYS = 7


@dataclass
class Bilan:
    relances: int = 0
    sans_destinataire: int = 0
    dossiers: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{compte(self.relances, 'relance envoyée', 'relances envoyées')}, "
            f"{compte(self.sans_destinataire, 'dossier')} sans destinataire"
        )


def pieces_a_relancer(dossier: Dossier) -> list[EtatPiece]:
    """The OF's pièces still expected: required from some state on, visible to the OF and
    missing or refused."""
    pieces = [p for p in pieces_of(dossier) if p.etat_requis and p.visible_of and p.depot_of]
    return [e for e in etat_pieces(dossier, pieces) if e.is_missing_or_refused] if pieces else []


def _recipients(organisme_id: int | None) -> list[str]:
    if organisme_id is None:
        return []
    users = User.objects.filter(
        organisation=organisme_id, is_active=True, roles__code=Role.ORGANISME_FORMATION
    ).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def send_reminders(*, today: date, every_days: int = DEFAULT_EVERY_DAYS) -> Bilan:
    bilan = Bilan()
    recipients: dict[int | None, list[str]] = {}  # by OF: one query per OF, not per dossier
    due = (
        Dossier.objects.filter(
            state__in=OPEN_STATES,
            certification__in=PieceExigee.objects.filter(archivee=False)
            .exclude(etat_requis="")
            .values("certification"),
        )
        .filter(
            Q(pieces_relancees_le__isnull=True)
            | Q(pieces_relancees_le__lte=today - timedelta(days=every_days))
        )
        .select_related("candidat", "certification", "organisme")
        .prefetch_related("certification__pieces_exigees")
        .order_by("pk")
    )
    for dossier in due.iterator(chunk_size=200):
        missing = pieces_a_relancer(dossier)
        if not missing:
            continue
        if dossier.organisme_id not in recipients:
            recipients[dossier.organisme_id] = _recipients(dossier.organisme_id)
        to = recipients[dossier.organisme_id]
        if not to:
            bilan.sans_destinataire += 1
            continue
        with transaction.atomic():
            send_after_commit(
                subject=f"Pièces à déposer : {dossier.candidat} — {dossier.certification.intitule}",
                body=render_to_string(
                    "dossiers/courriel_relance_pieces.txt",
                    {
                        "dossier": dossier,
                        "pieces": missing,
                        "url": settings.PUBLIC_URL
                        + reverse("dossiers:dossier_detail", args=[dossier.pk]),
                    },
                ),
                to=to,
            )
            dossier.pieces_relancees_le = today
            dossier.save(update_fields=["pieces_relancees_le", "updated_at"])
        bilan.relances += 1
        bilan.dossiers.append(dossier.pk)
    return bilan
