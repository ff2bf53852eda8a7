"""The VAE candidate's demande de recevabilité, from his espace: where it stands (what the
partial espace/_vae.html shows on the home) and the decision's notification letter."""

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from cqpilot.core.audit import log_read
from cqpilot.core.permissions import CANDIDAT, requires
from cqpilot.dossiers.models import Dossier, VoieAcces
from cqpilot.vae.lettre import lettre_pdf
from cqpilot.vae.models import DECIDES, ComplementDemande, DemandeRecevabilite
from cqpilot.vae.recevabilite import SILENCE_ACCEPTATION


@dataclass(frozen=True)
class EtatVae:
    """What the candidate reads of his VAE dossier's recevabilité."""

    demande: DemandeRecevabilite | None  # None: not entered yet
    complement: ComplementDemande | None  # the latest pièces asked, while it is incomplete
    silence_vaut_acceptation: bool


def etat_vae(dossier: Dossier) -> EtatVae | None:
    """None for a dossier outside VAE. Reads what parcours_of prefetched (the demande and its
    requests for pièces): no query per dossier."""
    if dossier.voie_acces != VoieAcces.VAE:
        return None
    try:
        demande = dossier.demande_recevabilite
    except DemandeRecevabilite.DoesNotExist:
        demande = None
    complements = list(demande.complements.all()) if demande is not None else []
    return EtatVae(
        demande=demande,
        complement=complements[-1] if complements else None,
        silence_vaut_acceptation=(
            dossier.certification.silence_recevabilite_vae == SILENCE_ACCEPTATION
        ),
    )


@requires(CANDIDAT)
def lettre(request: HttpRequest, pk: int) -> HttpResponse:
    """His own decided demande's letter, as the certifier e-mailed it (rendered again from the
    decision, which never changes)."""
    demande = get_object_or_404(
        DemandeRecevabilite.objects.visible_to(request.user)
        .filter(statut__in=DECIDES)
        .select_related("dossier__candidat", "dossier__certification"),
        pk=pk,
    )
    log_read(demande, by=request.user, lecture="lettre de recevabilité lue par le candidat")
    response = HttpResponse(lettre_pdf(demande), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="recevabilite-vae-{demande.dossier_id}.pdf"'
    )
    return response
