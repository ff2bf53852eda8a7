"""The parchemin layout page: looking at it or previewing it writes nothing; saving it does."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from cqpilot.core.tests.factories import gestionnaire
from cqpilot.delivrance.models import ModeleParchemin

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client):
    user = gestionnaire()
    client.force_login(user)
    return user


def test_opening_the_layout_page_creates_no_layout(client, manager):
    journaled = LogEntry.objects.count()

    response = client.get(reverse("delivrance:modele"))

    assert response.status_code == 200
    assert 'value="CQP"' in response.text  # the default prefix, proposed
    assert not ModeleParchemin.objects.exists()
    assert LogEntry.objects.count() == journaled


def test_previewing_a_layout_creates_none(client, manager):
    client.post(reverse("delivrance:modele_preview"), {"prefixe": "CQP", "lieu_delivrance": "Lyon"})

    assert not ModeleParchemin.objects.exists()


def test_saving_the_layout_creates_it_for_the_organisation(client, manager):
    response = client.post(reverse("delivrance:modele"), {"prefixe": "CQPM", "css": ""})

    assert response.status_code == 302, response.context["form"].errors
    modele = ModeleParchemin.objects.get()
    assert (modele.organisation, modele.prefixe) == (manager.organisation, "CQPM")
