"""The certifier's people and their declared interests: thin views over the ORM (each write is
journaled by auditlog in the request's transaction)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from cqpilot.core.permissions import MANAGE_CERTIFICATIONS, requires
from cqpilot.dossiers.models import Candidat

from .forms import IntervenantForm
from .models import Intervenant


@requires(MANAGE_CERTIFICATIONS)
def intervenant_list(request: HttpRequest) -> HttpResponse:
    intervenants = Intervenant.objects.visible_to(request.user).prefetch_related("organismes")
    return render(request, "intervenants/intervenant_list.html", {"intervenants": intervenants})


@requires(MANAGE_CERTIFICATIONS)
def intervenant_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    intervenant = (
        get_object_or_404(Intervenant.objects.visible_to(request.user), pk=pk) if pk else None
    )
    organisation = intervenant.organisation if intervenant else request.user.organisation
    if organisation is None:
        raise PermissionDenied("Rattachez votre compte à un certificateur.")
    form = IntervenantForm(request.POST or None, instance=intervenant, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        form.instance.organisation = organisation
        form.save()
        messages.success(request, "Intervenant enregistré.")
        return redirect("intervenants:intervenant_list")
    title = f"Intervenant : {intervenant}" if intervenant else "Nouvel intervenant"
    return render(
        request,
        "intervenants/intervenant_form.html",
        {"form": form, "title": title, "intervenant": intervenant},
    )


@requires(MANAGE_CERTIFICATIONS)
def intervenant_candidats(request: HttpRequest, pk: int) -> HttpResponse:
    """Declared interests: the candidates this person trained, tutored or accompanied."""
    intervenant = get_object_or_404(Intervenant.objects.visible_to(request.user), pk=pk)
    visible = Candidat.objects.visible_to(request.user)
    if request.method == "POST":
        candidat_pk = request.POST.get("candidat", "")
        # A tampered form (not a number) finds no candidat, like a candidat out of reach.
        candidat = get_object_or_404(visible, pk=int(candidat_pk) if candidat_pk.isdecimal() else 0)
        if request.POST.get("action") == "retirer":
            intervenant.candidats_suivis.remove(candidat)
        else:
            intervenant.candidats_suivis.add(candidat)
        return redirect("intervenants:intervenant_candidats", intervenant.pk)
    query = request.GET.get("q", "").strip()
    found = (
        visible.filter(nom_naissance__icontains=query).exclude(
            pk__in=intervenant.candidats_suivis.values("pk")
        )[:20]
        if len(query) >= 2
        else []
    )
    return render(
        request,
        "intervenants/intervenant_candidats.html",
        {
            "intervenant": intervenant,
            "suivis": intervenant.candidats_suivis.all(),
            "found": found,
            "query": query,
        },
    )
