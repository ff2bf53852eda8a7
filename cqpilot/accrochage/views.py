import io

from django.contrib import messages
from django.core.files.base import ContentFile
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from cqpilot.core.audit import log_read
from cqpilot.core.models import of_own_organisation
from cqpilot.core.permissions import MANAGE_CERTIFICATIONS, requires

from .forms import RapportForm, StandaloneForm
from .models import FluxAutonome
from .rapport import RapportError
from .standalone import holders_template, holders_to_xml, passage_statuses, record_rapport


def _files_of(request: HttpRequest):
    return of_own_organisation(FluxAutonome.objects.select_related("by"), request.user)


@requires(MANAGE_CERTIFICATIONS)
def standalone(request: HttpRequest) -> HttpResponse:
    form = StandaloneForm(request.POST or None, request.FILES or None)
    holders = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["titulaires"]
        output = io.BytesIO()
        holders = holders_to_xml(
            upload,
            upload.name,
            output=output,
            id_client=form.cleaned_data["id_client"],
            id_contrat=form.cleaned_data["id_contrat"],
            id_client_emetteur=form.cleaned_data["id_client_emetteur"],
        )
        if not holders.errors:
            flux = FluxAutonome(
                organisation=request.user.organisation,
                by=request.user,
                source=upload.name[:255],
                id_flux=holders.id_flux,
                passages=len(holders.passages),
                certifications=[ref.code for ref, _passages in holders.by_certification()],
                warnings=[str(w) for w in holders.warnings[:1000]],
            )
            flux.fichier.save("flux.xml", ContentFile(output.getvalue()), save=True)
            return redirect("accrochage:standalone_detail", flux.pk)
    return render(
        request,
        "accrochage/standalone.html",
        {"form": form, "holders": holders, "files": _files_of(request)[:20]},
    )


@requires(MANAGE_CERTIFICATIONS)
def standalone_detail(request: HttpRequest, pk: int) -> HttpResponse:
    flux = get_object_or_404(_files_of(request), pk=pk)
    form = RapportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            record_rapport(flux, form.cleaned_data["accuse"])
        except RapportError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Accusé de traitement enregistré.")
        return redirect("accrochage:standalone_detail", flux.pk)
    return render(
        request,
        "accrochage/standalone_detail.html",
        {"flux": flux, "form": form, "statuses": passage_statuses(flux)},
    )


@requires(MANAGE_CERTIFICATIONS)
def standalone_download(request: HttpRequest, pk: int) -> FileResponse:
    flux = get_object_or_404(_files_of(request), pk=pk)
    # No NIR in it (the standalone tool's spreadsheet has none), but names and birth dates.
    log_read(flux, by=request.user, lecture="téléchargement : identité des titulaires")
    return FileResponse(
        flux.fichier.open("rb"),
        as_attachment=True,
        filename=flux.download_name,
        content_type="application/xml",
    )


@requires(MANAGE_CERTIFICATIONS)
def template_download(request: HttpRequest) -> FileResponse:
    return FileResponse(
        holders_template(), as_attachment=True, filename="modele-titulaires-accrochage.xlsx"
    )
