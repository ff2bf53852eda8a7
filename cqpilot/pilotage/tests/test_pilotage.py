"""The dashboard's figures, hand-computed on a small jury, and its exports."""

import io
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from cqpilot.accrochage.depots import build_files, due, ensure_passages, record_report
from cqpilot.accrochage.models import (
    FichierAccrochage,
    PassageAccrochage,
    PassageStatus,
    ReglagesAccrochage,
)
from cqpilot.accrochage.rapport import parse_rapport
from cqpilot.accrochage.tests.factories import deposits, report
from cqpilot.delivrance.models import DocumentDelivre
from cqpilot.delivrance.services import a_delivrer, cancel, issue_all
from cqpilot.delivrance.tests.factories import signed_jury
from cqpilot.dossiers.models import Dossier, DossierTransition
from cqpilot.dossiers.tests.factories import DossierFactory
from cqpilot.pilotage.stats import dashboard

pytestmark = pytest.mark.django_db


def figures():
    """Benali certified, Durand partial, Nguyen refused (jury of 20/11/2026, enrolled on
    02/03/2026), documents issued on 25/11/2026; a fourth candidate abandoned."""
    s = signed_jury()
    issue_all(a_delivrer(s.jury), by=s.gestionnaire, on=date(2026, 11, 25))
    # Benali's parchemin deposited on 07/12/2026 and accepted: 12 days after delivery.
    ReglagesAccrochage.objects.create(organisation=s.branche, id_client="CPNE0001", id_contrat="C1")
    ensure_passages(s.branche)
    benali = PassageAccrochage.objects.get(bloc=None)
    [fichier] = build_files(s.branche, [benali], by=s.gestionnaire)
    FichierAccrochage.objects.filter(pk=fichier.pk).update(
        created_at=datetime(2026, 12, 7, 10, tzinfo=UTC)
    )
    PassageAccrochage.objects.filter(pk=benali.pk).update(status="accepte")
    quitter = DossierFactory(
        certification=s.certification, version=s.version, organisme=s.of, state="abandon"
    )
    DossierTransition.objects.create(
        dossier=quitter, from_state="en_formation", to_state="abandon", by=s.gestionnaire,
        motif="Reconversion",
    )  # fmt: skip
    return s, {t.slug: t for t in dashboard(s.certification, 2026)}


def test_the_summary_and_the_breakdowns_are_those_computed_by_hand():
    _s, tables = figures()

    assert tables["synthese"].rows == [
        ["Inscrits", 4],
        ["Présentés au jury", 3],
        ["Certifiés (validation totale)", 1],
        ["Validations partielles", 1],
        ["Non validés", 1],
        ["Abandons", 1],
        ["Taux de réussite (%)", 33.3],
    ]
    assert tables["voies"].rows == [
        ["Formation continue — contrat de professionnalisation", 4, 3, 1, 1, 1, 33.3]
    ]
    assert tables["organismes"].rows == [["Formapro Sud", 4, 3, 1, 1, 1, 33.3]]
    assert tables["jurys"].rows == [["Jury du 20/11/2026", 3, 1, 1, 1, 33.3]]
    assert tables["blocs"].rows == [
        ["BC01", "Bloc BC01", 3, 2, 66.7],
        ["BC02", "Bloc BC02", 3, 1, 33.3],
        ["BC03", "Bloc BC03", 3, 2, 66.7],
    ]
    assert tables["delais"].rows == [
        ["Inscription → jury", 3, 263.0],
        ["Jury → délivrance", 2, 5.0],
        ["Délivrance → dépôt accepté par la Caisse des Dépôts", 1, 12.0],
    ]


def test_a_date_recorded_before_its_start_never_makes_a_negative_delay():
    """Dates entered before the rules held them in order (an issuance dated before its jury,
    an enrolment after it, a deposit before the issuance) are left out of the means."""
    s, _tables = figures()
    DocumentDelivre.objects.filter(dossier__candidat__nom_naissance="Benali").update(
        date_delivrance=date(2026, 11, 10)
    )
    Dossier.objects.filter(candidat__nom_naissance="Durand").update(
        date_inscription=date(2026, 12, 1)
    )

    tables = {t.slug: t for t in dashboard(s.certification, 2026)}

    assert tables["delais"].rows == [
        ["Inscription → jury", 2, 263.0],
        ["Jury → délivrance", 1, 5.0],
        ["Délivrance → dépôt accepté par la Caisse des Dépôts", 1, 27.0],
    ]
    DocumentDelivre.objects.update(date_delivrance=date(2026, 12, 20))
    tables = {t.slug: t for t in dashboard(s.certification, 2026)}
    assert tables["delais"].rows[2] == [
        "Délivrance → dépôt accepté par la Caisse des Dépôts",
        0,
        None,
    ]


def test_the_page_costs_the_same_queries_whatever_the_volume(client):
    s, _ = figures()
    client.force_login(s.gestionnaire)
    url = reverse("pilotage:tableau_de_bord")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"annee": 2026}).status_code == 200
        return len(queries)

    before = count()
    for _ in range(5):
        DossierFactory(certification=s.certification, version=s.version, organisme=s.of)
    assert count() == before


def test_exports_neutralise_formulas(client):
    s, _ = figures()
    s.of.nom = '=HYPERLINK("http://pirate.exemple")'
    s.of.save()
    client.force_login(s.gestionnaire)
    url = reverse("pilotage:tableau_de_bord")

    csv = client.get(url, {"annee": 2026, "export": "csv", "tableau": "organismes"})
    header, line = csv.content.decode("utf-8-sig").splitlines()
    assert header.startswith("Organisme;Inscrits;Présentés")
    assert line == '"\'=HYPERLINK(""http://pirate.exemple"")";4;3;1;1;1;33,3'  # French Excel
    workbook = load_workbook(io.BytesIO(client.get(url, {"annee": 2026, "export": "xlsx"}).content))
    assert workbook["Par organisme de formation"]["A2"].value.startswith("'=HYPERLINK")
    assert workbook.sheetnames[0] == "Synthèse 2026"


def test_a_year_typed_in_the_address_never_breaks_the_page(client):
    s, _ = figures()
    client.force_login(s.gestionnaire)
    url = reverse("pilotage:tableau_de_bord")

    for annee in ["deux mille", "99999999", "-5", "2026"]:
        assert client.get(url, {"annee": annee}).status_code == 200


def test_the_passages_to_withdraw_are_counted_as_on_the_accrochage_page(client):
    """Documents cancelled after their holders were accepted by the CDC: their passages are
    counted « À retirer » without waiting for a visit of « À accrocher »."""
    d = deposits()
    [fichier] = build_files(d.organisation, due(d.organisation), by=d.gestionnaire)
    ids = list(fichier.passages.values_list("id_technique", flat=True))
    record_report(fichier, parse_rapport(report(fichier, ok=ids)))
    cancel(d.parchemin, "Erreur de titulaire", by=d.gestionnaire)
    cancel(d.attestation, "Erreur de titulaire", by=d.gestionnaire)
    client.force_login(d.gestionnaire)

    response = client.get(
        reverse("pilotage:tableau_de_bord"), {"certification": d.certification.pk, "annee": 2026}
    )
    page = client.get(reverse("accrochage:a_accrocher"))

    counted = dict({t.slug: t for t in response.context["tables"]}["accrochage"].rows)
    assert counted[PassageStatus.A_RETIRER.label] == page.context["counts"]["a_retirer"] == 3
