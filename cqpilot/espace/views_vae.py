"""The VAE candidate's demande de recevabilité, from his espace: where it stands (what the
partial espace/_vae.html shows on the home) and the decision's notification letter."""

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from cqpilot.core.audit import log_read
from cqpilot.core.permissions import CANDIDAT, requires
from cqpilot.dossiers.models import Dossier, DossierState, VoieAcces
from cqpilot.vae.forms import DemandeForm, ExperienceFormSet, saisie_of
from cqpilot.vae.lettre import lettre_pdf
from cqpilot.vae.models import DECIDES, ComplementDemande, DemandeRecevabilite
from cqpilot.vae.recevabilite import SILENCE_ACCEPTATION, VaeRefus, deposer, today


@dataclass(frozen=True)
class EtatVae:
    """What the candidate reads of his VAE dossier's recevabilité."""

    demande: DemandeRecevabilite | None  # None: not entered yet
    complement: ComplementDemande | None  # the latest pièces asked, while it is incomplete
    dossier_inscrit: bool
    silence_vaut_acceptation: bool

    @property
    def peut_deposer(self) -> bool:
        """He files it himself while none is entered and the dossier is « inscrit »."""
        return self.demande is None and self.dossier_inscrit


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
        dossier_inscrit=dossier.state == DossierState.INSCRIT,
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


@requires(CANDIDAT)
def demande_deposer(request: HttpRequest, pk: int) -> HttpResponse:
    """He files his demande de recevabilité himself: the same form and the same checks as the
    certifier's gestionnaire (vae.recevabilite.deposer), who is told by e-mail."""
    dossier = get_object_or_404(
        Dossier.objects.visible_to(request.user)
        .filter(voie_acces=VoieAcces.VAE)
        .select_related("candidat", "certification", "version"),
        pk=pk,
    )
    back = f"/espace/#dossier-{dossier.pk}"
    etat = etat_vae(dossier)
    if etat is None or not etat.peut_deposer:
        messages.info(request, "La demande de recevabilité de ce dossier ne se dépose plus ici.")
        return redirect(back)
    day = today()
    data = request.POST if request.method == "POST" else None
    form = DemandeForm(data, dossier=dossier, year=day.year)
    experiences = ExperienceFormSet(data, prefix="experiences")
    if request.method == "POST" and form.is_valid() and experiences.is_valid():
        try:
            deposer(dossier, saisie_of(form, experiences), by=request.user, on=day)
        except VaeRefus as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(
                request,
                "Demande de recevabilité déposée : le certificateur vérifie qu'elle est complète.",
            )
            return redirect(back)
    return render(
        request,
        "espace/vae_demande.html",
        {"dossier": dossier, "form": form, "experiences": experiences},
    )
