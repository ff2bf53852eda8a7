"""`{% vae_de dossier as vae %}`: where the candidate's VAE demande de recevabilité stands;
`{% conge_espace dossier request.user as conge %}`: his congé VAE."""

from django import template

from cqpilot.core.models import User
from cqpilot.dossiers.models import Dossier

from ..views_vae import EtatConge, EtatVae, etat_conge, etat_vae

register = template.Library()


@register.simple_tag
def vae_de(dossier: Dossier) -> EtatVae | None:
    return etat_vae(dossier)


@register.simple_tag
def conge_espace(dossier: Dossier, user: User) -> EtatConge | None:
    return etat_conge(dossier, user)
