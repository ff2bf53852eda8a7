"""The candidate's space: their dossiers, the pièces asked of them, their convocations, results
and documents; and the staff's invitation of a candidate into it."""

from django import forms
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cqpilot.core.audit import log_read
from cqpilot.core.invitations import InvitationRefusee
from cqpilot.core.permissions import CANDIDAT, EDIT_DOSSIERS, requires
from cqpilot.delivrance.models import DocumentDelivre
from cqpilot.delivrance.models import DocumentStatus as DelivreStatus
from cqpilot.dossiers.documents import add_document, upload_problem
from cqpilot.dossiers.models import Candidat, Document, Dossier, PieceExigee
from cqpilot.dossiers.workflow import TransitionRefusee
from cqpilot.evaluations.convocations import convocation_pdf, session_ics
from cqpilot.evaluations.models import Inscription

from .parcours import acquis_of, parcours_of
from .services import invite_candidat, may_invite


def _dossiers(request: HttpRequest):
    return Dossier.objects.visible_to(request.user).select_related(
        "candidat", "certification", "version", "organisme"
    )


@requires(CANDIDAT)
def accueil(request: HttpRequest) -> HttpResponse:
    candidat = request.user.candidat
    dossiers = list(_dossiers(request))
    return render(
        request,
        "espace/accueil.html",
        {
            "candidat": candidat,
            "parcours": parcours_of(dossiers),
            "acquis": acquis_of(candidat),
        },
    )


class PieceForm(forms.Form):
    fichier = forms.FileField(label="Fichier")

    def clean_fichier(self):
        upload = self.cleaned_data["fichier"]
        if problem := upload_problem(upload):
            raise forms.ValidationError(problem)
        return upload


@requires(CANDIDAT)
@require_POST
def piece_deposer(request: HttpRequest, pk: int, piece_pk: int) -> HttpResponse:
    dossier = get_object_or_404(_dossiers(request), pk=pk)
    piece = get_object_or_404(
        PieceExigee.objects.filter(certification=dossier.certification_id, depot_candidat=True),
        pk=piece_pk,
    )
    form = PieceForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, f"« {piece.libelle} » : {' '.join(errors)}")
    else:
        try:
            add_document(dossier, form.cleaned_data["fichier"], by=request.user, piece=piece)
        except TransitionRefusee as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(
                request, f"« {piece.libelle} » déposée : le certificateur va la vérifier."
            )
    return redirect(f"/espace/#dossier-{dossier.pk}")


@requires(CANDIDAT)
def document(request: HttpRequest, pk: int) -> FileResponse:
    document = get_object_or_404(Document.objects.visible_to(request.user), pk=pk)
    log_read(document, by=request.user, lecture="téléchargement de la pièce par le candidat")
    return FileResponse(document.fichier.open("rb"), as_attachment=True, filename=document.nom)


def _inscription(request: HttpRequest, pk: int) -> Inscription:
    return get_object_or_404(
        Inscription.objects.filter(
            dossier__in=_dossiers(request), convoque_at__isnull=False
        ).select_related("session", "dossier__candidat"),
        pk=pk,
    )


@requires(CANDIDAT)
def convocation_download(request: HttpRequest, pk: int) -> HttpResponse:
    inscription = _inscription(request, pk)
    response = HttpResponse(convocation_pdf(inscription), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="convocation-{inscription.pk}.pdf"'
    return response


@requires(CANDIDAT)
def convocation_ics(request: HttpRequest, pk: int) -> HttpResponse:
    inscription = _inscription(request, pk)
    session = inscription.session
    content = session_ics(
        session,
        uid=f"inscription-{inscription.pk}",
        summary=f"Évaluation — {session.certification.intitule}",
        description="Convocation aux épreuves de certification (cqpilot).",
    )
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="convocation-{inscription.pk}.ics"'
    return response


@requires(CANDIDAT)
def document_delivre(request: HttpRequest, pk: int) -> FileResponse:
    document = get_object_or_404(
        DocumentDelivre.objects.filter(dossier__in=_dossiers(request), status=DelivreStatus.VALIDE),
        pk=pk,
    )
    return FileResponse(
        document.pdf.open("rb"), filename=f"{document.numero}.pdf", content_type="application/pdf"
    )


# --- Invitation by the certifier or the OF ----------------------------------------------------


class InvitationCandidatForm(forms.Form):
    email = forms.EmailField(label="Courriel du candidat")


@requires(EDIT_DOSSIERS)
def inviter(request: HttpRequest, candidat_pk: int) -> HttpResponse:
    candidat = get_object_or_404(Candidat.objects.visible_to(request.user), pk=candidat_pk)
    if not may_invite(candidat, request.user):
        messages.error(request, "Vous ne pouvez pas inviter ce candidat.")
        return redirect("dossiers:candidat_detail", candidat.pk)
    form = InvitationCandidatForm(
        request.POST or None,
        initial={"email": candidat.compte.email if candidat.compte else candidat.email},
    )
    if request.method == "POST" and form.is_valid():
        try:
            invite_candidat(
                candidat,
                email=form.cleaned_data["email"],
                by=request.user,
                base_url=request.build_absolute_uri("/"),
            )
        except InvitationRefusee as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(
                request,
                f"Invitation envoyée à {form.cleaned_data['email']} : le candidat choisit son mot "
                "de passe en suivant le lien reçu.",
            )
            return redirect("dossiers:candidat_detail", candidat.pk)
    return render(request, "espace/inviter.html", {"candidat": candidat, "form": form})
