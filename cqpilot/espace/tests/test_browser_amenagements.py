"""An aménagement d'épreuves in the browser: the candidate asks for it from his espace with a
supporting document, the gestionnaire finds it on his « À faire » home and decides, the
évaluateur reads the granted measure on his grid, the candidate reads the decision."""

import pytest
from playwright.sync_api import expect

from cqpilot.conftest import log_in
from cqpilot.core.tests.factories import UserFactory
from cqpilot.evaluations.services import assign, enrol
from cqpilot.evaluations.tests.factories import evaluation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_candidate_requests_the_gestionnaire_decides_and_the_evaluateur_reads_it(
    page, tmp_path
):
    e = evaluation()
    enrol(e.session, e.dossiers, by=e.gestionnaire)
    epreuve = e.session.epreuves.get(modalite__bloc__code="BC02")
    assign(epreuve, e.evaluateur)
    candidat = e.dossiers[0].candidat
    candidat.compte = UserFactory(username="benali", organisation=None, roles=[])
    candidat.save(update_fields=["compte"])
    avis = tmp_path / "avis-medical.pdf"
    avis.write_bytes(b"%PDF-1.4 avis du medecin")

    log_in(page, "benali")
    page.get_by_role("link", name="Demander un aménagement des épreuves").click()
    page.get_by_label("Tiers-temps").check()
    page.get_by_label("Assistance humaine (secrétaire, lecteur)").check()
    page.get_by_label("Votre besoin").fill("Dyslexie : lecture lente des consignes.")
    page.get_by_label("Justificatif", exact=False).set_input_files(str(avis))
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_text("Demande d'aménagement envoyée")).to_be_visible()
    expect(page.get_by_text("en attente de la décision du certificateur")).to_be_visible()
    page.get_by_role("button", name="Se déconnecter").click()

    log_in(page, e.gestionnaire.username)
    page.get_by_role("link", name="1 aménagement à décider").click()
    page.locator("table a").first.click()
    expect(page.get_by_text("Dyslexie : lecture lente des consignes.")).to_be_visible()
    page.get_by_label("Accordé partiellement").check()
    page.get_by_label("Assistance humaine (secrétaire, lecteur)").uncheck()
    page.get_by_label("Précisions pour l'organisateur et les évaluateurs").fill("temps majoré 1/3")
    page.get_by_label("Motivation").fill("Un lecteur n'est pas nécessaire pour cet écrit.")
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.get_by_text("Décision enregistrée")).to_be_visible()
    page.goto(f"/evaluations/{e.session.pk}/")
    expect(page.get_by_text("Tiers-temps (temps majoré 1/3)")).to_be_visible()
    page.get_by_role("button", name="Se déconnecter").click()

    log_in(page, e.evaluateur.user.username)
    page.goto(f"/evaluations/epreuves/{epreuve.pk}/saisie/")
    expect(page.get_by_text("Tiers-temps (temps majoré 1/3)")).to_be_visible()
    expect(page.get_by_text("Dyslexie")).to_have_count(0)
    page.screenshot(path="/tmp/cqpilot-amenagement-grille.png", full_page=True)
    page.get_by_role("button", name="Se déconnecter").click()

    log_in(page, "benali")
    expect(page.get_by_text("accordé partiellement")).to_be_visible()
    expect(page.get_by_text("Un lecteur n'est pas nécessaire pour cet écrit.")).to_be_visible()
    expect(
        page.get_by_role("link", name="Faire une nouvelle demande d'aménagement des épreuves")
    ).to_be_visible()
    page.screenshot(path="/tmp/cqpilot-amenagement-espace.png", full_page=True)
