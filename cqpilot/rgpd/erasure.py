"""A candidate's right to erasure (RGPD art. 17), where the law allows it.

`refusals()` says, in French, every reason the candidate's identity must be kept; `erase()`
anonymises him only when there is none.
"""

from django.db import transaction

from cqpilot.accrochage.models import PassageAccrochage, PassageStatus
from cqpilot.core.models import Organisation, User
from cqpilot.delivrance.models import DocumentDelivre
from cqpilot.dossiers.models import Candidat, Dossier
from cqpilot.jurys.models import Deliberation

from .anonymisation import anonymise
from .models import Motif
from .retention import CLOSED


class EffacementRefuse(Exception):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__(" ".join(reasons))
        self.reasons = reasons


def refusals(candidat: Candidat, organisation: Organisation) -> list[str]:
    """Why the candidate's data must be kept, one French sentence per reason; empty: erasable."""
    if hasattr(candidat, "anonymise"):
        return ["Ce candidat a déjà été anonymisé."]
    reasons = []
    numeros = list(
        DocumentDelivre.objects.filter(dossier__candidat=candidat)
        .order_by("numero")
        .values_list("numero", flat=True)
    )
    if numeros:
        reasons.append(
            f"Il figure au registre des documents délivrés ({', '.join(numeros)}) : le registre "
            "est conservé pour prouver la certification et en délivrer des duplicatas "
            "(docs/domaine.md §7.2)."
        )
    signed = sorted(
        {
            d.jury.date
            for d in Deliberation.objects.filter(
                dossier__candidat=candidat, jury__pvs__signed_at__isnull=False
            ).select_related("jury")
        }
    )
    if signed:
        dates = ", ".join(f"{day:%d/%m/%Y}" for day in signed)
        reasons.append(
            f"Il figure au procès-verbal signé du jury du {dates} : un PV signé n'est jamais "
            "modifié."
        )
    deposited = PassageAccrochage.objects.filter(document__dossier__candidat=candidat).exclude(
        status__in=(PassageStatus.A_DEPOSER, PassageStatus.SANS_OBJET)
    )
    if deposited.exists():
        reasons.append(
            "Sa certification a été déposée à la Caisse des Dépôts (accrochage, article L6113-8 "
            "du Code du travail) : ses données doivent pouvoir y être corrigées."
        )
    unsigned = Deliberation.objects.filter(dossier__candidat=candidat).exclude(
        jury__pvs__signed_at__isnull=False
    )
    if unsigned.exists():
        reasons.append(
            "Il est présenté à un jury qui n'a pas encore signé son PV : retirez-le d'abord du jury."
        )
    dossiers = Dossier.objects.filter(candidat=candidat)
    ongoing = dossiers.exclude(state__in=CLOSED).select_related("certification")
    for dossier in ongoing:
        reasons.append(
            f"Son dossier « {dossier.certification.intitule} » est en cours "
            f"({dossier.get_state_display().lower()}) : passez-le d'abord en abandon."
        )
    if dossiers.exclude(certification__certificateurs=organisation).exists():
        reasons.append(
            "Il a aussi un dossier pour la certification d'un autre certificateur, qui conserve "
            "ses propres données : la demande d'effacement doit lui être adressée aussi."
        )
    return reasons


@transaction.atomic
def erase(candidat: Candidat, *, organisation: Organisation, by: User) -> None:
    """Anonymises the candidate at his request, or raises EffacementRefuse with the reasons."""
    candidat = Candidat.objects.select_for_update().get(pk=candidat.pk)
    if reasons := refusals(candidat, organisation):
        raise EffacementRefuse(reasons)
    anonymise(candidat, organisation=organisation, motif=Motif.EFFACEMENT, by=by)
