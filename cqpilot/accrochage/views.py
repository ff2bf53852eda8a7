"""Screens of the standalone tool: a spreadsheet of holders becomes CDC files, kept with their
reports per certifier."""

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from cqpilot.core.accounts.reauth import recent_authentication_required
from cqpilot.core.audit import log_read
from cqpilot.core.models import of_own_organisation
from cqpilot.core.permissions import MANAGE_CERTIFICATIONS, requires

from . import standalone
from .autonome.generation import CdcIds
from .forms import RapportForm, StandaloneForm
from .models import DepotAutonome, FluxAutonome, ReglagesAccrochage
from .rapport import RapportError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _files_of(request: HttpRequest):
    return of_own_organisation(FluxAutonome.objects.select_related("by"), request.user)


def _depots_of(request: HttpRequest):
    return of_own_organisation(DepotAutonome.objects.select_related("by"), request.user)


def _initial(request: HttpRequest) -> dict:
    reglages = ReglagesAccrochage.objects.filter(organisation=request.user.organisation).first()
    if reglages is None:
        return {}
    return {
        "id_client": reglages.id_client,
        "id_contrat": reglages.id_contrat,
        "id_client_emetteur": reglages.id_client_deposant,
        "version_schema": reglages.version_schema,
    }


@requires(MANAGE_CERTIFICATIONS)
def standalone_page(request: HttpRequest) -> HttpResponse:
    form = StandaloneForm(request.POST or None, request.FILES or None, initial=_initial(request))
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["titulaires"]
        depot, result = standalone.create_depot(
            upload,
            upload.name,
            by=request.user,
            ids=CdcIds(data["id_client"], data["id_contrat"], data["id_client_emetteur"]),
            schema=data["version_schema"],
            valid_rows_only=data["lignes_valides"],
        )
        if depot is not None:
            return redirect("accrochage:standalone_depot", depot.pk)
    return render(
        request,
        "accrochage/standalone.html",
        {
            "form": form,
            "result": result,
            "depots": _depots_of(request).prefetch_related("fichiers")[:20],
        },
    )


@requires(MANAGE_CERTIFICATIONS)
def standalone_depot(request: HttpRequest, pk: int) -> HttpResponse:
    depot = get_object_or_404(_depots_of(request), pk=pk)
    return render(
        request,
        "accrochage/standalone_depot.html",
        {"depot": depot, "files": depot.fichiers.order_by("id_flux")},
    )


@requires(MANAGE_CERTIFICATIONS)
def standalone_zip(request: HttpRequest, pk: int) -> HttpResponse:
    depot = get_object_or_404(_depots_of(request), pk=pk)
    if depot.files_have_nir and (confirm := recent_authentication_required(request)):
        return confirm  # the password again before files of NIRs leave
    log_read(depot, by=request.user, lecture=_reading(depot.files_have_nir))
    return FileResponse(
        standalone.files_zip(depot),
        as_attachment=True,
        filename=f"accrochage-{depot.created_at:%Y%m%d-%H%M%S}.zip",
        content_type="application/zip",
    )


@requires(MANAGE_CERTIFICATIONS)
def standalone_errors(request: HttpRequest, pk: int) -> HttpResponse:
    depot = get_object_or_404(_depots_of(request).exclude(lignes_en_erreur=""), pk=pk)
    if depot.avec_nir and (confirm := recent_authentication_required(request)):
        return confirm
    log_read(depot, by=request.user, lecture="lignes en erreur : " + _reading(depot.avec_nir))
    return FileResponse(
        depot.lignes_en_erreur.open("rb"),
        as_attachment=True,
        filename=f"lignes-en-erreur-{depot.created_at:%Y%m%d-%H%M%S}.xlsx",
        content_type=XLSX,
    )


@requires(MANAGE_CERTIFICATIONS)
def standalone_detail(request: HttpRequest, pk: int) -> HttpResponse:
    flux = get_object_or_404(_files_of(request), pk=pk)
    form = RapportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            standalone.record_rapport(flux, form.cleaned_data["accuse"])
        except RapportError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Accusé de traitement enregistré.")
        return redirect("accrochage:standalone_detail", flux.pk)
    return render(
        request,
        "accrochage/standalone_detail.html",
        {
            "flux": flux,
            "depot": flux.depots.first(),
            "form": form,
            "statuses": standalone.passage_statuses(flux),
        },
    )


@requires(MANAGE_CERTIFICATIONS)
def standalone_download(request: HttpRequest, pk: int) -> HttpResponse:
    flux = get_object_or_404(_files_of(request), pk=pk)
    with_nir = standalone.has_nir(flux)
    if with_nir and (confirm := recent_authentication_required(request)):
        return confirm
    log_read(flux, by=request.user, lecture=_reading(with_nir))
    return FileResponse(
        flux.fichier.open("rb"),
        as_attachment=True,
        filename=f"{flux.id_flux}.xml",
        content_type="application/xml",
    )


@requires(MANAGE_CERTIFICATIONS)
def standalone_rejected(request: HttpRequest, pk: int) -> HttpResponse:
    flux = get_object_or_404(_files_of(request).exclude(rapport=None), pk=pk)
    with_nir = standalone.has_nir(flux)
    if with_nir and (confirm := recent_authentication_required(request)):
        return confirm
    log_read(flux, by=request.user, lecture="titulaires rejetés : " + _reading(with_nir))
    return FileResponse(
        standalone.rejected_holders(flux),
        as_attachment=True,
        filename=f"titulaires-rejetes-{flux.id_flux}.xlsx",
        content_type=XLSX,
    )


def _reading(with_nir: bool) -> str:
    return "téléchargement : identité des titulaires" + (" et leur NIR" if with_nir else "")


@requires(MANAGE_CERTIFICATIONS)
def template_download(request: HttpRequest) -> FileResponse:
    return FileResponse(
        standalone.holders_template(),
        as_attachment=True,
        filename="modele-titulaires-accrochage.xlsx",
    )
