"""A signed jury with one full validation, one partial and one refusal, ready for délivrance."""

from datetime import date

from cqpilot.delivrance.models import ModeleParchemin
from cqpilot.jurys.deliberation import BlocSaisie, save_decision
from cqpilot.jurys.models import BlocResultat, Decision
from cqpilot.jurys.pv import close, sign
from cqpilot.jurys.services import open_deliberation
from cqpilot.jurys.tests.factories import Scenario, scenario
from cqpilot.referentiels.models import CertificationCode, CodeKind

V, NV = BlocResultat.VALIDE, BlocResultat.NON_VALIDE


def signed_jury(*, nsf: bool = True) -> Scenario:
    s = scenario()
    certification = s.certification
    certification.date_decision = date(2024, 6, 27)
    certification.date_fin_enregistrement = date(2029, 6, 27)
    certification.save()
    if nsf:
        CertificationCode.objects.create(
            certification=certification, kind=CodeKind.NSF, code="343t", libelle="Nettoyage"
        )
    ModeleParchemin.objects.create(
        organisation=s.branche,
        signataire_nom="Claire Fontaine",
        signataire_qualite="Présidente de la CPNE",
        lieu_delivrance="Paris",
    )
    open_deliberation(s.jury, by=s.gestionnaire)
    deliberations = list(s.jury.deliberations.order_by("dossier__candidat__nom_naissance"))
    for deliberation, decision, results in zip(
        deliberations,
        [Decision.TOTALE, Decision.PARTIELLE, Decision.NON_VALIDE],
        [[V, V, V], [V, NV, V], [NV, NV, NV]],
        strict=True,
    ):
        save_decision(
            deliberation,
            revision=0,
            decision=decision,
            blocs={b.pk: BlocSaisie(r) for b, r in zip(s.blocs, results, strict=True)},
            unanimite=True,
            by=s.gestionnaire,
        )
    close(s.jury, by=s.gestionnaire)
    sign(s.jury, by=s.president)
    return s
