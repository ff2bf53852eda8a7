"""A VAE candidacy under the reform, end to end in the browser (issue 18's acceptance): the
candidate files her demande de recevabilité from her espace; the certifier's gestionnaire asks
for a missing pièce, which she reads in her espace, declares the demande complete and decides it
recevable with the gap analysis per bloc and a recommendation; she downloads the letter; the
gestionnaire files the livret 2 and reads the jury's deadline; the jury, unbalanced and with her
accompanist among its members, is refused under D6412-6 until its presences are fixed; it decides
per bloc; once the PV is signed, the gestionnaire notifies the result and nothing is left « à
notifier ».

The jury and its members are set up through factories and services, its PV closed and signed
through the services the pages call (as the espace's browser journey does); every other step is
clicked by the person who takes it."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from cqpilot.conftest import log_in
from cqpilot.core.models import Role
from cqpilot.core.pdf import pdf_text
from cqpilot.core.tests.factories import UserFactory
from cqpilot.dossiers.acquis import add_months
from cqpilot.dossiers.models import DossierState
from cqpilot.intervenants.models import Civilite, College
from cqpilot.intervenants.tests.factories import IntervenantFactory
from cqpilot.jurys.models import Decision, RoleJury
from cqpilot.jurys.pv import close, sign
from cqpilot.jurys.services import add_membre, set_presence
from cqpilot.jurys.tests.factories import JuryFactory
from cqpilot.vae.models import DemandeRecevabilite, NotificationResultatVae, StatutDemande

from .factories import candidate, vae_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "motdepasse-solide-2026"
D6412 = "(art. D6412-6 du code du travail)"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def as_user(browser, live_server):
    """Signs a user in, in a browser context of their own; the contexts are closed at the end,
    so that the live server's threads let go of their (persistent) database connections and
    PostgreSQL's test database can be dropped."""
    contexts = []

    def sign_in(username):
        context = browser.new_context(locale="fr-FR", base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("dialog", lambda dialog: dialog.accept())
        log_in(page, username, PASSWORD)
        return page

    yield sign_in
    for context in contexts:
        context.close()


def seat_jury(w, day):
    """A paritary jury sitting `day`: its president (with an account, who signs), Karim Salah
    (who accompanied the candidate), Dominique Garnier (qualified for the certification), Marc
    Texier, and Claire Lambert, a substitute marked absent. Present: one woman, three men."""
    jury = JuryFactory(organisation=w.branche, certification=w.certification, date=day)
    president = UserFactory(organisation=w.branche, roles=[Role.MEMBRE_JURY], first_name="Anne")

    def person(prenom, nom, college, civilite, **kwargs):
        return IntervenantFactory(
            organisation=w.branche,
            prenom=prenom,
            nom=nom,
            college=college,
            civilite=civilite,
            **kwargs,
        )

    add_membre(
        jury,
        person("Anne", "Prési", College.EMPLOYEURS, Civilite.MADAME, user=president),
        RoleJury.PRESIDENT,
    )
    garnier = person("Dominique", "Garnier", College.EMPLOYEURS, Civilite.MONSIEUR)
    garnier.qualifie_pour.set([w.certification])
    for intervenant in (
        person("Karim", "Salah", College.SALARIES, Civilite.MONSIEUR),
        garnier,
        person("Marc", "Texier", College.SALARIES, Civilite.MONSIEUR),
    ):
        add_membre(jury, intervenant, RoleJury.MEMBRE)
    lambert = add_membre(
        jury, person("Claire", "Lambert", College.SALARIES, Civilite.MADAME), RoleJury.MEMBRE
    )
    set_presence(lambert, False)
    return jury, president


def test_a_vae_candidacy_from_the_espace_to_the_notified_result(as_user, tmp_path):
    w = vae_world()
    w.gestionnaire.username = "gestion.vae"
    w.gestionnaire.save()
    candidat = candidate(prenom1="Inès", nom_naissance="Morel")
    candidat.compte.username = "ines.morel"
    candidat.compte.save()
    dossier = w.dossier(candidat)
    today = timezone.localdate()

    # Inès files her demande from her espace, with her accompanist and the declaration on honour.
    ines = as_user("ines.morel")
    ines.goto("/espace/")
    expect(ines.get_by_text("Recevabilité de votre VAE")).to_be_visible()
    ines.get_by_role("link", name="Déposer ma demande de recevabilité").click()
    ines.get_by_label("Emploi ou fonction").first.fill("Agent de propreté")
    ines.get_by_label("Employeur ou structure").first.fill("Net Services")
    ines.get_by_label("Nature").first.select_option("salariee")
    ines.get_by_label("Durée (mois)").first.fill("42")
    ines.get_by_label("Accompagnateur (architecte accompagnateur de parcours)").fill("Karim Salah")
    ines.get_by_role("button", name="Déposer la demande").click()
    expect(ines.get_by_text("déclare sur l'honneur").first).to_be_visible()
    assert not DemandeRecevabilite.objects.exists()  # not without the declaration
    ines.get_by_label(re.compile("déclare sur l'honneur")).check()
    ines.get_by_role("button", name="Déposer la demande").click()
    expect(ines.get_by_text("Demande de recevabilité déposée")).to_be_visible()
    demande = DemandeRecevabilite.objects.get(dossier=dossier)
    assert demande.declaration_honneur_le == today
    assert any("gestion@exemple.fr" in m.to for m in mail.outbox)

    # The gestionnaire asks for a missing pièce; Inès reads what is missing in her espace.
    gestion = as_user("gestion.vae")
    gestion.goto(reverse("dossiers:dossier_detail", args=[dossier.pk]))
    gestion.get_by_role("link", name="Demande de recevabilité").click()
    expect(gestion.get_by_role("cell", name="Agent de propreté")).to_be_visible()
    gestion.get_by_label("Pièces manquantes").fill("Attestation d'employeur")
    gestion.get_by_role("button", name="Demander ces pièces au candidat").click()
    expect(gestion.get_by_text("Incomplète : pièces demandées").first).to_be_visible()
    ines.goto("/espace/")
    vae = ines.locator(".vae-recevabilite")
    expect(vae).to_contain_text("À compléter")
    expect(vae.get_by_role("listitem")).to_have_text(["Attestation d'employeur"])

    # Once the pièce is in, complete; then recevable, with the gap analysis and a recommendation.
    gestion.get_by_role("button", name="Déclarer complète").click()
    expect(gestion.get_by_text("jours pour décider").first).to_be_visible()
    gestion.get_by_role("link", name="Décider de la recevabilité").click()
    gestion.get_by_label("Recevable", exact=True).check()
    gestion.get_by_label("Motivation (le candidat la lira)").fill(
        "Quarante-deux mois d'expérience en rapport direct avec la certification."
    )
    gestion.get_by_label("Bloc RNCP1BC01 — Nettoyer les locaux").select_option("acquis")
    gestion.get_by_label("Bloc RNCP1BC02 — Accueillir le client").select_option("a_developper")
    gestion.get_by_label("Compétence C2 — Utiliser une monobrosse").select_option("a_developper")
    gestion.get_by_label("Recommander une formation complémentaire").check()
    gestion.get_by_label("Recommandations précisées").fill("Module accueil de la clientèle.")
    gestion.get_by_role("button", name="Enregistrer la décision").click()
    expect(gestion.get_by_text("Décision enregistrée")).to_be_visible()
    demande.refresh_from_db()
    dossier.refresh_from_db()
    assert (demande.statut, dossier.state) == (StatutDemande.RECEVABLE, DossierState.RECEVABLE)

    ines.reload()
    expect(vae).to_contain_text(f"Recevable le {today:%d/%m/%Y}")
    with ines.expect_download() as download:
        ines.get_by_role("link", name="Lettre de notification (PDF)").click()
    letter = " ".join(pdf_text(download.value.path().read_bytes()).split())
    assert "Votre demande est recevable" in letter
    assert "RNCP1BC02 — Accueillir le client À développer" in letter
    assert "Module accueil de la clientèle." in letter

    # The livret 2 is filed on the dossier's page: the jury must sit within three months.
    deadline = add_months(today, 3)
    livret = tmp_path / "livret2.pdf"
    livret.write_bytes(b"%PDF-1.4 livret 2 d'Ines Morel")
    gestion.goto(reverse("dossiers:dossier_detail", args=[dossier.pk]))
    gestion.get_by_label("Dossier de validation (livret 2)").set_input_files(livret)
    gestion.get_by_role("button", name="Déposer le dossier de validation").click()
    expect(
        gestion.get_by_text(f"le jury doit siéger au plus tard le {deadline:%d/%m/%Y}")
    ).to_be_visible()
    expect(
        gestion.get_by_text(f"Aucun jury en préparation avant le {deadline:%d/%m/%Y}")
    ).to_be_visible()

    # A jury sits today, within the deadline: the dossier's page proposes it; she is presented.
    jury, president = seat_jury(w, today)
    gestion.reload()
    expect(gestion.get_by_text("Jurys en préparation dans le délai")).to_be_visible()
    gestion.get_by_role("button", name="Présenter aux évaluations").click()
    gestion.get_by_role("link", name=f"Jury du {today:%d/%m/%Y}").click()
    gestion.get_by_label(re.compile(f"VAE : jury au plus tard le {deadline:%d/%m/%Y}")).check()
    gestion.get_by_role("button", name="Présenter au jury").click()
    expect(gestion.get_by_text("1 candidat présenté au jury")).to_be_visible()
    gestion.get_by_role("button", name="Ouvrir la délibération").click()
    expect(gestion.get_by_text("Délibération ouverte")).to_be_visible()

    # One woman and three men, her accompanist among them: D6412-6 refuses the decision.
    gestion.get_by_role("link", name="Délibérer", exact=True).click()
    summary = gestion.get_by_role("region", name=re.compile("MOREL Inès"))
    expect(summary).to_contain_text(
        f"Karim Salah a accompagné le candidat dans sa démarche de VAE : il ne peut pas siéger "
        f"pour lui {D6412}."
    )
    expect(summary).to_contain_text(
        f"Jury VAE : 1 femme et 3 hommes parmi les membres votants ; il en faut autant de "
        f"chaque {D6412}."
    )

    gestion.get_by_role("link", name="Délibérer : MOREL Inès").click()
    card = gestion.locator("form.deliberation-row")

    def decide_partially():
        card.get_by_role("group", name="RNCP1BC01 — Nettoyer les locaux").get_by_label(
            "Validé", exact=True
        ).check()
        card.get_by_role("group", name="RNCP1BC02 — Accueillir le client").get_by_label(
            "Non validé"
        ).check()
        card.get_by_label("Décision").select_option(Decision.PARTIELLE)
        card.get_by_role("button", name=re.compile("Enregistrer la décision")).click()

    decide_partially()
    expect(card.get_by_role("alert")).to_contain_text("Composition irrégulière pour MOREL")
    expect(card.get_by_role("alert")).to_contain_text("1 femme et 3 hommes")
    assert not jury.deliberations.get().decision

    # Karim Salah leaves, Claire Lambert sits: two women, two men, one qualified person.
    gestion.goto(reverse("jurys:jury_detail", args=[jury.pk]))
    gestion.get_by_role("button", name="Marquer absent : Karim Salah").click()
    gestion.get_by_role("button", name="Marquer présent : Claire Lambert").click()
    gestion.get_by_role("link", name="Délibérer", exact=True).click()
    expect(summary).not_to_contain_text("Composition irrégulière")
    gestion.get_by_role("link", name="Délibérer : MOREL Inès").click()
    decide_partially()
    expect(card.get_by_text("Décision enregistrée.")).to_be_visible()
    assert jury.deliberations.get().decision == Decision.PARTIELLE

    close(jury, by=w.gestionnaire)
    sign(jury, by=president)

    # The result is to notify within 15 days; the gestionnaire notifies it from the dossier page.
    gestion.goto("/")
    expect(gestion.get_by_text("1 résultat de jury VAE à notifier")).to_be_visible()
    gestion.goto(reverse("dossiers:dossier_detail", args=[dossier.pk]))
    limite = today + timedelta(days=15)
    expect(
        gestion.get_by_text(f"résultat à notifier avant le {limite:%d/%m/%Y} inclus")
    ).to_be_visible()
    mail.outbox.clear()
    gestion.get_by_label("Courriel de l'accompagnateur").fill("karim.salah@exemple.fr")
    gestion.get_by_role("button", name="Notifier le résultat").click()
    expect(gestion.get_by_text("Résultat notifié.")).to_be_visible()
    expect(gestion.get_by_text(f"résultat notifié le {today:%d/%m/%Y}")).to_be_visible()
    assert "à notifier" not in gestion.locator("main").inner_text()
    assert gestion.get_by_role("button", name="Notifier le résultat").count() == 0
    (message,) = mail.outbox
    assert sorted(message.to) == sorted([candidat.compte.email, "karim.salah@exemple.fr"])
    assert "RNCP1BC01 — Nettoyer les locaux" in message.body
    assert "RNCP1BC02" not in message.body
    assert NotificationResultatVae.objects.get().notifiee_le == today
    gestion.goto("/")
    assert "à notifier" not in gestion.locator("main").inner_text()
