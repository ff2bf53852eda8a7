"""`{% vae_de dossier as vae %}`: where the candidate's VAE demande de recevabilité stands."""

from django import template

from cqpilot.dossiers.models import Dossier

from ..views_vae import EtatVae, etat_vae

register = template.Library()


@register.simple_tag
def vae_de(dossier: Dossier) -> EtatVae | None:
    return etat_vae(dossier)
