"""Batch issuance in the background: progress kept in the cache, shared by the worker and the
web servers (the batch is one transaction, so the database shows nothing before it ends),
results on the LotDelivrance. The holders' e-mails are queued for the mail worker (core.mail)
when the lot commits.

The progress is only shown: a cache that fails (a Redis that stopped answering) leaves the bar
at 0 % until the lot ends, and never fails the lot."""

import logging
from contextlib import suppress

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import TaskResultStatus, task

from cqpilot.core.mail import Attachment, send_after_commit

from .documents import verification_url
from .models import LotDelivrance, LotStatus
from .services import a_delivrer, issue_all

logger = logging.getLogger(__name__)


def progress_key(lot_pk: int) -> str:
    return f"delivrance-lot-{lot_pk}"


def progress_of(lot: LotDelivrance) -> tuple[int, int]:
    """(documents laid out and rendered, total) while the lot runs."""
    if lot.status == LotStatus.TERMINE:
        return lot.total, lot.total
    try:
        return cache.get(progress_key(lot.pk), (0, 1))
    except Exception as error:  # any engine's failure: the bar waits, the page still answers
        logger.warning("Lot %s: progress unreadable (%s)", lot.pk, type(error).__name__)
        return 0, 1


def record_progress(lot_pk: int, done: int, total: int) -> bool:
    """Called by the worker as the lot goes: any web server reads it (progress_of). False when
    the cache failed: the lot goes on without its bar."""
    try:
        cache.set(progress_key(lot_pk), (done, total), timeout=3600)
    except Exception as error:
        logger.warning("Lot %s: progress not recorded (%s)", lot_pk, type(error).__name__)
        return False
    return True


@task()
def issue_lot(lot_pk: int) -> None:
    """Issues the lot's documents in one transaction with the lot's outcome. Its worker killed
    midway, the database rolls all of it back, numbers included, and the worker that takes the
    task up (cqpilot.workers) starts it over. A run that finds the lot finished (the same task
    run again after its commit, or a second run that waited for the lot's lock) leaves it."""
    with transaction.atomic():  # committed at once: the page says « en cours »
        lot = LotDelivrance.objects.select_for_update().get(pk=lot_pk)
        if lot.status in (LotStatus.TERMINE, LotStatus.ECHEC):
            return
        lot.status, lot.total = LotStatus.EN_COURS, len(a_delivrer(lot.jury))
        lot.save(update_fields=["status", "total"])

    recording = True

    def progress(done: int, total: int) -> None:
        # Tried until the cache first fails: a Redis out of reach would otherwise cost the lot
        # a connection timeout at each of its three steps per document.
        nonlocal recording
        recording = recording and record_progress(lot.pk, done, total)

    try:
        with transaction.atomic():
            # Locked until the lot commits: a second run of it waits, then finds it finished.
            lot = LotDelivrance.objects.select_for_update().get(pk=lot_pk)
            if lot.status != LotStatus.EN_COURS:
                return
            dossiers = a_delivrer(lot.jury)
            documents, refusals = issue_all(dossiers, by=lot.created_by, progress=progress)
            lot.total = len(dossiers)
            lot.documents.set(documents)
            lot.refusals = refusals
            if lot.envoyer_courriels:
                lot.courriels_prevus = send_documents(documents, lot=lot)
            lot.status, lot.finished_at = LotStatus.TERMINE, timezone.now()
            lot.save()
    except Exception as error:
        LotDelivrance.objects.filter(pk=lot_pk, status=LotStatus.EN_COURS).update(
            status=LotStatus.ECHEC,
            erreur=f"{type(error).__name__} : {error}",
            finished_at=timezone.now(),
        )
        raise
    with suppress(Exception):  # left behind, the key expires within the hour
        cache.delete(progress_key(lot.pk))


INTERRUPTED = "le traitement a été interrompu (arrêt du worker qui l'exécutait), relancez-le."


def report_interrupted_lot(sender, task_result, **kwargs) -> None:
    """A lot whose workers were killed under it once too often (cqpilot.workers gave its task
    up): failed, with nothing of it issued, since each kill rolled its transaction back. A lot
    whose task failed otherwise before issuing: failed, with the error's kind."""
    if task_result.status != TaskResultStatus.FAILED:
        return
    if task_result.task.module_path != issue_lot.module_path:
        return
    errors = getattr(task_result, "errors", None) or []
    cause = errors[-1].exception_class_path if errors else ""
    if cause and not cause.endswith(".TaskInterrupted"):
        # failed before its issuing transaction (which reports its own error): say so, not that
        # a worker stopped
        erreur = f"le traitement a échoué ({cause.rsplit('.', 1)[-1]}), relancez-le."
    else:
        erreur = INTERRUPTED
    LotDelivrance.objects.filter(
        pk=task_result.args[0], status__in=[LotStatus.EN_ATTENTE, LotStatus.EN_COURS]
    ).update(status=LotStatus.ECHEC, erreur=erreur, finished_at=timezone.now())


def record_courriel_envoye(lot_pk: int) -> None:
    """Called by the mail worker once a holder's e-mail has left."""
    LotDelivrance.objects.filter(pk=lot_pk).update(courriels_envoyes=F("courriels_envoyes") + 1)


def record_courriel_refuse(lot_pk: int, numero: str, reason: str) -> None:
    """Called by the mail worker when it gives a holder's e-mail up."""
    lot = LotDelivrance.objects.select_for_update().get(pk=lot_pk)
    lot.courriels_en_echec.append(numero)
    lot.save(update_fields=["courriels_en_echec"])


def send_documents(documents, *, lot: LotDelivrance) -> int:
    """Each holder with an e-mail address receives the PDF and the links to verify it and to
    download the badge, after the commit; returns how many e-mails were queued."""
    queued = 0
    for document in documents:
        candidat = document.dossier.candidat
        if not candidat.email:
            continue
        send_after_commit(
            subject=f"{document.get_kind_display()} — {document.certification.intitule}",
            body=render_to_string(
                "delivrance/courriel_titulaire.txt",
                {
                    "document": document,
                    "candidat": candidat,
                    "url": verification_url(document.code),
                },
            ),
            to=[candidat.email],
            attachments=[
                Attachment.stored(
                    document.pdf.name, filename=f"{document.numero}.pdf", mimetype="application/pdf"
                )
            ],
            on_sent=(record_courriel_envoye, [lot.pk]),
            on_failed=(record_courriel_refuse, [lot.pk, document.numero]),
        )
        queued += 1
    return queued
