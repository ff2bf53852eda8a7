"""`{% recours_de deliberation certification as etat %}`: the candidate's recours against one decision."""

from django import template

from cqpilot.jurys.models import Deliberation
from cqpilot.jurys.recours import EtatRecours, etat_recours
from cqpilot.referentiels.models import Certification

register = template.Library()


@register.simple_tag
def recours_de(
    deliberation: Deliberation, certification: Certification | None = None
) -> EtatRecours:
    return etat_recours(deliberation, certification=certification)
