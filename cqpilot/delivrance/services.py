"""Issuing, cancelling and batching the documents of the registre. No HTTP here."""

import hashlib
import io
import os
import secrets
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.dispatch import Signal
from django.utils import timezone

from cqpilot.core.french import accorde
from cqpilot.core.models import User
from cqpilot.core.pdf import Rendered, Source, html_to_pdf, pdf_text, render_all
from cqpilot.dossiers.acquis import carried_over
from cqpilot.dossiers.models import Dossier, DossierState
from cqpilot.jurys.models import BlocResultat, Deliberation, Jury, JuryStatus
from cqpilot.jurys.pv import decision_date
from cqpilot.jurys.services import regles_of
from cqpilot.referentiels.models import Bloc

from .credentials import STATUS_LIST_SIZE, sign_credential
from .documents import document_source
from .mentions import (
    Mentions,
    mentions,
    missing_from_text,
    missing_mentions,
    registration_warning,
)
from .models import DocumentDelivre, DocumentKind, DocumentStatus, ModeleParchemin
from .numbering import next_number

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed


class DelivranceRefus(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Sent inside the transaction that issues or cancels a document (sender: DocumentDelivre,
# document=…): what follows from it (the passages to deposit at the CDC) is written with it.
document_issued = Signal()
document_cancelled = Signal()


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


def _decision(dossier: Dossier) -> Deliberation:
    deliberation = (
        Deliberation.objects.filter(dossier=dossier, jury__status=JuryStatus.SIGNE)
        .select_related("jury")
        .order_by("-jury__date")
        .first()
    )
    if deliberation is None:
        raise DelivranceRefus(f"Aucune décision de jury signée pour {dossier.candidat}.")
    return deliberation


def kind_for(dossier: Dossier) -> str:
    if dossier.state == DossierState.CERTIFIE:
        return DocumentKind.PARCHEMIN
    if dossier.state == DossierState.VALIDATION_PARTIELLE:
        return DocumentKind.ATTESTATION
    raise DelivranceRefus(
        f"Le dossier de {dossier.candidat} est « {dossier.get_state_display()} » : "
        "aucun document à délivrer."
    )


def too_early(jury: Jury, on: date) -> str | None:
    """Why nothing of this jury may be issued on `on`, in French: the CPNE has not validated
    the decision yet when the rules require it, or `on` comes before the decision."""
    if regles_of(jury).validation_cpne and not jury.date_validation_cpne:
        return "La CPNE n'a pas encore validé la décision du jury."
    decided_on = decision_date(jury)
    if on < decided_on:
        what = "la validation de la CPNE" if jury.date_validation_cpne else "la décision du jury"
        return (
            f"Un document ne peut pas être délivré le {on:%d/%m/%Y}, avant {what} du "
            f"{decided_on:%d/%m/%Y}."
        )
    return None


def blocs_attested(deliberation: Deliberation, kind: str) -> list[Bloc]:
    """The blocs the document records, prints and puts in its badge: those the jury validated
    and, on a parchemin, those the holder already held that counted for it (équivalence,
    earlier jury). An optional bloc not obtained is in none of them."""
    dossier = deliberation.dossier
    obtained = set(
        deliberation.blocs.filter(resultat=BlocResultat.VALIDE).values_list("bloc_id", flat=True)
    )
    if kind == DocumentKind.PARCHEMIN:
        held = carried_over(dossier.candidat, dossier.version, on=deliberation.jury.date)
        obtained |= {report.bloc.pk for report in held}
    return list(dossier.version.blocs.filter(pk__in=obtained).order_by("ordre", "code"))


@dataclass
class _Pending:
    """A document checked and numbered, waiting for its PDF."""

    document: DocumentDelivre
    blocs: list
    mentions: Mentions
    source: Source


def _prepare(dossier: Dossier, *, by: User, on: date) -> _Pending:
    """Check what the jury's decision calls for, take the next number, record the register's
    line and lay the document out; inside the issuing transaction."""
    dossier = (
        Dossier.objects.select_for_update()
        .select_related("candidat", "certification", "version")
        .get(pk=dossier.pk)
    )
    kind = kind_for(dossier)
    if existing := DocumentDelivre.objects.filter(
        dossier=dossier, kind=kind, status=DocumentStatus.VALIDE
    ).first():
        raise DelivranceRefus(
            f"{existing.get_kind_display()} déjà délivré à {dossier.candidat} (n° {existing.numero})."
        )
    deliberation = _decision(dossier)
    jury = deliberation.jury
    if refusal := too_early(jury, on):
        raise DelivranceRefus(refusal)
    certification = dossier.certification
    organisation = jury.organisation
    modele = ModeleParchemin.objects.filter(organisation=organisation).first()
    lieu = modele.lieu_delivrance if modele else ""
    if missing := missing_mentions(certification, dossier.candidat, modele, lieu):
        raise DelivranceRefus(
            "Délivrance impossible, "
            + accorde(
                len(missing), "mention obligatoire manquante", "mentions obligatoires manquantes"
            )
            + " : "
            + " ; ".join(missing)
            + "."
        )
    blocs = blocs_attested(deliberation, kind)
    decided_on = decision_date(jury)
    number = next_number(organisation, on.year, modele.prefixe)
    last_index = DocumentDelivre.objects.filter(organisation=organisation).aggregate(
        last=Max("status_index")
    )["last"]
    index = 0 if last_index is None else last_index + 1
    if index >= STATUS_LIST_SIZE:
        raise DelivranceRefus("La liste de révocation est pleine : contactez l'administrateur.")
    document = DocumentDelivre(
        organisation=organisation,
        numero=number,
        kind=kind,
        dossier=dossier,
        deliberation=deliberation,
        certification=certification,
        version=dossier.version,
        date_decision=decided_on,
        date_delivrance=on,
        lieu_delivrance=lieu,
        avertissement=registration_warning(certification, decided_on),
        code=new_code(),
        status_index=index,
        created_by=by,
    )
    document.save()  # the row takes its status index now; its PDF and badge follow
    printed = mentions(certification, dossier.candidat, modele, on, lieu, decided_on=decided_on)
    source = document_source(
        kind=kind, mentions=printed, modele=modele, blocs=blocs, numero=number, code=document.code
    )
    return _Pending(document, blocs, printed, source)


def _unprinted(pending: _Pending, text: str) -> str | None:
    """Why the PDF cannot be issued: a mandatory mention missing from its text layer (a layout
    that hides it, a template bug). Checked on the PDF itself, before the document counts."""
    if missing := missing_from_text(pending.mentions, text):
        return (
            "Délivrance impossible : le PDF produit ne montre pas "
            + " ; ".join(missing)
            + ". Vérifiez la mise en page du modèle de parchemin ; aucun numéro n'a été pris."
        )
    return None


def _record(pending: _Pending, content: bytes) -> DocumentDelivre:
    document = pending.document
    document.sha256 = hashlib.sha256(content).hexdigest()
    document.pdf.save(f"{document.numero}.pdf", ContentFile(content), save=False)
    document.blocs.set(pending.blocs)
    document.credential = sign_credential(document)
    document.save(update_fields=["pdf", "sha256", "credential"])
    document_issued.send(sender=DocumentDelivre, document=document)
    return document


@transaction.atomic
def issue(dossier: Dossier, *, by: User, on: date | None = None) -> DocumentDelivre:
    """Issue the document the jury's decision calls for: a parchemin (validation totale) or an
    attestation of the validated blocs (validation partielle); refused, in French, when the
    decision or a mandatory mention is missing."""
    pending = _prepare(dossier, by=by, on=on or timezone.localdate())
    pdf = html_to_pdf(pending.source.html, files=pending.source.files)
    if refusal := _unprinted(pending, pdf_text(pdf)):
        raise DelivranceRefus(refusal)  # the transaction gives the number back
    return _record(pending, pdf)


@transaction.atomic
def cancel(document: DocumentDelivre, motif: str, *, by: User) -> None:
    """Cancel a document (error, fraud…): the verification page and the revocation list say
    so; the number is never reused."""
    if document.status == DocumentStatus.ANNULE:
        raise DelivranceRefus(f"Le document n° {document.numero} est déjà annulé.")
    if not motif.strip():
        raise DelivranceRefus("Indiquez le motif de l'annulation.")
    document.status = DocumentStatus.ANNULE
    document.motif_annulation = motif.strip()
    document.annule_at = timezone.now()
    document.annule_by = by
    document.save(update_fields=["status", "motif_annulation", "annule_at", "annule_by"])
    document_cancelled.send(sender=DocumentDelivre, document=document)


def a_delivrer(jury: Jury) -> list[Dossier]:
    """The dossiers of a signed jury whose document is not issued yet."""
    issued = DocumentDelivre.objects.filter(status=DocumentStatus.VALIDE).values("dossier")
    return list(
        Dossier.objects.filter(
            deliberations__jury=jury,
            state__in=[DossierState.CERTIFIE, DossierState.VALIDATION_PARTIELLE],
        )
        .exclude(pk__in=issued)
        .select_related("candidat")
        .order_by("candidat__nom_naissance")
    )


class _Unprinted(Exception):
    """Some PDFs of a batch lack a mention: the batch is rolled back and run again without
    them, so that the numbers of the others stay consecutive."""

    def __init__(self, refusals: dict[int, str]) -> None:
        super().__init__(refusals)
        self.refusals = refusals


def issue_all(
    dossiers: Iterable[Dossier],
    *,
    by: User,
    on: date | None = None,
    workers: int | None = None,
    progress=None,
) -> tuple[list[DocumentDelivre], list[str]]:
    """Issue one document per dossier in one transaction, PDFs rendered on every core: a
    refusal for one candidate is reported and skipped; an unexpected failure issues nothing,
    so that no number is lost. `progress(done, total)` counts three steps per document:
    checked and numbered, rendered, recorded."""
    on = on or timezone.localdate()
    dossiers = list(dossiers)
    unprinted: list[str] = []
    while True:
        try:
            with transaction.atomic():
                documents, refusals = _issue_batch(
                    dossiers, by=by, on=on, workers=workers, progress=progress
                )
        except _Unprinted as batch:
            # Rare (a layout or template fault): each pass leaves at least one dossier out.
            unprinted += [
                f"{d.candidat} : {batch.refusals[d.pk]}" for d in dossiers if d.pk in batch.refusals
            ]
            dossiers = [d for d in dossiers if d.pk not in batch.refusals]
            continue
        return documents, refusals + unprinted


def _issue_batch(
    dossiers: list[Dossier], *, by: User, on: date, workers: int | None, progress
) -> tuple[list[DocumentDelivre], list[str]]:
    steps = 3 * len(dossiers)

    def report(done: int) -> None:
        if progress:
            progress(done, steps)

    pending, refusals = [], []
    for n, dossier in enumerate(dossiers, start=1):
        try:
            with transaction.atomic():  # a refused dossier takes no number
                pending.append(_prepare(dossier, by=by, on=on))
        except DelivranceRefus as refus:
            refusals.append(f"{dossier.candidat} : {refus.message}")
        report(n)
    rendered = len(dossiers) + 2 * len(refusals)  # a refused dossier skips two steps
    results: list[Rendered] = render_all(
        [p.source for p in pending],
        workers=workers or os.cpu_count() or 1,
        with_text=True,  # read in the rendering processes, in parallel
        progress=lambda n: report(rendered + n),
    )
    unprinted = {
        item.document.dossier_id: refusal
        for item, result in zip(pending, results, strict=True)
        if (refusal := _unprinted(item, result.text))
    }
    if unprinted:
        raise _Unprinted(unprinted)
    recorded = rendered + len(pending)
    documents = []
    for n, (item, result) in enumerate(zip(pending, results, strict=True), start=1):
        documents.append(_record(item, result.pdf))
        report(recorded + n)
    report(steps)
    return documents, refusals


def zip_of(documents: Iterable[DocumentDelivre]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for document in documents:
            with document.pdf.open("rb") as pdf:
                archive.writestr(f"{document.numero}.pdf", pdf.read())
    return buffer.getvalue()
