"""A recours in the browser: the candidate contests his result from his espace, the
gestionnaire finds it on his « À faire » home and records the outcome, the candidate reads it."""

import pytest
from playwright.sync_api import expect

from cqpilot.conftest import log_in
from cqpilot.core.tests.factories import UserFactory
from cqpilot.delivrance.tests.factories import signed_jury

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_candidate_files_a_recours_and_reads_the_outcome_the_gestionnaire_recorded(page):
    s = signed_jury()  # signed today: the recours is open for 2 months
    candidat = s.jury.deliberations.get(dossier__candidat__nom_naissance="Nguyen").dossier.candidat
    candidat.compte = UserFactory(username="nguyen", organisation=None, roles=[])
    candidat.save(update_fields=["compte"])

    log_in(page, "nguyen")
    motifs = page.get_by_label("Contester cette décision", exact=False)
    expect(motifs).to_be_visible()
    motifs.fill("La grille d'évaluation de BC02 n'a pas été appliquée.")
    page.get_by_role("button", name="Former un recours").click()
    expect(page.get_by_text("Votre recours est enregistré")).to_be_visible()
    expect(page.get_by_text("en cours d'instruction par le certificateur")).to_be_visible()
    expect(page.get_by_role("button", name="Former un recours")).to_have_count(0)
    page.get_by_role("button", name="Se déconnecter").click()

    log_in(page, s.gestionnaire.username)
    page.get_by_role("link", name="1 recours à instruire").click()
    page.locator("table a").first.click()
    expect(
        page.get_by_text("La grille d'évaluation de BC02 n'a pas été appliquée.")
    ).to_be_visible()
    page.get_by_label("Décision du jury maintenue").check()
    page.get_by_label("Motivation (le candidat la lira)").fill("Les épreuves sont régulières.")
    page.get_by_role("button", name="Enregistrer l'issue").click()
    expect(page.get_by_text("Issue du recours enregistrée")).to_be_visible()
    expect(page.get_by_role("button", name="Enregistrer l'issue")).to_have_count(0)
    page.get_by_role("button", name="Se déconnecter").click()

    log_in(page, "nguyen")
    expect(page.get_by_text("Décision du jury maintenue")).to_be_visible()
    expect(page.get_by_text("Les épreuves sont régulières.")).to_be_visible()
