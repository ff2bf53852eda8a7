"""The certifier's managers configure the pièces exigées of each of their certifications."""

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cqpilot.core.permissions import MANAGE_CERTIFICATIONS, requires
from cqpilot.referentiels.models import Certification

from .forms import PieceExigeeForm
from .models import PieceExigee
from .pieces import PieceRefusee, delete_piece


def _certification(request: HttpRequest, pk: int) -> Certification:
    return get_object_or_404(Certification.objects.visible_to(request.user), pk=pk)


def _piece(request: HttpRequest, pk: int) -> PieceExigee:
    return get_object_or_404(
        PieceExigee.objects.managed_by(request.user).select_related("certification"), pk=pk
    )


@requires(MANAGE_CERTIFICATIONS)
def piece_list(request: HttpRequest, pk: int) -> HttpResponse:
    certification = _certification(request, pk)
    pieces = certification.pieces_exigees.annotate(document_count=Count("documents"))
    return render(
        request,
        "dossiers/piece_list.html",
        {"certification": certification, "pieces": pieces},
    )


@requires(MANAGE_CERTIFICATIONS)
def piece_edit(
    request: HttpRequest, pk: int | None = None, certification_pk: int | None = None
) -> HttpResponse:
    piece = _piece(request, pk) if pk else None
    certification = piece.certification if piece else _certification(request, certification_pk)
    form = PieceExigeeForm(
        request.POST or None, instance=piece or PieceExigee(certification=certification)
    )
    if request.method == "POST" and form.is_valid():
        piece = form.save()
        messages.success(request, f"Pièce exigée « {piece.libelle} » enregistrée.")
        return redirect("dossiers:piece_list", certification.pk)
    return render(
        request,
        "dossiers/piece_form.html",
        {
            "form": form,
            "certification": certification,
            "title": piece.libelle if piece else "Nouvelle pièce exigée",
        },
    )


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def piece_delete(request: HttpRequest, pk: int) -> HttpResponse:
    piece = _piece(request, pk)
    try:
        delete_piece(piece)
    except PieceRefusee as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, f"Pièce exigée « {piece.libelle} » supprimée.")
    return redirect("dossiers:piece_list", piece.certification_id)
