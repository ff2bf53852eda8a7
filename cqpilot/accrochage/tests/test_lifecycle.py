"""A passage's statuses follow the CDC's answers only: deposits, withdrawals, which file a report
answers, and never a loop."""

import importlib
import io
from pathlib import Path

import pytest
from django.apps import apps

from cqpilot.accrochage.depots import build_files, correct, due, ensure_passages, record_report
from cqpilot.accrochage.lifecycle import TRANSITIONS, Event, next_status, next_step
from cqpilot.accrochage.models import FichierAccrochage, PassageAccrochage, PassageStatus
from cqpilot.accrochage.rapport import RapportError, parse_rapport
from cqpilot.delivrance.services import cancel

from .factories import deposits, report

pytestmark = pytest.mark.django_db
REFERENCE = Path(__file__).resolve().parent / "data"  # the CDC's own files: data/PROVENANCE.md
UNKNOWN = "Passage inconnu"
NOBODY = "Aucun titulaire ne correspond aux critères obligatoires"


def accepted(d):
    """Everything deposited and accepted by the CDC; returns the file."""
    [fichier] = build_files(d.organisation, due(d.organisation), by=d.gestionnaire)
    ids = list(fichier.passages.values_list("id_technique", flat=True))
    record_report(fichier, parse_rapport(report(fichier, ok=ids)))
    return fichier


def withdrawal_of_benali(d):
    accepted(d)
    cancel(d.parchemin, "Erreur de titulaire", by=d.gestionnaire)
    ensure_passages(d.organisation)
    benali = d.passage(d.parchemin)
    [suppression] = build_files(d.organisation, [benali], by=d.gestionnaire, action="SUPPRESSION")
    return benali, suppression


def status(passage) -> str:
    passage.refresh_from_db()
    return passage.status


# --- Withdrawals ----------------------------------------------------------------------------------


def test_a_withdrawal_file_waits_for_the_cdc_before_the_passage_counts_as_withdrawn():
    d = deposits()

    benali, _suppression = withdrawal_of_benali(d)

    assert status(benali) == PassageStatus.RETRAIT_DEPOSE


def test_a_withdrawal_the_cdc_accepted_stays_withdrawn_for_good():
    d = deposits()
    benali, suppression = withdrawal_of_benali(d)

    record_report(suppression, parse_rapport(report(suppression, ok=[benali.id_technique])))
    ensure_passages(d.organisation)  # every visit of « À accrocher »
    ensure_passages(d.organisation)

    assert status(benali) == PassageStatus.RETIRE
    assert not due(d.organisation).exists()


def test_a_withdrawal_the_cdc_refused_says_why_and_what_to_do():
    d = deposits()
    benali, suppression = withdrawal_of_benali(d)

    record_report(
        suppression, parse_rapport(report(suppression, ko={benali.id_technique: UNKNOWN}))
    )
    ensure_passages(d.organisation)

    assert status(benali) == PassageStatus.RETRAIT_REFUSE
    assert benali.message_cdc == UNKNOWN
    assert "ne figure pas au passeport de compétences" in next_step(benali)


def test_a_withdrawal_file_rejected_whole_is_a_refused_withdrawal_to_deposit_again():
    d = deposits()
    benali, suppression = withdrawal_of_benali(d)

    record_report(
        suppression,
        parse_rapport(report(nom_fichier=suppression.download_name, file_errors=["Balise"])),
    )
    assert status(benali) == PassageStatus.RETRAIT_REFUSE
    assert benali.message_cdc.startswith("Fichier rejeté : XSD")
    [again] = build_files(d.organisation, [benali], by=d.gestionnaire, action="SUPPRESSION")

    assert list(again.passages.all()) == [benali]
    assert status(benali) == PassageStatus.RETRAIT_DEPOSE


def test_a_document_cancelled_before_reaching_the_cdc_has_nothing_to_withdraw():
    d = deposits()

    cancel(d.parchemin, "Erreur de titulaire", by=d.gestionnaire)
    ensure_passages(d.organisation)

    assert status(d.passage(d.parchemin)) == PassageStatus.SANS_OBJET


def test_a_corrected_passage_cancelled_before_its_new_deposit_is_withdrawn():
    """The CDC still holds the version it accepted before the correction."""
    d = deposits()
    accepted(d)
    benali = d.passage(d.parchemin)
    correct(benali)

    cancel(d.parchemin, "Erreur de titulaire", by=d.gestionnaire)
    ensure_passages(d.organisation)

    assert status(benali) == PassageStatus.A_RETIRER


def test_a_passage_cancelled_while_its_deposit_awaits_the_report_follows_the_report():
    d = deposits()
    [fichier] = build_files(d.organisation, due(d.organisation), by=d.gestionnaire)
    cancel(d.parchemin, "Erreur", by=d.gestionnaire)
    cancel(d.attestation, "Erreur", by=d.gestionnaire)
    ensure_passages(d.organisation)
    benali, durand = d.passage(d.parchemin), d.passage(d.attestation, "BC01")
    assert (status(benali), status(durand)) == (PassageStatus.A_RETIRER, PassageStatus.A_RETIRER)

    record_report(
        fichier,
        parse_rapport(report(fichier, ok=[benali.id_technique], ko={durand.id_technique: NOBODY})),
    )

    # Benali is at the CDC: still to withdraw; Durand never reached it: nothing to withdraw.
    assert (status(benali), status(durand)) == (PassageStatus.A_RETIRER, PassageStatus.SANS_OBJET)


def test_no_event_takes_a_settled_withdrawal_back():
    for settled in (PassageStatus.RETIRE, PassageStatus.SANS_OBJET):
        assert {
            next_status(settled, event, correction=False)
            for event in Event
            if (settled, event) in TRANSITIONS
        } <= {settled}


def test_every_status_but_the_settled_ones_has_a_way_forward():
    for value in PassageStatus.values:
        if value not in (PassageStatus.RETIRE, PassageStatus.SANS_OBJET):
            assert any(
                source == value and target != value
                for (source, _event), target in TRANSITIONS.items()
            ), value


# --- Which file a report answers -----------------------------------------------------------------


def test_a_whole_file_rejection_is_matched_by_the_name_of_the_file():
    d = deposits()
    [fichier] = build_files(d.organisation, due(d.organisation), by=d.gestionnaire)

    counts = record_report(
        fichier, parse_rapport(report(nom_fichier=fichier.download_name, file_errors=["Balise"]))
    )

    assert counts == {"acceptes": 0, "rejetes": 3, "inchanges": 0}
    assert set(fichier.passages.values_list("status", flat=True)) == {PassageStatus.REJETE}


def test_a_whole_file_rejection_of_another_file_is_refused_and_changes_nothing():
    d = deposits()
    fichier = accepted(d)

    with pytest.raises(RapportError) as refused:
        record_report(
            fichier,
            parse_rapport(
                io.BytesIO((REFERENCE / "accuse-traitement-fichier-rejete.xml").read_bytes())
            ),
        )

    assert str(refused.value) == (
        "Cet accusé répond au fichier pix-cpf-export-20231016-223357_002.xml, pas à celui-ci "
        f"({fichier.download_name})."
    )
    assert set(fichier.passages.values_list("status", flat=True)) == {PassageStatus.ACCEPTE}


def test_a_report_that_names_no_file_is_refused():
    d = deposits()
    [fichier] = build_files(d.organisation, due(d.organisation), by=d.gestionnaire)

    with pytest.raises(RapportError, match="ne nomme pas le fichier"):
        record_report(fichier, parse_rapport(report(file_errors=["Balise"])))


def test_the_file_name_matches_whatever_the_browser_added_to_it():
    d = deposits()
    [fichier] = build_files(d.organisation, due(d.organisation), by=d.gestionnaire)
    renamed = f"C:\\Dépôts\\{fichier.id_flux.lower()} (1).XML"

    record_report(fichier, parse_rapport(report(nom_fichier=renamed, file_errors=["Balise"])))

    assert set(fichier.passages.values_list("status", flat=True)) == {PassageStatus.REJETE}


def test_a_report_never_downgrades_a_passage_its_own_file_already_had_accepted():
    d = deposits()
    fichier = accepted(d)

    counts = record_report(
        fichier, parse_rapport(report(nom_fichier=fichier.download_name, file_errors=["Balise"]))
    )

    assert counts == {"acceptes": 0, "rejetes": 0, "inchanges": 3}
    assert set(fichier.passages.values_list("status", flat=True)) == {PassageStatus.ACCEPTE}


def test_a_report_never_downgrades_a_passage_a_later_file_settled():
    d = deposits()
    [first] = build_files(d.organisation, due(d.organisation), by=d.gestionnaire)
    rejection = report(nom_fichier=first.download_name, file_errors=["Balise"]).getvalue()
    record_report(first, parse_rapport(io.BytesIO(rejection)))
    [again] = build_files(d.organisation, first.passages.all(), by=d.gestionnaire)
    ids = list(again.passages.values_list("id_technique", flat=True))
    record_report(again, parse_rapport(report(again, ok=ids)))

    # The first file's report, brought back a second time.
    record_report(first, parse_rapport(io.BytesIO(rejection)))

    assert set(first.passages.values_list("status", flat=True)) == {PassageStatus.ACCEPTE}
    assert not first.passages.filter(status=PassageStatus.REJETE).exists()


def test_the_migration_puts_each_passage_where_the_cdc_answers_left_it():
    d = deposits()
    benali, durand, durand_bc03 = (
        d.passage(d.parchemin),
        d.passage(d.attestation, "BC01"),
        d.passage(d.attestation, "BC03"),
    )

    def withdrawal(n: int, rapport: dict | None) -> FichierAccrochage:
        return FichierAccrochage.objects.create(
            organisation=d.organisation, id_flux=f"CQPILOT-RETRAIT-{n}", action="SUPPRESSION",
            version_schema="2026", fichier=f"accrochage/r{n}.xml", nombre=1, taille=1,
            rapport=rapport,
        )  # fmt: skip

    accepted_back = withdrawal(1, {"accepted": [benali.id_technique], "rejected": {}})
    refused = withdrawal(2, {"accepted": [], "rejected": {durand.id_technique: UNKNOWN}})
    # what the old code left: the accepted withdrawal back to « à retirer », the refused one
    # « Retiré », a document cancelled before any deposit « Retiré » too
    PassageAccrochage.objects.filter(pk=benali.pk).update(
        status="a_retirer", last_file=accepted_back
    )
    PassageAccrochage.objects.filter(pk=durand.pk).update(status="retire", last_file=refused)
    PassageAccrochage.objects.filter(pk=durand_bc03.pk).update(status="retire")
    migration = importlib.import_module("cqpilot.accrochage.migrations.0003_passage_lifecycle")

    migration.replay_withdrawals(apps, None)

    assert (status(benali), status(durand), status(durand_bc03)) == (
        PassageStatus.RETIRE,
        PassageStatus.RETRAIT_REFUSE,
        PassageStatus.SANS_OBJET,
    )
    assert durand.message_cdc == UNKNOWN
