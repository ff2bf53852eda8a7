"""Pièces exigées: what each certification's dossiers must hold, and from which state on.

A pièce exigée « à partir de l'état X » must be deposited, and not refused, before the dossier
enters X or any later state of the progression below (a dossier may skip a state: a non-VAE
dossier never becomes « recevable »). Moving back (unenrolment) or out (abandon, non
recevable) is never held up, nor is a jury's decision, taken once the dossier was presented.
A pièce's status is its latest document's: a new deposit replaces a refused one.
"""

from dataclasses import dataclass

from django.db import transaction

from cqpilot.core.french import accorde

from .models import Document, DocumentStatus, Dossier, DossierState, PieceExigee, PieceFormat

S = DossierState
PROGRESSION = {
    S.BROUILLON: 0,
    S.INSCRIT: 1,
    S.RECEVABLE: 2,
    S.EN_FORMATION: 3,
    S.EN_EVALUATION: 4,
    S.PRESENTE_JURY: 5,
    S.CERTIFIE: 6,
    S.VALIDATION_PARTIELLE: 6,
    S.NON_VALIDE: 6,
}

FORMAT_EXTENSIONS = {
    PieceFormat.PDF: (".pdf",),
    PieceFormat.JPEG: (".jpg", ".jpeg"),
    PieceFormat.PNG: (".png",),
    PieceFormat.ODT: (".odt",),
    PieceFormat.DOCX: (".docx",),
    PieceFormat.ODS: (".ods",),
    PieceFormat.XLSX: (".xlsx",),
}

MANQUANTE = "manquante"


@dataclass(frozen=True)
class EtatPiece:
    piece: PieceExigee
    document: Document | None  # its latest deposit

    @property
    def status(self) -> str:
        return self.document.status if self.document else MANQUANTE

    @property
    def label(self) -> str:
        if self.document is None:
            return "Manquante" if self.piece.etat_requis else "Non déposée (facultative)"
        if self.document.status == DocumentStatus.A_VERIFIER:
            return "Déposée, à vérifier"
        if self.document.status == DocumentStatus.REFUSE:
            return f"Refusée : {self.document.motif_refus}"
        return "Acceptée"

    @property
    def is_missing_or_refused(self) -> bool:
        return self.status in (MANQUANTE, DocumentStatus.REFUSE)


def formats_label(piece: PieceExigee) -> str:
    return ", ".join(PieceFormat(f).label.split(" ")[0] for f in piece.formats)


def format_problem(piece: PieceExigee, filename: str) -> str | None:
    """Why this file cannot be deposited as this pièce (its extension), in French, or None."""
    name = filename.lower()
    extensions = [e for f in piece.formats for e in FORMAT_EXTENSIONS.get(f, ())]
    if any(name.endswith(extension) for extension in extensions):
        return None
    return (
        f"« {piece.libelle} » : formats acceptés {formats_label(piece)} ; "
        f"le fichier « {filename} » n'en est pas un."
    )


def pieces_of(dossier: Dossier) -> list[PieceExigee]:
    """The pièces exigées that apply to the dossier (its certification, its voie d'accès)."""
    return [p for p in dossier.certification.pieces_exigees.all() if p.applies_to(dossier)]


def etat_pieces(dossier: Dossier, pieces: list[PieceExigee] | None = None) -> list[EtatPiece]:
    """Each pièce exigée of the dossier with its latest document (two queries)."""
    pieces = pieces_of(dossier) if pieces is None else pieces
    latest: dict[int, Document] = {}
    for document in Document.objects.filter(dossier=dossier, piece__in=pieces).order_by(
        "uploaded_at", "pk"
    ):
        latest[document.piece_id] = document
    return [EtatPiece(piece, latest.get(piece.pk)) for piece in pieces]


def is_required_for(piece: PieceExigee, from_state: str, to_state: str) -> bool:
    if not piece.etat_requis or from_state not in PROGRESSION or to_state not in PROGRESSION:
        return False
    if PROGRESSION[to_state] <= PROGRESSION[from_state]:
        return False
    return PROGRESSION[piece.etat_requis] <= PROGRESSION[to_state]


def missing_for(dossier: Dossier, to_state: str) -> list[EtatPiece]:
    """The pièces that keep the dossier from entering `to_state`: missing or refused."""
    required = [p for p in pieces_of(dossier) if is_required_for(p, dossier.state, to_state)]
    if not required:
        return []
    return [etat for etat in etat_pieces(dossier, required) if etat.is_missing_or_refused]


def refusal_for(dossier: Dossier, to_state: str) -> str | None:
    """The French sentence refusing the transition for its pièces, or None."""
    missing = missing_for(dossier, to_state)
    if not missing:
        return None
    named = ", ".join(
        f"« {e.piece.libelle} » ({'refusée' if e.document else 'manquante'})" for e in missing
    )
    return (
        f"Le dossier ne peut pas passer à « {DossierState(to_state).label} » : "
        + accorde(
            len(missing),
            "pièce exigée manquante ou refusée",
            "pièces exigées manquantes ou refusées",
        )
        + f" : {named}."
    )


# --- Configuration by the certifier's managers ------------------------------------------------


class PieceRefusee(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@transaction.atomic
def delete_piece(piece: PieceExigee) -> None:
    """Deleted while no document was deposited for it; afterwards it can only be archived (the
    documents name it)."""
    if piece.documents.exists():
        raise PieceRefusee(
            f"Des documents ont été déposés pour « {piece.libelle} » : la pièce ne peut plus "
            "être supprimée. Archivez-la : elle ne sera plus demandée."
        )
    piece.delete()
