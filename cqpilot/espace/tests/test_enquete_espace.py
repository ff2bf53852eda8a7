"""The insertion survey opens from the espace as well as from its e-mailed link: while it is
open, the holder finds it next to the document it is about."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cqpilot.core.tests.factories import UserFactory
from cqpilot.delivrance.tests.factories import DocumentDelivreFactory
from cqpilot.pilotage.enquetes import ANSWER_WINDOW, token_of
from cqpilot.pilotage.models import EnqueteInsertion

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder():
    document = DocumentDelivreFactory(date_decision=timezone.localdate() - timedelta(days=190))
    candidat = document.dossier.candidat
    candidat.compte = UserFactory(organisation=None, roles=[])
    candidat.save(update_fields=["compte"])
    return document


def survey(document, *, prevue_il_y_a: int, **kwargs) -> EnqueteInsertion:
    return EnqueteInsertion.objects.create(
        organisation=document.organisation,
        document=document,
        echeance="6_mois",
        date_prevue=timezone.localdate() - timedelta(days=prevue_il_y_a),
        email="titulaire@exemple.fr",
        **kwargs,
    )


def test_an_open_survey_is_answered_from_the_espace(client, holder):
    enquete = survey(holder, prevue_il_y_a=7)
    client.force_login(holder.dossier.candidat.compte)
    page = client.get(reverse("espace:accueil")).text
    link = reverse("enquete", args=[token_of(enquete)])
    assert link in page
    assert "Répondre à l'enquête d'insertion à 6 mois" in page

    form = client.get(link)
    assert form.status_code == 200 and "situation" in form.text
    client.post(link, {"situation": "metier_vise", "type_contrat": "cdi", "commentaire": ""})
    enquete.refresh_from_db()
    assert enquete.repondue_le is not None
    assert link not in client.get(reverse("espace:accueil")).text


def test_a_closed_survey_is_not_offered(client, holder):
    survey(holder, prevue_il_y_a=ANSWER_WINDOW.days + 1)
    client.force_login(holder.dossier.candidat.compte)
    assert "Répondre à l'enquête" not in client.get(reverse("espace:accueil")).text


def test_another_holders_survey_is_not_offered(client, holder):
    survey(DocumentDelivreFactory(), prevue_il_y_a=7)
    client.force_login(holder.dossier.candidat.compte)
    assert "Répondre à l'enquête" not in client.get(reverse("espace:accueil")).text
