from datetime import date
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from cqpilot.accrochage.models import PassageStatus
from cqpilot.core.models import User
from cqpilot.delivrance.tests.factories import signed_jury
from cqpilot.dossiers.models import Candidat, CandidatImport, Document, Dossier, DossierState
from cqpilot.dossiers.tests.factories import OrganismeFactory
from cqpilot.jurys.models import ProcesVerbal
from cqpilot.pilotage.models import EnqueteInsertion
from cqpilot.rgpd.models import CandidatAnonymise, PurgeRun, RetentionPolicy
from cqpilot.rgpd.purge import plan, purge, scrub_import_reports

from .factories import (
    TODAY,
    certifier_and_certification,
    dossier_at,
    enquete,
    issued,
    moment,
    passage,
    piece,
)

pytestmark = pytest.mark.django_db(transaction=False)

NIR = "290056912345678"
LONG_AGO = date(2024, 6, 1)  # 30 months before TODAY: past the 2-year default
RECENTLY = date(2025, 6, 1)  # 18 months before TODAY


@pytest.fixture
def world():
    return certifier_and_certification()


def test_candidate_of_an_abandoned_dossier_is_anonymised_after_two_years(
    world, django_capture_on_commit_callbacks
):
    certifier, certification = world
    dossier = dossier_at(certification, DossierState.ABANDON, LONG_AGO)
    candidat = dossier.candidat
    Candidat.objects.filter(pk=candidat.pk).update(email="marie@exemple.fr", telephone="0601")
    candidat.refresh_from_db()
    candidat.nir = NIR
    candidat.save()
    file = Path(piece(dossier).fichier.path)

    with django_capture_on_commit_callbacks(execute=True):
        run = purge(certifier, TODAY)

    candidat.refresh_from_db()
    assert (candidat.nom_naissance, candidat.prenom1) == ("ANONYME", f"n° {candidat.pk}")
    assert (candidat.jour_naissance, candidat.mois_naissance, candidat.annee_naissance) == (
        None,
        None,
        1990,
    )
    assert candidat.nir == candidat.email == candidat.telephone == candidat.commune_naissance == ""
    assert CandidatAnonymise.objects.filter(candidat=candidat, motif="purge").exists()
    # the statistics keep the dossier: certification, access route, state, dates
    kept = Dossier.objects.get(pk=dossier.pk)
    assert (kept.certification, kept.voie_acces, kept.state) == (
        certification,
        dossier.voie_acces,
        DossierState.ABANDON,
    )
    assert not Document.objects.filter(dossier=dossier).exists()
    assert not file.exists()
    assert run.counts == {
        "candidats": 1,
        "pieces": 0,
        "nir": 0,
        "enquetes": 0,
        "rapports_import": 0,
    }


def test_an_anonymised_candidates_own_account_is_closed_and_forgets_his_name(world):
    certifier, certification = world
    candidat = dossier_at(certification, DossierState.ABANDON, LONG_AGO).candidat
    compte = User.objects.create_user(
        "marie.candidate", email="marie@exemple.fr", first_name="Marie", last_name="Durand"
    )
    compte.set_password("motdepasse-solide-2026")
    compte.save()
    Candidat.objects.filter(pk=candidat.pk).update(compte=compte)

    purge(certifier, TODAY)

    compte.refresh_from_db()
    assert not compte.is_active
    assert not compte.has_usable_password()
    assert (compte.username, compte.email, compte.first_name, compte.last_name) == (
        f"anonyme-{compte.pk}",
        "",
        "",
        "",
    )


def test_the_journal_no_longer_names_an_anonymised_candidate(world):
    certifier, certification = world
    dossier = dossier_at(certification, DossierState.ABANDON, LONG_AGO)
    name = dossier.candidat.nom_naissance
    purge(certifier, TODAY)

    entries = LogEntry.objects.filter(
        content_type__in=ContentType.objects.get_for_models(Candidat, Dossier).values()
    )
    assert entries.exists()
    assert not any(name in e.object_repr or name in str(e.changes) for e in entries)


def test_an_abandoned_dossier_is_kept_before_its_period(world):
    certifier, certification = world
    dossier = dossier_at(certification, DossierState.ABANDON, RECENTLY)
    purge(certifier, TODAY)
    assert (
        Candidat.objects.get(pk=dossier.candidat_id).nom_naissance == dossier.candidat.nom_naissance
    )


def test_the_certifier_sets_its_own_period(world):
    certifier, certification = world
    dossier = dossier_at(certification, DossierState.NON_RECEVABLE, RECENTLY)
    RetentionPolicy.objects.create(organisation=certifier, dossiers_sans_suite_mois=12)
    purge(certifier, TODAY)
    assert Candidat.objects.get(pk=dossier.candidat_id).nom_naissance == "ANONYME"


def test_a_candidate_with_another_dossier_in_progress_is_kept(world):
    certifier, certification = world
    dossier = dossier_at(certification, DossierState.ABANDON, LONG_AGO)
    dossier_at(certification, DossierState.EN_FORMATION, LONG_AGO, candidat=dossier.candidat)
    assert plan(certifier, TODAY).candidats == []


def test_another_certifiers_longer_period_keeps_the_candidate(world):
    certifier, certification = world
    dossier = dossier_at(certification, DossierState.ABANDON, LONG_AGO)
    other, other_certification = certifier_and_certification()
    RetentionPolicy.objects.create(organisation=other, dossiers_sans_suite_mois=60)
    dossier_at(other_certification, DossierState.ABANDON, LONG_AGO, candidat=dossier.candidat)
    assert plan(certifier, TODAY).candidats == []


def test_a_holder_in_the_register_is_kept_but_his_abandoned_dossiers_pieces_go(world):
    certifier, certification = world
    certified = dossier_at(certification, DossierState.CERTIFIE, RECENTLY)
    issued(certified)
    abandoned = dossier_at(
        certification, DossierState.ABANDON, LONG_AGO, candidat=certified.candidat
    )
    piece(abandoned)
    kept = piece(certified)

    run = purge(certifier, TODAY)

    assert Candidat.objects.get(pk=certified.candidat_id).nom_naissance != "ANONYME"
    assert list(Document.objects.values_list("pk", flat=True)) == [kept.pk]
    assert run.counts["candidats"] == 0 and run.counts["pieces"] == 1


def test_a_candidate_named_in_a_signed_pv_is_kept_and_the_pv_untouched():
    s = signed_jury()
    refused = Dossier.objects.get(candidat__nom_naissance="Nguyen")
    # even if his dossier later ended without follow-up, long ago
    Dossier.objects.filter(pk=refused.pk).update(
        state=DossierState.ABANDON, updated_at=moment(date(2020, 1, 1))
    )
    pv = ProcesVerbal.objects.get(jury=s.jury)
    before = (pv.sha256, Path(pv.fichier.path).read_bytes())

    purge(s.branche, TODAY)

    assert Candidat.objects.get(pk=refused.candidat_id).nom_naissance == "Nguyen"
    pv.refresh_from_db()
    assert (pv.sha256, Path(pv.fichier.path).read_bytes()) == before


def test_pieces_are_deleted_five_years_after_the_decision(world):
    certifier, certification = world
    old = dossier_at(certification, DossierState.VALIDATION_PARTIELLE, date(2021, 10, 1))
    recent = dossier_at(certification, DossierState.CERTIFIE, date(2022, 1, 1))
    piece(old)
    kept = piece(recent)
    purge(certifier, TODAY)
    assert list(Document.objects.values_list("pk", flat=True)) == [kept.pk]
    assert Candidat.objects.get(pk=old.candidat_id).nom_naissance != "ANONYME"


def _holder_with_nir(certification, status, since):
    dossier = dossier_at(certification, DossierState.CERTIFIE, date(2026, 1, 5))
    dossier.candidat.nir = NIR
    dossier.candidat.save()
    passage(issued(dossier), status, since)
    return dossier.candidat


def test_the_nir_is_cleared_three_months_after_the_cdc_accepted_the_passage(world):
    certifier, certification = world
    holder = _holder_with_nir(certification, PassageStatus.ACCEPTE, date(2026, 8, 1))
    run = purge(certifier, TODAY)
    holder.refresh_from_db()
    assert holder.nir == "" and holder.nom_naissance != "ANONYME"
    assert run.counts["nir"] == 1


@pytest.mark.parametrize(
    ("status", "since"),
    [
        (PassageStatus.ACCEPTE, date(2026, 9, 15)),  # accepted less than 3 months ago
        (PassageStatus.DEPOSE, date(2025, 1, 1)),  # the CDC has not answered
        (PassageStatus.REJETE, date(2025, 1, 1)),  # to deposit again, with the NIR
        (PassageStatus.A_DEPOSER, date(2025, 1, 1)),
    ],
)
def test_the_nir_is_kept_until_the_cdc_accepted_the_passage_long_enough(world, status, since):
    certifier, certification = world
    holder = _holder_with_nir(certification, status, since)
    purge(certifier, TODAY)
    holder.refresh_from_db()
    assert holder.nir == NIR


def test_the_nir_is_kept_while_another_dossier_is_in_progress(world):
    certifier, certification = world
    holder = _holder_with_nir(certification, PassageStatus.ACCEPTE, date(2026, 1, 1))
    dossier_at(certification, DossierState.EN_EVALUATION, date(2026, 1, 1), candidat=holder)
    purge(certifier, TODAY)
    holder.refresh_from_db()
    assert holder.nir == NIR


def test_survey_answers_lose_their_email_and_comment_after_three_years(world):
    certifier, certification = world
    document = issued(dossier_at(certification, DossierState.CERTIFIE, date(2022, 1, 1)))
    old = enquete(document, date(2023, 6, 1), situation="metier_vise", commentaire="Chez Dupont")
    recent = enquete(document, date(2024, 6, 1), echeance="2_ans", situation="recherche")

    run = purge(certifier, TODAY)

    old.refresh_from_db()
    assert (old.email, old.commentaire, old.situation) == ("", "", "metier_vise")
    assert EnqueteInsertion.objects.get(pk=recent.pk).email == "titulaire@exemple.fr"
    assert run.counts["enquetes"] == 1


def test_the_plan_writes_nothing(world):
    certifier, certification = world
    dossier = dossier_at(certification, DossierState.ABANDON, LONG_AGO)
    piece(dossier_at(certification, DossierState.CERTIFIE, date(2020, 1, 1)))

    due = plan(certifier, TODAY)

    assert due.counts == {
        "candidats": 1,
        "pieces": 1,
        "nir": 0,
        "enquetes": 0,
        "rapports_import": 0,
    }
    assert due.dossiers_des_candidats == [dossier.pk]
    assert Candidat.objects.get(pk=dossier.candidat_id).nom_naissance != "ANONYME"
    assert Document.objects.count() == 1
    assert not RetentionPolicy.objects.exists() and not PurgeRun.objects.exists()


def test_a_second_purge_finds_nothing_due(world):
    certifier, certification = world
    dossier = dossier_at(certification, DossierState.ABANDON, LONG_AGO)
    piece(dossier_at(certification, DossierState.CERTIFIE, date(2020, 1, 1)))
    purge(certifier, TODAY)
    assert purge(certifier, TODAY).counts == dict.fromkeys(
        ["candidats", "pieces", "nir", "enquetes", "rapports_import"], 0
    )
    assert CandidatAnonymise.objects.filter(candidat=dossier.candidat).count() == 1


def test_each_run_is_journaled_with_its_counts_only(world):
    certifier, certification = world
    dossier = dossier_at(certification, DossierState.ABANDON, LONG_AGO)
    run = purge(certifier, TODAY)
    entry = LogEntry.objects.get_for_object(run).get()
    assert "1" in str(entry.changes["counts"])
    assert dossier.candidat.nom_naissance not in str(entry.changes)


def import_report(organisation, day: date) -> CandidatImport:
    """An import whose report quotes the file's values, as the importer's messages do."""
    record = CandidatImport.objects.create(
        fichier="inscrits.xlsx",
        organisation=organisation,
        errors=["ligne 3, Date de naissance : « 31/02/1990 » n'est pas une date."],
        warnings=["ligne 4, Courriel : « marie.dupont@exemple » est incomplet."],
        error_count=1,
        lignes=4,
    )
    CandidatImport.objects.filter(pk=record.pk).update(created_at=moment(day))
    return record


def test_import_reports_quoting_candidates_are_emptied_after_the_sans_suite_period(world):
    certifier, _ = world
    old, recent = import_report(certifier, LONG_AGO), import_report(certifier, RECENTLY)
    of_old = import_report(OrganismeFactory(), LONG_AGO)

    run = purge(certifier, TODAY)

    old.refresh_from_db()
    assert (old.errors, old.warnings, old.error_count, old.lignes) == ([], [], 1, 4)
    assert run.counts["rapports_import"] == 1
    recent.refresh_from_db()
    assert recent.errors and recent.warnings
    of_old.refresh_from_db()
    assert of_old.errors  # an OF's import: emptied by scrub_import_reports, below
    assert purge(certifier, TODAY).counts["rapports_import"] == 0


def test_the_ofs_import_reports_are_emptied_after_the_default_period(world):
    of_old = import_report(OrganismeFactory(), LONG_AGO)
    of_recent = import_report(OrganismeFactory(), RECENTLY)

    assert scrub_import_reports(TODAY) == 1

    of_old.refresh_from_db()
    of_recent.refresh_from_db()
    assert of_old.errors == [] and of_recent.errors
