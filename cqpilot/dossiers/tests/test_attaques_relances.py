"""Attacks on the pièces reminders sent to candidates: who receives what."""

from datetime import date

import pytest
from django.core import mail

from cqpilot.core.models import Role
from cqpilot.core.tests.factories import UserFactory
from cqpilot.dossiers.models import DossierState
from cqpilot.dossiers.relances import send_reminders

from .factories import CandidatFactory, DossierFactory, HabilitationFactory, PieceExigeeFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 1)


@pytest.fixture
def dossier():
    habilitation = HabilitationFactory()
    dossier = DossierFactory(
        certification=habilitation.certification,
        organisme=habilitation.organisme,
        candidat=CandidatFactory(prenom1="Léa", nom_naissance="Durand"),
    )
    PieceExigeeFactory(
        certification=dossier.certification,
        libelle="Pièce d'identité",
        etat_requis=DossierState.INSCRIT,
        depot_candidat=True,
        depot_of=False,
    )
    return dossier


def test_an_account_that_cannot_reach_the_espace_is_not_told_to_deposit_there(
    dossier, django_capture_on_commit_callbacks
):
    """A staff account linked to the candidate (an OF's user who is also the candidate) signs
    in to the staff pages, never to an espace: « déposez depuis votre espace » and the
    one-time link, which staff accounts never get, would send it nowhere."""
    staff = UserFactory(
        organisation=dossier.organisme, roles=[Role.ORGANISME_FORMATION], email="of@exemple.fr"
    )
    dossier.candidat.compte = staff
    dossier.candidat.save(update_fields=["compte"])
    with django_capture_on_commit_callbacks(execute=True):
        bilan = send_reminders(today=TODAY)
    assert [m for m in mail.outbox if "espace candidat" in m.subject] == []
    assert bilan.relances_candidats == 0
