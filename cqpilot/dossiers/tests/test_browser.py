"""An OF imports its candidates in the browser, fixes its file, and never sees another OF's."""

import pytest
from playwright.sync_api import expect

from cqpilot.conftest import log_in
from cqpilot.core.models import Role
from cqpilot.core.tests.factories import UserFactory
from cqpilot.dossiers.models import Dossier

from .factories import CandidatFactory, DossierFactory, HabilitationFactory
from .test_import import faulty_file, person, published_habilitation, xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_organisme_imports_fixes_and_stays_in_its_own_scope(page, tmp_path):
    habilitation = published_habilitation()
    UserFactory(
        username="formatech", organisation=habilitation.organisme, roles=[Role.ORGANISME_FORMATION]
    )
    other = HabilitationFactory(certification=habilitation.certification)
    stranger = DossierFactory(
        certification=other.certification,
        organisme=other.organisme,
        candidat=CandidatFactory(nom_naissance="Inconnu", prenom1="Secret"),
    )
    faulty = tmp_path / "candidats.xlsx"
    faulty.write_bytes(xlsx(faulty_file()).getvalue())
    fixed = tmp_path / "candidats-corrige.xlsx"
    fixed.write_bytes(xlsx([person(i, "RNCP39912") for i in range(30)]).getvalue())

    log_in(page, "formatech")
    page.get_by_role("link", name="Candidats").first.click()
    page.get_by_role("link", name="Importer un fichier").click()
    page.get_by_label("Fichier des candidats (xlsx ou csv)").set_input_files(str(faulty))
    page.get_by_role("button", name="Vérifier et importer").click()
    expect(page.get_by_text("Rien n'a été enregistré.")).to_be_visible()
    errors = page.locator("ul.error li")
    expect(errors).to_have_count(5)
    expect(errors.first).to_have_text(
        "Ligne 5, Sexe : « X » n'est pas une valeur possible (Homme ; Femme)."
    )
    assert Dossier.objects.filter(organisme=habilitation.organisme).count() == 0

    page.get_by_role("link", name="Importer un autre fichier").click()
    page.get_by_label("Fichier des candidats (xlsx ou csv)").set_input_files(str(fixed))
    page.get_by_role("button", name="Vérifier et importer").click()
    expect(
        page.get_by_text("Import enregistré : 30 candidats et 30 dossiers créés.")
    ).to_be_visible()
    page.screenshot(path="/tmp/cqpilot-import-ok.png", full_page=True)

    page.get_by_role("link", name="Candidats").first.click()
    expect(page.get_by_text("30 résultats")).to_be_visible()
    expect(page.get_by_text("INCONNU")).to_have_count(0)
    page.get_by_label("Rechercher").fill("Inconnu")
    expect(page.get_by_text("0 résultat")).to_be_visible()

    for url in (f"/candidats/{stranger.candidat.pk}/", f"/dossiers/{stranger.pk}/"):
        response = page.goto(url)
        assert response.status == 404
        expect(page.get_by_text("Secret")).to_have_count(0)
