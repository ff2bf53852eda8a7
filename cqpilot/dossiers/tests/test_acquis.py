"""Blocs already acquired are carried over to a new dossier while they are valid."""

from datetime import date

import pytest
from django.urls import reverse

from cqpilot.core.tests.factories import gestionnaire
from cqpilot.dossiers.acquis import add_months, carried_over
from cqpilot.dossiers.models import AcquisSource, BlocAcquis
from cqpilot.referentiels.models import CorrespondanceBloc, VersionStatus
from cqpilot.referentiels.tests.factories import BlocFactory, CertificationFactory, VersionFactory

from .factories import CandidatFactory, DossierFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)


def published_version(certification, numero, codes):
    version = VersionFactory(certification=certification, numero=numero)
    blocs = [BlocFactory(version=version, code=code) for code in codes]
    version.status = VersionStatus.PUBLIEE
    version.save()
    return version, blocs


def acquire(candidat, bloc, day):
    return BlocAcquis.objects.create(
        candidat=candidat, bloc=bloc, source=AcquisSource.JURY, date_obtention=day
    )


def test_a_bloc_acquired_in_an_earlier_version_is_carried_over():
    certification = CertificationFactory()
    _v1, (old_bc01, _old_bc02) = published_version(certification, 1, ["BC01", "BC02"])
    v2, (bc01, _bc02, _bc03) = published_version(certification, 2, ["BC01", "BC02", "BC03"])
    candidat = CandidatFactory()
    acquire(candidat, old_bc01, date(2019, 6, 1))
    [report] = carried_over(candidat, v2, on=TODAY)
    assert (report.bloc, report.valid_until, report.via_correspondance) == (bc01, None, False)


def test_an_acquired_bloc_expires_after_the_certification_validity_period():
    certification = CertificationFactory(validite_blocs_mois=60)
    version, (bc01,) = published_version(certification, 1, ["BC01"])
    candidat = CandidatFactory()
    acquire(candidat, bc01, date(2021, 11, 24))
    assert carried_over(candidat, version, on=date(2026, 11, 24))[0].valid_until == date(
        2026, 11, 24
    )
    assert carried_over(candidat, version, on=date(2026, 11, 25)) == []


def test_a_bloc_obtained_after_the_day_asked_about_was_not_held_that_day():
    """A parchemin issued late lists the blocs held on its jury's day, not one a later jury gave."""
    certification = CertificationFactory()
    version, (bc01,) = published_version(certification, 1, ["BC01"])
    candidat = CandidatFactory()
    acquire(candidat, bc01, date(2026, 12, 10))

    assert carried_over(candidat, version, on=date(2026, 12, 9)) == []
    assert [r.bloc for r in carried_over(candidat, version, on=date(2026, 12, 10))] == [bc01]


def test_a_bloc_of_another_certification_counts_only_through_a_correspondance():
    _other, (other_bloc,) = published_version(
        CertificationFactory(code_rncp_rs="RNCP31114"), 1, ["RNCP31114BC01"]
    )
    target = VersionFactory()
    bloc = BlocFactory(version=target, code="RNCP37674BC01")
    candidat = CandidatFactory()
    acquire(candidat, other_bloc, date(2024, 1, 15))
    assert carried_over(candidat, target, on=TODAY) == []
    CorrespondanceBloc.objects.create(
        bloc=bloc, fiche_cible="RNCP31114", code_bloc_cible="RNCP31114BC01"
    )
    [report] = carried_over(candidat, target, on=TODAY)
    assert (report.bloc, report.via_correspondance) == (bloc, True)


def test_months_are_added_calendar_wise():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2021, 11, 30), 60) == date(2026, 11, 30)


def test_the_certifier_records_an_equivalence_and_the_dossier_shows_it(client):
    certification = CertificationFactory()
    version, (bc01, _bc02) = published_version(certification, 1, ["BC01", "BC02"])
    user = gestionnaire(organisation=certification.certificateurs.get())
    dossier = DossierFactory(certification=certification, version=version)
    client.force_login(user)
    client.post(
        reverse("dossiers:equivalence_add", args=[dossier.candidat.pk]),
        {"bloc": bc01.pk, "date_obtention": "2025-06-30", "commentaire": "Titre professionnel"},
    )
    assert BlocAcquis.objects.get().source == AcquisSource.EQUIVALENCE
    page = client.get(reverse("dossiers:dossier_detail", args=[dossier.pk])).text
    assert "BC01" in page and "équivalence du 30/06/2025" in page and "définitivement" in page
