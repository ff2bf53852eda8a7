"""The certifier's VAE pages: the demandes de recevabilité, their completeness and decision."""

from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cqpilot.core.permissions import ACCOMPAGNATEUR_VAE, FOLLOW_VAE, MANAGE_CERTIFICATIONS, requires
from cqpilot.dossiers.models import Dossier, DossierState, VoieAcces

from .accompagnement import donner_avis
from .forms import (
    AvisForm,
    CompleteForm,
    DecisionForm,
    DemandeForm,
    ExperienceFormSet,
    PiecesForm,
    saisie_of,
)
from .lettre import lettre_pdf
from .models import OUVERTS, DemandeRecevabilite
from .recevabilite import (
    VaeRefus,
    decider,
    declarer_complete,
    demander_pieces,
    deposer,
    is_manager_of,
    perimetre,
    texte_echeance,
    today,
)


def _demandes(request: HttpRequest):
    return DemandeRecevabilite.objects.visible_to(request.user).select_related(
        "dossier__candidat",
        "dossier__certification",
        "organisation",
        "deposee_par",
        "decidee_par",
    )


def _vae_dossiers(request: HttpRequest):
    return Dossier.objects.visible_to(request.user).filter(voie_acces=VoieAcces.VAE)


@requires(FOLLOW_VAE)
def demande_list(request: HttpRequest) -> HttpResponse:
    day = today()
    demandes = list(_demandes(request).order_by("-deposee_le", "pk")[:500])
    ouvertes = sorted(
        (d for d in demandes if d.statut in OUVERTS),
        key=lambda d: (d.date_limite is None, d.date_limite or d.deposee_le, d.pk),
    )
    decidees = [d for d in demandes if d.statut not in OUVERTS]
    a_saisir = (
        _vae_dossiers(request)
        .filter(state=DossierState.INSCRIT)
        .exclude(Exists(DemandeRecevabilite.objects.filter(dossier=OuterRef("pk"))))
        .select_related("candidat", "certification")
        .order_by("date_inscription", "pk")[:500]
    )
    return render(
        request,
        "vae/demande_list.html",
        {
            "ouvertes": [(d, texte_echeance(d, day)) for d in ouvertes],
            "decidees": decidees,
            "a_saisir": a_saisir,
        },
    )


@requires(FOLLOW_VAE)
def demande_create(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = get_object_or_404(
        _vae_dossiers(request).select_related("candidat", "certification", "version"), pk=pk
    )
    existing = DemandeRecevabilite.objects.filter(dossier=dossier).first()
    if existing is not None:
        return redirect("vae:demande_detail", existing.pk)
    day = today()
    data = request.POST if request.method == "POST" else None
    form = DemandeForm(data, dossier=dossier, year=day.year)
    experiences = ExperienceFormSet(data, prefix="experiences")
    if request.method == "POST" and form.is_valid() and experiences.is_valid():
        try:
            demande = deposer(dossier, saisie_of(form, experiences), by=request.user, on=day)
        except VaeRefus as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Demande de recevabilité enregistrée.")
            return redirect("vae:demande_detail", demande.pk)
    return render(
        request,
        "vae/demande_form.html",
        {"dossier": dossier, "form": form, "experiences": experiences},
    )


@requires(FOLLOW_VAE)
def demande_detail(request: HttpRequest, pk: int) -> HttpResponse:
    demande = get_object_or_404(_demandes(request), pk=pk)
    # the certifier instructs and decides; the accompanist reads and gives its opinion
    instruit = is_manager_of(demande, request.user)
    ouverte = demande.statut in OUVERTS
    a_completer = instruit and ouverte and demande.statut != "complete"
    return render(
        request,
        "vae/demande_detail.html",
        {
            "demande": demande,
            "echeance": texte_echeance(demande, today()),
            "blocs": list(demande.blocs.order_by("ordre", "code")),
            "experiences": list(demande.experiences.all()),
            "complements": list(demande.complements.select_related("par")),
            "ecarts": list(demande.ecarts.select_related("bloc", "competence")),
            "instruit": instruit,
            "pieces_form": PiecesForm() if a_completer else None,
            "complete_form": CompleteForm(initial={"le": today()}) if a_completer else None,
            "avis_form": AvisForm(initial={"avis": demande.avis_accompagnateur})
            if ouverte
            and demande.dossier.accompagnateur_id == request.user.organisation_id
            and ACCOMPAGNATEUR_VAE(request.user)
            else None,
        },
    )


def _refused(request: HttpRequest, demande: DemandeRecevabilite, message: str) -> HttpResponse:
    messages.error(request, message)
    return redirect("vae:demande_detail", demande.pk)


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def demande_pieces(request: HttpRequest, pk: int) -> HttpResponse:
    demande = get_object_or_404(_demandes(request), pk=pk)
    form = PiecesForm(request.POST)
    if not form.is_valid():
        return _refused(request, demande, "Indiquez les pièces manquantes.")
    try:
        demander_pieces(demande, form.cleaned_data["pieces"], by=request.user)
    except VaeRefus as refusal:
        return _refused(request, demande, refusal.message)
    messages.success(request, "Pièces demandées ; le candidat en reçoit la liste par courriel.")
    return redirect("vae:demande_detail", demande.pk)


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def demande_complete(request: HttpRequest, pk: int) -> HttpResponse:
    demande = get_object_or_404(_demandes(request), pk=pk)
    form = CompleteForm(request.POST)
    if not form.is_valid():
        return _refused(request, demande, "Indiquez la date à laquelle la demande est complète.")
    try:
        demande = declarer_complete(demande, by=request.user, le=form.cleaned_data["le"])
    except VaeRefus as refusal:
        return _refused(request, demande, refusal.message)
    messages.success(
        request,
        f"Demande complète : décision à prendre au plus tard le {demande.date_limite:%d/%m/%Y}.",
    )
    return redirect("vae:demande_detail", demande.pk)


@requires(MANAGE_CERTIFICATIONS)
def demande_decider(request: HttpRequest, pk: int) -> HttpResponse:
    demande = get_object_or_404(_demandes(request), pk=pk)
    if demande.is_decided:
        messages.error(request, "La recevabilité est décidée : la décision ne change plus.")
        return redirect("vae:demande_detail", demande.pk)
    form = DecisionForm(request.POST or None, blocs=perimetre(demande))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            decider(
                demande,
                recevable=data["decision"] == "recevable",
                motivation=data["motivation"],
                ecarts=form.ecarts(),
                recommande_formation=data["recommande_formation"],
                recommande_pmsmp=data["recommande_pmsmp"],
                recommandations=data["recommandations"],
                by=request.user,
            )
        except VaeRefus as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(
                request, "Décision enregistrée ; le candidat reçoit la lettre de notification."
            )
            return redirect("vae:demande_detail", demande.pk)
    return render(
        request,
        "vae/demande_decision.html",
        {"demande": demande, "form": form, "echeance": texte_echeance(demande, today())},
    )


@requires(FOLLOW_VAE)
def demande_lettre(request: HttpRequest, pk: int) -> HttpResponse:
    demande = get_object_or_404(_demandes(request), pk=pk)
    if not demande.is_decided:
        messages.error(request, "La lettre de notification s'écrit une fois la décision prise.")
        return redirect("vae:demande_detail", demande.pk)
    response = HttpResponse(lettre_pdf(demande), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="recevabilite-vae-{demande.dossier_id}.pdf"'
    )
    return response


@requires(ACCOMPAGNATEUR_VAE)
@require_POST
def demande_avis(request: HttpRequest, pk: int) -> HttpResponse:
    """The accompanist's opinion on the demande, until the certifier decides."""
    demande = get_object_or_404(_demandes(request), pk=pk)
    form = AvisForm(request.POST)
    if not form.is_valid():
        return _refused(request, demande, "Écrivez votre avis (5 000 caractères au plus).")
    try:
        donner_avis(demande, form.cleaned_data["avis"], by=request.user)
    except VaeRefus as refusal:
        return _refused(request, demande, refusal.message)
    messages.success(request, "Avis de l'accompagnateur enregistré.")
    return redirect("vae:demande_detail", demande.pk)
