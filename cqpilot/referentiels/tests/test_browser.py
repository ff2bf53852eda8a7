"""A gestionnaire describes a CQP in the browser, publishes it, and can no longer change it; another
branch cannot take it over by importing its fiche."""

import re

import pytest
from playwright.sync_api import expect

from cqpilot.conftest import log_in
from cqpilot.core.tests.factories import gestionnaire
from cqpilot.referentiels.models import Certification, CertificationStatus, VersionStatus

from . import factories
from .factories import CertificationFactory, rncp_export, rncp_fiche

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _add_bloc(page, code: str, intitule: str, epreuve: str) -> None:
    page.get_by_role("link", name="Ajouter un bloc").click()
    page.get_by_label("Code").fill(code)
    page.get_by_label("Intitulé").fill(intitule)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name=f"{code} — {intitule}")).to_be_visible()
    bloc = page.locator(
        "section.bloc", has=page.get_by_role("heading", name=f"{code} — {intitule}")
    )
    bloc.get_by_role("link", name="Ajouter une modalité d'évaluation").click()
    page.get_by_label("Type").select_option(label="Mise en situation professionnelle")
    page.get_by_label("Intitulé").fill(epreuve)
    page.get_by_label("Durée (minutes)").fill("120")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text(epreuve)).to_be_visible()


def test_gestionnaire_creates_publishes_and_cannot_edit_a_referentiel(page):
    user = gestionnaire(username="karim")
    log_in(page, "karim")

    page.get_by_role("link", name="Certifications").first.click()
    page.get_by_role("link", name="Nouvelle certification").click()
    page.get_by_label("Intitulé").fill("CQP Conducteur de ligne de conditionnement")
    page.get_by_label("Type").select_option("CQP")
    page.get_by_label("Code RNCP ou RS").fill("RNCP38777")
    page.get_by_label("Niveau de qualification").select_option("NIV3")
    page.get_by_label("Codes NSF").fill("250")
    page.get_by_role("button", name="Enregistrer").click()
    expect(
        page.get_by_role("heading", name="CQP Conducteur de ligne de conditionnement")
    ).to_be_visible()

    page.get_by_role("button", name="Commencer une version vide").click()
    expect(page.get_by_role("heading", name=re.compile("Référentiel — version 1"))).to_be_visible()
    _add_bloc(
        page, "RNCP38777BC01", "Préparer et régler la ligne", "Réglage d'une ligne en atelier"
    )
    _add_bloc(
        page, "RNCP38777BC02", "Conduire la ligne et contrôler la qualité", "Conduite de ligne"
    )

    page.get_by_role("button", name="Publier la version").click()
    expect(
        page.get_by_text("Version 1 publiée : elle ne pourra plus être modifiée.")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Ajouter un bloc")).to_have_count(0)
    expect(page.get_by_role("link", name="Modifier le bloc")).to_have_count(0)

    certification = Certification.objects.get(code_rncp_rs="RNCP38777")
    version = certification.versions.get()
    assert version.status == VersionStatus.PUBLIEE
    assert version.published_by == user
    assert [b.code for b in version.blocs.all()] == ["RNCP38777BC01", "RNCP38777BC02"]

    # Typing the edit address by hand does not help either.
    bloc = version.blocs.first()
    page.goto(f"/certifications/versions/{version.pk}/bloc/{bloc.pk}/")
    expect(
        page.get_by_text("Cette version est publiée : elle ne peut plus être modifiée.")
    ).to_be_visible()
    page.goto(f"/certifications/versions/{version.pk}/bloc/nouveau/")
    expect(
        page.get_by_text("Cette version est publiée : elle ne peut plus être modifiée.")
    ).to_be_visible()
    assert version.blocs.count() == 2

    page.screenshot(path="/tmp/cqpilot-version-publiee.png", full_page=True)


def test_commerce_importing_a_fiche_of_the_metallurgie_sees_the_refusal_naming_the_owner(
    page, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    CertificationFactory(
        code_rncp_rs="RNCP39912",
        intitule="CQP Technicien de maintenance industrielle",
        status=CertificationStatus.ACTIVE,
        certificateurs=[factories.metallurgie()],
    )
    gestionnaire(username="elodie", organisation=factories.commerce())
    export = tmp_path / "export_fiches_RNCP_V4_1.xml"
    export.write_bytes(rncp_export(rncp_fiche("RNCP39912", "CQP repris")))
    log_in(page, "elodie")

    page.get_by_role("link", name="Certifications").first.click()
    page.get_by_role("link", name="Importer depuis France compétences").click()
    page.get_by_label("Export France compétences (XML ou zip)").set_input_files(str(export))
    page.get_by_role("button", name="Vérifier le fichier").click()

    expect(page.get_by_text("Échoué, rien n'a été enregistré.")).to_be_visible()
    expect(
        page.get_by_role("row", name=re.compile("RNCP39912")).get_by_text(
            "La fiche RNCP39912 est celle d'une certification de CPNE de la Métallurgie : "
            "vous ne pouvez pas la modifier."
        )
    ).to_be_visible()
    expect(page.get_by_role("button", name="Confirmer l'import")).to_have_count(0)
    certification = Certification.objects.get(code_rncp_rs="RNCP39912")
    assert certification.intitule == "CQP Technicien de maintenance industrielle"
    assert [o.nom for o in certification.certificateurs.all()] == ["CPNE de la Métallurgie"]
    page.screenshot(path="/tmp/cqpilot-import-refuse.png", full_page=True)
