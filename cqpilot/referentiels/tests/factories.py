from collections.abc import Iterable
from datetime import date

import factory

from cqpilot.core.models import Organisation
from cqpilot.core.tests.factories import OrganisationFactory
from cqpilot.referentiels.models import (
    Activite,
    Bloc,
    Certification,
    CertificationType,
    Competence,
    CritereEvaluation,
    ListeProA,
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


class ListeProAFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ListeProA

    branche = factory.SubFactory(OrganisationFactory)
    accord = "Accord du 12 mars 2020 relatif à la reconversion ou promotion par alternance"
    date_extension = date(2020, 12, 18)
    codes_rncp = factory.LazyFunction(list)


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


METALLURGIE_SIRET = "78470543600037"
COMMERCE_SIRET = "31852047500027"


def metallurgie() -> Organisation:
    return OrganisationFactory(nom="CPNE de la Métallurgie", siret=METALLURGIE_SIRET)


def commerce() -> Organisation:
    return OrganisationFactory(nom="CPNEFP du Commerce de gros", siret=COMMERCE_SIRET)


def rncp_fiche(
    numero: str,
    intitule: str = "CQP repris",
    *,
    certificateurs: Iterable[tuple[str, str]] = (),
    actif: str = "Non",
) -> str:
    """One FICHE of a France Compétences export, with one bloc."""
    owners = "".join(
        f"<CERTIFICATEUR><SIRET_CERTIFICATEUR>{siret}</SIRET_CERTIFICATEUR>"
        f"<NOM_CERTIFICATEUR>{nom}</NOM_CERTIFICATEUR></CERTIFICATEUR>"
        for siret, nom in certificateurs
    )
    return (
        f"<FICHE><NUMERO_FICHE>{numero}</NUMERO_FICHE><INTITULE>{intitule}</INTITULE>"
        f"<ACTIF>{actif}</ACTIF><CERTIFICATEURS>{owners}</CERTIFICATEURS>"
        "<BLOCS_COMPETENCES><BLOC_COMPETENCES><CODE>BC01</CODE><LIBELLE>Bloc repris</LIBELLE>"
        "</BLOC_COMPETENCES></BLOCS_COMPETENCES></FICHE>"
    )


def rncp_export(*fiches: str) -> bytes:
    return f"<FICHES>{''.join(fiches)}</FICHES>".encode()


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
