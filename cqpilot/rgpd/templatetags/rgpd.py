from django import template

from cqpilot.core.models import User
from cqpilot.dossiers.models import Candidat
from cqpilot.rgpd.erasure import refusals

register = template.Library()


@register.simple_tag
def erasure_refusals(candidat: Candidat, user: User) -> list[str]:
    """Why the user's certifier may not erase the candidate (empty: it may), for the candidate's
    page to offer « Effacer » only when the erasure would be done."""
    if user.organisation is None:
        return ["Votre compte n'est rattaché à aucun certificateur."]
    return refusals(candidat, user.organisation)
