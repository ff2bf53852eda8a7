"""The certifier's people: recorded with their declared interests, scoped to their certifier,
journaled, at the addresses they had under the jurys."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from cqpilot.core.models import Role
from cqpilot.core.tests.factories import OrganisationFactory, UserFactory
from cqpilot.dossiers.tests.factories import (
    CandidatFactory,
    DossierFactory,
    HabilitationFactory,
    OrganismeFactory,
)
from cqpilot.intervenants.models import College, Intervenant
from cqpilot.referentiels.tests.factories import CertificationFactory

from .factories import IntervenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def branche():
    return OrganisationFactory(nom="CPNE de la propreté")


@pytest.fixture
def gestionnaire(branche):
    return UserFactory(organisation=branche, roles=[Role.GESTIONNAIRE])


def test_the_pages_keep_the_addresses_they_had_under_the_jurys():
    assert reverse("intervenants:intervenant_list") == "/jurys/intervenants/"
    assert reverse("intervenants:intervenant_create") == "/jurys/intervenants/nouveau/"
    assert reverse("intervenants:intervenant_candidats", args=[7]) == (
        "/jurys/intervenants/7/candidats-suivis/"
    )


def test_a_manager_records_a_person_and_the_ofs_he_works_for(client, branche, gestionnaire):
    certification = CertificationFactory(certificateurs=[branche])
    of = HabilitationFactory(certification=certification).organisme
    client.force_login(gestionnaire)

    response = client.post(
        reverse("intervenants:intervenant_create"),
        {
            "civilite": "madame",
            "nom": "Salah",
            "prenom": "Nadia",
            "college": College.SALARIES,
            "employeur_siret": "73282932000074",
            "organismes": [of.pk],
        },
    )

    assert response.status_code == 302
    person = Intervenant.objects.get(nom="Salah")
    assert person.organisation == branche
    assert list(person.organismes.all()) == [of]
    entry = LogEntry.objects.get_for_object(person).get(action=LogEntry.Action.CREATE)
    assert (entry.content_type.app_label, entry.actor) == ("intervenants", gestionnaire)
    assert "Nadia Salah" in client.get(reverse("intervenants:intervenant_list")).text


def test_the_civilite_is_asked_of_every_new_person(client, gestionnaire):
    client.force_login(gestionnaire)
    response = client.post(
        reverse("intervenants:intervenant_create"),
        {"nom": "Garnier", "prenom": "Paul", "college": College.EMPLOYEURS},
    )

    assert response.status_code == 200
    assert "Ce champ est obligatoire" in response.text
    assert not Intervenant.objects.exists()


def test_only_the_ofs_habilitated_for_the_certifier_are_offered(client, branche, gestionnaire):
    habilitee = HabilitationFactory(certification=CertificationFactory(certificateurs=[branche]))
    autre = OrganismeFactory(nom="Organisme sans lien")
    client.force_login(gestionnaire)

    page = client.get(reverse("intervenants:intervenant_create")).text

    assert habilitee.organisme.nom in page
    assert autre.nom not in page


def test_declaring_then_withdrawing_a_candidat_suivi_is_journaled(client, branche, gestionnaire):
    person = IntervenantFactory(organisation=branche, nom="Texier")
    certification = CertificationFactory(certificateurs=[branche])
    candidat = DossierFactory(
        certification=certification, candidat=CandidatFactory(nom_naissance="Benali")
    ).candidat
    url = reverse("intervenants:intervenant_candidats", args=[person.pk])
    client.force_login(gestionnaire)

    assert "BENALI" in client.get(url, {"q": "benal"}).text
    client.post(url, {"candidat": candidat.pk})
    assert list(person.candidats_suivis.all()) == [candidat]
    client.post(url, {"candidat": candidat.pk, "action": "retirer"})
    assert not person.candidats_suivis.exists()

    m2m = [
        e.changes["candidats_suivis"]["operation"]
        for e in LogEntry.objects.get_for_object(person)
        if "candidats_suivis" in (e.changes or {})
    ]
    assert sorted(m2m) == ["add", "delete"]


def test_a_candidat_of_another_certifier_cannot_be_declared(client, branche, gestionnaire):
    person = IntervenantFactory(organisation=branche)
    elsewhere = DossierFactory().candidat
    client.force_login(gestionnaire)

    url = reverse("intervenants:intervenant_candidats", args=[person.pk])
    assert client.post(url, {"candidat": elsewhere.pk}).status_code == 404
    for tampered in ("abc", "²", "9" * 30):
        assert client.post(url, {"candidat": tampered}).status_code == 404
    assert not person.candidats_suivis.exists()


def test_another_certifier_sees_none_of_these_people(client, branche):
    person = IntervenantFactory(organisation=branche, nom="Roussel")
    client.force_login(UserFactory(roles=[Role.GESTIONNAIRE]))

    assert "Roussel" not in client.get(reverse("intervenants:intervenant_list")).text
    for name in ("intervenant_edit", "intervenant_candidats"):
        assert client.get(reverse(f"intervenants:{name}", args=[person.pk])).status_code == 404


def test_an_evaluateur_does_not_manage_the_people(client, branche):
    client.force_login(UserFactory(organisation=branche, roles=[Role.EVALUATEUR]))

    assert client.get(reverse("intervenants:intervenant_list")).status_code == 403
    assert client.get(reverse("intervenants:intervenant_create")).status_code == 403


def test_the_list_runs_a_constant_number_of_queries(
    client, branche, gestionnaire, django_assert_num_queries
):
    of = OrganismeFactory()
    IntervenantFactory(organisation=branche, organismes=[of])
    client.force_login(gestionnaire)
    url = reverse("intervenants:intervenant_list")
    client.get(url)
    with django_assert_num_queries(6) as first:
        client.get(url)
    for _ in range(5):
        IntervenantFactory(organisation=branche, organismes=[of, OrganismeFactory()])
    with django_assert_num_queries(len(first)):
        client.get(url)
