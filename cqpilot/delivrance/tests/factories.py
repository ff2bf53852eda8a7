"""A signed jury with one full validation, one partial and one refusal, ready for délivrance;
register lines for what only reads the register."""

from datetime import date

import factory

from cqpilot.delivrance.models import DocumentDelivre, ModeleParchemin
from cqpilot.dossiers.tests.factories import DossierFactory
from cqpilot.jurys.deliberation import BlocSaisie, save_decision
from cqpilot.jurys.models import BlocResultat, Decision
from cqpilot.jurys.pv import close, sign
from cqpilot.jurys.services import open_deliberation
from cqpilot.jurys.tests.factories import Scenario, scenario
from cqpilot.referentiels.models import Bloc, CertificationCode, CodeKind

V, NV = BlocResultat.VALIDE, BlocResultat.NON_VALIDE


def signed_jury(
    *,
    nsf: bool = True,
    optionnels: tuple[str, ...] = (),
    results: list[list[str]] | None = None,
    candidats: int = 3,
) -> Scenario:
    """`optionnels`: the codes of the optional blocs; `results`: each candidate's bloc results
    (Benali, Durand, Nguyen), by default all validated, two of three, none. Beyond three
    `candidats`, the others validate every bloc (a larger lot to issue)."""
    s = scenario(candidats)
    # The version is published, hence immutable through save(): set up as if written so.
    Bloc.objects.filter(version=s.version, code__in=optionnels).update(est_optionnel=True)
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
    deliberations = {d.dossier_id: d for d in s.jury.deliberations.all()}
    others = candidats - 3
    for dossier, decision, row in zip(
        s.dossiers,  # Benali, Durand, Nguyen, then the others
        [Decision.TOTALE, Decision.PARTIELLE, Decision.NON_VALIDE] + [Decision.TOTALE] * others,
        (results or [[V, V, V], [V, NV, V], [NV, NV, NV]]) + [[V, V, V]] * others,
        strict=True,
    ):
        save_decision(
            deliberations[dossier.pk],
            revision=0,
            decision=decision,
            blocs={b.pk: BlocSaisie(r) for b, r in zip(s.blocs, row, strict=True)},
            unanimite=True,
            by=s.gestionnaire,
        )
    close(s.jury, by=s.gestionnaire)
    sign(s.jury, by=s.president)
    return s


class DocumentDelivreFactory(factory.django.DjangoModelFactory):
    """A parchemin in the register, without its PDF: for statistics and surveys."""

    class Meta:
        model = DocumentDelivre

    dossier = factory.SubFactory(DossierFactory)
    organisation = factory.LazyAttribute(lambda d: d.dossier.certification.certificateurs.first())
    certification = factory.LazyAttribute(lambda d: d.dossier.certification)
    version = factory.LazyAttribute(lambda d: d.dossier.version)
    kind = "parchemin"
    numero = factory.Sequence(lambda n: f"CQP-2026-{n:06d}")
    code = factory.Sequence(lambda n: f"T{n:09d}")
    status_index = factory.Sequence(lambda n: n)
    date_decision = date(2025, 6, 20)
    date_delivrance = factory.LazyAttribute(lambda d: d.date_decision)
    lieu_delivrance = "Paris"
    created_by = factory.SubFactory("cqpilot.core.tests.factories.UserFactory")
