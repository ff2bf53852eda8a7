from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cqpilot.core.models import Organisation, OrganisationKind, User
from cqpilot.core.permissions import CERTIFIER_STAFF, MANAGE_CERTIFICATIONS, requires
from cqpilot.core.tables import Column, table

from . import exports, services
from .forms import (
    ActiviteForm,
    BlocForm,
    CertificationForm,
    CompetenceForm,
    CorrespondanceForm,
    CritereFormSet,
    ListeProAForm,
    ModaliteForm,
    RncpImportForm,
    VersionForm,
)
from .models import (
    Activite,
    Bloc,
    Certification,
    Competence,
    CorrespondanceBloc,
    ListeProA,
    Modalite,
    ReferentielVersion,
    RncpImport,
    VersionPublieeError,
    VersionStatus,
)
from .rncp_preview import cancel_rncp_import, confirm_rncp_import, preview_rncp_upload

PUBLISHED_MESSAGE = (
    "Cette version est publiée : elle ne peut plus être modifiée. "
    "Créez une nouvelle version à partir de celle-ci."
)


def _certification(request: HttpRequest, pk: int) -> Certification:
    return get_object_or_404(Certification.objects.visible_to(request.user), pk=pk)


def _version(request: HttpRequest, pk: int) -> ReferentielVersion:
    return get_object_or_404(
        ReferentielVersion.objects.visible_to(request.user).select_related("certification"), pk=pk
    )


# --- Certifications -----------------------------------------------------------------------------


@requires(CERTIFIER_STAFF)
def certification_list(request: HttpRequest) -> HttpResponse:
    certifications = table(
        request,
        Certification.objects.visible_to(request.user).annotate(
            version_count=Count("versions", distinct=True),
            draft_count=Count(
                "versions", filter=Q(versions__status=VersionStatus.BROUILLON), distinct=True
            ),
        ),
        columns=[
            Column("Intitulé", "intitule"),
            Column("Type", "type"),
            Column("Code RNCP / RS", "code_rncp_rs"),
            Column("Niveau", "niveau"),
            Column("Statut", "status"),
            Column("Versions", "version_count"),
        ],
        search_fields=["intitule", "code_rncp_rs"],
        default_sort="intitule",
    )
    template = (
        "referentiels/_certification_table.html"
        if request.htmx
        else "referentiels/certification_list.html"
    )
    return render(request, template, {"table": certifications})


@requires(MANAGE_CERTIFICATIONS)
def certification_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    certification = _certification(request, pk) if pk else None
    form = CertificationForm(request.POST or None, instance=certification, by=request.user)
    if request.method == "POST" and form.is_valid():
        certification = form.save()
        messages.success(request, f"Certification « {certification.intitule} » enregistrée.")
        return redirect("referentiels:certification_detail", certification.pk)
    return render(
        request,
        "referentiels/certification_form.html",
        {"form": form, "certification": certification},
    )


@login_required
def certification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    certification = get_object_or_404(
        Certification.objects.visible_to(request.user).prefetch_related(
            "certificateurs",
            "codes",
            Prefetch(
                "versions",
                queryset=ReferentielVersion.objects.annotate(
                    bloc_count=Count("blocs")
                ).select_related("published_by"),
            ),
        ),
        pk=pk,
    )
    versions = list(certification.versions.all())
    return render(
        request,
        "referentiels/certification_detail.html",
        {
            "certification": certification,
            "pro_a": _pro_a_lists(certification, request.user),
            "versions": versions,
            # The latest published version is the one dossiers are opened on.
            "en_vigueur": max(
                (v for v in versions if v.is_published), key=lambda v: v.numero, default=None
            ),
            "has_draft": any(not v.is_published for v in versions),
            "can_delete": request.user.is_certificateur_manager
            and not services.deletion_problems(certification, by=request.user),
        },
    )


def _pro_a_lists(certification: Certification, user: User) -> list[dict]:
    """The Pro-A list of each branch certifying `certification`, and whether it names it."""
    if not certification.is_rncp:
        return []
    branches = [o for o in certification.certificateurs.all() if o.kind == OrganisationKind.BRANCHE]
    listes = {liste.branche_id: liste for liste in ListeProA.objects.filter(branche__in=branches)}
    return [
        {
            "branche": branche,
            "liste": listes.get(branche.pk),
            "listed": branche.pk in listes and listes[branche.pk].lists(certification.code_rncp_rs),
            "editable": MANAGE_CERTIFICATIONS(user)
            and (user.is_superuser or user.organisation_id == branche.pk),
        }
        for branche in branches
    ]


@requires(MANAGE_CERTIFICATIONS)
def pro_a_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The Pro-A list of a branch's extended agreement: the branch's own managers edit it."""
    branches = Organisation.objects.filter(kind=OrganisationKind.BRANCHE)
    if not request.user.is_superuser:
        branches = branches.filter(pk=request.user.organisation_id)
    branche = get_object_or_404(branches, pk=pk)
    liste = ListeProA.objects.filter(branche=branche).first() or ListeProA(branche=branche)
    form = ListeProAForm(request.POST or None, instance=liste)
    if request.method == "POST" and form.is_valid():
        liste = form.save()
        count = len(liste.codes_rncp)
        messages.success(
            request,
            f"Liste Pro-A de {branche} enregistrée : {count} certification{'s' if count > 1 else ''}.",
        )
        return redirect("referentiels:certification_list")
    return render(request, "referentiels/pro_a_form.html", {"form": form, "branche": branche})


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def certification_delete(request: HttpRequest, pk: int) -> HttpResponse:
    certification = _certification(request, pk)
    try:
        services.delete_certification(certification, by=request.user)
    except services.OperationRefusee as refusal:
        for problem in refusal.problems:
            messages.error(request, problem)
        return redirect("referentiels:certification_detail", certification.pk)
    messages.success(request, f"Certification « {certification.intitule} » supprimée.")
    return redirect("referentiels:certification_list")


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def version_create(request: HttpRequest, pk: int) -> HttpResponse:
    certification = _certification(request, pk)
    try:
        version = services.create_empty_version(certification, by=request.user)
    except services.OperationRefusee as refusal:
        messages.error(request, " ".join(refusal.problems))
        return redirect("referentiels:certification_detail", certification.pk)
    messages.success(request, f"Version {version.numero} créée en brouillon.")
    return redirect("referentiels:version_detail", version.pk)


# --- Versions -----------------------------------------------------------------------------------


@login_required
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk)
    context = exports.version_context(version)
    context["problems"] = [] if version.is_published else services.publication_problems(version)
    context["other_versions"] = version.certification.versions.exclude(pk=version.pk)
    return render(request, "referentiels/version_detail.html", context)


@requires(MANAGE_CERTIFICATIONS)
def version_edit(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk)
    if version.is_published:
        messages.error(request, PUBLISHED_MESSAGE)
        return redirect("referentiels:version_detail", version.pk)
    form = VersionForm(request.POST or None, instance=version)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("referentiels:version_detail", version.pk)
    return render(
        request,
        "referentiels/content_form.html",
        {"form": form, "version": version, "title": "Objet de la version"},
    )


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk)
    try:
        services.publish_version(version, by=request.user)
    except services.OperationRefusee as refusal:
        for problem in refusal.problems:
            messages.error(request, problem)
    else:
        messages.success(
            request, f"Version {version.numero} publiée : elle ne pourra plus être modifiée."
        )
    return redirect("referentiels:version_detail", version.pk)


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def version_copy(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk)
    try:
        copy = services.copy_version(version, by=request.user)
    except services.OperationRefusee as refusal:
        messages.error(request, " ".join(refusal.problems))
        return redirect("referentiels:version_detail", version.pk)
    messages.success(
        request, f"Version {copy.numero} créée à partir de la version {version.numero}."
    )
    return redirect("referentiels:version_detail", copy.pk)


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def version_delete(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk)
    if version.is_published:
        messages.error(request, PUBLISHED_MESSAGE)
        return redirect("referentiels:version_detail", version.pk)
    certification = version.certification
    version.delete()
    messages.success(request, f"Brouillon de la version {version.numero} supprimé.")
    return redirect("referentiels:certification_detail", certification.pk)


@login_required
def version_diff(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk)
    other_pk = request.GET.get("avec") or (version.copied_from_id and str(version.copied_from_id))
    if not other_pk or not other_pk.isdigit():
        raise Http404("Choisissez la version à comparer.")
    other = get_object_or_404(version.certification.versions.all(), pk=int(other_pk))
    before, after = sorted([version, other], key=lambda v: v.numero)
    return render(
        request,
        "referentiels/version_diff.html",
        {
            "version": version,
            "before": before,
            "after": after,
            "diff": services.diff_versions(before, after),
        },
    )


@login_required
def version_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk)
    return HttpResponse(
        exports.version_pdf(version, base_url=request.build_absolute_uri("/")),
        content_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{exports.file_stem(version)}.pdf"'},
    )


@login_required
def version_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk)
    return FileResponse(
        exports.version_xlsx(version),
        as_attachment=True,
        filename=f"{exports.file_stem(version)}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# --- Version content ----------------------------------------------------------------------------

CONTENT = {
    "activite": (Activite, ActiviteForm, "activité"),
    "competence": (Competence, CompetenceForm, "compétence"),
    "bloc": (Bloc, BlocForm, "bloc de compétences"),
    "modalite": (Modalite, ModaliteForm, "modalité d'évaluation"),
    "correspondance": (CorrespondanceBloc, CorrespondanceForm, "correspondance"),
}


def _content_queryset(kind: str, version: ReferentielVersion):
    model = CONTENT[kind][0]
    if kind in ("modalite", "correspondance"):
        return model.objects.filter(bloc__version=version)
    return model.objects.filter(version=version)


@requires(MANAGE_CERTIFICATIONS)
def content_edit(request: HttpRequest, version_pk: int, kind: str, pk: int | None = None):
    if kind not in CONTENT:
        raise Http404
    version = _version(request, version_pk)
    if version.is_published:
        messages.error(request, PUBLISHED_MESSAGE)
        return redirect("referentiels:version_detail", version.pk)
    _model, form_class, label = CONTENT[kind]
    instance = get_object_or_404(_content_queryset(kind, version), pk=pk) if pk else None
    extra = {"by": request.user} if kind == "correspondance" else {}
    initial = {"bloc": request.GET.get("bloc")} if kind in ("modalite", "correspondance") else {}
    form = form_class(
        request.POST or None, instance=instance, version=version, initial=initial, **extra
    )
    criteres = None
    if kind == "competence":
        criteres = CritereFormSet(request.POST or None, instance=form.instance, prefix="criteres")
    if request.method == "POST" and form.is_valid() and (criteres is None or criteres.is_valid()):
        try:
            with transaction.atomic():
                saved = form.save()
                if criteres is not None:
                    criteres.instance = saved
                    criteres.save()
        except VersionPublieeError:  # published by someone else meanwhile
            messages.error(request, PUBLISHED_MESSAGE)
            return redirect("referentiels:version_detail", version.pk)
        messages.success(request, f"{label.capitalize()} enregistrée.")
        return redirect(f"{version.get_absolute_url()}#{kind}-{saved.pk}")
    return render(
        request,
        "referentiels/content_form.html",
        {
            "form": form,
            "criteres": criteres,
            "version": version,
            "title": f"Modifier {instance}" if instance else f"Ajouter : {label}",
        },
    )


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def content_delete(request: HttpRequest, version_pk: int, kind: str, pk: int) -> HttpResponse:
    if kind not in CONTENT:
        raise Http404
    version = _version(request, version_pk)
    if version.is_published:
        messages.error(request, PUBLISHED_MESSAGE)
        return redirect("referentiels:version_detail", version.pk)
    instance = get_object_or_404(_content_queryset(kind, version), pk=pk)
    try:
        with transaction.atomic():
            instance.delete()
    except VersionPublieeError:  # published by someone else meanwhile
        messages.error(request, PUBLISHED_MESSAGE)
        return redirect("referentiels:version_detail", version.pk)
    messages.success(request, f"« {instance} » supprimé.")
    return redirect("referentiels:version_detail", version.pk)


# --- RNCP import --------------------------------------------------------------------------------


def _rncp_import(request: HttpRequest, pk: int) -> RncpImport:
    return get_object_or_404(
        RncpImport.objects.visible_to(request.user).select_related("by"), pk=pk
    )


@requires(MANAGE_CERTIFICATIONS)
def rncp_import(request: HttpRequest) -> HttpResponse:
    form = RncpImportForm(
        request.POST or None, request.FILES or None, organisation=request.user.organisation
    )
    if request.method == "POST" and form.is_valid():
        report = preview_rncp_upload(
            form.cleaned_data["fichier"],
            fiche=form.cleaned_data["fiche"],
            organisation=request.user.organisation,
            by=request.user,
            keep_valid=form.cleaned_data["importer_valides"],
            as_model=form.cleaned_data["comme_modele"],
        )
        return redirect("referentiels:rncp_import_detail", report.pk)
    imports = RncpImport.objects.visible_to(request.user).select_related("by")
    return render(request, "referentiels/rncp_import.html", {"form": form, "imports": imports[:20]})


@requires(MANAGE_CERTIFICATIONS)
def rncp_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _rncp_import(request, pk)
    certifications = []
    if report.committed and report.fiche:
        certifications = Certification.objects.visible_to(request.user).filter(
            Q(code_rncp_rs=report.fiche) | Q(code_rncp_rs="", fiche_modele=report.fiche)
        )
    return render(
        request,
        "referentiels/rncp_import_detail.html",
        {"report": report, "certifications": certifications},
    )


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def rncp_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    report = _rncp_import(request, pk)
    try:
        confirm_rncp_import(report)
    except services.OperationRefusee as refusal:
        messages.error(request, " ".join(refusal.problems))
    return redirect("referentiels:rncp_import_detail", report.pk)


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def rncp_import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    report = _rncp_import(request, pk)
    try:
        cancel_rncp_import(report)
    except services.OperationRefusee as refusal:
        messages.error(request, " ".join(refusal.problems))
        return redirect("referentiels:rncp_import_detail", report.pk)
    messages.success(request, f"Import de {report.fichier} annulé : rien n'a été enregistré.")
    return redirect("referentiels:rncp_import")
