"""The bulk writers behave like the ORM on both databases (COPY on PostgreSQL)."""

import pytest

from cqpilot.core.bulk import create_objects, insert_rows
from cqpilot.core.tests.factories import OrganisationFactory
from cqpilot.dossiers.models import Candidat, CandidatAcces

pytestmark = pytest.mark.django_db


def candidat(nom: str, nir: str = "") -> Candidat:
    return Candidat(
        nom_naissance=nom, prenom1="Léa", sexe="F", annee_naissance=1990, nir=nir, situation="autre"
    )


def test_created_objects_get_their_keys_and_read_back_equal():
    created = [candidat("N'Diaye-Lefèvre", nir="290056912300566"), candidat("Dupont\tTab")]

    create_objects(Candidat, created)

    assert all(c.pk and not c._state.adding for c in created)
    stored = Candidat.objects.get(pk=created[0].pk)
    assert (stored.nom_naissance, stored.nir, stored.created_at is not None) == (
        "N'Diaye-Lefèvre",
        "290056912300566",
        True,
    )
    assert Candidat.objects.get(pk=created[1].pk).nom_naissance == "Dupont\tTab"


def test_created_keys_do_not_collide_with_later_orm_saves():
    create_objects(Candidat, [candidat("Martin")])

    later = Candidat.objects.create(
        nom_naissance="Bernard", prenom1="Luc", sexe="M", annee_naissance=1980
    )

    assert Candidat.objects.count() == 2 and later.pk


def test_rows_already_present_are_skipped_when_conflicts_are_ignored():
    organisation = OrganisationFactory()
    first, second = candidat("Petit"), candidat("Robert")
    create_objects(Candidat, [first, second])
    CandidatAcces.objects.create(candidat=first, organisation=organisation)

    insert_rows(
        CandidatAcces._meta.db_table,
        ["candidat_id", "organisation_id"],
        [(first.pk, organisation.pk), (second.pk, organisation.pk)],
        ignore_conflicts=True,
    )

    assert set(CandidatAcces.objects.values_list("candidat", flat=True)) == {first.pk, second.pk}
