"""A candidate's whole path through their espace, in the browser: invited by their OF, they set
a password, deposit a required pièce that the certifier refuses then accepts, read their
convocation, ask for an aménagement that the certifier grants, read the jury's result once the
PV is signed, download their document (here an attestation of the bloc validated: a full
validation leaves nothing to contest) and badge, and contest the decision by a recours that the
certifier decides.

What the browser cannot do in one test's time (a session's grading, a jury's votes) goes through
the same services the pages call; every step the candidate or the certifier takes about the
candidate is clicked."""

import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cqpilot.conftest import log_in
from cqpilot.core.models import Role
from cqpilot.core.tests.factories import UserFactory
from cqpilot.delivrance.models import ModeleParchemin
from cqpilot.delivrance.services import a_delivrer, issue_all
from cqpilot.dossiers.models import DocumentStatus, DossierState
from cqpilot.dossiers.tests.factories import (
    CandidatFactory,
    DossierFactory,
    HabilitationFactory,
    PieceExigeeFactory,
)
from cqpilot.evaluations.models import SessionEvaluation
from cqpilot.evaluations.services import create_session, enrol
from cqpilot.intervenants.models import College
from cqpilot.intervenants.tests.factories import IntervenantFactory
from cqpilot.jurys.deliberation import BlocSaisie, save_decision
from cqpilot.jurys.models import BlocResultat, Decision, RecoursStatus, RoleJury
from cqpilot.jurys.pv import close, sign
from cqpilot.jurys.services import add_dossiers, add_membre, open_deliberation
from cqpilot.jurys.tests.factories import JuryFactory, published_version
from cqpilot.referentiels.models import CertificationCode, CodeKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "motdepasse-solide-2026"
CANDIDATE_PASSWORD = "Un-mot-de-passe-de-candidat-2026"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world():
    habilitation = HabilitationFactory()
    certification, branche = (
        habilitation.certification,
        habilitation.certification.certificateurs.get(),
    )
    version, blocs = published_version(certification, ["BC01", "BC02"])
    certification.date_decision = date(2024, 6, 27)
    certification.date_fin_enregistrement = date(2029, 6, 27)
    certification.save()
    CertificationCode.objects.create(
        certification=certification, kind=CodeKind.NSF, code="251r", libelle="Mécanique"
    )
    dossier = DossierFactory(
        certification=certification,
        version=version,
        organisme=habilitation.organisme,
        state=DossierState.EN_FORMATION,
        candidat=CandidatFactory(
            prenom1="Léa", nom_naissance="Durand", sexe="F", email="lea.durand@exemple.fr"
        ),
    )
    piece = PieceExigeeFactory(
        certification=certification, libelle="Pièce d'identité", depot_candidat=True
    )
    return {
        "branche": branche,
        "certification": certification,
        "version": version,
        "blocs": blocs,
        "dossier": dossier,
        "piece": piece,
        "of": UserFactory(
            username="of.formatech",
            organisation=habilitation.organisme,
            roles=[Role.ORGANISME_FORMATION],
        ),
        "gestionnaire": UserFactory(
            username="gestion.branche", organisation=branche, roles=[Role.GESTIONNAIRE]
        ),
    }


def seat_members(jury):
    """A paritary jury: its president (with an account, who signs) and three members."""
    president = UserFactory(
        organisation=jury.organisation, roles=[Role.MEMBRE_JURY], first_name="Anne"
    )
    people = [
        IntervenantFactory(
            organisation=jury.organisation, nom="Prési", college=College.EMPLOYEURS, user=president
        ),
        IntervenantFactory(organisation=jury.organisation, nom="Salah", college=College.SALARIES),
        IntervenantFactory(
            organisation=jury.organisation, nom="Garnier", college=College.EMPLOYEURS
        ),
        IntervenantFactory(organisation=jury.organisation, nom="Texier", college=College.SALARIES),
    ]
    add_membre(jury, people[0], RoleJury.PRESIDENT)
    for person in people[1:]:
        add_membre(jury, person, RoleJury.MEMBRE)
    return president


@pytest.fixture
def new_page(browser, live_server):
    """A page in a browser context of its own, closed at the end: a context left open keeps
    the live server's threads and their database connections (PostgreSQL cannot drop its test
    database, SQLite's shared connection is closed from the wrong thread)."""
    contexts = []

    def make():
        context = browser.new_context(locale="fr-FR", base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("dialog", lambda dialog: dialog.accept())
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def as_user(new_page):
    def sign_in(username, password=PASSWORD):
        page = new_page()
        log_in(page, username, password)
        return page

    return sign_in


def test_a_candidate_follows_their_dossier_from_invitation_to_recours(
    as_user, new_page, world, tmp_path
):
    dossier, piece = world["dossier"], world["piece"]

    # The OF invites Léa into her espace from her candidate's page.
    of = as_user("of.formatech")
    of.goto(reverse("dossiers:candidat_detail", args=[dossier.candidat.pk]))
    of.get_by_role("link", name="Inviter le candidat dans son espace").click()
    of.get_by_label("Courriel du candidat").fill("lea.durand@exemple.fr")
    of.get_by_role("button", name="Envoyer l'invitation").click()
    of.get_by_text("Invitation envoyée à lea.durand@exemple.fr").wait_for()
    (invitation,) = [m for m in mail.outbox if m.to == ["lea.durand@exemple.fr"]]

    # Léa chooses her password from the e-mailed link, then signs in to her espace.
    lea = new_page()
    links = re.findall(r"https?://\S+", invitation.body)
    lea.goto(urlsplit(next(link for link in links if "/mot-de-passe/" in link)).path)
    lea.get_by_label(re.compile(r"^Nouveau mot de passe")).fill(CANDIDATE_PASSWORD)
    lea.get_by_label("Confirmation du nouveau mot de passe").fill(CANDIDATE_PASSWORD)
    lea.get_by_role("button", name="Enregistrer").click()
    log_in(lea, "lea.durand@exemple.fr", CANDIDATE_PASSWORD)
    lea.goto("/")
    assert urlsplit(lea.url).path == "/espace/"
    lea.get_by_role("heading", name="Bonjour Léa").wait_for()
    assert "Déposez les pièces demandées" in lea.locator("[data-next-step]").inner_text()

    # She deposits her pièce d'identité; the certifier refuses it with a reason.
    identite = tmp_path / "identite.pdf"
    identite.write_bytes(b"%PDF-1.4 carte illisible")
    lea.get_by_label("Déposer « Pièce d'identité »").set_input_files(identite)
    lea.get_by_role("button", name="Envoyer").click()
    lea.get_by_text("« Pièce d'identité » déposée").wait_for()

    certifier = as_user("gestion.branche")
    certifier.goto(reverse("dossiers:dossier_detail", args=[dossier.pk]))
    certifier.get_by_label("Motif du refus").fill("Copie illisible : scannez le recto et le verso.")
    certifier.get_by_role("button", name="Refuser").click()
    certifier.get_by_text("Copie illisible").first.wait_for()

    lea.reload()
    pieces = lea.locator(f'[data-piece="{piece.pk}"]')
    assert "Copie illisible : scannez le recto et le verso." in pieces.inner_text()
    identite.write_bytes(b"%PDF-1.4 carte lisible recto verso")
    lea.get_by_label("Déposer à nouveau « Pièce d'identité »").set_input_files(identite)
    lea.get_by_role("button", name="Envoyer").click()
    lea.get_by_text("« Pièce d'identité » déposée").wait_for()

    certifier.reload()
    certifier.get_by_role("button", name="Valider").click()
    certifier.get_by_text("Validé").first.wait_for()
    assert dossier.documents.filter(piece=piece, status=DocumentStatus.VALIDE).count() == 1
    lea.reload()
    assert "Déposer" not in pieces.inner_text()

    # The certifier enrols her in a session and convokes her: she reads her convocation.
    session = create_session(
        SessionEvaluation(
            organisation=world["branche"],
            certification=world["certification"],
            version=world["version"],
            date_debut=timezone.localdate() + timedelta(days=20),
            lieu="Centre de Lyon",
            code_postal="69007",
        )
    )
    enrol(session, [dossier], by=world["gestionnaire"])
    session.inscriptions.update(convoque_at=timezone.now())
    lea.reload()
    with lea.expect_download() as download:
        lea.get_by_role("link", name="ajouter à mon agenda").click()
    assert "Centre de Lyon" in Path(download.value.path()).read_text(encoding="utf-8")
    convocation = lea.request.get(
        lea.get_by_role("link", name="convocation (PDF)").get_attribute("href")
    )
    assert convocation.ok and convocation.body().startswith(b"%PDF")

    # She asks for an aménagement with her MDPH notification; the certifier grants it, and the
    # grant (not the document) reaches the session's page.
    notification = tmp_path / "notification-mdph.pdf"
    notification.write_bytes(b"%PDF-1.4 notification MDPH")
    lea.get_by_role("link", name="Demander un aménagement des épreuves").click()
    lea.get_by_label("Tiers-temps").check()
    lea.get_by_label("Votre besoin").fill("Troubles de la vision : lecture lente.")
    lea.get_by_label("Justificatif", exact=False).set_input_files(notification)
    lea.get_by_role("button", name="Envoyer la demande").click()
    lea.get_by_text("Demande d'aménagement envoyée").wait_for()

    certifier.goto("/")
    certifier.get_by_role("link", name="1 aménagement à décider").click()
    certifier.locator("table a").first.click()
    certifier.get_by_label("Accordé", exact=True).check()
    certifier.get_by_label("Précisions pour l'organisateur et les évaluateurs").fill(
        "temps majoré 1/3"
    )
    certifier.get_by_role("button", name="Enregistrer la décision").click()
    certifier.get_by_text("Décision enregistrée").wait_for()
    certifier.goto(reverse("evaluations:session_detail", args=[session.pk]))
    certifier.get_by_text("Tiers-temps (temps majoré 1/3)").wait_for()
    assert certifier.get_by_text("Troubles de la vision").count() == 0
    lea.reload()
    assert "Tiers-temps" in lea.locator(f"#dossier-{dossier.pk}").inner_text()

    # The jury sits and validates one bloc of two; its PV is signed and the attestation issued.
    jury = JuryFactory(organisation=world["branche"], certification=world["certification"])
    dossier.refresh_from_db()
    add_dossiers(jury, [dossier], by=world["gestionnaire"])
    president = seat_members(jury)
    open_deliberation(jury, by=world["gestionnaire"])
    deliberation = jury.deliberations.get()
    save_decision(
        deliberation,
        revision=0,
        decision=Decision.PARTIELLE,
        blocs={
            bloc.pk: BlocSaisie(resultat)
            for bloc, resultat in zip(
                world["blocs"], [BlocResultat.VALIDE, BlocResultat.NON_VALIDE], strict=True
            )
        },
        unanimite=True,
        by=world["gestionnaire"],
    )
    close(jury, by=world["gestionnaire"])
    sign(jury, by=president)
    ModeleParchemin.objects.create(
        organisation=world["branche"],
        signataire_nom="Claire Fontaine",
        signataire_qualite="Présidente de la CPNE",
        lieu_delivrance="Paris",
    )
    documents, refusals = issue_all(a_delivrer(jury), by=world["gestionnaire"])
    assert documents and not refusals

    lea.reload()
    lea.get_by_role("heading", name="Résultats").wait_for()
    assert "Validation partielle" in lea.locator(f"#dossier-{dossier.pk}").inner_text()
    attestation = lea.request.get(
        lea.get_by_role("link", name="PDF", exact=True).get_attribute("href")
    )
    assert attestation.ok and attestation.body().startswith(b"%PDF")
    badge = lea.request.get(
        lea.get_by_role("link", name="badge numérique (Open Badge)").get_attribute("href")
    )
    assert badge.ok
    lea.get_by_role("link", name="page de vérification").click()
    lea.get_by_text(documents[0].numero).first.wait_for()
    lea.go_back()

    # She contests the decision within the deadline; the certifier decides the recours.
    lea.get_by_label(re.compile("Contester cette décision")).fill(
        "Le jury n'a pas tenu compte de mon expérience en atelier."
    )
    lea.get_by_role("button", name="Former un recours").click()
    lea.get_by_text("en cours d'instruction par le certificateur").wait_for()

    certifier.goto("/")
    certifier.get_by_role("link", name="1 recours à instruire").click()
    certifier.locator("table a").first.click()
    certifier.get_by_label("Décision du jury maintenue").check()
    certifier.get_by_label("Motivation (le candidat la lira)").fill(
        "Le jury a examiné l'expérience en atelier : décision maintenue."
    )
    certifier.get_by_role("button", name="Enregistrer l'issue").click()
    certifier.get_by_text("Décision du jury maintenue").first.wait_for()
    assert deliberation.recours.get().status == RecoursStatus.DECIDE

    lea.reload()
    recours = lea.locator(f"#recours-{deliberation.pk}")
    assert "Décision du jury maintenue" in recours.inner_text()
    assert "décision maintenue" in recours.inner_text()
    assert lea.get_by_role("button", name="Former un recours").count() == 0
