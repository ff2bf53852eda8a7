"""Documents of a dossier: deposit by the OF or the certifier, check by the certifier."""

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from cqpilot.core.models import User
from cqpilot.core.uploads import size_problem

from .models import Document, DocumentStatus, Dossier
from .workflow import CERTIFICATEUR, TransitionRefusee, actor_of

ALLOWED_EXTENSIONS = {".pdf", ".jpg", ".jpeg", ".png", ".odt", ".docx", ".xlsx", ".ods"}


def upload_problem(upload: UploadedFile) -> str | None:
    name = upload.name.lower()
    if not any(name.endswith(extension) for extension in ALLOWED_EXTENSIONS):
        return "Formats acceptés : PDF, JPG, PNG, ODT, DOCX, XLSX, ODS."
    return size_problem(upload, settings.PIECE_MAX_SIZE)


def add_document(dossier: Dossier, upload: UploadedFile, *, type: str, by: User) -> Document:
    if actor_of(by, dossier) is None:
        raise TransitionRefusee("Vous ne pouvez pas déposer de document dans ce dossier.")
    if problem := upload_problem(upload):
        raise TransitionRefusee(problem)
    return Document.objects.create(
        dossier=dossier, type=type, fichier=upload, nom=upload.name[:255], uploaded_by=by
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
