from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from cqpilot.core.accounts.reauth import recent_authentication_required
from cqpilot.core.models import Organisation
from cqpilot.core.permissions import MANAGE_CERTIFICATIONS, requires
from cqpilot.jurys.models import Jury, JuryStatus
from cqpilot.jurys.pv import decision_date
from cqpilot.referentiels.models import Bloc

from . import credentials, services
from .documents import document_preview
from .forms import ModeleForm
from .layout_css import clean_layout_css
from .mentions import mentions, registration_warning
from .models import (
    DocumentDelivre,
    DocumentKind,
    DocumentStatus,
    LotDelivrance,
    ModeleParchemin,
)
from .services import DelivranceRefus
from .tasks import issue_lot, progress_of


@requires(MANAGE_CERTIFICATIONS)
def registre(request: HttpRequest) -> HttpResponse:
    documents = DocumentDelivre.objects.visible_to(request.user).select_related(
        "dossier__candidat", "certification"
    )
    query = request.GET.get("q", "").strip()
    if query:
        documents = documents.filter(numero__icontains=query) | documents.filter(
            dossier__candidat__nom_naissance__icontains=query
        )
    return render(
        request, "delivrance/registre.html", {"documents": documents[:200], "query": query}
    )


def _document(request: HttpRequest, pk: int) -> DocumentDelivre:
    return get_object_or_404(
        DocumentDelivre.objects.visible_to(request.user).select_related(
            "dossier__candidat", "certification", "annule_by", "created_by"
        ),
        pk=pk,
    )


@requires(MANAGE_CERTIFICATIONS)
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    return render(
        request,
        "delivrance/document_detail.html",
        {"document": document, "blocs": document.blocs.order_by("ordre", "code")},
    )


@requires(MANAGE_CERTIFICATIONS)
def document_pdf(request: HttpRequest, pk: int) -> FileResponse:
    document = _document(request, pk)
    return FileResponse(
        document.pdf.open("rb"), filename=f"{document.numero}.pdf", content_type="application/pdf"
    )


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def document_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    if (confirm := recent_authentication_required(request)) is not None:
        return confirm
    try:
        services.cancel(document, request.POST.get("motif", ""), by=request.user)
    except DelivranceRefus as refus:
        messages.error(request, refus.message)
    else:
        messages.success(request, f"Document n° {document.numero} annulé.")
    return redirect("delivrance:document_detail", document.pk)


@requires(MANAGE_CERTIFICATIONS)
def jury_documents(request: HttpRequest, jury_pk: int) -> HttpResponse:
    """Issue every document of a signed jury at once; download them as one zip."""
    jury = get_object_or_404(
        Jury.objects.visible_to(request.user).select_related("certification"),
        pk=jury_pk,
        status=JuryStatus.SIGNE,
    )
    if request.method == "POST":
        if (confirm := recent_authentication_required(request)) is not None:
            return confirm
        lot = LotDelivrance.objects.create(
            organisation=jury.organisation,
            jury=jury,
            envoyer_courriels=request.POST.get("courriels") == "1",
            total=len(services.a_delivrer(jury)),
            created_by=request.user,
        )
        issue_lot.enqueue(lot.pk)
        return redirect("delivrance:lot", lot.pk)
    issued = DocumentDelivre.objects.filter(
        deliberation__jury=jury, status=DocumentStatus.VALIDE
    ).select_related("dossier__candidat")
    return render(
        request,
        "delivrance/jury_documents.html",
        {
            "jury": jury,
            "a_delivrer": services.a_delivrer(jury),
            "issued": issued,
            "too_early": services.too_early(jury, timezone.localdate()),
            "avertissement": registration_warning(jury.certification, decision_date(jury)),
        },
    )


@requires(MANAGE_CERTIFICATIONS)
def lot(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch's progress bar (polled by htmx while it runs), then its outcome."""
    item = get_object_or_404(
        LotDelivrance.objects.select_related("jury__certification"),
        pk=pk,
        organisation__in=[request.user.organisation]
        if not request.user.is_superuser
        else Organisation.objects.all(),
    )
    done, total = progress_of(item)
    context = {
        "lot": item,
        "percent": round(100 * done / total) if total else 100,
        "documents": item.documents.select_related("dossier__candidat").order_by("numero"),
    }
    template = "delivrance/_lot_progress.html" if request.htmx else "delivrance/lot.html"
    return render(request, template, context)


@requires(MANAGE_CERTIFICATIONS)
def jury_zip(request: HttpRequest, jury_pk: int) -> HttpResponse:
    jury = get_object_or_404(Jury.objects.visible_to(request.user), pk=jury_pk)
    documents = DocumentDelivre.objects.filter(
        deliberation__jury=jury, status=DocumentStatus.VALIDE
    )
    response = HttpResponse(services.zip_of(documents), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="documents-jury-{jury.date}.zip"'
    return response


# --- The certifier's layout, with a live preview ------------------------------------------------


def _organisation(request: HttpRequest) -> Organisation:
    if request.user.organisation is None or not request.user.organisation.is_certificateur:
        raise PermissionDenied("Réservé aux certificateurs.")
    return request.user.organisation


# The preview is a srcdoc frame, which takes this page's policy: its <style> elements need
# this. The frame's sandbox runs no script, which the policy refuses anyway.
@csp_update({"style-src": ["'unsafe-inline'"]})
@requires(MANAGE_CERTIFICATIONS)
def modele_edit(request: HttpRequest) -> HttpResponse:
    modele = _modele(_organisation(request))
    form = ModeleForm(request.POST or None, request.FILES or None, instance=modele)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Modèle de parchemin enregistré.")
        return redirect("delivrance:modele")
    return render(request, "delivrance/modele.html", {"form": form, **_preview(modele)})


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def modele_preview(request: HttpRequest) -> HttpResponse:
    """The layout being edited, rendered for a fictitious holder (htmx, on every change)."""
    form = ModeleForm(request.POST, instance=_modele(_organisation(request)))
    form.is_valid()  # the preview shows what is typed, even before it is valid
    form.instance.css = request.POST.get("css", "")  # what of it applies, and what does not
    return render(request, "delivrance/_preview.html", _preview(form.instance))


def _modele(organisation: Organisation) -> ModeleParchemin:
    """The organisation's layout, or an unsaved default one: only saving the form writes it."""
    return ModeleParchemin.objects.filter(organisation=organisation).first() or ModeleParchemin(
        organisation=organisation
    )


def _preview(modele: ModeleParchemin) -> dict:
    """The page for a fictitious holder, shown in a sandboxed frame (no script runs there),
    and what of the CSS is left out."""
    from cqpilot.dossiers.models import Candidat

    ignored = clean_layout_css(modele.css).ignored
    certification = modele.organisation.certifications.order_by("intitule").first()
    if certification is None:
        return {"preview": "", "ignored": ignored}
    fictitious = Candidat(
        nom_naissance="Exemple", prenom1="Camille", annee_naissance=1990, mois_naissance=5,
        jour_naissance=14, sexe="F",
    )  # fmt: skip
    blocs = list(Bloc.objects.filter(version__certification=certification)[:2])
    lieu = modele.lieu_delivrance or "(lieu de délivrance)"
    today = timezone.localdate()
    preview = document_preview(
        kind=DocumentKind.PARCHEMIN,
        mentions=mentions(certification, fictitious, modele, today, lieu, decided_on=today),
        modele=modele,
        blocs=blocs,
        numero=f"{modele.prefixe}-{today.year}-000000",
        code="APERCU0000",
    )
    return {"preview": preview, "ignored": ignored}


# --- Public: verification, keys, revocation ------------------------------------------------------


def too_many_requests(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "delivrance/too_many_requests.html", status=429)


@ratelimit(key="ip", rate=lambda group, request: settings.VERIFICATION_RATE, block=True)
def verifier(request: HttpRequest, code: str = "") -> HttpResponse:
    """Anyone, without an account, checks a document from its QR code or short code."""
    code = (code or request.GET.get("code", "")).strip().upper().replace(" ", "")
    document = None
    if code:
        document = (
            DocumentDelivre.objects.filter(code=code)
            .select_related("dossier__candidat", "certification", "organisation")
            .first()
        )
    return render(
        request,
        "delivrance/verifier.html",
        {
            "code": code,
            "document": document,
            "blocs": document.blocs.order_by("ordre", "code") if document else [],
        },
        status=404 if code and document is None else 200,
    )


@ratelimit(key="ip", rate=lambda group, request: settings.VERIFICATION_RATE, block=True)
def badge(request: HttpRequest, code: str) -> HttpResponse:
    """The holder's Open Badges credential, to put in a wallet or send to an employer."""
    document = get_object_or_404(DocumentDelivre, code=code)
    response = HttpResponse(document.credential, content_type="application/vc+jwt")
    response["Content-Disposition"] = f'attachment; filename="{document.numero}.jwt"'
    return response


def jwks(request: HttpRequest) -> JsonResponse:
    return JsonResponse(credentials.jwks())


def emetteur(request: HttpRequest, organisation_pk: int) -> JsonResponse:
    organisation = get_object_or_404(Organisation, pk=organisation_pk)
    url = settings.PUBLIC_URL + reverse("delivrance:emetteur", args=[organisation.pk])
    return JsonResponse(
        {
            "@context": [credentials.VC_CONTEXT, credentials.OB_CONTEXT],
            "id": url,
            "type": ["Profile"],
            "name": organisation.nom,
            "verificationMethod": settings.PUBLIC_URL + reverse("delivrance:jwks"),
        }
    )


def statuts(request: HttpRequest, organisation_pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=organisation_pk)
    return HttpResponse(credentials.status_list(organisation), content_type="application/vc+jwt")
