from datetime import date

import factory

from cqpilot.core.models import OrganisationKind
from cqpilot.core.tests.factories import OrganisationFactory
from cqpilot.dossiers.models import (
    Candidat,
    Dossier,
    DossierState,
    Habilitation,
    PieceExigee,
    VoieAcces,
)
from cqpilot.referentiels.models import VersionStatus
from cqpilot.referentiels.tests.factories import CertificationFactory, VersionFactory


class OrganismeFactory(OrganisationFactory):
    nom = factory.Sequence(lambda n: f"Organisme de formation n°{n}")
    kind = OrganisationKind.ORGANISME_FORMATION


class HabilitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Habilitation

    organisme = factory.SubFactory(OrganismeFactory)
    certification = factory.SubFactory(CertificationFactory)
    scope = "les_deux"
    date_debut = date(2025, 1, 1)
    date_fin = date(2027, 12, 31)


class CandidatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidat

    nom_naissance = factory.Sequence(lambda n: f"Dupont{n}")
    prenom1 = "Marie"
    sexe = "F"
    annee_naissance = 1990
    mois_naissance = 5
    jour_naissance = 14
    code_insee_naissance = "69123"
    commune_naissance = "Lyon"


class DossierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dossier

    candidat = factory.SubFactory(CandidatFactory)
    certification = factory.SubFactory(CertificationFactory, vae_ouverte=True)
    version = factory.LazyAttribute(
        lambda d: VersionFactory(certification=d.certification, status=VersionStatus.PUBLIEE)
    )
    voie_acces = VoieAcces.FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION
    date_inscription = date(2026, 3, 2)


def habilitated_dossier(**kwargs) -> Dossier:
    """A dossier followed by an OF habilitated for its certification: the OF sees it."""
    habilitation = HabilitationFactory()
    return DossierFactory(
        certification=habilitation.certification, organisme=habilitation.organisme, **kwargs
    )


class PieceExigeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PieceExigee

    certification = factory.SubFactory(CertificationFactory)
    libelle = factory.Sequence(lambda n: f"Pièce {n}")
    formats = factory.LazyFunction(lambda: ["pdf"])
    etat_requis = DossierState.INSCRIT
