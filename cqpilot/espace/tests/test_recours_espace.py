"""The candidate's side of the recours: next to each result of a signed PV, the last day to
contest it and the form; then the recours' state and its outcome. Only their own decisions,
never after the deadline, and never the staff's recours pages."""

from datetime import date

import pytest
from auditlog.models import LogEntry
from django.contrib.messages import get_messages
from django.urls import reverse

from cqpilot.jurys.models import Recours, RecoursIssue
from cqpilot.jurys.recours import decider, deposer
from cqpilot.jurys.tests.recours_world import at, signed_with_accounts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world():
    """PV signed on 31 December 2026; Nguyen (not validated) and Durand have their accounts."""
    return signed_with_accounts()


def url(deliberation) -> str:
    return reverse("espace:recours_deposer", args=[deliberation.pk])


def test_the_result_shows_the_last_day_and_the_form_then_the_recours_and_its_outcome(client, world):
    with at(date(2027, 2, 28)):
        client.force_login(world.accounts["Nguyen"])
        page = client.get(reverse("espace:accueil")).text
        assert "jusqu'au 28/02/2027 inclus" in page  # 31 December + 2 months, end of February
        assert url(world.nguyen) in page

        response = client.post(
            url(world.nguyen), {"motifs": "La grille de BC02 n'a pas été suivie."}
        )
        assert response.status_code == 302
        [recours] = Recours.objects.all()
        assert recours.deliberation == world.nguyen
        entry = LogEntry.objects.get_for_object(recours).get()
        assert entry.actor == world.accounts["Nguyen"]  # the filing is journaled
        page = client.get(reverse("espace:accueil")).text
        assert "en cours d'instruction par le certificateur" in page
        assert url(world.nguyen) not in page  # one open recours at a time

    decider(
        recours, RecoursIssue.MAINTENUE, "Les évaluations sont régulières.", by=world.gestionnaire
    )
    with at(date(2027, 3, 2)):
        client.force_login(world.accounts["Nguyen"])
        page = client.get(reverse("espace:accueil")).text
    assert "Décision du jury maintenue" in page
    assert "Les évaluations sont régulières." in page


def test_after_the_deadline_no_form_is_shown_and_a_post_is_refused_in_french(client, world):
    with at(date(2027, 3, 1)):
        client.force_login(world.accounts["Nguyen"])
        page = client.get(reverse("espace:accueil")).text
        assert url(world.nguyen) not in page
        assert "Délai de recours expiré le 28/02/2027" in page
        response = client.post(url(world.nguyen), {"motifs": "Trop tard"})
    assert response.status_code == 302
    [message] = get_messages(response.wsgi_request)
    assert str(message) == (
        "Le délai de recours a expiré le 28/02/2027 (2 mois après la signature du "
        "procès-verbal, le 31/12/2026)."
    )
    assert not Recours.objects.exists()


def test_a_candidate_contests_only_their_own_decisions(client, world):
    with at(date(2027, 1, 5)):
        client.force_login(world.accounts["Nguyen"])
        assert client.post(url(world.durand), {"motifs": "Pour Durand"}).status_code == 404
        page = client.get(reverse("espace:accueil")).text
    assert url(world.durand) not in page
    assert not Recours.objects.exists()


def test_a_certification_without_recours_shows_no_form(client, world):
    world.certification.delai_recours_mois = 0
    world.certification.save()
    with at(date(2027, 1, 5)):
        client.force_login(world.accounts["Nguyen"])
        page = client.get(reverse("espace:accueil")).text
        response = client.post(url(world.nguyen), {"motifs": "Quand même"})
    assert url(world.nguyen) not in page
    [message] = get_messages(response.wsgi_request)
    assert "ne sont pas susceptibles de recours" in str(message)
    assert not Recours.objects.exists()


def test_the_staff_recours_pages_are_closed_to_a_candidate(client, world):
    with at(date(2027, 1, 5)):
        recours = deposer(world.nguyen, "Motifs", by=world.accounts["Nguyen"])
        client.force_login(world.accounts["Nguyen"])
        assert client.get(reverse("jurys:recours_list")).status_code == 403
        detail = reverse("jurys:recours_detail", args=[recours.pk])
        assert client.get(detail).status_code == 403
        response = client.post(detail, {"issue": "nouvelle_deliberation", "motivation": "Moi"})
    assert response.status_code == 403
    recours.refresh_from_db()
    assert not recours.is_decided


def test_the_space_reads_the_recours_in_a_bounded_number_of_queries(
    client, world, django_assert_max_num_queries
):
    with at(date(2027, 1, 5)):
        deposer(world.nguyen, "Motifs", by=world.accounts["Nguyen"])
        client.force_login(world.accounts["Nguyen"])
        with django_assert_max_num_queries(40):
            assert client.get(reverse("espace:accueil")).status_code == 200
