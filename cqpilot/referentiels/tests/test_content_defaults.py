"""Small things the référentiel pages say: accented labels, where new content lands, which
version is in force."""

import pytest
from django.urls import reverse

from cqpilot.core.tests.factories import gestionnaire
from cqpilot.referentiels.services import publish_version

from .factories import (
    ActiviteFactory,
    BlocFactory,
    CertificationFactory,
    CompetenceFactory,
    VersionFactory,
    complete_version,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client):
    user = gestionnaire()
    client.force_login(user)
    return user


@pytest.fixture
def draft(manager):
    return VersionFactory(certification=CertificationFactory(certificateurs=[manager.organisation]))


def test_the_competence_form_labels_its_activite_with_the_accent(client, draft):
    response = client.get(reverse("referentiels:content_create", args=[draft.pk, "competence"]))

    assert ">Activité<" in response.text
    assert ">Activite<" not in response.text


@pytest.mark.parametrize(
    ("kind", "factory"),
    [("competence", CompetenceFactory), ("activite", ActiviteFactory), ("bloc", BlocFactory)],
)
def test_new_content_is_proposed_after_the_last_one(client, draft, kind, factory):
    factory(version=draft, ordre=1)
    factory(version=draft, ordre=4)
    factory(ordre=9)  # another version's order does not count

    form = client.get(reverse("referentiels:content_create", args=[draft.pk, kind])).context["form"]

    assert form["ordre"].value() == 5


def test_the_first_content_of_a_version_is_proposed_first(client, draft):
    form = client.get(
        reverse("referentiels:content_create", args=[draft.pk, "competence"])
    ).context["form"]

    assert form["ordre"].value() == 1


def test_editing_content_keeps_its_order(client, draft):
    CompetenceFactory(version=draft, ordre=7)
    competence = CompetenceFactory(version=draft, ordre=2)

    form = client.get(
        reverse("referentiels:content_edit", args=[draft.pk, "competence", competence.pk])
    ).context["form"]

    assert form["ordre"].value() == 2


def test_the_versions_list_marks_the_latest_published_version_as_in_force(client, manager):
    certification = CertificationFactory(certificateurs=[manager.organisation])
    first = complete_version(certification=certification)
    publish_version(first, by=manager)
    second = complete_version(certification=certification)
    publish_version(second, by=manager)
    VersionFactory(certification=certification)  # a draft is never in force

    page = client.get(reverse("referentiels:certification_detail", args=[certification.pk])).text

    assert page.count("en vigueur") == 1
    rows = [row for row in page.split("<tr>") if "en vigueur" in row]
    assert f"Version {second.numero}<" in rows[0]
