"""Batch issuance in the background: progress kept in the shared cache (the batch is one
transaction, so the database shows nothing before it ends), results on the LotDelivrance."""

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from .documents import verification_url
from .models import LotDelivrance, LotStatus
from .services import a_delivrer, issue_all


def progress_key(lot_pk: int) -> str:
    return f"delivrance-lot-{lot_pk}"


def progress_of(lot: LotDelivrance) -> tuple[int, int]:
    """(documents laid out and rendered, total) while the lot runs."""
    if lot.status == LotStatus.TERMINE:
        return lot.total, lot.total
    return cache.get(progress_key(lot.pk), (0, 1))


@task()
def issue_lot(lot_pk: int) -> None:
    lot = LotDelivrance.objects.select_related("jury", "created_by").get(pk=lot_pk)
    dossiers = a_delivrer(lot.jury)
    lot.status, lot.total = LotStatus.EN_COURS, len(dossiers)
    lot.save(update_fields=["status", "total"])

    def progress(done: int, total: int) -> None:
        cache.set(progress_key(lot.pk), (done, total), timeout=3600)

    try:
        documents, refusals = issue_all(dossiers, by=lot.created_by, progress=progress)
    except Exception as error:
        lot.status, lot.erreur = LotStatus.ECHEC, f"{type(error).__name__} : {error}"
        lot.finished_at = timezone.now()
        lot.save(update_fields=["status", "erreur", "finished_at"])
        raise
    with transaction.atomic():
        lot.documents.set(documents)
        lot.refusals = refusals
        if lot.envoyer_courriels:
            lot.courriels_envoyes = send_documents(documents)
        lot.status, lot.finished_at = LotStatus.TERMINE, timezone.now()
        lot.save()
    cache.delete(progress_key(lot.pk))


def send_documents(documents) -> int:
    """Each holder with an e-mail address receives the PDF and the links to verify it and to
    download the badge."""
    sent = 0
    for document in documents:
        candidat = document.dossier.candidat
        if not candidat.email:
            continue
        message = EmailMessage(
            f"{document.get_kind_display()} — {document.certification.intitule}",
            render_to_string(
                "delivrance/courriel_titulaire.txt",
                {
                    "document": document,
                    "candidat": candidat,
                    "url": verification_url(document.code),
                },
            ),
            settings.DEFAULT_FROM_EMAIL,
            [candidat.email],
        )
        with document.pdf.open("rb") as pdf:
            message.attach(f"{document.numero}.pdf", pdf.read(), "application/pdf")
        message.send()
        sent += 1
    return sent
