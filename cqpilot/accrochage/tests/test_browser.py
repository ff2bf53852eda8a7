"""A certifier turns a spreadsheet of holders into a file the CDC accepts, then reads its answer."""

import pytest
from playwright.sync_api import expect

from cqpilot.accrochage.flux import read_flux
from cqpilot.accrochage.models import FluxAutonome
from cqpilot.accrochage.schema import schema_errors
from cqpilot.conftest import log_in
from cqpilot.core.tests.factories import gestionnaire

from .test_rapport import report_for
from .test_standalone import holder, xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_see_errors_fix_and_download_a_valid_file(page, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    gestionnaire(username="karim")
    rows = [holder(i) for i in range(20)]
    rows[3]["Sexe"] = "X"
    rows[9]["Date de délivrance"] = "31/02/2026"
    rows[15]["Type de VAE"] = "Congé VAE"
    faulty = tmp_path / "titulaires.xlsx"
    faulty.write_bytes(xlsx(rows).getvalue())
    fixed = tmp_path / "titulaires-corriges.xlsx"
    fixed.write_bytes(xlsx([holder(i) for i in range(20)]).getvalue())

    log_in(page, "karim")
    page.get_by_role("link", name="Accrochage").click()
    page.get_by_role("link", name="Outil autonome (à partir d'un tableur)").click()

    def submit(path):
        page.get_by_label("Fichier des titulaires (xlsx ou csv)").set_input_files(str(path))
        page.get_by_label("Identifiant client CDC").fill("AB123CDE")
        page.get_by_label("Numéro de contrat CDC").fill("2560080000127J")
        page.get_by_role("button", name="Vérifier et produire le fichier XML").click()

    submit(faulty)
    errors = page.locator("#erreurs li")
    expect(errors).to_have_count(3)
    expect(errors.nth(0)).to_have_text(
        "Ligne 5, Sexe : « X » n'est pas une valeur possible (Homme ; Femme)."
    )
    expect(errors.nth(1)).to_have_text("Ligne 11, Date de délivrance : le 31/02/2026 n'existe pas.")
    expect(errors.nth(2)).to_have_text(
        "Ligne 17, Type de VAE : le type de VAE ne s'indique que pour la voie d'accès VAE."
    )

    submit(fixed)
    expect(page.get_by_text("20 passages en 1 fichier conforme au schéma")).to_be_visible()
    flux = FluxAutonome.objects.get()
    with page.expect_download() as download:
        page.get_by_role("link", name=f"{flux.id_flux}.xml").click()
    saved = tmp_path / "flux.xml"
    download.value.save_as(saved)
    assert schema_errors(saved) == []

    # The CDC answers: two holders rejected, the others accepted.
    ids = [p.id_technique for _ref, p in read_flux(saved)]
    report = tmp_path / "accuse.xml"
    report.write_bytes(
        report_for(
            flux,
            ok=ids[2:],
            ko={i: "Aucun titulaire ne correspond aux critères obligatoires" for i in ids[:2]},
        )
    )
    page.get_by_role("link", name="Enregistrer l'accusé").click()
    page.get_by_label("Accusé de traitement de la Caisse des Dépôts (XML)").set_input_files(
        str(report)
    )
    page.get_by_role("button", name="Enregistrer l'accusé de traitement").click()
    expect(page.get_by_text("18 acceptés, 2 rejetés.")).to_be_visible()
    expect(page.locator("#statuts tbody tr")).to_have_count(20)
    expect(page.locator("#statuts tbody tr").filter(has_text="Rejeté")).to_have_count(2)
