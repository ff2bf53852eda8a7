"""The VAE figures of a certification, hand-computed: demandes filed in the year, decisions
taken in it (tacit acceptances among the recevables), the VAE dossiers' jury outcomes, and the
mean delays complete → decision, livret 2 → jury, jury → notification; in the dashboard and,
one row per year, in the RNCP renewal pack; a constant number of queries."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from cqpilot.dossiers.models import Dossier, DossierState, VoieAcces
from cqpilot.dossiers.tests.factories import DossierFactory
from cqpilot.jurys.pv import close, sign
from cqpilot.jurys.services import open_deliberation
from cqpilot.jurys.tests.test_composition import decide
from cqpilot.jurys.tests.test_vae_composition import vae_scenario
from cqpilot.pilotage.renouvellement import pack
from cqpilot.pilotage.stats import dashboard
from cqpilot.pilotage.vae import vae_by_year
from cqpilot.vae.models import DemandeRecevabilite, StatutDemande
from cqpilot.vae.notification import notifier_resultat
from cqpilot.vae.tests.factories import at
from cqpilot.vae.validation import deposer_validation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def demande(s, deposee: date, statut: str = StatutDemande.A_INSTRUIRE, complete=None, decidee=None):
    dossier = DossierFactory(
        certification=s.certification, version=s.version, voie_acces=VoieAcces.VAE
    )
    return DemandeRecevabilite.objects.create(
        dossier=dossier,
        organisation=s.branche,
        declaration_honneur_le=deposee,
        deposee_le=deposee,
        statut=statut,
        complete_le=complete,
        decidee_le=decidee,
    )


def world():
    """Benali (VAE): demande filed 01/06/2026, complete 10/06, recevable 10/07 (30 days); livret 2
    received 02/11, jury of 20/11/2026 (18 days) validates him fully, result notified 24/11
    (4 days). Durand, on the same jury, is not VAE. In 2026 also: a demande non recevable (20
    days), a tacit acceptance (60 days), one pending; one filed in 2025."""
    s = vae_scenario()
    s.certification.vae_ouverte = True
    s.certification.save()
    benali = s.dossiers[0]
    DemandeRecevabilite.objects.filter(dossier=benali).update(
        statut=StatutDemande.RECEVABLE, complete_le=date(2026, 6, 10), decidee_le=date(2026, 7, 10)
    )
    demande(s, date(2026, 2, 15), "non_recevable", date(2026, 3, 1), date(2026, 3, 21))
    demande(s, date(2026, 1, 2), "recevable_tacite", date(2026, 1, 5), date(2026, 3, 6))
    demande(s, date(2026, 10, 1))
    demande(s, date(2025, 12, 20))
    Dossier.objects.filter(pk=benali.pk).update(state=DossierState.EN_EVALUATION)
    livret = SimpleUploadedFile("livret.pdf", b"%PDF-1.4 livret", content_type="application/pdf")
    with at(date(2026, 11, 4)):
        deposer_validation(benali, livret, by=s.gestionnaire, le=date(2026, 11, 2))
    Dossier.objects.filter(pk=benali.pk).update(state=DossierState.PRESENTE_JURY)
    with at(date(2026, 11, 20)):
        open_deliberation(s.jury, by=s.gestionnaire)
        for deliberation in s.jury.deliberations.all():
            decide(s, deliberation)
        close(s.jury, by=s.gestionnaire)
        sign(s.jury, by=s.president)
    with at(date(2026, 11, 24)):
        notifier_resultat(
            s.jury.deliberations.get(dossier=benali), by=s.gestionnaire, par_courrier=True
        )
    return s


def test_the_dashboard_gives_the_vae_figures_of_the_year(client):
    s = world()
    client.force_login(s.gestionnaire)
    page = client.get(
        reverse("pilotage:tableau_de_bord"), {"certification": s.certification.pk, "annee": 2026}
    )
    assert "VAE : recevabilité et délais" in page.text

    table = {t.slug: t for t in dashboard(s.certification, 2026)}["vae"]

    assert table.rows == [
        ["Demandes de recevabilité déposées", 4, None],
        ["Recevables (acceptations tacites comprises)", 2, None],
        ["dont acceptations tacites", 1, None],
        ["Non recevables", 1, None],
        ["Validations totales (dossiers VAE)", 1, None],
        ["Validations partielles (dossiers VAE)", 0, None],
        ["Non validés (dossiers VAE)", 0, None],
        ["Délai demande complète → décision (jours)", 3, 36.7],  # (30 + 20 + 60) / 3
        ["Délai dossier de validation (livret 2) → jury (jours)", 1, 18.0],
        ["Délai jury → notification du résultat (jours)", 1, 4.0],
    ]


def test_the_dashboard_exports_its_vae_table_to_a_sheet_named_for_it(client):
    s = world()
    client.force_login(s.gestionnaire)
    response = client.get(
        reverse("pilotage:tableau_de_bord"),
        {"certification": s.certification.pk, "annee": 2026, "export": "xlsx"},
    )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.getvalue()))
    # a colon is forbidden in a sheet's name: it became a dash
    sheet = workbook["VAE - recevabilité et délais"]
    assert sheet["A2"].value == "Demandes de recevabilité déposées"


def test_the_renewal_pack_gives_one_row_per_year(client):
    s = world()

    table = {t.slug: t for t in pack(s.certification, date(2027, 1, 15))}["vae"]

    assert table.rows == [
        [2025, 1, 0, 0, 0, 0, 0, None, None, None],
        [2026, 4, 2, 1, 1, 1, 0, 36.7, 18.0, 4.0],
    ]
    client.force_login(s.gestionnaire)
    page = client.get(reverse("pilotage:renouvellement"), {"certification": s.certification.pk})
    assert "VAE par année" in page.text


def test_a_certification_closed_to_vae_shows_no_vae_table():
    s = vae_scenario()
    assert "vae" not in {t.slug for t in dashboard(s.certification, 2026)}


def test_the_figures_cost_four_queries_whatever_the_number_of_dossiers(
    django_assert_num_queries,
):
    s = world()
    with django_assert_num_queries(4):
        vae_by_year(s.certification, [2025, 2026])
    with CaptureQueriesContext(connection) as before:
        dashboard(s.certification, 2026)
    for day in range(1, 20):
        demande(s, date(2026, 4, day), "recevable", date(2026, 4, day), date(2026, 5, day))
    with CaptureQueriesContext(connection) as after:
        dashboard(s.certification, 2026)
    assert len(after) == len(before)
