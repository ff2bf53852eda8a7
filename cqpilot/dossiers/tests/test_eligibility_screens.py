"""The dossier form applies eligibility: refusals block it, avertissements are shown and let it
through."""

import pytest
from django.urls import reverse

from cqpilot.core.models import Role
from cqpilot.core.tests.factories import UserFactory
from cqpilot.dossiers.models import Dossier, VoieAcces
from cqpilot.referentiels.models import VersionStatus
from cqpilot.referentiels.tests.factories import CertificationFactory, VersionFactory

from .factories import CandidatFactory, HabilitationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolment(client):
    certification = CertificationFactory(vae_ouverte=True, experience_min_vae_mois=12)
    habilitation = HabilitationFactory(certification=certification)
    user = UserFactory(organisation=habilitation.organisme, roles=[Role.ORGANISME_FORMATION])
    client.force_login(user)
    candidat = CandidatFactory(created_by_organisation=user.organisation)
    version = VersionFactory(certification=certification, status=VersionStatus.PUBLIEE)
    url = reverse("dossiers:dossier_create", args=[candidat.pk])
    data = {
        "version": version.pk,
        "voie_acces": VoieAcces.VAE,
        "voie_vae": "VAE_CLASSIQUE",
        "initiative": "OF",
        "date_inscription": "2026-03-02",
        "experience_mois": "6",
    }
    return url, data


def test_a_vae_dossier_below_the_expected_experience_is_created_with_a_warning(client, enrolment):
    url, data = enrolment

    response = client.post(url, data, follow=True)

    assert Dossier.objects.get().experience_mois == 6
    assert "Expérience en rapport avec la certification : 6 mois, pour 12 mois attendus" in (
        response.text
    )


def test_the_warning_shows_beside_a_refusal_on_the_form(client, enrolment):
    url, data = enrolment
    data["cpf"] = "on"
    data["date_inscription"] = "2035-01-01"  # after the habilitation's end

    response = client.post(url, data)

    assert not Dossier.objects.exists()
    assert "a pris fin le 31/12/2027" in response.text
    assert "le certificateur en juge à la recevabilité" in response.text
