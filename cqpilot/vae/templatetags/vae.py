from django import template

from cqpilot.dossiers.models import Dossier
from cqpilot.vae.models import DemandeRecevabilite

register = template.Library()


@register.simple_tag
def demande_de(dossier: Dossier) -> DemandeRecevabilite | None:
    """The dossier's demande de recevabilité, or None (one query, on VAE dossiers' pages)."""
    return DemandeRecevabilite.objects.filter(dossier=dossier).first()
