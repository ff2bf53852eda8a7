from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cqpilot.accueil import todo
from cqpilot.core.french import compte
from cqpilot.core.permissions import CERTIFIER_STAFF, MANAGE_CERTIFICATIONS, requires
from cqpilot.dossiers.models import Dossier, DossierState
from cqpilot.intervenants.models import Intervenant

from . import changes, services
from .amenagements import granted_for
from .convocations import convocation_pdf, convocation_refusal, send_convocations
from .forms import SessionEditForm, SessionForm
from .models import Affectation, Epreuve, Inscription, Resultat, SessionEvaluation
from .services import EvaluationRefus, Saisie


def _session(request: HttpRequest, pk: int) -> SessionEvaluation:
    return get_object_or_404(
        SessionEvaluation.objects.visible_to(request.user).select_related(
            "certification", "version", "organisateur"
        ),
        pk=pk,
    )


@requires(CERTIFIER_STAFF)
def session_list(request: HttpRequest) -> HttpResponse:
    mine = (
        Epreuve.objects.assigned_to(request.user)
        .select_related("session__certification", "modalite__bloc")
        .order_by("-session__date_debut")
    )
    a_faire = request.GET.get(todo.FILTER_PARAM, "")
    mine = todo.filtered(mine, todo.EPREUVE_FILTERS, a_faire, request.user)
    sessions = services.sessions_managed_by(request.user).select_related("certification")
    return render(
        request,
        "evaluations/session_list.html",
        {
            "sessions": sessions,
            "mes_epreuves": mine,
            "a_faire_label": todo.label_of(todo.EPREUVE_FILTERS, a_faire),
        },
    )


@requires(MANAGE_CERTIFICATIONS)
def session_create(request: HttpRequest) -> HttpResponse:
    form = SessionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        session = form.save(commit=False)
        session.organisation = (
            request.user.organisation or form.cleaned_data["certification"].certificateurs.first()
        )
        services.create_session(session)
        messages.success(request, "Session créée avec une épreuve par modalité du référentiel.")
        return redirect("evaluations:session_detail", session.pk)
    return render(
        request,
        "evaluations/form.html",
        {"form": form, "title": "Nouvelle session", "back": reverse("evaluations:session_list")},
    )


@requires(MANAGE_CERTIFICATIONS)
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    if refusal := changes.edit_refusal(changes.resultats_saisis(session)):
        messages.error(request, refusal)
        return redirect("evaluations:session_detail", session.pk)
    form = SessionEditForm(request.POST or None, instance=session, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            outdated = changes.update_session(form.save(commit=False))
        except EvaluationRefus as refus:
            messages.error(request, refus.message)
        else:
            messages.success(request, "Session modifiée.")
            if outdated:
                messages.warning(
                    request,
                    "Les convocations déjà envoyées ne correspondent plus à la session : "
                    "renvoyez-les.",
                )
        return redirect("evaluations:session_detail", session.pk)
    return render(
        request,
        "evaluations/form.html",
        {
            "form": form,
            "title": f"Modifier la session du {session.date_debut:%d/%m/%Y}",
            "back": reverse("evaluations:session_detail", args=[session.pk]),
        },
    )


@requires(MANAGE_CERTIFICATIONS)
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    epreuves = session.epreuves.select_related("modalite__bloc").prefetch_related(
        "affectations__evaluateur"
    )
    inscriptions = list(
        session.inscriptions.select_related(
            "dossier__candidat", "dossier__organisme", "dossier__certification"
        ).order_by("dossier__candidat__nom_naissance", "pk")
    )
    saisis = changes.resultats_saisis(session)
    unenrolment = changes.unenrolment_refusals(session, inscriptions, saisis, by=request.user)
    granted = granted_for(i.dossier_id for i in inscriptions)
    for inscription in inscriptions:  # what the organiser must provide, never the justificatif
        inscription.amenagements = granted.get(inscription.dossier_id, [])
    return render(
        request,
        "evaluations/session_detail.html",
        {
            "session": session,
            "epreuves": [
                (
                    e,
                    saisis.by_epreuve[e.pk],
                    [(a, changes.unassignment_refusal(a, saisis)) for a in e.affectations.all()],
                )
                for e in epreuves
            ],
            "inscriptions": [(i, unenrolment[i.pk]) for i in inscriptions],
            "enrollable": services.enrollable(session).order_by("candidat__nom_naissance")[:500],
            "evaluateurs": Intervenant.objects.filter(organisation=session.organisation),
            "edit_refusal": changes.edit_refusal(saisis),
            "deletion_refusals": changes.deletion_refusals(saisis, unenrolment),
            "convocation_refusal": convocation_refusal(session),
        },
    )


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def session_delete(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    try:
        count = changes.delete_session(
            session, motif=request.POST.get("motif", ""), by=request.user
        )
    except EvaluationRefus as refus:
        messages.error(request, refus.message)
        return redirect("evaluations:session_detail", session.pk)
    messages.success(
        request,
        f"Session du {session.date_debut:%d/%m/%Y} supprimée ; "
        f"{compte(count, 'candidat désinscrit', 'candidats désinscrits')}.",
    )
    return redirect("evaluations:session_list")


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def session_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    ids = [int(v) for v in request.POST.getlist("dossiers") if v.isdigit()]
    dossiers = Dossier.objects.visible_to(request.user).filter(pk__in=ids)
    try:
        count = services.enrol(
            session, dossiers.select_related("candidat", "organisme"), by=request.user
        )
    except EvaluationRefus as refus:
        messages.error(request, refus.message)
    else:
        messages.success(request, f"{compte(count, 'candidat inscrit', 'candidats inscrits')}.")
    return redirect("evaluations:session_detail", session.pk)


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def session_unenrol(request: HttpRequest, pk: int, inscription_pk: int) -> HttpResponse:
    session = _session(request, pk)
    inscription = get_object_or_404(
        Inscription.objects.select_related("dossier__candidat"), session=session, pk=inscription_pk
    )
    try:
        back_to = changes.unenrol(inscription, motif=request.POST.get("motif", ""), by=request.user)
    except EvaluationRefus as refus:
        messages.error(request, refus.message)
    else:
        done = f"{inscription.dossier.candidat} est désinscrit(e) de la session"
        if back_to:
            done += f" ; son dossier revient à « {DossierState(back_to).label} »"
        messages.success(request, f"{done}.")
    return redirect("evaluations:session_detail", session.pk)


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def epreuve_assign(request: HttpRequest, pk: int, epreuve_pk: int) -> HttpResponse:
    session = _session(request, pk)
    epreuve = get_object_or_404(Epreuve, session=session, pk=epreuve_pk)
    evaluateur = get_object_or_404(
        Intervenant, organisation=session.organisation, pk=request.POST.get("evaluateur") or 0
    )
    try:
        services.assign(epreuve, evaluateur)
    except EvaluationRefus as refus:
        messages.error(request, refus.message)
    else:
        messages.success(request, f"{evaluateur} évaluera « {epreuve} ».")
    return redirect("evaluations:session_detail", session.pk)


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def epreuve_unassign(
    request: HttpRequest, pk: int, epreuve_pk: int, affectation_pk: int
) -> HttpResponse:
    session = _session(request, pk)
    affectation = get_object_or_404(
        Affectation.objects.select_related("evaluateur", "epreuve__modalite__bloc"),
        epreuve__session=session,
        epreuve=epreuve_pk,
        pk=affectation_pk,
    )
    try:
        changes.unassign(affectation)
    except EvaluationRefus as refus:
        messages.error(request, refus.message)
    else:
        messages.success(
            request, f"{affectation.evaluateur} n'évalue plus « {affectation.epreuve} »."
        )
    return redirect("evaluations:session_detail", session.pk)


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def convocations_send(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    try:
        envoi = send_convocations(session, base_url=request.build_absolute_uri("/"))
    except EvaluationRefus as refus:
        messages.error(request, refus.message)
        return redirect("evaluations:session_detail", session.pk)
    messages.success(
        request,
        f"Convocations en cours d'envoi : {compte(envoi.candidats, 'candidat')}, "
        f"{compte(envoi.evaluateurs, 'évaluateur')}.",
    )
    if envoi.sans_courriel:
        messages.warning(
            request,
            "Sans adresse électronique (convocation à imprimer) : "
            + ", ".join(envoi.sans_courriel)
            + ".",
        )
    return redirect("evaluations:session_detail", session.pk)


@requires(MANAGE_CERTIFICATIONS)
def convocation_download(request: HttpRequest, pk: int, inscription_pk: int) -> HttpResponse:
    session = _session(request, pk)
    inscription = get_object_or_404(
        Inscription.objects.select_related("dossier__candidat"), session=session, pk=inscription_pk
    )
    response = HttpResponse(
        convocation_pdf(inscription, base_url=request.build_absolute_uri("/")),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'inline; filename="convocation-{inscription.pk}.pdf"'
    return response


def _saisie(post, dossier: Dossier, criteres) -> Saisie:
    note_text = post.get(f"note-{dossier.pk}", "").strip().replace(",", ".")
    try:
        note = Decimal(note_text) if note_text else None
    except InvalidOperation:
        note = Decimal(-1)  # refused by the range check, with its French message
    return Saisie(
        {
            c.pk: post[f"critere-{dossier.pk}-{c.pk}"] == "1"
            for c in criteres
            if post.get(f"critere-{dossier.pk}-{c.pk}") in ("0", "1")
        },
        note,
        post.get(f"commentaire-{dossier.pk}", ""),
    )


def _results_of(epreuve: Epreuve, intervenant: Intervenant) -> dict[int, Resultat]:
    found = Resultat.objects.filter(epreuve=epreuve, evaluateur=intervenant)
    return {r.dossier_id: r for r in found.prefetch_related("criteres")}


@login_required
def saisie(request: HttpRequest, epreuve_pk: int) -> HttpResponse:
    """The évaluateur's grid for one épreuve: a row per candidate, usable on a tablet."""
    epreuve = get_object_or_404(
        Epreuve.objects.assigned_to(request.user).select_related(
            "session__certification", "modalite__bloc"
        ),
        pk=epreuve_pk,
    )
    intervenant = Intervenant.objects.get(user=request.user)
    criteres = services.criteres_of(epreuve.modalite)
    inscriptions = list(
        epreuve.session.inscriptions.select_related("dossier__candidat").order_by(
            "dossier__candidat__nom_naissance"
        )
    )
    errors, posted = [], {}
    mine = _results_of(epreuve, intervenant)
    if request.method == "POST":
        saved = 0  # candidates whose result was written
        for inscription in inscriptions:
            dossier = inscription.dossier
            entry = posted[dossier.pk] = _saisie(request.POST, dossier, criteres)
            if not entry.criteres and entry.note is None:
                continue  # row left blank: nothing to record yet
            if services.is_unchanged(mine.get(dossier.pk), entry):
                continue  # sent back as the page showed it
            try:
                services.record_result(epreuve, dossier, entry, by=request.user)
                saved += 1
            except EvaluationRefus as refus:
                errors.append(refus.message)
        if saved == 1:
            messages.success(request, "Résultat enregistré pour 1 candidat.")
        elif saved:
            messages.success(request, f"Résultats enregistrés pour {saved} candidats.")
        elif not errors:
            messages.info(request, "Aucun résultat modifié.")
        mine = _results_of(epreuve, intervenant)
    rows = []
    granted = granted_for(i.dossier_id for i in inscriptions)
    for inscription in inscriptions:
        resultat = mine.get(inscription.dossier_id)
        values = {c.critere_id: c.acquis for c in resultat.criteres.all()} if resultat else {}
        note = resultat.note if resultat else None
        if entry := posted.get(inscription.dossier_id):  # what was typed, even if refused
            values, note = entry.criteres, entry.note
        rows.append(
            {
                "dossier": inscription.dossier,
                "resultat": resultat,
                "note": note,
                "criteres": [(c, values.get(c.pk)) for c in criteres],
                "amenagements": granted.get(inscription.dossier_id, []),
            }
        )
    return render(
        request,
        "evaluations/saisie.html",
        {"epreuve": epreuve, "criteres": criteres, "rows": rows, "errors": errors},
    )
