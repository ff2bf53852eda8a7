import pytest
from django.core.management import CommandError, call_command

from cqpilot.core.models import Organisation
from cqpilot.dossiers.models import Candidat, DossierState
from cqpilot.rgpd.models import PurgeRun, RetentionPolicy

from .factories import certifier_and_certification, dossier_at
from .test_purge import LONG_AGO

pytestmark = pytest.mark.django_db


def test_the_dry_run_lists_counts_and_dossier_numbers_and_changes_nothing(capsys):
    certifier, certification = certifier_and_certification()
    dossier = dossier_at(certification, DossierState.ABANDON, LONG_AGO)

    call_command("rgpd_purge", "--dry-run")

    out = capsys.readouterr().out
    assert f"{certifier} — serait purgé" in out
    assert "candidats anonymisés (dossiers sans suite) : 1" in out
    assert f"dossiers n° {dossier.pk}" in out
    assert dossier.candidat.nom_naissance not in out
    assert (
        Candidat.objects.get(pk=dossier.candidat_id).nom_naissance == dossier.candidat.nom_naissance
    )
    assert not PurgeRun.objects.exists()


def test_the_daily_run_purges_each_certifier_and_says_how_much(capsys):
    certifier, certification = certifier_and_certification()
    dossier = dossier_at(certification, DossierState.ABANDON, LONG_AGO)

    call_command("rgpd_purge")

    assert "candidats anonymisés (dossiers sans suite) : 1" in capsys.readouterr().out
    assert Candidat.objects.get(pk=dossier.candidat_id).nom_naissance == "ANONYME"
    assert PurgeRun.objects.get().organisation == certifier


def test_a_certifier_whose_purge_fails_does_not_stop_the_others_and_the_run_fails(caplog):
    broken, broken_certification = certifier_and_certification()
    healthy, certification = certifier_and_certification()
    Organisation.objects.filter(pk=broken.pk).update(nom="A — périodes corrompues")
    Organisation.objects.filter(pk=healthy.pk).update(nom="B — en ordre")
    kept = dossier_at(broken_certification, DossierState.ABANDON, LONG_AGO)
    RetentionPolicy.objects.create(organisation=broken)
    # A period no calendar can go back (a value written around the form's validation).
    RetentionPolicy.objects.filter(organisation=broken).update(dossiers_sans_suite_mois=30000)
    dossier = dossier_at(certification, DossierState.ABANDON, LONG_AGO)

    with pytest.raises(CommandError, match="1 certificateur"):
        call_command("rgpd_purge")

    assert Candidat.objects.get(pk=dossier.candidat_id).nom_naissance == "ANONYME"
    assert PurgeRun.objects.get().organisation_id == healthy.pk
    failure = next(r for r in caplog.records if r.name == "cqpilot.rgpd")
    assert failure.levelname == "ERROR" and "A — périodes corrompues" in failure.getMessage()
    assert kept.candidat.nom_naissance not in caplog.text
