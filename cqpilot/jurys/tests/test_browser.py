"""A full jury in the browser: three decisions, a refused closing, a recusal, the signed PV."""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from cqpilot.conftest import log_in
from cqpilot.jurys.models import Intervenant

from .factories import scenario

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def decide(page, nom: str, results: list[str], decision: str, preconisations: str = "") -> None:
    page.get_by_role("link", name=f"Délibérer : {nom} Marie").click()
    card = page.locator("form.deliberation-row", has_text=nom)
    for bloc, result in zip(["BC01", "BC02", "BC03"], results, strict=True):
        card.get_by_role("group", name=f"{bloc} — Bloc {bloc}").get_by_label(
            result, exact=True
        ).check()
    card.get_by_label("Décision").select_option(label=decision)
    if preconisations:
        card.get_by_label("Préconisations").fill(preconisations)
    card.get_by_role("button", name=f"Enregistrer la décision de {nom}").click()
    expect(
        page.locator("form.deliberation-row", has_text=nom).get_by_text("Décision enregistrée.")
    ).to_be_visible()


def test_a_full_jury_from_deliberation_to_the_signed_pv(page):
    s = scenario()
    trainer = Intervenant.objects.get(nom="Texier")
    trainer.organismes.set([s.of])  # he trains the candidates' OF: recused for all three

    log_in(page, s.gestionnaire.username)
    page.get_by_role("link", name="Jurys").first.click()
    page.get_by_role("link", name="20/11/2026").click()
    expect(page.locator("#composition")).to_contain_text("Composition régulière")
    page.get_by_role("button", name="Ouvrir la délibération").click()
    expect(page.get_by_text("Délibération ouverte.")).to_be_visible()

    page.get_by_role("link", name="Délibérer").click()
    decide(page, "BENALI", ["Validé", "Validé", "Validé"], "Validation totale")
    decide(page, "DURAND", ["Validé", "Non validé", "Validé"], "Validation partielle",
           "Nouvelle mise en situation sur le bloc BC02.")  # fmt: skip
    decide(page, "NGUYEN", ["Non validé", "Non validé", "Non validé"], "Non validé")
    benali = page.locator("form.deliberation-row", has_text="BENALI")
    expect(benali).to_contain_text("Texier récusé(e) : intervient pour l'organisme de formation")
    expect(benali).to_contain_text("3 pour, 0 contre sur 3. Adoptée.")
    page.screenshot(path="/tmp/cqpilot-deliberation.png", full_page=True)

    benali.get_by_role("link", name="Détail des votes de BENALI").click()
    expect(page.get_by_role("row", name="Dominique Texier")).to_contain_text("Récusé(e)")
    expect(page.get_by_label("Vote de Dominique Texier")).to_have_count(0)
    expect(page.get_by_label("Vote de Dominique Salah")).to_have_value("pour")

    page.get_by_role("link", name="Jury du 20/11/2026").click()
    for name in ("Salah", "Texier"):
        page.get_by_role("button", name=f"Marquer absent : Dominique {name}").click()
    expect(page.locator("#composition")).to_contain_text("Collège salariés : 0 membre présent")
    page.get_by_role("button", name="Clore le jury et produire le PV").click()
    expect(page.get_by_role("alert").or_(page.locator(".message-error")).first).to_contain_text(
        "Le jury ne peut pas être clos. Collège salariés : 0 membre présent, 1 requis."
    )
    for name in ("Salah", "Texier"):
        page.get_by_role("button", name=f"Marquer présent : Dominique {name}").click()
    page.get_by_role("button", name="Clore le jury et produire le PV").click()
    expect(page.get_by_text("projet non signé")).to_be_visible()

    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, s.president.username)
    page.get_by_role("link", name="Jurys").first.click()
    page.get_by_role("link", name="20/11/2026").click()
    page.get_by_role("button", name="Signer le PV (président)").click()
    # signing asks for the password again, then comes back to the jury
    expect(page.get_by_role("heading", name="Confirmer votre identité")).to_be_visible()
    page.get_by_label("Mot de passe").fill("motdepasse-solide-2026")
    page.get_by_role("button", name="Confirmer").click()
    expect(page.get_by_text("Identité confirmée")).to_be_visible()
    page.get_by_role("button", name="Signer le PV (président)").click()
    expect(page.get_by_text("PV signé. Empreinte SHA-256")).to_be_visible()
    pv = s.jury.pvs.get()
    expect(page.locator("code.sha")).to_have_text(pv.sha256)
    page.screenshot(path="/tmp/cqpilot-jury-signe.png", full_page=True)

    pdf = page.request.get(f"/jurys/{s.jury.pk}/pv/v1.pdf")
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages).split()
    )
    for expected in ("BENALI Marie", "Validation totale", "DURAND Marie", "Validation partielle",
                     "Nouvelle mise en situation sur le bloc BC02.", "NGUYEN Marie", "Non validé",
                     "Texier ne délibère pas pour", "Signé électroniquement"):  # fmt: skip
        assert expected in text

    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, s.gestionnaire.username)
    page.goto(f"/jurys/{s.jury.pk}/deliberation/")
    expect(page.get_by_text("lecture seule")).to_be_visible()
    expect(page.get_by_role("button", name="Enregistrer la décision de BENALI")).to_have_count(0)
    deliberation = s.jury.deliberations.get(dossier__candidat__nom_naissance="Nguyen")
    forged = page.request.post(
        f"/jurys/{s.jury.pk}/deliberation/{deliberation.pk}/",
        form={"revision": str(deliberation.revision), "decision": "totale"},
        headers={
            "X-CSRFToken": next(
                c["value"] for c in page.context.cookies() if c["name"] == "csrftoken"
            ),
            "HX-Request": "true",
        },
    )
    assert "Le PV est signé : le jury est verrouillé." in forged.text()
    deliberation.refresh_from_db()
    assert deliberation.decision == "non_valide"
