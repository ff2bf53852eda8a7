"""Reminders about pièces exigées: for each open dossier holding up on one, its OF is e-mailed
the pièces it deposits, and the candidate the pièces they deposit from their espace (when they
have an active account: without one they could not deposit), not more than once every
`every_days` days per dossier (Dossier.pieces_relancees_le, journaled with the dossier)."""

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
from cqpilot.core.permissions import is_candidat_account

from .models import Dossier, PieceExigee
from .pieces import EtatPiece, etat_pieces, pieces_of
from .workflow import OPEN_STATES

DEFAULT_EVERY_DAYS = 7


@dataclass
class Bilan:
    relances: int = 0  # to OFs
    relances_candidats: int = 0
    sans_destinataire: int = 0
    dossiers: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        sent = ("relance envoyée", "relances envoyées")
        return (
            f"{compte(self.relances, *sent)} aux organismes, "
            f"{compte(self.relances_candidats, *sent)} aux candidats, "
            f"{compte(self.sans_destinataire, 'dossier')} sans destinataire"
        )


def _of_deposits(piece: PieceExigee) -> bool:
    return piece.visible_of and piece.depot_of


def _still_expected(dossier: Dossier) -> list[EtatPiece]:
    """The pièces required from some state on that someone reminded deposits, missing or
    refused (one query for the documents of both)."""
    pieces = [
        p for p in pieces_of(dossier) if p.etat_requis and (_of_deposits(p) or p.depot_candidat)
    ]
    return [e for e in etat_pieces(dossier, pieces) if e.is_missing_or_refused] if pieces else []


def pieces_a_relancer(dossier: Dossier) -> list[EtatPiece]:
    """The OF's pièces still expected: required from some state on, visible to the OF and
    missing or refused."""
    return [e for e in _still_expected(dossier) if _of_deposits(e.piece)]


def _candidate_address(dossier: Dossier) -> str | None:
    """The address of the candidate's espace, when their account reaches it: a staff account
    linked to the candidate signs in to the staff pages and gets no login link."""
    account = dossier.candidat.compte
    if account is None or not account.is_active or not account.email:
        return None
    return account.email if is_candidat_account(account) else None


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
        .select_related("candidat__compte", "certification", "organisme")
        .prefetch_related("certification__pieces_exigees")
        .order_by("pk")
    )
    for dossier in due.iterator(chunk_size=200):
        expected = _still_expected(dossier)
        if not expected:
            continue
        for_of = [e for e in expected if _of_deposits(e.piece)]
        for_candidate = [e for e in expected if e.piece.depot_candidat]
        if for_of and dossier.organisme_id not in recipients:
            recipients[dossier.organisme_id] = _recipients(dossier.organisme_id)
        of_to = recipients[dossier.organisme_id] if for_of else []
        candidate_to = _candidate_address(dossier) if for_candidate else None
        if not of_to and candidate_to is None:
            bilan.sans_destinataire += 1
            continue
        with transaction.atomic():
            if of_to:
                _remind_of(dossier, for_of, of_to)
                bilan.relances += 1
            if candidate_to is not None:
                _remind_candidate(dossier, for_candidate, candidate_to)
                bilan.relances_candidats += 1
            dossier.pieces_relancees_le = today
            dossier.save(update_fields=["pieces_relancees_le", "updated_at"])
        bilan.dossiers.append(dossier.pk)
    return bilan


def _remind_of(dossier: Dossier, pieces: list[EtatPiece], to: list[str]) -> None:
    send_after_commit(
        subject=f"Pièces à déposer : {dossier.candidat} — {dossier.certification.intitule}",
        body=render_to_string(
            "dossiers/courriel_relance_pieces.txt",
            {
                "dossier": dossier,
                "pieces": pieces,
                "url": settings.PUBLIC_URL + reverse("dossiers:dossier_detail", args=[dossier.pk]),
            },
        ),
        to=to,
    )


def _remind_candidate(dossier: Dossier, pieces: list[EtatPiece], to: str) -> None:
    espace = settings.PUBLIC_URL + reverse("espace:accueil")
    send_after_commit(
        subject=(f"Pièces à déposer dans votre espace candidat — {dossier.certification.intitule}"),
        body=render_to_string(
            "dossiers/courriel_relance_pieces_candidat.txt",
            {
                "dossier": dossier,
                "pieces": pieces,
                "url": f"{espace}#dossier-{dossier.pk}",
                "lien_connexion": settings.PUBLIC_URL + reverse("espace:lien_connexion"),
            },
        ),
        to=[to],
    )
