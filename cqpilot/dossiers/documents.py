"""Documents of a dossier: deposit by the OF or the certifier, check by the certifier."""

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from cqpilot.core.models import User
from cqpilot.core.uploads import size_problem

from .models import Document, DocumentStatus, DocumentType, Dossier, PieceExigee
from .pieces import EtatPiece, etat_pieces, format_problem, pieces_of
from .workflow import ACCOMPAGNATEUR, CANDIDAT, CERTIFICATEUR, OF, TransitionRefusee, actor_of

ALLOWED_EXTENSIONS = {".pdf", ".jpg", ".jpeg", ".png", ".odt", ".docx", ".xlsx", ".ods"}


def upload_problem(upload: UploadedFile) -> str | None:
    name = upload.name.lower()
    if not any(name.endswith(extension) for extension in ALLOWED_EXTENSIONS):
        return "Formats acceptés : PDF, JPG, PNG, ODT, DOCX, XLSX, ODS."
    return size_problem(upload, settings.PIECE_MAX_SIZE)


def may_deposit(piece: PieceExigee, actor: str | None) -> bool:
    """Whether a user acting as `actor` on the dossier may deposit this pièce."""
    return (
        (actor == CERTIFICATEUR and piece.depot_certificateur)
        or (actor == OF and piece.depot_of and piece.visible_of)
        # the accompanist files what the OF or the candidate may, never the certifier's own
        or (
            actor == ACCOMPAGNATEUR
            and (piece.depot_of or piece.depot_candidat)
            and piece.visible_of
        )
        or (actor == CANDIDAT and piece.depot_candidat)
    )


def depositable_pieces(dossier: Dossier, by: User) -> list[PieceExigee]:
    actor = actor_of(by, dossier)
    return [p for p in pieces_of(dossier) if may_deposit(p, actor)]


def pieces_shown_to(dossier: Dossier, user: User) -> list[EtatPiece]:
    """The dossier page's pièces exigées and their status: for those who see its documents, the
    OF without the pièces the certifier keeps to itself."""
    actor = actor_of(user, dossier)
    if actor is None:
        return []
    pieces = [p for p in pieces_of(dossier) if actor == CERTIFICATEUR or p.visible_of]
    return etat_pieces(dossier, pieces) if pieces else []


def add_document(
    dossier: Dossier,
    upload: UploadedFile,
    *,
    type: str = DocumentType.AUTRE,
    by: User,
    piece: PieceExigee | None = None,
) -> Document:
    actor = actor_of(by, dossier)
    if actor is None:
        raise TransitionRefusee("Vous ne pouvez pas déposer de document dans ce dossier.")
    if piece is None and actor == CANDIDAT:
        raise TransitionRefusee("Choisissez la pièce demandée que vous déposez.")
    if piece is not None:
        if piece.certification_id != dossier.certification_id or not piece.applies_to(dossier):
            raise TransitionRefusee(f"« {piece.libelle} » n'est pas demandée dans ce dossier.")
        if not may_deposit(piece, actor):
            raise TransitionRefusee(f"Vous ne pouvez pas déposer « {piece.libelle} ».")
        if problem := format_problem(piece, upload.name):
            raise TransitionRefusee(problem)
        type = DocumentType.AUTRE
    if problem := upload_problem(upload):
        raise TransitionRefusee(problem)
    return Document.objects.create(
        dossier=dossier,
        piece=piece,
        type=type,
        fichier=upload,
        nom=upload.name[:255],
        uploaded_by=by,
    )


@transaction.atomic
def check_document(document: Document, *, accept: bool, by: User, motif: str = "") -> Document:
    if actor_of(by, document.dossier) != CERTIFICATEUR:
        raise TransitionRefusee("Seul le certificateur valide ou refuse les documents.")
    if not accept and not motif.strip():
        raise TransitionRefusee("Indiquez le motif du refus : l'organisme saura quoi corriger.")
    document.status = DocumentStatus.VALIDE if accept else DocumentStatus.REFUSE
    document.motif_refus = "" if accept else motif.strip()
    document.checked_by = by
    document.checked_at = timezone.now()
    document.save()
    return document
