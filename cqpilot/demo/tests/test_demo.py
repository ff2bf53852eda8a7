"""`make demo` loads a data set every demo login can work with."""

import pytest
from django.urls import reverse

from cqpilot.core.models import User
from cqpilot.demo import DEMO_USERS, load_demo
from cqpilot.jurys.models import Jury

pytestmark = pytest.mark.django_db


def test_the_demo_loads_once_and_every_login_reaches_its_pages(client):
    assert load_demo() is True
    assert load_demo() is False

    for username, *_rest in DEMO_USERS:
        client.force_login(User.objects.get(username=username))
        for item in client.get(reverse("home")).context["nav_items"]:
            assert client.get(item["url"]).status_code == 200, (username, item["url"])


def test_the_demo_jury_is_ready_to_deliberate(client):
    load_demo()
    jury = Jury.objects.get(status="preparation")

    assert jury.deliberations.count() == 3
    assert jury.membres.filter(role="president", intervenant__user__username="jury.metallurgie")
    client.force_login(User.objects.get(username="gestionnaire.metallurgie"))
    page = client.get(reverse("jurys:jury_detail", args=[jury.pk]))
    assert "Composition régulière" in page.text


def test_the_demo_has_issued_parchemins_one_accepted_one_overdue(client):
    from cqpilot.accrochage.models import PassageAccrochage

    load_demo()
    statuses = dict(
        PassageAccrochage.objects.values_list(
            "document__dossier__candidat__nom_naissance", "status"
        )
    )
    assert statuses == {"Lambert": "accepte", "Girard": "a_deposer"}
    client.force_login(User.objects.get(username="gestionnaire.metallurgie"))
    page = client.get(reverse("accrochage:a_accrocher"))
    assert "en retard de" in page.text
