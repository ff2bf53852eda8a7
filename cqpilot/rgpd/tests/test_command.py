import pytest
from django.core.management import call_command

from cqpilot.dossiers.models import Candidat, DossierState
from cqpilot.rgpd.models import PurgeRun

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
