import factory

from cqpilot.core.tests.factories import OrganisationFactory
from cqpilot.referentiels.models import (
    Activite,
    Bloc,
    Certification,
    CertificationType,
    Competence,
    CritereEvaluation,
    Modalite,
    ModaliteType,
    ReferentielVersion,
)


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification
        skip_postgeneration_save = True

    intitule = factory.Sequence(lambda n: f"CQP Opérateur de production n°{n}")
    type = CertificationType.CQP
    code_rncp_rs = factory.Sequence(lambda n: f"RNCP{39000 + n}")
    niveau = "NIV3"

    @factory.post_generation
    def certificateurs(self, create, extracted, **kwargs):
        if create:
            self.certificateurs.set(extracted or [OrganisationFactory()])


class VersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReferentielVersion

    certification = factory.SubFactory(CertificationFactory)
    numero = factory.Sequence(lambda n: n + 1)


class ActiviteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activite

    version = factory.SubFactory(VersionFactory)
    code = factory.Sequence(lambda n: f"A{n}")
    intitule = "Préparer et conduire la production"


class CompetenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competence

    version = factory.SubFactory(VersionFactory)
    code = factory.Sequence(lambda n: f"C{n}")
    intitule = "Régler une machine de production"


class CritereFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CritereEvaluation

    competence = factory.SubFactory(CompetenceFactory)
    intitule = "Les réglages respectent la fiche de poste"


class BlocFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bloc

    version = factory.SubFactory(VersionFactory)
    code = factory.Sequence(lambda n: f"RNCP39999BC{n:02d}")
    intitule = "Conduire une ligne de production en sécurité"


class ModaliteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Modalite

    bloc = factory.SubFactory(BlocFactory)
    type = ModaliteType.MISE_EN_SITUATION
    intitule = "Mise en situation sur ligne"
    duree_minutes = 120


def complete_version(**kwargs) -> ReferentielVersion:
    """A draft version that can be published: two blocs, each with a competence and an épreuve."""
    version = VersionFactory(**kwargs)
    activite = ActiviteFactory(version=version)
    for _ in range(2):
        competence = CompetenceFactory(version=version, activite=activite)
        CritereFactory(competence=competence)
        bloc = BlocFactory(version=version)
        bloc.competences.add(competence)
        ModaliteFactory(bloc=bloc)
    return version
