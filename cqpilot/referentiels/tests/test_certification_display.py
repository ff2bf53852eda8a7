"""What the certification pages say of a certification: its type's label, and a status that
follows the end of its registration."""

from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse

from cqpilot.core.tests.factories import gestionnaire
from cqpilot.referentiels.models import CertificationStatus, CertificationType

from .factories import CertificationFactory

pytestmark = pytest.mark.django_db

AFTER_THE_END = datetime(2030, 1, 6, 10, 0)


@pytest.fixture
def manager(client):
    user = gestionnaire()
    client.force_login(user)
    return user


def ended_in_2029(client):
    manager = gestionnaire()
    client.force_login(manager)  # in the test's time: a session older than 12 h has ended
    return CertificationFactory(
        intitule="CQP Agent de maintenance industrielle",
        certificateurs=[manager.organisation],
        status=CertificationStatus.ACTIVE,
        date_decision=date(2024, 12, 18),
        date_fin_enregistrement=date(2029, 12, 18),
    )


def test_an_active_certification_is_inactive_once_its_registration_has_ended():
    certification = CertificationFactory(
        status=CertificationStatus.ACTIVE, date_fin_enregistrement=date(2029, 12, 18)
    )
    assert certification.status_on(date(2029, 12, 18)) == CertificationStatus.ACTIVE
    assert certification.status_on(date(2029, 12, 19)) == CertificationStatus.INACTIVE


@time_machine.travel(AFTER_THE_END, tick=False)
def test_the_certification_page_does_not_show_active_after_the_end_of_registration(client):
    certification = ended_in_2029(client)

    page = client.get(reverse("referentiels:certification_detail", args=[certification.pk]))

    assert "<dt>Statut</dt><dd>Inactive / archivée (enregistrement échu le 18/12/2029)</dd>" in (
        page.text
    )


@time_machine.travel(AFTER_THE_END, tick=False)
def test_the_certification_list_and_home_do_not_show_active_after_the_end(client):
    ended_in_2029(client)

    for url in (reverse("referentiels:certification_list"), reverse("home")):
        page = client.get(url).text
        assert "Inactive / archivée (enregistrement échu le 18/12/2029)" in page, url
        assert "Active" not in page.replace("Inactive", ""), url


def test_a_certification_typed_autre_shows_its_label_in_the_list(client, manager):
    CertificationFactory(type=CertificationType.AUTRE, certificateurs=[manager.organisation])

    page = client.get(reverse("referentiels:certification_list")).text

    assert "<td>Autre certification de branche</td>" in page
    assert "<td>AUTRE</td>" not in page
