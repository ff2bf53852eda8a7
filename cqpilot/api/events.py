"""Which changes become webhook events, connected once at start-up."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from cqpilot.delivrance.models import DocumentDelivre
from cqpilot.dossiers.models import DossierTransition
from cqpilot.jurys.pv import decisions_applied

from .models import Evenement
from .webhooks import emit


@receiver(post_save, sender=DossierTransition, dispatch_uid="webhook_dossier_etat")
def dossier_state_changed(sender, instance: DossierTransition, created: bool, **kwargs) -> None:
    if created:
        dossier = instance.dossier
        emit(
            dossier.organisme_id,
            Evenement.DOSSIER_ETAT,
            {
                "dossier": dossier.pk,
                "candidat": dossier.candidat_id,
                "ancien_etat": instance.from_state,
                "etat": instance.to_state,
                "motif": instance.motif,
            },
        )


@receiver(decisions_applied, dispatch_uid="webhook_decisions")
def decisions_taken(sender, jury, deliberations, **kwargs) -> None:
    for deliberation in deliberations:
        emit(
            deliberation.dossier.organisme_id,
            Evenement.DECISION,
            {
                "dossier": deliberation.dossier_id,
                "date_jury": jury.date,
                "decision": deliberation.decision,
                "blocs": [
                    {"bloc": b.bloc.code, "resultat": b.resultat} for b in deliberation.blocs.all()
                ],
            },
        )


@receiver(post_save, sender=DocumentDelivre, dispatch_uid="webhook_document")
def document_issued(sender, instance: DocumentDelivre, created: bool, **kwargs) -> None:
    if created:
        emit(
            instance.dossier.organisme_id,
            Evenement.DOCUMENT,
            {
                "dossier": instance.dossier_id,
                "numero": instance.numero,
                "type": instance.kind,
                "date_delivrance": instance.date_delivrance,
            },
        )
