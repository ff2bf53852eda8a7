from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cqpilot.accueil import todo
from cqpilot.core.audit import log_read
from cqpilot.core.models import Organisation, OrganisationKind
from cqpilot.core.permissions import (
    EDIT_DOSSIERS,
    IMPORT_CANDIDATS,
    MANAGE_CERTIFICATIONS,
    requires,
)
from cqpilot.core.tables import Column, table
from cqpilot.espace.services import may_invite
from cqpilot.referentiels.models import Bloc, Certification

from . import exports
from .acquis import carried_over, valid_until
from .candidats_import import import_candidats
from .documents import add_document, check_document, pieces_shown_to
from .forms import (
    CandidatForm,
    CandidatImportForm,
    DocumentForm,
    DossierForm,
    EquivalenceForm,
    FinancementForm,
    HabilitationForm,
    OrganismeForm,
    can_handle_nir,
)
from .identity import identity_problems
from .import_template import candidats_template
from .models import (
    AcquisSource,
    Candidat,
    CandidatImport,
    Document,
    Dossier,
    DossierState,
    Habilitation,
)
from .workflow import (
    CERTIFICATEUR,
    TransitionRefusee,
    actor_of,
    transition,
    transitions_with_refusals,
)

# --- Organismes de formation and habilitations ---------------------------------------------------


@requires(MANAGE_CERTIFICATIONS)
def organisme_list(request: HttpRequest) -> HttpResponse:
    """Every partner OF of the platform (a certifier habilitates any of them), with the
    certifier's own habilitations; what it may edit or invite into is marked per row."""
    organismes = table(
        request,
        todo.filtered(
            Organisation.objects.filter(kind=OrganisationKind.ORGANISME_FORMATION),
            todo.ORGANISME_FILTERS,
            request.GET.get(todo.FILTER_PARAM, ""),
            request.user,
        ).prefetch_related(
            Prefetch(
                "habilitations",
                queryset=Habilitation.objects.visible_to(request.user)
                .select_related("certification")
                .prefetch_related("blocs"),
            )
        ),
        columns=[
            Column("Raison sociale", "nom"),
            Column("SIRET", "siret"),
            Column("NDA", "nda"),
            Column("Qualiopi", "qualiopi"),
            Column("Habilitations"),
        ],
        search_fields=["nom", "siret", "nda"],
        default_sort="nom",
    )
    shown = [organisme.pk for organisme in organismes.page]
    editable = set(
        Organisation.objects.editable_by(request.user)
        .filter(pk__in=shown)
        .values_list("pk", flat=True)
    )
    for organisme in organismes.page:
        organisme.is_editable = organisme.pk in editable
        organisme.is_partner = bool(organisme.habilitations.all())
    template = "dossiers/_organisme_table.html" if request.htmx else "dossiers/organisme_list.html"
    a_faire_label = todo.label_of(todo.ORGANISME_FILTERS, request.GET.get(todo.FILTER_PARAM, ""))
    return render(request, template, {"table": organismes, "a_faire_label": a_faire_label})


@login_required
def organisme_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """An OF's record: created by a certifier, then kept by the OF's own administrator (or the
    super-administrator); see OrganisationQuerySet.editable_by."""
    if pk is None:
        MANAGE_CERTIFICATIONS.check(request.user)
        organisme = None
    else:
        organisme = get_object_or_404(Organisation.objects.editable_by(request.user), pk=pk)
    form = OrganismeForm(request.POST or None, instance=organisme)
    if request.method == "POST" and form.is_valid():
        if organisme is None:
            form.instance.created_by = request.user.organisation
        organisme = form.save()
        messages.success(request, f"Organisme « {organisme} » enregistré.")
        if not request.user.is_certificateur_manager:
            return redirect("dossiers:organisme_edit", organisme.pk)
        return redirect("dossiers:organisme_list")
    return render(
        request,
        "dossiers/form.html",
        {
            "form": form,
            "title": str(organisme or "Nouvel organisme de formation"),
            "back": "dossiers:organisme_list" if request.user.is_certificateur_manager else "home",
        },
    )


@requires(MANAGE_CERTIFICATIONS)
def habilitation_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    habilitation = (
        get_object_or_404(Habilitation.objects.visible_to(request.user), pk=pk) if pk else None
    )
    form = HabilitationForm(
        request.POST or None,
        instance=habilitation,
        by=request.user,
        initial={"organisme": request.GET.get("organisme")},
    )
    if request.method == "POST" and form.is_valid():
        habilitation = form.save()
        messages.success(request, f"Habilitation « {habilitation} » enregistrée.")
        return redirect("dossiers:organisme_list")
    return render(
        request,
        "dossiers/form.html",
        {
            "form": form,
            "title": "Habilitation d'un organisme de formation",
            "back": "dossiers:organisme_list",
        },
    )


@requires(MANAGE_CERTIFICATIONS)
def habilitations_xlsx(request: HttpRequest) -> FileResponse:
    return FileResponse(
        exports.habilitations_xlsx(Habilitation.objects.visible_to(request.user)),
        as_attachment=True,
        filename="organismes-habilites.xlsx",
    )


# --- Candidats ----------------------------------------------------------------------------------


@login_required
def candidat_list(request: HttpRequest) -> HttpResponse:
    candidats = table(
        request,
        Candidat.objects.visible_to(request.user),
        # évaluateurs and jury members see who, not when and where they were born
        columns=[
            Column("Nom de naissance", "nom_naissance"),
            Column("Prénom", "prenom1"),
            *([Column("Naissance", "annee_naissance")] if EDIT_DOSSIERS(request.user) else []),
            Column("Dossiers"),
        ],
        search_fields=["nom_naissance", "nom_usage", "prenom1"],
        default_sort="nom_naissance",
    )
    # Counted for the page shown only: counting for every candidate before paginating was the
    # cost of this page at 100,000 candidates (benchmarks/dossier_lists.py).
    counts = dict(
        Dossier.objects.visible_to(request.user)
        .filter(candidat__in=[c.pk for c in candidats.page])
        .values_list("candidat")
        .annotate(n=Count("pk"))
    )
    for candidat in candidats.page:
        candidat.dossier_count = counts.get(candidat.pk, 0)
    template = "dossiers/_candidat_table.html" if request.htmx else "dossiers/candidat_list.html"
    return render(request, template, {"table": candidats})


@requires(EDIT_DOSSIERS)
def candidat_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    candidat = get_object_or_404(Candidat.objects.visible_to(request.user), pk=pk) if pk else None
    form = CandidatForm(request.POST or None, instance=candidat, by=request.user)
    if request.method == "POST" and form.is_valid():
        candidat = form.save()
        messages.success(request, f"Candidat {candidat} enregistré.")
        for warning in form.warnings:
            messages.warning(request, warning)
        return redirect("dossiers:candidat_detail", candidat.pk)
    return render(
        request,
        "dossiers/candidat_form.html",
        {"form": form, "candidat": candidat},
    )


@login_required
def candidat_detail(request: HttpRequest, pk: int) -> HttpResponse:
    candidat = get_object_or_404(Candidat.objects.visible_to(request.user), pk=pk)
    dossiers = (
        Dossier.objects.visible_to(request.user)
        .filter(candidat=candidat)
        .select_related("certification", "version", "organisme")
    )
    acquis = candidat.blocs_acquis.select_related("bloc__version__certification", "dossier")
    return render(
        request,
        "dossiers/candidat_detail.html",
        {
            "candidat": candidat,
            "dossiers": dossiers,
            "problems": identity_problems(candidat),
            "may_invite": may_invite(candidat, request.user),
            "show_nir": can_handle_nir(request.user),
            "acquis": [(a, valid_until(a)) for a in acquis],
            "equivalence_form": EquivalenceForm(by=request.user)
            if can_handle_nir(request.user)
            else None,
        },
    )


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def equivalence_add(request: HttpRequest, pk: int) -> HttpResponse:
    candidat = get_object_or_404(Candidat.objects.visible_to(request.user), pk=pk)
    form = EquivalenceForm(request.POST, by=request.user)
    if form.is_valid():
        form.instance.candidat = candidat
        form.instance.source = AcquisSource.EQUIVALENCE
        form.instance.created_by = request.user
        form.save()
        messages.success(request, "Bloc acquis par équivalence enregistré.")
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    return redirect("dossiers:candidat_detail", candidat.pk)


# --- Dossiers -----------------------------------------------------------------------------------


@login_required
def dossier_list(request: HttpRequest) -> HttpResponse:
    dossiers = Dossier.objects.visible_to(request.user).select_related(
        "candidat", "certification", "organisme"
    )
    state = request.GET.get("etat", "")
    if state in DossierState.values:
        dossiers = dossiers.filter(state=state)
    a_faire = request.GET.get(todo.FILTER_PARAM, "")
    dossiers = todo.filtered(dossiers, todo.DOSSIER_FILTERS, a_faire, request.user)
    certifications = Certification.objects.filter(
        pk__in=Dossier.objects.visible_to(request.user).values("certification")
    ).order_by("intitule")
    certification = request.GET.get("certification", "")
    if certification.isdigit():
        dossiers = dossiers.filter(certification_id=int(certification))
    listing = table(
        request,
        dossiers,
        columns=[
            Column("Candidat", "candidat__nom_naissance"),
            Column("Certification", "certification__intitule"),
            Column("Voie d'accès", "voie_acces"),
            Column("Organisme", "organisme__nom"),
            Column("Inscription", "date_inscription"),
            Column("État", "state"),
        ],
        # Names only: a certification is chosen with its filter, not searched as text.
        search_fields=["candidat__nom_naissance", "candidat__prenom1"],
        default_sort="-date_inscription",
    )
    template = "dossiers/_dossier_table.html" if request.htmx else "dossiers/dossier_list.html"
    return render(
        request,
        template,
        {
            "table": listing,
            "states": DossierState.choices,
            "state": state,
            "certifications": certifications,
            "certification": certification,
            "a_faire": a_faire,
            "a_faire_label": todo.label_of(todo.DOSSIER_FILTERS, a_faire),
        },
    )


@requires(EDIT_DOSSIERS)
def dossier_create(request: HttpRequest, candidat_pk: int) -> HttpResponse:
    candidat = get_object_or_404(Candidat.objects.visible_to(request.user), pk=candidat_pk)
    form = DossierForm(request.POST or None, by=request.user, instance=Dossier(candidat=candidat))
    if request.method == "POST" and form.is_valid():
        dossier = form.save()
        messages.success(request, "Dossier créé en brouillon : inscrivez-le quand il est complet.")
        for warning in form.warnings:
            messages.warning(request, warning)
        return redirect("dossiers:dossier_detail", dossier.pk)
    return render(request, "dossiers/dossier_form.html", {"form": form, "candidat": candidat})


@requires(EDIT_DOSSIERS)
def dossier_blocs(request: HttpRequest, candidat_pk: int) -> HttpResponse:
    """The bloc checkboxes of the chosen référentiel version (htmx partial of the dossier form)."""
    get_object_or_404(Candidat.objects.visible_to(request.user), pk=candidat_pk)
    form = DossierForm(request.GET, by=request.user)
    return render(request, "dossiers/_blocs_vises.html", {"field": form["blocs_vises"]})


@login_required
def dossier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = get_object_or_404(
        Dossier.objects.visible_to(request.user)
        .select_related("candidat", "certification", "version", "organisme", "created_by")
        .prefetch_related("certification__pieces_exigees"),
        pk=pk,
    )
    return render(
        request,
        "dossiers/dossier_detail.html",
        {
            "dossier": dossier,
            "transitions": transitions_with_refusals(dossier, request.user),
            "pieces": pieces_shown_to(dossier, request.user),
            "history": dossier.transitions.select_related("by"),
            "financements": dossier.financements.all() if EDIT_DOSSIERS(request.user) else [],
            "blocs": dossier.blocs_vises.all() or Bloc.objects.filter(version=dossier.version),
            "whole": not dossier.blocs_vises.exists(),
            "financement_form": FinancementForm(),
            "documents": Document.objects.visible_to(request.user)
            .filter(dossier=dossier)
            .select_related("uploaded_by", "checked_by", "piece"),
            "document_form": DocumentForm.for_dossier(dossier, request.user),
            "can_check_documents": actor_of(request.user, dossier) == CERTIFICATEUR,
            "reports": carried_over(dossier.candidat, dossier.version, on=date.today()),
        },
    )


@login_required
@require_POST
def dossier_transition(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = get_object_or_404(Dossier.objects.visible_to(request.user), pk=pk)
    try:
        transition(
            dossier,
            request.POST.get("vers", ""),
            by=request.user,
            motif=request.POST.get("motif", ""),
        )
    except (TransitionRefusee, ValueError) as refusal:
        messages.error(request, getattr(refusal, "message", "Transition inconnue."))
    else:
        messages.success(request, "État du dossier mis à jour.")
    return redirect("dossiers:dossier_detail", dossier.pk)


@requires(EDIT_DOSSIERS)
@require_POST
def financement_create(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = get_object_or_404(Dossier.objects.visible_to(request.user), pk=pk)
    form = FinancementForm(request.POST)
    if form.is_valid():
        form.instance.dossier = dossier
        form.save()
        messages.success(request, "Financement ajouté.")
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label} : {' '.join(errors)}".strip(" :"))
    return redirect("dossiers:dossier_detail", dossier.pk)


# --- Bulk import --------------------------------------------------------------------------------


def _imports_of(request: HttpRequest):
    return CandidatImport.objects.visible_to(request.user).select_related("by")


@requires(IMPORT_CANDIDATS)
def candidat_import(request: HttpRequest) -> HttpResponse:
    form = CandidatImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["fichier"]
        record = import_candidats(
            upload,
            upload.name,
            by=request.user,
            valid_rows_only=form.cleaned_data["lignes_valides"],
        )
        return redirect("dossiers:candidat_import_detail", record.pk)
    return render(
        request,
        "dossiers/candidat_import.html",
        {"form": form, "imports": _imports_of(request)[:20]},
    )


@requires(IMPORT_CANDIDATS)
def candidat_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(_imports_of(request), pk=pk)
    return render(request, "dossiers/candidat_import_detail.html", {"record": record})


@requires(IMPORT_CANDIDATS)
def candidat_import_template(request: HttpRequest) -> FileResponse:
    return FileResponse(
        candidats_template(request.user),
        as_attachment=True,
        filename="modele-import-candidats.xlsx",
    )


# --- Documents ----------------------------------------------------------------------------------


@requires(EDIT_DOSSIERS)
@require_POST
def document_add(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = get_object_or_404(Dossier.objects.visible_to(request.user), pk=pk)
    form = DocumentForm.for_dossier(dossier, request.user, request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    else:
        try:
            add_document(
                dossier,
                form.cleaned_data["fichier"],
                type=form.cleaned_data["type"],
                by=request.user,
                piece=form.piece,
            )
        except TransitionRefusee as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, "Document déposé.")
    return redirect(f"{reverse('dossiers:dossier_detail', args=[dossier.pk])}#documents")


def _document(request: HttpRequest, pk: int) -> Document:
    return get_object_or_404(
        Document.objects.visible_to(request.user).select_related("dossier"), pk=pk
    )


@login_required
def document_download(request: HttpRequest, pk: int) -> FileResponse:
    document = _document(request, pk)
    log_read(document, by=request.user, lecture="téléchargement de la pièce")
    return FileResponse(document.fichier.open("rb"), as_attachment=True, filename=document.nom)


@login_required
@require_POST
def document_check(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    try:
        check_document(
            document,
            accept=request.POST.get("decision") == "valider",
            by=request.user,
            motif=request.POST.get("motif", ""),
        )
    except TransitionRefusee as refusal:
        messages.error(request, refusal.message)
    return redirect(f"{reverse('dossiers:dossier_detail', args=[document.dossier_id])}#documents")
