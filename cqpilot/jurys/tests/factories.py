"""A certifier's jury ready to deliberate: certification with blocs, candidates presented,
members of both collèges."""

from dataclasses import dataclass
from datetime import date

import factory
from pypdf import PdfReader

from cqpilot.core.models import Organisation, Role, User
from cqpilot.core.tests.factories import OrganisationFactory, UserFactory
from cqpilot.dossiers.models import Dossier, DossierState
from cqpilot.dossiers.tests.factories import CandidatFactory, DossierFactory, OrganismeFactory
from cqpilot.intervenants.models import College
from cqpilot.intervenants.tests.factories import IntervenantFactory
from cqpilot.jurys.models import Jury, JuryMembre, RoleJury
from cqpilot.jurys.services import add_dossiers, add_membre
from cqpilot.referentiels.models import Bloc, Certification, ReferentielVersion, VersionStatus
from cqpilot.referentiels.tests.factories import (
    BlocFactory,
    CertificationFactory,
    ModaliteFactory,
    VersionFactory,
)


class JuryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Jury

    organisation = factory.SubFactory(OrganisationFactory)
    certification = factory.LazyAttribute(
        lambda j: CertificationFactory(certificateurs=[j.organisation])
    )
    date = date(2026, 11, 20)
    lieu = "Maison de la branche, 75009 Paris"


@dataclass
class Scenario:
    branche: Organisation
    certification: Certification
    version: ReferentielVersion
    blocs: list[Bloc]
    jury: Jury
    gestionnaire: User
    president: User
    of: Organisation
    dossiers: list[Dossier]


def published_version(
    certification: Certification, codes: list[str], modalites: dict[str, list[str]] | None = None
) -> tuple:
    """`modalites`: the épreuves of some blocs (bloc code → intitulés), made before publishing."""
    version = VersionFactory(certification=certification)
    blocs = [
        BlocFactory(version=version, code=code, intitule=f"Bloc {code}", ordre=n)
        for n, code in enumerate(codes)
    ]
    for bloc in blocs:
        for ordre, intitule in enumerate((modalites or {}).get(bloc.code, [])):
            ModaliteFactory(bloc=bloc, intitule=intitule, ordre=ordre)
    ReferentielVersion.objects.filter(pk=version.pk).update(status=VersionStatus.PUBLIEE)
    version.refresh_from_db()
    return version, blocs


def scenario(
    candidats: int = 3, *, membres: bool = True, modalites: dict[str, list[str]] | None = None
) -> Scenario:
    branche = OrganisationFactory(nom="CPNE de la propreté")
    jury = JuryFactory(organisation=branche)
    certification = jury.certification
    version, blocs = published_version(certification, ["BC01", "BC02", "BC03"], modalites)
    gestionnaire = UserFactory(organisation=branche, roles=[Role.GESTIONNAIRE])
    president = UserFactory(
        organisation=branche, roles=[Role.MEMBRE_JURY], first_name="Anne", last_name="Prési"
    )
    of = OrganismeFactory(nom="Formapro Sud")
    noms = ["Benali", "Durand", "Nguyen", "Moreau", "Petit", "Roux"]
    dossiers = [
        DossierFactory(
            candidat=CandidatFactory(nom_naissance=noms[n % 6] + ("" if n < 6 else str(n))),
            certification=certification,
            version=version,
            organisme=of,
            state=DossierState.PRESENTE_JURY,
        )
        for n in range(candidats)
    ]
    add_dossiers(jury, dossiers, by=gestionnaire)
    if membres:
        people = [
            IntervenantFactory(
                organisation=branche,
                nom="Prési",
                prenom="Anne",
                college=College.EMPLOYEURS,
                user=president,
            ),
            IntervenantFactory(organisation=branche, nom="Salah", college=College.SALARIES),
            IntervenantFactory(organisation=branche, nom="Garnier", college=College.EMPLOYEURS),
            IntervenantFactory(organisation=branche, nom="Texier", college=College.SALARIES),
        ]
        add_membre(jury, people[0], RoleJury.PRESIDENT)
        for person in people[1:]:
            add_membre(jury, person, RoleJury.MEMBRE)
    return Scenario(
        branche, certification, version, blocs, jury, gestionnaire, president, of, dossiers
    )


def expert(s: Scenario, nom: str = "Vasseur") -> JuryMembre:
    """A member without voix délibérative, as the Métallurgie's demo jury has."""
    person = IntervenantFactory(
        organisation=s.branche, nom=nom, prenom="Paul", college=College.AUCUN
    )
    return add_membre(s.jury, person, RoleJury.EXPERT)


def pdf_text(pv) -> str:
    with pv.fichier.open("rb") as file:
        text = " ".join(page.extract_text() for page in PdfReader(file).pages)
    return " ".join(text.split())  # table cells wrap lines
