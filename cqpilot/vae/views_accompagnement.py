"""The certifier's list of VAE accompanists (AAP): recorded with their Qualiopi certification or
the branch's label, invited to cqpilot, named on candidates' VAE dossiers."""

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cqpilot.core.invitations import InvitationRefusee
from cqpilot.core.models import User
from cqpilot.core.permissions import MANAGE_CERTIFICATIONS, requires
from cqpilot.dossiers.models import Dossier, VoieAcces

from .accompagnement import (
    designer,
    fiche_modifiable,
    inviter,
    mettre_a_jour,
    reconnaissance,
    referencer,
)
from .forms_accompagnement import DesignationForm, InvitationForm, StructureForm
from .models import Referencement
from .recevabilite import VaeRefus, today


def _referencements(request: HttpRequest):
    return Referencement.objects.visible_to(request.user).select_related("structure")


@requires(MANAGE_CERTIFICATIONS)
def accompagnateur_list(request: HttpRequest) -> HttpResponse:
    day = today()
    organisation = request.user.organisation
    referencements = _referencements(request).annotate(
        dossiers=Count(
            "structure__dossiers_accompagnes",
            filter=Q(structure__dossiers_accompagnes__certification__certificateurs=organisation),
            distinct=True,
        )
    )
    form = StructureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            referencement = referencer(form.saisie(), by=request.user)
        except VaeRefus as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, f"{referencement.structure} ajouté à vos accompagnateurs.")
            return redirect("vae:accompagnateur_detail", referencement.pk)
    return render(
        request,
        "vae/accompagnateur_list.html",
        {
            "lignes": [(r, reconnaissance(r, day)) for r in referencements],
            "form": form,
        },
    )


@requires(MANAGE_CERTIFICATIONS)
def accompagnateur_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referencement = get_object_or_404(_referencements(request), pk=pk)
    modifiable = fiche_modifiable(referencement)
    if request.method == "POST":
        form = StructureForm(request.POST)
        if not modifiable:
            form.checks_only()
        if form.is_valid():
            try:
                mettre_a_jour(referencement, form.saisie(referencement), by=request.user)
            except VaeRefus as refusal:
                form.add_error(None, refusal.message)
            else:
                messages.success(request, "Fiche de l'accompagnateur mise à jour.")
                return redirect("vae:accompagnateur_detail", referencement.pk)
    else:
        form = StructureForm.of(referencement, structure_fields=modifiable)
    organisation = request.user.organisation
    return render(
        request,
        "vae/accompagnateur_detail.html",
        {
            "referencement": referencement,
            "reconnaissance": reconnaissance(referencement, today()),
            "form": form,
            "modifiable": modifiable,
            "invitation_form": InvitationForm(),
            # the accounts this certifier invited and the structure has not confirmed yet: once
            # confirmed, an account is the structure's (another certifier's never shows)
            "comptes": User.objects.filter(
                organisation=referencement.structure, limited_to_certifier=organisation
            ),
            "dossiers": Dossier.objects.visible_to(request.user)
            .filter(accompagnateur=referencement.structure)
            .select_related("candidat", "certification")
            .order_by("-date_inscription", "pk")[:200],
        },
    )


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def accompagnateur_inviter(request: HttpRequest, pk: int) -> HttpResponse:
    referencement = get_object_or_404(_referencements(request), pk=pk)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        errors = [error for field_errors in form.errors.values() for error in field_errors]
        messages.error(request, " ".join(errors))
        return redirect("vae:accompagnateur_detail", referencement.pk)
    try:
        user = inviter(
            referencement,
            **form.cleaned_data,
            by=request.user,
            base_url=request.build_absolute_uri("/"),
        )
    except InvitationRefusee as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, f"Compte créé ; {user.email} reçoit le lien pour s'y connecter.")
    return redirect("vae:accompagnateur_detail", referencement.pk)


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def dossier_accompagnateur(request: HttpRequest, pk: int) -> HttpResponse:
    """Name (or remove) the accompanist of a VAE dossier, from the dossier's page."""
    dossier = get_object_or_404(
        Dossier.objects.visible_to(request.user).filter(voie_acces=VoieAcces.VAE), pk=pk
    )
    form = DesignationForm(request.POST, by=request.user)
    if not form.is_valid():
        messages.error(request, "Choisissez un accompagnateur de votre liste.")
    else:
        referencement = form.cleaned_data["referencement"]
        try:
            designer(dossier, referencement, by=request.user)
        except VaeRefus as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(
                request,
                f"Accompagnateur VAE : {referencement.structure}."
                if referencement
                else "Le dossier n'a plus d'accompagnateur VAE.",
            )
    return redirect("dossiers:dossier_detail", dossier.pk)
