"""Conflicts of interest: each declared interest that keeps a person from evaluating or
deliberating on a candidate, with its reason."""

import pytest

from cqpilot.dossiers.tests.factories import CandidatFactory, DossierFactory, OrganismeFactory
from cqpilot.intervenants.rules import conflict_reasons

from .factories import IntervenantFactory

pytestmark = pytest.mark.django_db


def test_conflicts_of_interest_each_have_their_reason():
    of = OrganismeFactory(nom="Formapro Sud")
    candidat = CandidatFactory(employeur_siret="73282932000074")
    dossier = DossierFactory(candidat=candidat, organisme=of)
    same_company = IntervenantFactory(employeur_siret="73282932000090", employeur_nom="Propreté SA")
    of_trainer = IntervenantFactory(organismes=[of])
    tutor = IntervenantFactory()
    tutor.candidats_suivis.set([candidat])
    other = IntervenantFactory(employeur_siret="55210055400013", organismes=[OrganismeFactory()])

    assert conflict_reasons(same_company, dossier) == [
        "même entreprise que le candidat (Propreté SA)"
    ]
    assert conflict_reasons(of_trainer, dossier) == [
        "intervient pour l'organisme de formation du candidat (Formapro Sud)"
    ]
    assert conflict_reasons(tutor, dossier) == ["a formé, tutoré ou accompagné le candidat"]
    assert conflict_reasons(other, dossier) == []


def test_a_short_or_missing_siret_makes_no_company_conflict():
    candidat = CandidatFactory(employeur_siret="")
    dossier = DossierFactory(candidat=candidat, organisme=None)

    assert conflict_reasons(IntervenantFactory(employeur_siret=""), dossier) == []
    assert conflict_reasons(IntervenantFactory(employeur_siret="7328"), dossier) == []
