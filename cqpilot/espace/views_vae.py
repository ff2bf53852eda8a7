"""The VAE candidate's demande de recevabilité, from his espace: where it stands (what the
partial espace/_vae.html shows on the home) and the decision's notification letter; and his
congé VAE, which a salaried candidate records himself (espace/_conge.html)."""

from dataclasses import dataclass, field

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cqpilot.core.audit import log_read
from cqpilot.core.models import User
from cqpilot.core.permissions import CANDIDAT, requires
from cqpilot.dossiers.models import Dossier, DossierState, VoieAcces
from cqpilot.vae.conge import refus_conge, textes_conge
from cqpilot.vae.forms import DemandeForm, ExperienceFormSet, saisie_of
from cqpilot.vae.lettre import lettre_pdf
from cqpilot.vae.models import DECIDES, ComplementDemande, CongeVae, DemandeRecevabilite
from cqpilot.vae.recevabilite import SILENCE_ACCEPTATION, VaeRefus, deposer, today
from cqpilot.vae.views_conge import record_posted_conge


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


@dataclass(frozen=True)
class EtatConge:
    """What the candidate reads of his congé VAE, and whether he may record it."""

    conge: CongeVae | None
    modifiable: bool
    textes: list[str] = field(default_factory=list)
    valeurs: dict[str, str] = field(default_factory=dict)  # the form's values, to correct them


def etat_conge(dossier: Dossier, user: User) -> EtatConge | None:
    """None when there is nothing to show: no congé and he may not record one (outside VAE, not
    salaried). Reads what parcours_of prefetched: no query per dossier."""
    if dossier.voie_acces != VoieAcces.VAE:
        return None
    try:
        conge = dossier.conge_vae
    except CongeVae.DoesNotExist:
        conge = None
    modifiable = refus_conge(dossier, user) is None
    if conge is None and not modifiable:
        return None
    dates = ("demande_le", "debut", "fin", "reponse_le")
    valeurs = {
        **{
            name: f"{getattr(conge, name):%Y-%m-%d}" if conge and getattr(conge, name) else ""
            for name in dates
        },
        "reponse": conge.reponse if conge else "",
    }
    return EtatConge(conge, modifiable, textes_conge(conge, today()) if conge else [], valeurs)


@requires(CANDIDAT)
@require_POST
def conge_enregistrer(request: HttpRequest, pk: int) -> HttpResponse:
    """He records (or corrects) his congé VAE: the same form and rules as the certifier's
    gestionnaire (vae.conge.enregistrer_conge); only on his own VAE dossiers."""
    dossier = get_object_or_404(
        Dossier.objects.visible_to(request.user)
        .filter(voie_acces=VoieAcces.VAE)
        .select_related("candidat"),
        pk=pk,
    )
    record_posted_conge(request, dossier)
    return redirect(f"/espace/#conge-vae-{dossier.pk}")
