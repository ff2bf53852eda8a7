"""Screens of the accrochage of cqpilot's own holders: « À accrocher », files, reports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cqpilot.accueil import todo
from cqpilot.core.accounts.reauth import recent_authentication_required
from cqpilot.core.audit import log_read
from cqpilot.core.french import accorde, compte
from cqpilot.core.models import Organisation

from . import depots
from .depots import DepotRefus
from .forms import RapportForm, ReglagesForm
from .lifecycle import SETTLED, next_step
from .models import (
    FichierAccrochage,
    PassageAccrochage,
    PassageStatus,
    ReglagesAccrochage,
    SchemaVersion,
)
from .rapport import RapportError, parse_rapport


def _organisation(request: HttpRequest) -> Organisation:
    organisation = depots.depositing_organisation(request.user)
    if organisation is None:
        raise PermissionDenied("L'accrochage est réservé au certificateur.")
    return organisation


@login_required
def a_accrocher(request: HttpRequest) -> HttpResponse:
    organisation = _organisation(request)
    today = timezone.localdate()
    passages = PassageAccrochage.objects.filter(organisation=organisation)
    counts = depots.status_counts(passages)
    counts["en_retard"] = passages.filter(depots.overdue_filter(today)).count()
    status = request.GET.get("statut", "")
    if status not in PassageStatus.values:
        status = ""
    shown = passages.filter(status=status) if status else passages.exclude(status__in=SETTLED)
    a_faire = request.GET.get(todo.FILTER_PARAM, "")
    shown = todo.filtered(shown, todo.PASSAGE_FILTERS, a_faire, request.user)
    fichiers = todo.filtered(
        FichierAccrochage.objects.filter(organisation=organisation),
        todo.FICHIER_FILTERS,
        a_faire,
        request.user,
    )
    rows = []
    for item in shown.select_related(
        "document__dossier__candidat", "document__certification", "bloc"
    )[:500]:
        days = (item.date_limite - today).days
        open_ = item.status in (PassageStatus.A_DEPOSER, PassageStatus.REJETE)
        urgency = "retard" if open_ and days < 0 else "proche" if open_ and days <= 30 else ""
        rows.append(
            {
                "passage": item,
                "days": days,
                "late": -days,
                "urgency": urgency,
                "next_step": next_step(item),
            }
        )
    return render(
        request,
        "accrochage/a_accrocher.html",
        {
            "counts": counts,
            "rows": rows,
            "status": status,
            "statuses": PassageStatus.choices,
            "fichiers": fichiers[:20],
            "a_faire_label": todo.label_of(todo.PASSAGE_FILTERS, a_faire)
            or todo.label_of(todo.FICHIER_FILTERS, a_faire),
            "reglages": ReglagesAccrochage.objects.filter(organisation=organisation).first(),
            "rapport_form": RapportForm(),
        },
    )


@login_required
@require_POST
def deposer(request: HttpRequest) -> HttpResponse:
    """Build the deposit files: for the selection, all due, the rejected ones, or a withdrawal."""
    organisation = _organisation(request)
    what = request.POST.get("quoi", "")
    passages = PassageAccrochage.objects.filter(organisation=organisation)
    action = "CREATION"
    if what == "dus":
        chosen = passages.filter(status=PassageStatus.A_DEPOSER)
    elif what == "rejetes":
        chosen = passages.filter(status=PassageStatus.REJETE)
    elif what == "a_retirer":
        chosen, action = passages.filter(status=PassageStatus.A_RETIRER), "SUPPRESSION"
    else:
        ids = [int(v) for v in request.POST.getlist("passages") if v.isdigit()]
        chosen = passages.filter(pk__in=ids)
        action = "SUPPRESSION" if what == "retirer" else "CREATION"
    try:
        files = depots.build_files(organisation, chosen, by=request.user, action=action)
    except DepotRefus as refus:
        messages.error(request, refus.message)
    else:
        total = sum(f.nombre for f in files)
        messages.success(
            request,
            f"{compte(len(files), 'fichier prêt', 'fichiers prêts')} à déposer "
            f"({compte(total, 'passage')}), {accorde(len(files), 'conforme', 'conformes')} au "
            "schéma de la Caisse des Dépôts.",
        )
        for fichier in files:
            for avertissement in fichier.avertissements:
                messages.warning(request, avertissement)
    return redirect("accrochage:a_accrocher")


@login_required
@require_POST
def corriger(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation(request)
    item = get_object_or_404(PassageAccrochage, organisation=organisation, pk=pk)
    try:
        depots.correct(item)
    except DepotRefus as refus:
        messages.error(request, refus.message)
    else:
        messages.success(request, "Passage à redéposer avec ses données corrigées.")
    return redirect("accrochage:a_accrocher")


def _fichier(request: HttpRequest, pk: int) -> FichierAccrochage:
    return get_object_or_404(FichierAccrochage, organisation=_organisation(request), pk=pk)


@login_required
def fichier_download(request: HttpRequest, pk: int) -> HttpResponse:
    fichier = _fichier(request, pk)
    # Since the 2026 schema a deposit names the holders by their NIR.
    with_nir = fichier.version_schema == SchemaVersion.V2026
    if with_nir and (confirm := recent_authentication_required(request)) is not None:
        return confirm  # the password again before a file of NIRs leaves
    lecture = "téléchargement : identité des titulaires" + (" et leur NIR" if with_nir else "")
    log_read(fichier, by=request.user, lecture=lecture)
    return FileResponse(
        fichier.fichier.open("rb"),
        as_attachment=True,
        filename=f"{fichier.id_flux}.xml",
        content_type="application/xml",
    )


@login_required
@require_POST
def fichier_rapport(request: HttpRequest, pk: int) -> HttpResponse:
    fichier = _fichier(request, pk)
    form = RapportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choisissez le fichier d'accusé de traitement.")
        return redirect("accrochage:a_accrocher")
    try:
        counts = depots.record_report(fichier, parse_rapport(form.cleaned_data["accuse"]))
    except RapportError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _report_summary(fichier, counts))
    return redirect("accrochage:a_accrocher")


def _count(number: int, *words: str) -> str:
    """« 0 retrait refusé », « 2 retraits refusés »: in French, 0 and 1 are singular."""
    return f"{number} " + " ".join(word + ("s" if number > 1 else "") for word in words)


def _report_summary(fichier: FichierAccrochage, counts: dict[str, int]) -> str:
    accepted, rejected = counts["acceptes"], counts["rejetes"]
    if fichier.is_withdrawal:
        summary = (
            f"{_count(accepted, 'retrait', 'accepté')}, {_count(rejected, 'retrait', 'refusé')}"
        )
    else:
        summary = f"{_count(accepted, 'passage', 'accepté')}, {_count(rejected, 'rejeté')}"
    if unchanged := counts["inchanges"]:
        summary += (
            f" ; {_count(unchanged, 'passage', 'inchangé')} : un fichier plus récent ou un "
            "accusé précédent en a déjà décidé"
        )
    return f"Accusé enregistré : {summary}."


@login_required
def reglages(request: HttpRequest) -> HttpResponse:
    organisation = _organisation(request)
    instance = ReglagesAccrochage.objects.filter(organisation=organisation).first()
    form = ReglagesForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.instance.organisation = organisation
        form.save()
        messages.success(request, "Réglages de l'accrochage enregistrés.")
        return redirect("accrochage:a_accrocher")
    return render(request, "accrochage/reglages.html", {"form": form})
