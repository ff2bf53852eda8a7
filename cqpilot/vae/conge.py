"""An employee's congé VAE (domaine.md §3, « Employee leave »; docs/vae.md): the day his employer
received the request, the absence asked and the employer's answer, recorded on the VAE dossier by
the certifier's gestionnaires, the dossier's OF or accompanist, or the salaried candidate from his
espace. No HTTP.

Since the reform the request reaches the employer **at least 30 days** before the absence (was
60) and the employer answers **within 15 days** of receiving it (was 30): national rules, not a
setting. cqpilot shows both periods with the dates they give, and flags a short notice or a late
answer without refusing them (the dates are the employer's business; cqpilot records them).
A congé accordé on a dossier without a kind of VAE makes it « Congé VAE », which the CDC deposit
then sends (voieAccessVAE CONGES_VAE).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from cqpilot.core.french import compte
from cqpilot.core.models import User
from cqpilot.dossiers.models import Dossier, Situation, VoieAcces, VoieVae
from cqpilot.dossiers.workflow import ACCOMPAGNATEUR, CANDIDAT, CERTIFICATEUR, OF, actor_of

from .models import CongeVae, ReponseEmployeur
from .recevabilite import VaeRefus

PREAVIS_JOURS = 30  # the request reaches the employer at least 30 days before the absence
REPONSE_JOURS = 15  # the employer answers within 15 days of receiving it


def demande_avant_le(debut: date) -> date:
    """The last day the employer may receive the request for an absence starting on `debut`."""
    return debut - timedelta(days=PREAVIS_JOURS)


def reponse_avant_le(demande_le: date) -> date:
    """The last day the employer answers a request received on `demande_le`."""
    return demande_le + timedelta(days=REPONSE_JOURS)


@dataclass(frozen=True)
class CongeSaisi:
    demande_le: date
    debut: date
    fin: date
    reponse: str = ""
    reponse_le: date | None = None


def refus_conge(dossier: Dossier, by: User) -> str | None:
    """Why `by` may not record this dossier's congé VAE (None: they may)."""
    actor = actor_of(by, dossier)
    if actor not in (CERTIFICATEUR, OF, ACCOMPAGNATEUR, CANDIDAT):
        return (
            "Réservé aux gestionnaires du certificateur, à l'organisme et à l'accompagnateur VAE "
            "du dossier, et à son candidat."
        )
    if dossier.voie_acces != VoieAcces.VAE:
        return "Le congé VAE ne concerne qu'un dossier de VAE."
    # cqpilot knows his situation from his record only, which the certifier corrects.
    if actor == CANDIDAT and dossier.candidat.situation != Situation.SALARIE:
        return (
            "Le congé VAE concerne un candidat salarié : si vous l'êtes, demandez au "
            "certificateur de l'indiquer dans votre fiche."
        )
    return None


def _incoherence(saisie: CongeSaisi) -> str | None:
    if saisie.fin < saisie.debut:
        return "La fin de l'absence ne peut pas précéder son début."
    if saisie.demande_le > saisie.debut:
        return "La demande à l'employeur doit précéder l'absence."
    if bool(saisie.reponse) != (saisie.reponse_le is not None):
        return (
            "Indiquez la réponse de l'employeur et le jour où elle a été reçue, ou aucun des deux."
        )
    if saisie.reponse_le is not None and saisie.reponse_le < saisie.demande_le:
        return "La réponse de l'employeur ne peut pas précéder sa demande."
    if saisie.reponse and saisie.reponse not in ReponseEmployeur.values:
        return "Réponse de l'employeur inconnue."
    return None


@transaction.atomic
def enregistrer_conge(dossier: Dossier, saisie: CongeSaisi, *, by: User) -> CongeVae:
    """Records (or corrects) the dossier's congé VAE, or raises VaeRefus."""
    dossier = Dossier.objects.select_for_update(of=("self",)).get(pk=dossier.pk)
    if refus := refus_conge(dossier, by) or _incoherence(saisie):
        raise VaeRefus(refus)
    previous = CongeVae.objects.filter(dossier=dossier).values_list("demande_le", flat=True).first()
    # a new request day gives a new answer period, so a new reminder (rappel_conge.py)
    rappel = {"rappel_envoye_le": None} if previous != saisie.demande_le else {}
    conge, _created = CongeVae.objects.update_or_create(
        dossier=dossier,
        defaults={
            **rappel,
            "demande_le": saisie.demande_le,
            "debut": saisie.debut,
            "fin": saisie.fin,
            "reponse": saisie.reponse,
            "reponse_le": saisie.reponse_le,
            "saisi_par": by,
        },
    )
    if saisie.reponse == ReponseEmployeur.ACCORD and not dossier.voie_vae:
        dossier.voie_vae = VoieVae.CONGES_VAE
        dossier.save(update_fields=["voie_vae", "updated_at"])
    return conge


def textes_conge(conge: CongeVae, on: date) -> list[str]:
    """What the dossier's page says of the notice and of the answer, with their dates."""
    limite_demande = demande_avant_le(conge.debut)
    if conge.demande_le <= limite_demande:
        preavis = (
            f"préavis respecté : demande reçue le {conge.demande_le:%d/%m/%Y}, au plus tard le "
            f"{limite_demande:%d/%m/%Y} ({PREAVIS_JOURS} jours avant l'absence)"
        )
    else:
        court = (conge.demande_le - limite_demande).days
        preavis = (
            f"préavis trop court de {compte(court, 'jour', 'jours')} : la demande devait être "
            f"reçue au plus tard le {limite_demande:%d/%m/%Y} ({PREAVIS_JOURS} jours avant "
            "l'absence)"
        )
    limite_reponse = reponse_avant_le(conge.demande_le)
    if conge.reponse_le is not None:
        retard = (conge.reponse_le - limite_reponse).days
        reponse = (
            f"réponse de l'employeur : {conge.get_reponse_display().lower()} le "
            f"{conge.reponse_le:%d/%m/%Y}"
        ) + (
            f", {compte(retard, 'jour', 'jours')} après le délai de 15 jours" if retard > 0 else ""
        )
    elif on <= limite_reponse:
        reponse = f"réponse de l'employeur attendue au plus tard le {limite_reponse:%d/%m/%Y}"
    else:
        reponse = (
            f"réponse de l'employeur attendue au plus tard le {limite_reponse:%d/%m/%Y} : "
            f"délai dépassé de {compte((on - limite_reponse).days, 'jour', 'jours')}"
        )
    return [preavis, reponse]
