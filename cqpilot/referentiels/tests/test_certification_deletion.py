"""A certification created by mistake is deleted by its certifier's managers, while nothing depends
on it; the deletion is written in the journal."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from cqpilot.core.models import Role
from cqpilot.core.tests.factories import OrganisationFactory, UserFactory, gestionnaire
from cqpilot.dossiers.tests.factories import DossierFactory
from cqpilot.referentiels.models import Certification, ReferentielVersion

from .factories import CertificationFactory, complete_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client):
    user = gestionnaire()
    client.force_login(user)
    return user


@pytest.fixture
def mistake(manager):
    certification = CertificationFactory(
        intitule="CQP créé par erreur", certificateurs=[manager.organisation]
    )
    complete_version(certification=certification)
    return certification


def delete(client, certification, **kwargs):
    return client.post(
        reverse("referentiels:certification_delete", args=[certification.pk]), **kwargs
    )


def detail(client, certification) -> str:
    return client.get(reverse("referentiels:certification_detail", args=[certification.pk])).text


def test_a_manager_deletes_a_certification_created_by_mistake(client, mistake):
    response = delete(client, mistake, follow=True)
    assert response.redirect_chain[-1][0] == reverse("referentiels:certification_list")
    assert "Certification « CQP créé par erreur » supprimée." in response.text
    assert not Certification.objects.filter(pk=mistake.pk).exists()
    assert not ReferentielVersion.objects.exists()


def test_the_deletion_is_written_in_the_journal(client, manager, mistake):
    delete(client, mistake)
    entry = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Certification),
        object_pk=str(mistake.pk),
        action=LogEntry.Action.DELETE,
    )
    assert entry.actor == manager
    assert entry.object_repr == str(mistake)
    versions = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ReferentielVersion),
        action=LogEntry.Action.DELETE,
    )
    assert [v.actor for v in versions] == [manager]


def test_a_certification_with_a_dossier_is_not_deleted(client, manager):
    certification = DossierFactory(
        certification=CertificationFactory(certificateurs=[manager.organisation])
    ).certification
    response = delete(client, certification, follow=True)
    assert (
        "La certification a 1 dossier : elle ne peut plus être supprimée. Passez-la plutôt au "
        "statut « Inactive / archivée »." in response.text.replace("&#x27;", "'")
    )
    assert Certification.objects.filter(pk=certification.pk).exists()


def test_a_certification_shared_with_another_certifier_is_not_deleted_by_one_of_them(
    client, manager
):
    other = OrganisationFactory(nom="CPNE de la Métallurgie")
    certification = CertificationFactory(certificateurs=[manager.organisation, other])
    response = delete(client, certification, follow=True)
    assert (
        "La certification est aussi portée par CPNE de la Métallurgie : seul un "
        "super-administrateur peut la supprimer." in response.text
    )
    assert Certification.objects.filter(pk=certification.pk).exists()


def test_the_delete_button_shows_only_when_the_certification_can_be_deleted(
    client, manager, mistake
):
    assert "Supprimer la certification" in detail(client, mistake)
    used = DossierFactory(
        certification=CertificationFactory(certificateurs=[manager.organisation])
    ).certification
    assert "Supprimer la certification" not in detail(client, used)
    client.force_login(UserFactory(organisation=manager.organisation, roles=[Role.EVALUATEUR]))
    assert "Supprimer la certification" not in detail(client, mistake)


def test_another_organisation_gets_a_404(client, mistake):
    client.force_login(gestionnaire())
    assert delete(client, mistake).status_code == 404
    assert Certification.objects.filter(pk=mistake.pk).exists()


def test_an_evaluateur_of_the_certifier_cannot_delete(client, manager, mistake):
    client.force_login(UserFactory(organisation=manager.organisation, roles=[Role.EVALUATEUR]))
    assert delete(client, mistake).status_code == 403
    assert Certification.objects.filter(pk=mistake.pk).exists()


def test_deleting_needs_a_post(client, mistake):
    url = reverse("referentiels:certification_delete", args=[mistake.pk])
    assert client.get(url).status_code == 405


def test_a_super_administrateur_deletes_a_shared_certification(client):
    certification = CertificationFactory(
        certificateurs=[OrganisationFactory(), OrganisationFactory()]
    )
    client.force_login(UserFactory(organisation=None, is_superuser=True))
    delete(client, certification)
    assert not Certification.objects.filter(pk=certification.pk).exists()
