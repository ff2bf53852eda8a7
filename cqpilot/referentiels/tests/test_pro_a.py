"""A branch records the Pro-A list of its extended agreement (RNCP codes and the extension date)
from its certification page; the dossiers' eligibility reads it."""

from datetime import date

import pytest
from django.urls import reverse

from cqpilot.core.tests.factories import OrganisationFactory, gestionnaire
from cqpilot.referentiels.models import ListeProA

from .factories import CertificationFactory, ListeProAFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client):
    user = gestionnaire()
    client.force_login(user)
    return user


def test_the_certification_page_leads_to_the_branch_pro_a_list(client, manager):
    certification = CertificationFactory(certificateurs=[manager.organisation])

    page = client.get(reverse("referentiels:certification_detail", args=[certification.pk])).text

    assert f"{manager.organisation} n'a pas renseigné la liste Pro-A de son accord" in page
    assert reverse("referentiels:pro_a_edit", args=[manager.organisation.pk]) in page


def test_a_branch_records_its_pro_a_list(client, manager):
    certification = CertificationFactory(certificateurs=[manager.organisation])
    url = reverse("referentiels:pro_a_edit", args=[manager.organisation.pk])

    response = client.post(
        url,
        {
            "accord": "Accord du 12 mars 2020",
            "date_extension": "2020-12-18",
            "codes": f"rncp 1234,\n{certification.code_rncp_rs} ; RNCP1234",
        },
    )

    assert response.status_code == 302
    liste = ListeProA.objects.get(branche=manager.organisation)
    assert (liste.date_extension, liste.codes_rncp) == (
        date(2020, 12, 18),
        ["RNCP1234", certification.code_rncp_rs],
    )
    page = client.get(reverse("referentiels:certification_detail", args=[certification.pk])).text
    assert (
        f"Sur la liste Pro-A de {manager.organisation} (Accord du 12 mars 2020, étendu le "
        "18/12/2020)"
    ) in page


def test_the_pro_a_list_takes_only_rncp_codes(client, manager):
    response = client.post(
        reverse("referentiels:pro_a_edit", args=[manager.organisation.pk]),
        {"date_extension": "2020-12-18", "codes": "RNCP1234, RS6117, CQP12"},
    )

    assert response.status_code == 200
    assert (
        "RS6117, CQP12 : la Pro-A ne concerne que des certifications enregistrées au RNCP "
        "(codes de la forme RNCP12345)."
    ) in response.text
    assert not ListeProA.objects.exists()


def test_the_pro_a_list_needs_the_extension_date(client, manager):
    response = client.post(
        reverse("referentiels:pro_a_edit", args=[manager.organisation.pk]),
        {"codes": "RNCP1234"},
    )

    assert response.status_code == 200
    assert not ListeProA.objects.exists()


def test_a_branch_edits_only_its_own_pro_a_list(client, manager):
    other = OrganisationFactory()
    ListeProAFactory(branche=other, codes_rncp=["RNCP1"])

    url = reverse("referentiels:pro_a_edit", args=[other.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, {"date_extension": "2021-01-01", "codes": ""}).status_code == 404
    assert ListeProA.objects.get().codes_rncp == ["RNCP1"]
