"""A certifier deposits its holders, reads the CDC's answers and withdraws a cancelled document:
every status on the page is the one the CDC's latest answer leaves."""

import pytest
from playwright.sync_api import expect

from cqpilot.accrochage.models import FichierAccrochage, PassageAccrochage
from cqpilot.conftest import log_in
from cqpilot.delivrance.services import cancel

from .factories import deposits, report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_deposit_rejection_correction_acceptance_then_withdrawal(page, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    d = deposits("2026")
    d.gestionnaire.username = "karim"
    d.gestionnaire.save()
    ids = sorted(PassageAccrochage.objects.values_list("id_technique", flat=True))
    log_in(page, "karim")
    page.get_by_role("link", name="Accrochage").click()
    passages = page.locator("#passages tbody tr")
    expect(passages).to_have_count(3)
    expect(passages.filter(has_text="DURAND")).to_have_count(2)
    expect(passages.filter(has_text="bloc BC03")).to_have_count(1)

    def upload(fichier: FichierAccrochage, content: bytes) -> None:
        path = tmp_path / f"accuse-{fichier.pk}.xml"
        path.write_bytes(content)
        page.get_by_label(f"Accusé de traitement de {fichier.id_flux}").set_input_files(str(path))
        page.get_by_role("button", name=f"Enregistrer l'accusé de {fichier.id_flux}").click()

    # The deposit, downloaded (its NIRs ask for the password again) and rejected whole.
    page.get_by_role("button", name="Produire le fichier de tous les passages à déposer").click()
    expect(page.get_by_text("1 fichier prêt à déposer (3 passages)")).to_be_visible()
    first = FichierAccrochage.objects.get()
    page.get_by_role("link", name=first.id_flux).click()
    page.get_by_label("Mot de passe").fill("motdepasse-solide-2026")
    with page.expect_download() as download:
        page.get_by_role("button", name="Confirmer").click()
    deposited_as = download.value.suggested_filename
    page.goto("/accrochage/")
    upload(first, report(nom_fichier=deposited_as, file_errors=["Balise mal fermée"]).getvalue())
    expect(page.get_by_text("Accusé enregistré : 0 passage accepté, 3 rejetés.")).to_be_visible()
    expect(passages.filter(has_text="Rejeté : Fichier rejeté : XSD")).to_have_count(3)

    # Corrected (the candidate's record is dossiers' own page), deposited again, accepted.
    durand = d.attestation.dossier.candidat
    durand.prenom1 = "Marie-Claire"
    durand.save()
    page.get_by_role("button", name="Redéposer seulement les rejetés").click()
    expect(page.get_by_text("1 fichier prêt à déposer (3 passages)")).to_be_visible()
    again = FichierAccrochage.objects.exclude(pk=first.pk).get()
    assert sorted(again.passages.values_list("id_technique", flat=True)) == ids
    upload(again, report(again, ok=ids).getvalue())
    expect(page.get_by_text("Accusé enregistré : 3 passages acceptés, 0 rejeté.")).to_be_visible()
    expect(passages.filter(has_text="Accepté")).to_have_count(3)

    # Benali's parchemin cancelled: withdrawn, and withdrawn for good once the CDC accepts.
    cancel(d.parchemin, "Erreur de titulaire", by=d.gestionnaire)
    page.reload()
    counters = page.locator(".tableau-bord")
    expect(counters).to_contain_text("1 à retirer")
    page.get_by_role("button", name="Retirer les passages des documents annulés").click()
    expect(passages.filter(has_text="BENALI")).to_contain_text(
        "Retrait déposé, en attente de l'accusé"
    )
    suppression = FichierAccrochage.objects.get(action="SUPPRESSION")
    benali = d.passage(d.parchemin).id_technique
    upload(suppression, report(suppression, ok=[benali]).getvalue())
    expect(
        page.get_by_text("Accusé enregistré : 1 retrait accepté, 0 retrait refusé.")
    ).to_be_visible()
    page.reload()
    expect(passages).to_have_count(2)  # settled: out of the list of what remains to do
    expect(counters).not_to_contain_text("à retirer")
    page.get_by_label("Statut").select_option(label="Retiré (retrait accepté)")
    expect(passages.filter(has_text="BENALI")).to_have_count(1)
