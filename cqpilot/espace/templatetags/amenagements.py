"""The espace's aménagements partial reads a dossier's requests and whether a new one may be
made, without the espace's home view having to know about aménagements."""

from dataclasses import dataclass

from django import template

from cqpilot.core.models import User
from cqpilot.dossiers.models import Dossier
from cqpilot.evaluations.amenagements import may_request
from cqpilot.evaluations.models import DemandeAmenagement

register = template.Library()


@dataclass(frozen=True)
class Amenagements:
    demandes: list[DemandeAmenagement]  # latest first
    may_request: bool  # a new request: the dossier is open and none is waiting for a decision


@register.simple_tag
def amenagements_of(dossier: Dossier, user: User) -> Amenagements:
    demandes = list(dossier.demandes_amenagement.all())
    pending = any(not d.is_decided for d in demandes)
    return Amenagements(demandes, may_request(dossier, user) and not pending)
