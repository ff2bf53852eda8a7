"""Silence means acceptance (docs/vae.md): past the last day to decide, a complete demande
becomes « recevable (acceptation tacite) » from the day after that last day, when its
certification gives silence this effect (the default). Run each day by
`cqpilot vae-acceptations-tacites`; each demande in its own transaction with its journal
entries; the candidate gets the letter after the commit. No HTTP.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction

from cqpilot.core.french import compte
from cqpilot.dossiers.acquis import add_months
from cqpilot.dossiers.models import DossierState
from cqpilot.dossiers.workflow import TransitionRefusee
from cqpilot.dossiers.workflow import transition as move_dossier

from .models import DemandeRecevabilite, StatutDemande
from .recevabilite import SILENCE_ACCEPTATION, VaeRefus, notify_decision, today


def acceptation_due(demande: DemandeRecevabilite, on: date) -> bool:
    return (
        demande.statut == StatutDemande.COMPLETE
        and demande.date_limite is not None
        and demande.date_limite < on
        and demande.dossier.certification.silence_recevabilite_vae == SILENCE_ACCEPTATION
    )


@transaction.atomic
def accepter_tacitement(demande: DemandeRecevabilite, *, on: date | None = None) -> bool:
    """The certifier kept silent until the last day: from the next day, the demande is
    recevable. False when it is not due (decided meanwhile, not complete, not yet, or the
    certification gives silence no effect); VaeRefus when the dossier cannot move."""
    on = on or today()
    demande = (
        DemandeRecevabilite.objects.select_for_update(of=("self",))
        .select_related("dossier__candidat__compte", "dossier__certification", "organisation")
        .get(pk=demande.pk)
    )
    if not acceptation_due(demande, on):
        return False
    accepted_on = demande.date_limite + timedelta(days=1)
    motivation = (
        f"Acceptation tacite : la demande était complète le {demande.complete_le:%d/%m/%Y} et "
        f"aucune décision n'a été notifiée au plus tard le {demande.date_limite:%d/%m/%Y} ; "
        "le silence du certificateur vaut acceptation de la recevabilité."
    )
    try:
        move_dossier(
            demande.dossier,
            DossierState.RECEVABLE,
            by=None,
            motif=motivation,
            allow_hidden=True,
        )
    except TransitionRefusee as refusal:
        raise VaeRefus(refusal.message) from refusal
    validite = demande.dossier.certification.validite_recevabilite_vae_mois
    demande.statut = StatutDemande.RECEVABLE_TACITE
    demande.decidee_le = accepted_on
    demande.motivation = motivation
    demande.validite_mois = validite
    demande.valide_jusquau = add_months(accepted_on, validite)
    demande.save()
    notify_decision(demande)
    return True


@dataclass
class BilanTacite:
    acceptees: list[DemandeRecevabilite] = field(default_factory=list)
    refusees: list[tuple[DemandeRecevabilite, str]] = field(default_factory=list)

    def __str__(self) -> str:
        text = compte(
            len(self.acceptees),
            "demande devenue recevable par acceptation tacite",
            "demandes devenues recevables par acceptation tacite",
        )
        if self.refusees:
            text += ", " + compte(len(self.refusees), "en échec", "en échec")
        return text


def acceptations_tacites(on: date | None = None) -> BilanTacite:
    """The daily job: every complete demande past its last day becomes recevable, each in its
    own transaction (one dossier that cannot move does not hold the others back)."""
    on = on or today()
    bilan = BilanTacite()
    due = DemandeRecevabilite.objects.filter(
        statut=StatutDemande.COMPLETE,
        date_limite__lt=on,
        dossier__certification__silence_recevabilite_vae=SILENCE_ACCEPTATION,
    ).order_by("date_limite", "pk")
    for demande in due:
        try:
            if accepter_tacitement(demande, on=on):
                bilan.acceptees.append(demande)
        except VaeRefus as refusal:
            bilan.refusees.append((demande, refusal.message))
    return bilan
