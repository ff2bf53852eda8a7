from django import template

from cqpilot.core.models import User
from cqpilot.dossiers.models import Dossier
from cqpilot.vae.models import DemandeRecevabilite
from cqpilot.vae.notification import EtatNotification, etat_notification
from cqpilot.vae.recevabilite import today
from cqpilot.vae.validation import EtatValidation, etat_validation

register = template.Library()


@register.simple_tag
def demande_de(dossier: Dossier) -> DemandeRecevabilite | None:
    """The dossier's demande de recevabilité, or None (one query, on VAE dossiers' pages)."""
    return DemandeRecevabilite.objects.filter(dossier=dossier).first()


@register.simple_tag
def validation_de(dossier: Dossier, user: User) -> EtatValidation:
    """The dossier de validation of a VAE dossier, its jury's deadline and proposed juries."""
    return etat_validation(dossier, user, today())


@register.simple_tag
def notification_de(dossier: Dossier, user: User) -> EtatNotification:
    """The VAE jury's result to notify within 15 days, or when it was."""
    return etat_notification(dossier, user, today())
