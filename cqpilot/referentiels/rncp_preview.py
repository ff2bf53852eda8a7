"""The import page's two steps: the upload is checked and kept on a preview record of the
organisation, then imported from that record when a manager confirms, everything decided again."""

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from cqpilot.core.models import Organisation, User

from .models import ImportStatus, RncpImport
from .rncp_import import check_into, import_into, new_report
from .services import OperationRefusee


def preview_rncp_upload(
    upload: UploadedFile,
    *,
    fiche: str = "",
    organisation: Organisation | None,
    by: User,
    keep_valid: bool = False,
    as_model: bool = False,
) -> RncpImport:
    """The first step of the import page: check the upload and, when something can be imported,
    keep it on a preview record until the user confirms (confirm_rncp_import)."""
    report = new_report(upload, upload.name, fiche, organisation, by, keep_valid, as_model)
    check_into(report, upload)
    if report.status == ImportStatus.APERCU:
        upload.seek(0)
        report.fichier_depose.save(upload.name, upload, save=False)
    report.save()
    return report


def confirm_rncp_import(report: RncpImport) -> RncpImport:
    """Run the import of a preview from its stored file, with its options and its organisation.

    Everything is decided again: who certifies what may have changed since the preview.
    """
    with transaction.atomic():
        # Claims the preview: a second confirmation (double click, two managers) finds none.
        if not RncpImport.objects.filter(pk=report.pk, status=ImportStatus.APERCU).update(
            status=ImportStatus.ECHOUE
        ):
            raise OperationRefusee(["Cet import n'est plus en attente de confirmation."])
        for name in ("fiches_lues", "fiches_importees", "fiches_refusees"):
            setattr(report, name, 0)
        report.certifications_creees = report.blocs_importes = 0
        report.errors, report.warnings, report.detail = [], [], []
        try:
            stored = report.fichier_depose.open("rb")
        except (OSError, ValueError) as error:
            raise OperationRefusee(
                ["Le fichier déposé est introuvable : annulez cet import et recommencez."]
            ) from error
        with stored:
            import_into(report, stored)
        _forget_upload(report)
        report.save()
    return report


def cancel_rncp_import(report: RncpImport) -> None:
    """Drop a preview and its stored file; nothing is imported."""
    with transaction.atomic():
        if not RncpImport.objects.filter(pk=report.pk, status=ImportStatus.APERCU).update(
            status=ImportStatus.ANNULE
        ):
            raise OperationRefusee(["Cet import n'est plus en attente de confirmation."])
        report.status = ImportStatus.ANNULE
        _forget_upload(report)
        report.save(update_fields=["fichier_depose"])


def _forget_upload(report: RncpImport) -> None:
    """The stored upload goes once the preview is used (deleted after commit)."""
    name = report.fichier_depose.name
    storage = report.fichier_depose.storage
    report.fichier_depose = ""
    if name:
        transaction.on_commit(lambda: storage.delete(name))
