from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from cqpilot.core.accounts.reauth import recent_authentication_required
from cqpilot.core.models import Organisation
from cqpilot.core.permissions import MANAGE_PERSONAL_DATA, requires
from cqpilot.dossiers.models import Candidat

from .erasure import EffacementRefuse, erase, refusals
from .export import export_zip
from .forms import EffacementForm, RetentionPolicyForm
from .models import PurgeRun
from .purge import CATEGORIES, plan
from .retention import policy_for


def _certifier(request: HttpRequest) -> Organisation:
    organisation = request.user.organisation
    if organisation is None or not organisation.is_certificateur:
        raise PermissionDenied(MANAGE_PERSONAL_DATA.refusal)
    return organisation


@requires(MANAGE_PERSONAL_DATA)
def reglages(request: HttpRequest) -> HttpResponse:
    """The certifier's retention periods. A change asks for the password, then shows what the
    new periods would purge tonight, and is saved once confirmed."""
    organisation = _certifier(request)
    policy = policy_for(organisation)
    today = timezone.localdate()
    form = RetentionPolicyForm(request.POST if request.method == "POST" else None, instance=policy)
    if request.method == "POST":
        # Shorter periods destroy personal data for good: the password again, as for an erasure.
        if (confirm := recent_authentication_required(request)) is not None:
            return confirm
        if form.is_valid():
            current = plan(organisation, today).counts
            proposed = plan(organisation, today, policy=form.instance).counts
            if request.POST.get("confirme"):
                form.instance.dues_when_saved = {"dues": proposed}
                with transaction.atomic():
                    form.save()  # journaled by auditlog, with what it makes due
                messages.success(request, "Durées de conservation enregistrées.")
                return redirect("rgpd:reglages")
            return render(
                request,
                "rgpd/reglages_confirmer.html",
                {
                    "form": form,
                    "dues": [
                        (label, current[key], proposed[key]) for key, label in CATEGORIES.items()
                    ],
                },
            )
    due = plan(organisation, today).counts
    return render(
        request,
        "rgpd/reglages.html",
        {
            "form": form,
            "due": [(label, due[key]) for key, label in CATEGORIES.items()],
            "runs": [
                (run, [(label, run.counts.get(key, 0)) for key, label in CATEGORIES.items()])
                for run in PurgeRun.objects.filter(organisation=organisation)[:10]
            ],
        },
    )


def _candidat(request: HttpRequest, pk: int) -> Candidat:
    return get_object_or_404(Candidat.objects.visible_to(request.user), pk=pk)


@requires(MANAGE_PERSONAL_DATA)
def candidat_export(request: HttpRequest, pk: int) -> HttpResponse:
    candidat = _candidat(request, pk)
    _certifier(request)
    # The NIR is in the zip in full: the password again, as for any file holding NIRs.
    if (confirm := recent_authentication_required(request)) is not None:
        return confirm
    archive, name = export_zip(candidat, by=request.user)
    # Streamed from its temporary file, closed by the response once sent.
    return FileResponse(archive, as_attachment=True, filename=name, content_type="application/zip")


@requires(MANAGE_PERSONAL_DATA)
def candidat_effacer(request: HttpRequest, pk: int) -> HttpResponse:
    candidat = _candidat(request, pk)
    organisation = _certifier(request)
    reasons = refusals(candidat, organisation)
    form = EffacementForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not reasons and form.is_valid():
        if (confirm := recent_authentication_required(request)) is not None:
            return confirm
        try:
            erase(candidat, organisation=organisation, by=request.user)
        except EffacementRefuse as refusal:
            reasons = refusal.reasons
        else:
            messages.success(request, "Les données personnelles du candidat ont été effacées.")
            return redirect("dossiers:candidat_detail", candidat.pk)
    return render(
        request,
        "rgpd/candidat_effacer.html",
        {"candidat": candidat, "reasons": reasons, "form": form},
        status=409 if request.method == "POST" and reasons else 200,
    )
