from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify

from cqpilot.core.permissions import MANAGE_CERTIFICATIONS
from cqpilot.referentiels.models import Certification

from .enquetes import enquete_of, is_open, record_answer, send_due
from .exports import table_csv, tables_xlsx
from .forms import ReponseEnqueteForm
from .renouvellement import pack, survey_progress
from .stats import dashboard, years


def _certifications(request: HttpRequest) -> tuple[list[Certification], Certification | None]:
    MANAGE_CERTIFICATIONS.check(request.user)
    certifications = list(Certification.objects.visible_to(request.user).order_by("intitule"))
    chosen = request.GET.get("certification", "") or request.POST.get("certification", "")
    certification = next((c for c in certifications if str(c.pk) == chosen), None) or (
        certifications[0] if certifications else None
    )
    return certifications, certification


def _xlsx(tables: list, name: str) -> HttpResponse:
    response = HttpResponse(
        tables_xlsx(tables),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


def _file_name(certification: Certification, what: str) -> str:
    return f"{what}-{slugify(certification.code_rncp_rs or certification.intitule)[:40]}"


@login_required
def tableau_de_bord(request: HttpRequest) -> HttpResponse:
    certifications, certification = _certifications(request)
    if certification is None:
        return render(request, "pilotage/tableau_de_bord.html", {"certifications": []})
    available = years(certification) or [timezone.localdate().year]
    try:
        year = int(request.GET.get("annee", available[0]))
    except ValueError:
        year = available[0]
    if not 1900 <= year <= 2200:  # a date beyond Python's range would fail, not inform
        year = available[0]
    tables = dashboard(certification, year)
    export, slug = request.GET.get("export", ""), request.GET.get("tableau", "")
    name = f"{_file_name(certification, 'pilotage')}-{year}"
    if export == "xlsx":
        return _xlsx(tables, name)
    if export == "csv":
        table = next((t for t in tables if t.slug == slug), None)
        if table is None:
            raise Http404("Tableau inconnu.")
        response = HttpResponse(table_csv(table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}-{slug}.csv"'
        return response
    return render(
        request,
        "pilotage/tableau_de_bord.html",
        {
            "certifications": certifications,
            "certification": certification,
            "years": available if year in available else [year, *available],
            "year": year,
            "tables": tables,
            "csv_url": f"?certification={certification.pk}&annee={year}&export=csv",
        },
    )


@login_required
def renouvellement(request: HttpRequest) -> HttpResponse:
    """The RNCP renewal tables, the survey's progress, and the button that sends what is due
    (the same as the daily `cqpilot enquetes`)."""
    certifications, certification = _certifications(request)
    if certification is None:
        return render(request, "pilotage/renouvellement.html", {"certifications": []})
    today = timezone.localdate()
    if request.method == "POST":
        envoi = send_due(request.user.organisation, today)
        messages.success(request, f"Enquêtes : {envoi}.")
        return redirect(f"{request.path}?certification={certification.pk}")
    tables = pack(certification, today)
    if request.GET.get("export") == "xlsx":
        return _xlsx(tables, f"{_file_name(certification, 'renouvellement-rncp')}-{today}")
    return render(
        request,
        "pilotage/renouvellement.html",
        {
            "certifications": certifications,
            "certification": certification,
            "tables": tables,
            "progress": survey_progress(certification),
        },
    )


def enquete(request: HttpRequest, token: str) -> HttpResponse:
    """The holder answers from the link he received, without an account."""
    survey = enquete_of(token)
    if survey is None:
        return render(request, "pilotage/enquete.html", {"invalid": True}, status=404)
    context = {"enquete": survey, "certification": survey.document.certification}
    if survey.repondue_le is not None:
        return render(request, "pilotage/enquete.html", {**context, "answered": True})
    if not is_open(survey, timezone.localdate()):
        return render(request, "pilotage/enquete.html", {**context, "closed": True})
    form = ReponseEnqueteForm(request.POST or None, instance=survey)
    if request.method == "POST" and form.is_valid():
        record_answer(survey, **{k: form.cleaned_data[k] for k in form.Meta.fields})
        return render(request, "pilotage/enquete.html", {**context, "thanks": True})
    return render(request, "pilotage/enquete.html", {**context, "form": form})
