from dataclasses import dataclass
from datetime import date

from cqpilot.core.models import Organisation, Role, User
from cqpilot.core.tests.factories import OrganisationFactory, UserFactory
from cqpilot.dossiers.models import Dossier, DossierState
from cqpilot.dossiers.tests.factories import CandidatFactory, DossierFactory, OrganismeFactory
from cqpilot.evaluations.models import SessionEvaluation
from cqpilot.evaluations.services import create_session
from cqpilot.intervenants.models import College, Intervenant
from cqpilot.intervenants.tests.factories import IntervenantFactory
from cqpilot.referentiels.models import (
    Bloc,
    Certification,
    Notation,
    ReferentielVersion,
    VersionStatus,
)
from cqpilot.referentiels.tests.factories import (
    BlocFactory,
    CertificationFactory,
    CompetenceFactory,
    CritereFactory,
    ModaliteFactory,
    VersionFactory,
)


@dataclass
class Evaluation:
    branche: Organisation
    certification: Certification
    version: ReferentielVersion
    blocs: list[Bloc]
    session: SessionEvaluation
    gestionnaire: User
    evaluateur: Intervenant
    second: Intervenant
    of: Organisation
    dossiers: list[Dossier]


def evaluation(candidats: int = 2) -> Evaluation:
    """BC01 evaluated per critère (two critères), BC02 scored out of 20 with a 10 threshold."""
    branche = OrganisationFactory(nom="CPNE de la propreté")
    certification = CertificationFactory(certificateurs=[branche])
    version = VersionFactory(certification=certification)
    bc01 = BlocFactory(version=version, code="BC01", intitule="Nettoyer", ordre=1)
    competence = CompetenceFactory(version=version)
    bc01.competences.set([competence])
    CritereFactory(competence=competence, intitule="Les produits sont dosés", ordre=1)
    CritereFactory(competence=competence, intitule="Les zones sont balisées", ordre=2)
    ModaliteFactory(bloc=bc01, intitule="Mise en situation")
    bc02 = BlocFactory(version=version, code="BC02", intitule="Contrôler", ordre=2)
    ModaliteFactory(
        bloc=bc02, intitule="Écrit", type="ecrit", notation=Notation.NOTE, note_sur=20, seuil=10
    )
    ReferentielVersion.objects.filter(pk=version.pk).update(status=VersionStatus.PUBLIEE)
    version.refresh_from_db()
    gestionnaire = UserFactory(organisation=branche, roles=[Role.GESTIONNAIRE])
    of = OrganismeFactory(nom="Formapro Sud")
    dossiers = [
        DossierFactory(
            candidat=CandidatFactory(nom_naissance=nom),
            certification=certification,
            version=version,
            organisme=of,
            state=DossierState.EN_FORMATION,
        )
        for nom in ["Benali", "Durand", "Nguyen"][:candidats]
    ]
    session = create_session(
        SessionEvaluation(
            organisation=branche,
            certification=certification,
            version=version,
            date_debut=date(2026, 10, 14),
            lieu="Centre de Vénissieux",
            code_postal="69200",
        )
    )
    people = [
        IntervenantFactory(
            organisation=branche,
            nom=nom,
            college=College.EMPLOYEURS,
            user=UserFactory(organisation=branche, roles=[Role.EVALUATEUR]),
        )
        for nom in ("Évaluatrice", "Second")
    ]
    return Evaluation(
        branche, certification, version, [bc01, bc02], session, gestionnaire, *people, of, dossiers
    )
