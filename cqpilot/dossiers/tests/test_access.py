"""The stored access to candidates always equals the rule, whatever was changed."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cqpilot.core.tests.factories import OrganisationFactory, gestionnaire
from cqpilot.dossiers.access import expected_acces
from cqpilot.dossiers.models import Candidat, CandidatAcces

from .factories import CandidatFactory, DossierFactory, OrganismeFactory

pytestmark = pytest.mark.django_db


def assert_in_sync():
    ids = list(Candidat.objects.values_list("pk", flat=True))
    stored = set(CandidatAcces.objects.values_list("candidat", "organisation"))
    assert stored == expected_acces(ids)


def test_the_registering_organisation_sees_its_candidate():
    organisme = OrganismeFactory()
    candidat = CandidatFactory(created_by_organisation=organisme)
    assert set(CandidatAcces.objects.values_list("candidat", "organisation")) == {
        (candidat.pk, organisme.pk)
    }


def test_a_dossier_grants_its_organisme_and_the_certifiers():
    dossier = DossierFactory(organisme=OrganismeFactory())
    owners = set(dossier.certification.certificateurs.values_list("pk", flat=True))
    assert set(
        CandidatAcces.objects.filter(candidat=dossier.candidat).values_list(
            "organisation", flat=True
        )
    ) == {
        dossier.organisme_id,
        *owners,
    }
    assert_in_sync()


def test_moving_a_dossier_to_another_organisme_revokes_the_first_one():
    first, second = OrganismeFactory(), OrganismeFactory()
    dossier = DossierFactory(organisme=first)
    dossier.organisme = second
    dossier.save()
    organisations = set(CandidatAcces.objects.values_list("organisation", flat=True))
    assert first.pk not in organisations and second.pk in organisations
    assert_in_sync()


def test_a_new_certificateur_sees_existing_candidates_and_a_removed_one_no_longer():
    dossier = DossierFactory()
    certification = dossier.certification
    newcomer = OrganisationFactory()
    certification.certificateurs.add(newcomer)
    assert CandidatAcces.objects.filter(organisation=newcomer, candidat=dossier.candidat).exists()
    certification.certificateurs.remove(newcomer)
    assert not CandidatAcces.objects.filter(organisation=newcomer).exists()
    certification.certificateurs.clear()
    assert_in_sync()


def test_an_organisation_leaving_all_its_certifications_loses_their_candidates():
    dossier = DossierFactory()
    owner = dossier.certification.certificateurs.get()
    owner.certifications.clear()
    assert not CandidatAcces.objects.filter(organisation=owner).exists()
    assert_in_sync()


def test_deleting_a_dossier_revokes_what_it_granted():
    dossier = DossierFactory(organisme=OrganismeFactory())
    dossier.transitions.all().delete()
    dossier.delete()
    assert not CandidatAcces.objects.exists()
    assert_in_sync()


def test_a_state_change_does_not_recompute_access():
    dossier = DossierFactory()
    dossier.state = "inscrit"
    with CaptureQueriesContext(connection) as queries:
        dossier.save(update_fields=["state"])
    assert not [q for q in queries if "candidatacces" in q["sql"].lower()]


def test_the_rebuild_command_repairs_a_table_changed_behind_cqpilot(capsys):
    dossier = DossierFactory(organisme=OrganismeFactory())
    CandidatAcces.objects.all().delete()
    CandidatAcces.objects.create(candidat=dossier.candidat, organisation=OrganisationFactory())
    call_command("recalculer_acces")
    assert "Accès recalculés : 2 autorisations." in capsys.readouterr().out  # the OF, the certifier
    assert_in_sync()


def test_visibility_follows_the_table():
    dossier = DossierFactory()
    certifier = gestionnaire(organisation=dossier.certification.certificateurs.get())
    assert list(Candidat.objects.visible_to(certifier)) == [dossier.candidat]
    stranger = gestionnaire()
    assert not Candidat.objects.visible_to(stranger).exists()


def test_a_bulk_import_grants_what_its_rows_imply(settings):
    from .test_import import import_candidats, person, published_habilitation, xlsx

    habilitation = published_habilitation()
    from cqpilot.core.models import Role
    from cqpilot.core.tests.factories import UserFactory

    user = UserFactory(organisation=habilitation.organisme, roles=[Role.ORGANISME_FORMATION])
    record = import_candidats(xlsx([person(i, "RNCP39912") for i in range(3)]), "c.xlsx", by=user)
    assert record.committed
    assert CandidatAcces.objects.count() == 6  # the OF and the certifier, for 3 candidates
    assert_in_sync()
