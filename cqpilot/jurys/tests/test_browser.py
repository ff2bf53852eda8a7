"""A whole jury in the browser: a recusal that breaks parity and the member who withdraws to
restore it, an expert without a vote, unanimity and detailed votes, the president's and the
secretary's signatures, and the PV's real counts and per-candidate composition."""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from cqpilot.conftest import log_in
from cqpilot.core.models import Role
from cqpilot.core.tests.factories import UserFactory
from cqpilot.intervenants.models import Civilite
from cqpilot.jurys.models import ReglesJury, SignaturesPV

from .factories import expert, scenario

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "motdepasse-solide-2026"


def card(page, nom):
    return page.locator("form.deliberation-row", has_text=nom)


def decide(page, nom, results, decision, *, unanimite=True):
    page.get_by_role("link", name=f"Délibérer : {nom} Marie").click()
    row = card(page, nom)
    for bloc, result in zip(["BC01", "BC02", "BC03"], results, strict=True):
        row.get_by_role("group", name=f"{bloc} — Bloc {bloc}").get_by_label(
            result, exact=True
        ).check()
    row.get_by_label("Décision").select_option(label=decision)
    if not unanimite:
        row.get_by_label("Adoptée à l'unanimité").uncheck()
    row.get_by_role("button", name=f"Enregistrer la décision de {nom}").click()


def open_jury(page):
    page.get_by_role("link", name="Jurys").first.click()
    page.get_by_role("link", name="20/11/2026").click()


def sign_as(page, username, qualite):
    """Log in, open the jury, confirm the password, then sign on the confirmation page."""
    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, username)
    open_jury(page)
    page.get_by_role("link", name="Signer le PV").click()
    expect(page.get_by_role("heading", name="Confirmer votre identité")).to_be_visible()
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Confirmer").click()
    expect(
        page.get_by_text(f"Vous signez le PV version 1 en qualité de {qualite}.")
    ).to_be_visible()
    page.get_by_role("button", name="Signer le PV").click()


def pdf_text(page, url):
    body = page.request.get(url).body()
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages).split())


def test_a_whole_jury_from_the_recusal_to_the_pv_signed_by_president_and_secretary(page):
    s = scenario(2)
    ReglesJury.objects.create(
        certification=s.certification, signatures_pv=SignaturesPV.PRESIDENT_SECRETAIRE
    )
    expert(s)  # Paul Vasseur, without voix délibérative
    people = {
        m.intervenant.nom: m.intervenant for m in s.jury.membres.select_related("intervenant")
    }
    people["Prési"].civilite = Civilite.MADAME
    people["Prési"].save()
    secretary = UserFactory(organisation=s.branche, roles=[Role.MEMBRE_JURY])
    people["Salah"].civilite, people["Salah"].user = Civilite.MONSIEUR, secretary
    people["Salah"].save()
    people["Texier"].candidats_suivis.set([s.dossiers[0].candidat])  # he tutored Benali

    log_in(page, s.gestionnaire.username)
    open_jury(page)
    page.get_by_role("button", name="Désigner secrétaire de séance : Dominique Salah").click()
    expect(page.get_by_text("Dominique Salah est secrétaire de séance.")).to_be_visible()
    page.get_by_role("button", name="Ouvrir la délibération").click()
    expect(page.get_by_text("Délibération ouverte.")).to_be_visible()
    page.get_by_role("link", name="Délibérer").click()

    # Texier recused for Benali: 2 employeurs and 1 salarié, the decision is refused
    decide(page, "BENALI", ["Validé"] * 3, "Validation totale")
    expect(card(page, "BENALI").get_by_role("alert")).to_contain_text(
        "Composition irrégulière pour BENALI Marie : Parité non respectée : 2 employeurs et "
        "1 salarié présents."
    )
    card(page, "BENALI").get_by_role("link", name="Détail des votes de BENALI").click()
    expect(page.get_by_role("row", name="Paul Vasseur")).to_contain_text(
        "Expert, sans voix délibérative"
    )
    expect(page.get_by_label("Vote de Paul Vasseur")).to_have_count(0)
    page.get_by_label("Membre").select_option(label="Dominique Garnier")
    page.get_by_label("Motif").fill("Se retire pour rétablir la parité")
    page.get_by_role("button", name="Récuser").click()
    expect(page.get_by_text("Dominique Garnier ne délibère pas pour ce candidat.")).to_be_visible()

    page.get_by_role("link", name="Délibération", exact=True).click()
    decide(page, "BENALI", ["Validé"] * 3, "Validation totale")
    expect(card(page, "BENALI")).to_contain_text("Décision enregistrée.")
    expect(card(page, "BENALI")).to_contain_text("Adoptée à l'unanimité des 2 votants")
    expect(card(page, "BENALI")).to_contain_text("2 pour, 0 contre sur 2. Adoptée.")

    # Durand: the four voting members vote one by one, the expert has no vote
    decide(page, "DURAND", ["Validé", "Non validé", "Validé"], "Validation partielle",
           unanimite=False)  # fmt: skip
    expect(card(page, "DURAND")).to_contain_text("Vote non enregistré.")
    card(page, "DURAND").get_by_role("link", name="Détail des votes de DURAND").click()
    for nom, vote in [("Anne Prési", "Pour"), ("Dominique Salah", "Pour"),
                      ("Dominique Garnier", "Contre"), ("Dominique Texier", "Pour")]:  # fmt: skip
        page.get_by_label(f"Vote de {nom}").select_option(label=vote)
    page.get_by_role("button", name="Enregistrer les votes").click()
    expect(page.get_by_text("Votes enregistrés.")).to_be_visible()
    expect(page.locator("section.deliberation-item", has_text="DURAND")).to_contain_text(
        "3 pour, 1 contre sur 4. Adoptée."
    )

    page.get_by_role("link", name="Jury du 20/11/2026").click()
    page.get_by_role("button", name="Clore le jury et produire le PV").click()
    expect(page.get_by_text("projet non signé")).to_be_visible()
    signatures = page.locator("ul.signatures")
    expect(signatures).to_contain_text("Anne Prési, présidente du jury : en attente")
    expect(signatures).to_contain_text("Dominique Salah, secrétaire de séance : en attente")

    sign_as(page, s.president.username, "présidente du jury")
    expect(page.get_by_text("Signature enregistrée. Le PV attend encore : Dominique Salah.")).to_be_visible()  # fmt: skip
    expect(page.locator("ul.signatures")).to_contain_text(
        "Anne Prési, présidente du jury : signé le"
    )

    sign_as(page, secretary.username, "secrétaire de séance")
    expect(page.get_by_text("PV signé. Empreinte SHA-256")).to_be_visible()
    expect(page.get_by_role("heading", name="Jurys paritaires")).to_be_visible()  # no longer his
    pv = s.jury.pvs.get()
    expect(page.get_by_text(f"PV signé. Empreinte SHA-256 : {pv.sha256}")).to_be_visible()

    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, s.gestionnaire.username)
    open_jury(page)
    expect(page.locator("code.sha")).to_have_text(pv.sha256)
    text = pdf_text(page, f"/jurys/{s.jury.pk}/pv/v1.pdf")
    for expected in (
        "Paul Vasseur Hors collège (expert, personne qualifiée) Expert(e) (sans voix délibérative)",
        "Dominique Texier ne délibère pas pour BENALI Marie : a formé, tutoré ou accompagné",
        "BENALI Marie — 2 membres votants (1 employeur, 1 salarié) : composition régulière ; "
        "récusé(e)s : Dominique Garnier, Dominique Texier.",
        "DURAND Marie — 4 membres votants (2 employeurs, 2 salariés) : composition régulière.",
        "2 pour, 0 contre sur 2.",
        "3 pour, 1 contre sur 4.",
        "Signé électroniquement dans cqpilot par Anne Prési, présidente du jury, le",
        "Signé électroniquement dans cqpilot par Dominique Salah, secrétaire de séance, le",
    ):
        assert expected in text, expected
    assert "PROJET" not in text
    page.screenshot(path="/tmp/cqpilot-jury-signe.png", full_page=True)

    # the signed jury is locked, even to a forged request
    page.goto(f"/jurys/{s.jury.pk}/deliberation/")
    expect(page.get_by_text("lecture seule")).to_be_visible()
    durand = s.jury.deliberations.get(dossier__candidat__nom_naissance="Durand")
    forged = page.request.post(
        f"/jurys/{s.jury.pk}/deliberation/{durand.pk}/",
        form={"revision": str(durand.revision), "decision": "totale"},
        headers={
            "X-CSRFToken": next(
                c["value"] for c in page.context.cookies() if c["name"] == "csrftoken"
            ),
            "HX-Request": "true",
        },
    )
    assert "Le PV est signé : le jury est verrouillé." in forged.text()
    durand.refresh_from_db()
    assert durand.decision == "partielle"
