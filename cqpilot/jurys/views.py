from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cqpilot.accueil import todo
from cqpilot.core.accounts.reauth import recent_authentication_required
from cqpilot.core.cells import CellError, as_date
from cqpilot.core.french import compte
from cqpilot.core.permissions import CERTIFIER_STAFF, MANAGE_CERTIFICATIONS, requires
from cqpilot.dossiers.models import Dossier
from cqpilot.referentiels.models import Certification
from cqpilot.vae.validation import retards as vae_retards

from . import deliberation as deliberations
from . import pv, services, workflow
from .deliberation import BlocSaisie
from .forms import JuryForm, MembreForm, ReglesJuryForm
from .models import (
    Decision,
    Deliberation,
    Jury,
    JuryMembre,
    JuryStatus,
    ProcesVerbal,
    ReglesJury,
    VoteChoice,
)
from .services import JuryRefus
from .signatures import check_signer, etat_signatures, signataires
from .workflow import is_jury_day_reached

OPEN = (JuryStatus.PREPARATION, JuryStatus.DELIBERATION)


def _jury(request: HttpRequest, pk: int) -> Jury:
    return get_object_or_404(
        Jury.objects.visible_to(request.user).select_related("certification", "organisation"),
        pk=pk,
    )


def _refused(request: HttpRequest, refus: JuryRefus, jury: Jury) -> HttpResponse:
    messages.error(request, refus.message)
    return redirect("jurys:jury_detail", jury.pk)


@requires(CERTIFIER_STAFF)
def jury_list(request: HttpRequest) -> HttpResponse:
    jurys = Jury.objects.visible_to(request.user).select_related("certification")
    a_faire = request.GET.get(todo.FILTER_PARAM, "")
    jurys = todo.filtered(jurys, todo.JURY_FILTERS, a_faire, request.user)
    return render(
        request,
        "jurys/jury_list.html",
        {"jurys": jurys, "a_faire_label": todo.label_of(todo.JURY_FILTERS, a_faire)},
    )


@requires(MANAGE_CERTIFICATIONS)
def jury_create(request: HttpRequest) -> HttpResponse:
    form = JuryForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        jury = form.save(commit=False)
        jury.organisation = (
            request.user.organisation or form.cleaned_data["certification"].certificateurs.first()
        )
        jury.save()
        messages.success(request, "Jury créé : ajoutez ses membres et ses candidats.")
        return redirect("jurys:jury_detail", jury.pk)
    return render(request, "jurys/form.html", {"form": form, "title": "Nouveau jury"})


@login_required
def jury_detail(request: HttpRequest, pk: int) -> HttpResponse:
    jury = _jury(request, pk)
    membres = services.membres_of(jury)
    regles = services.regles_of(jury)
    is_manager = request.user.is_certificateur_manager
    draft = jury.pvs.filter(signed_at=None).last() if jury.status == JuryStatus.CLOS else None
    etat = etat_signatures(draft, membres, regles) if draft else []
    context = {
        "jury": jury,
        "regles": regles,
        "membres": membres,
        "composition": services.composition_of(jury, membres),
        "deliberations": jury.deliberations.select_related(
            "dossier__candidat", "dossier__organisme"
        ),
        "pvs": jury.pvs.prefetch_related("signatures__membre__intervenant"),
        "transitions": workflow.history(jury),
        "is_manager": is_manager,
        "is_jury_day": is_jury_day_reached(jury),
        "signatures": etat,
        "signature_problems": signataires(membres, regles)[1] if jury.status in OPEN else [],
        "can_sign": any(
            e.signature is None and e.signataire.membre.intervenant.user_id == request.user.pk
            for e in etat
        ),
    }
    if is_manager and jury.status == JuryStatus.PREPARATION:
        context["membre_form"] = MembreForm(jury=jury)
        # A VAE dossier's jury deadline (vae/validation.py): shown, and flagged when passed.
        context["presentables"] = (
            services.dossiers_presentables(jury)
            .annotate(jury_vae_avant_le=F("validation_vae__jury_avant_le"))
            .order_by("candidat__nom_naissance")[:500]
        )
    return render(request, "jurys/jury_detail.html", context)


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def membre_add(request: HttpRequest, pk: int) -> HttpResponse:
    jury = _jury(request, pk)
    form = MembreForm(request.POST, jury=jury)
    if not form.is_valid():
        messages.error(request, "Choisissez un intervenant et son rôle.")
        return redirect("jurys:jury_detail", jury.pk)
    try:
        services.add_membre(jury, form.cleaned_data["intervenant"], form.cleaned_data["role"])
    except JuryRefus as refus:
        return _refused(request, refus, jury)
    return redirect("jurys:jury_detail", jury.pk)


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def membre_presence(request: HttpRequest, pk: int, membre_pk: int) -> HttpResponse:
    jury = _jury(request, pk)
    membre = get_object_or_404(JuryMembre, jury=jury, pk=membre_pk)
    membre.jury = jury
    try:
        services.set_presence(membre, request.POST.get("present") == "1")
    except JuryRefus as refus:
        return _refused(request, refus, jury)
    return redirect("jurys:jury_detail", jury.pk)


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def dossiers_add(request: HttpRequest, pk: int) -> HttpResponse:
    jury = _jury(request, pk)
    ids = [int(v) for v in request.POST.getlist("dossiers") if v.isdigit()]
    dossiers = (
        Dossier.objects.visible_to(request.user)
        .filter(pk__in=ids)
        .select_related("candidat", "certification", "version")
    )
    try:
        count = services.add_dossiers(jury, dossiers, by=request.user)
    except JuryRefus as refus:
        return _refused(request, refus, jury)
    messages.success(
        request, f"{compte(count, 'candidat présenté', 'candidats présentés')} au jury."
    )
    for retard in vae_retards(jury, list(dossiers)):
        messages.warning(request, retard)
    return redirect("jurys:jury_detail", jury.pk)


STEPS = {
    "ouvrir": lambda request, jury: services.open_deliberation(jury, by=request.user),
    "clore": lambda request, jury: pv.close(
        jury, by=request.user, base_url=request.build_absolute_uri("/")
    ),
    "rouvrir": lambda request, jury: pv.reopen(jury, by=request.user),
    "rectifier": lambda request, jury: pv.rectify(
        jury, request.POST.get("motif", ""), by=request.user
    ),
}
STEP_MESSAGES = {
    "ouvrir": "Délibération ouverte. Les récusations déclarées ont été appliquées.",
    "clore": "Jury clos : le projet de PV est prêt à être signé.",
    "rouvrir": "Délibération rouverte.",
    "rectifier": "Rectification ouverte : la prochaine clôture produira une nouvelle version du PV.",
}


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def jury_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    jury = _jury(request, pk)
    if step not in STEPS:
        raise PermissionDenied
    try:
        STEPS[step](request, jury)
    except JuryRefus as refus:
        return _refused(request, refus, jury)
    messages.success(request, STEP_MESSAGES[step])
    return redirect("jurys:jury_detail", jury.pk)


@login_required
def jury_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """The signature of the PV: a page saying what is signed and as whom, then the signature
    itself (POST). Both ask for the password again first."""
    jury = _jury(request, pk)
    if (confirm := recent_authentication_required(request)) is not None:
        return confirm  # the password again before signing, then back here
    if request.method != "POST":
        return render(request, "jurys/signature.html", _signature_context(request, jury))
    try:
        signed = pv.sign(jury, by=request.user, base_url=request.build_absolute_uri("/"))
    except JuryRefus as refus:
        return _refused(request, refus, jury)
    if signed.signed_at:
        messages.success(request, f"PV signé. Empreinte SHA-256 : {signed.sha256}")
    else:
        awaited = [
            str(e.signataire.membre.intervenant)
            for e in etat_signatures(signed, services.membres_of(jury), services.regles_of(jury))
            if e.signature is None
        ]
        messages.success(
            request, f"Signature enregistrée. Le PV attend encore : {', '.join(awaited)}."
        )
    if not Jury.objects.visible_to(request.user).filter(pk=jury.pk).exists():
        return redirect("jurys:jury_list")  # a jury member sees a jury until its PV is signed
    return redirect("jurys:jury_detail", jury.pk)


def _signature_context(request: HttpRequest, jury: Jury) -> dict:
    membres, regles = services.membres_of(jury), services.regles_of(jury)
    draft = jury.pvs.filter(signed_at=None).last()
    context = {"jury": jury, "pv": draft, "refusal": "", "signataire": None, "etat": []}
    if draft is None or jury.status != JuryStatus.CLOS:
        context["refusal"] = "Aucun PV n'attend de signature : le jury n'est pas clos."
        return context
    context["etat"] = etat_signatures(draft, membres, regles)
    context["deliberations"] = jury.deliberations.select_related("dossier__candidat")
    try:
        context["signataire"] = check_signer(jury, request.user, draft, membres, regles)
    except JuryRefus as refus:
        context["refusal"] = refus.message
    return context


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def membre_secretaire(request: HttpRequest, pk: int, membre_pk: int) -> HttpResponse:
    jury = _jury(request, pk)
    membre = get_object_or_404(
        JuryMembre.objects.select_related("intervenant"), jury=jury, pk=membre_pk
    )
    membre.jury = jury
    try:
        services.set_secretaire(membre)
    except JuryRefus as refus:
        return _refused(request, refus, jury)
    messages.success(request, f"{membre.intervenant} est secrétaire de séance.")
    return redirect("jurys:jury_detail", jury.pk)


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def jury_cpne(request: HttpRequest, pk: int) -> HttpResponse:
    jury = _jury(request, pk)
    try:
        on = as_date(request.POST.get("date", ""))
    except CellError:
        on = None
    if on is None:
        messages.error(request, "Indiquez la date de validation CPNE (JJ/MM/AAAA).")
        return redirect("jurys:jury_detail", jury.pk)
    try:
        pv.validate_cpne(jury, on, by=request.user)
    except JuryRefus as refus:
        return _refused(request, refus, jury)
    messages.success(request, "Validation CPNE enregistrée : les décisions sont appliquées.")
    return redirect("jurys:jury_detail", jury.pk)


@login_required
def pv_download(request: HttpRequest, pk: int, numero: int) -> FileResponse:
    jury = _jury(request, pk)
    version = get_object_or_404(ProcesVerbal, jury=jury, numero=numero)
    return FileResponse(
        version.fichier.open("rb"),
        as_attachment=False,
        filename=f"pv-jury-{jury.date:%Y-%m-%d}-v{version.numero}.pdf",
        content_type="application/pdf",
    )


# --- Deliberation screen -----------------------------------------------------------------------


@requires(MANAGE_CERTIFICATIONS)
def deliberation(request: HttpRequest, pk: int) -> HttpResponse:
    jury = _jury(request, pk)
    membres = services.membres_of(jury)
    return render(
        request,
        "jurys/deliberation.html",
        {
            "jury": jury,
            "lignes": deliberations.lignes(jury, membres),
            "editable": jury.status == JuryStatus.DELIBERATION,
            "decisions": Decision.choices,
        },
    )


def _bloc_saisies(post, blocs) -> dict[int, BlocSaisie]:
    saisies = {}
    for bloc in blocs:
        note_text = post.get(f"note-{bloc.pk}", "").strip().replace(",", ".")
        try:
            note = Decimal(note_text) if note_text else None
        except InvalidOperation:
            note = None
        saisies[bloc.pk] = BlocSaisie(
            post.get(f"bloc-{bloc.pk}", ""), note, post.get(f"justification-{bloc.pk}", "")
        )
    return saisies


@requires(MANAGE_CERTIFICATIONS)
def deliberation_candidat(request: HttpRequest, pk: int, deliberation_pk: int) -> HttpResponse:
    """One candidate's decision form: a card swapped into the deliberation page (htmx), or a
    page of its own. Saving answers with the card again, saved or with the refusal."""
    jury = _jury(request, pk)
    item = get_object_or_404(
        Deliberation.objects.select_related(
            "dossier__certification", "dossier__candidat", "dossier__version"
        ),
        jury=jury,
        pk=deliberation_pk,
    )
    item.jury = jury
    error = ""
    if request.method == "POST":
        try:
            revision = int(request.POST.get("revision", "-1"))
            blocs = deliberations.scope_blocs(item.dossier, list(item.dossier.version.blocs.all()))
            deliberations.save_decision(
                item,
                revision=revision,
                decision=request.POST.get("decision", ""),
                blocs=_bloc_saisies(request.POST, blocs),
                preconisations=request.POST.get("preconisations", ""),
                motivation=request.POST.get("motivation", ""),
                unanimite=request.POST.get("unanimite") == "1",
                by=request.user,
            )
        except JuryRefus as refus:
            error = refus.message
        except ValueError:
            error = "Formulaire incomplet : rechargez la page."
    [ligne] = deliberations.lignes(jury, services.membres_of(jury), only=item.pk)
    context = {
        "jury": jury,
        "ligne": ligne,
        "editable": jury.status == JuryStatus.DELIBERATION,
        "decisions": Decision.choices,
        "error": error,
        "saved": request.method == "POST" and not error,
    }
    template = (
        "jurys/_deliberation_row.html" if request.htmx else "jurys/deliberation_candidat.html"
    )
    return render(request, template, context)


@requires(MANAGE_CERTIFICATIONS)
def votes(request: HttpRequest, pk: int, deliberation_pk: int) -> HttpResponse:
    jury = _jury(request, pk)
    item = get_object_or_404(
        Deliberation.objects.select_related("dossier__candidat"), jury=jury, pk=deliberation_pk
    )
    item.jury = jury
    membres = services.membres_of(jury)
    if request.method == "POST" and "recuser" in request.POST:
        membre = get_object_or_404(JuryMembre, jury=jury, pk=request.POST.get("recuser") or 0)
        try:
            deliberations.recuse(item, membre, request.POST.get("motif", ""))
        except JuryRefus as refus:
            messages.error(request, refus.message)
        else:
            messages.success(request, f"{membre.intervenant} ne délibère pas pour ce candidat.")
        return redirect("jurys:votes", jury.pk, item.pk)
    if request.method == "POST":
        chosen = {
            m.pk: request.POST[f"vote-{m.pk}"]
            for m in membres
            if request.POST.get(f"vote-{m.pk}") in VoteChoice.values
        }
        try:
            deliberations.record_votes(item, chosen)
        except JuryRefus as refus:
            messages.error(request, refus.message)
        else:
            messages.success(request, "Votes enregistrés.")
            return redirect("jurys:deliberation", jury.pk)
    [ligne] = deliberations.lignes(jury, membres, only=item.pk)
    recused = {r.membre_id: r.motif for r in ligne.recusations}
    current = {v.membre_id: v.choix for v in item.votes.all()}
    rows = [
        {
            "membre": m,
            "recusation": recused.get(m.pk, ""),
            "vote": current.get(m.pk, ""),
            "can_vote": m.present and m.has_voix_deliberative and m.pk not in recused,
        }
        for m in membres
    ]
    return render(
        request,
        "jurys/votes.html",
        {"jury": jury, "item": item, "rows": rows, "ligne": ligne, "choices": VoteChoice.choices},
    )


# --- Jury rules of a certification ------------------------------------------------------------


@requires(MANAGE_CERTIFICATIONS)
def regles_edit(request: HttpRequest, certification_pk: int) -> HttpResponse:
    certification = get_object_or_404(
        Certification.objects.visible_to(request.user), pk=certification_pk
    )
    # saved by the form only: showing the page writes nothing
    regles = ReglesJury.objects.filter(certification=certification).first() or ReglesJury(
        certification=certification
    )
    form = ReglesJuryForm(request.POST or None, instance=regles)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Règles du jury enregistrées.")
        return redirect("referentiels:certification_detail", certification.pk)
    return render(
        request,
        "jurys/form.html",
        {"form": form, "title": f"Règles du jury — {certification.intitule}"},
    )
