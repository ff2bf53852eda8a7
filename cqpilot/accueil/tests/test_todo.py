"""« À faire »: each role's home counts the work waiting for it, within its own organisation,
and each count links to a list showing exactly what it counted."""

from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cqpilot.accrochage.models import FichierAccrochage
from cqpilot.core.models import Role, User
from cqpilot.core.tests.factories import UserFactory
from cqpilot.demo import load_demo
from cqpilot.dossiers.models import Document, DocumentStatus, Dossier, DossierState, VoieAcces
from cqpilot.dossiers.tests.factories import (
    DossierFactory,
    HabilitationFactory,
    PieceExigeeFactory,
)
from cqpilot.evaluations.models import Affectation, Inscription, SessionEvaluation
from cqpilot.evaluations.tests.factories import evaluation
from cqpilot.jurys.models import JuryStatus
from cqpilot.jurys.tests.factories import scenario
from cqpilot.vae.models import CongeVae, DossierValidationVae

pytestmark = pytest.mark.django_db


def items_of(client, user: User) -> dict[str, tuple[int, str]]:
    client.force_login(user)
    page = client.get(reverse("home"))
    assert page.status_code == 200
    return {
        item.key: (item.count, item.url)
        for section in page.context["sections"]
        for item in section.items
    }


def listed(client, url: str, key: str) -> int:
    """How many rows the list the item links to shows."""
    page = client.get(url)
    assert page.status_code == 200, url
    context = page.context
    if "table" in context:
        return context["table"].page.paginator.count
    if "jurys" in context:
        return len(context["jurys"])
    if "mes_epreuves" in context:
        return len(context["mes_epreuves"])
    if key == "accuses_attendus":
        return len(context["fichiers"])
    return len(context["rows"])


def world(suffix: str):
    """A certifier with a little of every kind of waiting work, and its partner OF."""
    s = scenario(candidats=2)
    s.jury.status = JuryStatus.CLOS
    s.jury.save()
    of = s.of
    for state, voie in [
        (DossierState.INSCRIT, VoieAcces.VAE),
        (DossierState.EN_EVALUATION, VoieAcces.CANDIDAT_LIBRE),
        (DossierState.EN_FORMATION, VoieAcces.CANDIDAT_LIBRE),
    ]:
        DossierFactory(
            certification=s.certification,
            version=s.version,
            organisme=of,
            state=state,
            voie_acces=voie,
        )
    # its employee's congé VAE: the employer's answer awaited for 5 days past its 15 days
    request_day = timezone.localdate() - timedelta(days=20)
    CongeVae.objects.create(
        dossier=Dossier.objects.get(certification=s.certification, voie_acces=VoieAcces.VAE),
        demande_le=request_day,
        debut=request_day + timedelta(days=40),
        fin=request_day + timedelta(days=45),
    )
    document = Document(dossier=s.dossiers[0], type="cv", nom="cv.pdf")
    document.fichier.save(f"cv-{suffix}.pdf", ContentFile(b"%PDF-1.4"), save=True)
    refused = Document(dossier=s.dossiers[1], type="cv", nom="cv.pdf", status=DocumentStatus.REFUSE)
    refused.fichier.save(f"cv-r-{suffix}.pdf", ContentFile(b"%PDF-1.4"), save=True)
    s.dossiers[1].state = DossierState.EN_FORMATION
    s.dossiers[1].save()
    # A VAE dossier de validation whose jury had to sit by 19/11/2026: its jury of 20/11 is late.
    livret = Document(dossier=s.dossiers[0], type="dossier_validation", nom="livret2.pdf")
    livret.fichier.save(f"livret-{suffix}.pdf", ContentFile(b"%PDF-1.4"), save=True)
    DossierValidationVae.objects.create(
        dossier=s.dossiers[0],
        document=livret,
        deposee_le=date(2026, 8, 19),
        jury_avant_le=date(2026, 11, 19),
    )
    HabilitationFactory(
        organisme=of, certification=s.certification, date_fin=timezone.localdate() + timedelta(30)
    )
    fichier = FichierAccrochage.objects.create(
        organisation=s.branche,
        id_flux=f"flux-{suffix}",
        version_schema="1.1",
        nombre=1,
        taille=1,
        fichier=f"f-{suffix}.xml",
    )
    FichierAccrochage.objects.filter(pk=fichier.pk).update(
        created_at=timezone.now() - timedelta(days=45)
    )
    of_user = UserFactory(organisation=of, roles=[Role.ORGANISME_FORMATION])
    return s, of_user


EXPECTED_GESTIONNAIRE = {
    "pieces_a_verifier": 1,
    "recevabilite_vae": 1,
    "sans_jury": 1,
    "jury_vae": 1,
    "resultat_vae": 0,
    "conge_vae": 1,
    "a_preparer": 0,
    "pv_a_etablir": 0,
    "pv_a_signer": 1,
    "echeance": 0,
    "accuses_attendus": 1,
    "habilitations_echeance": 1,
    "recours_a_instruire": 0,
    "amenagements_a_decider": 0,
}


def test_each_gestionnaire_item_counts_its_own_organisation_and_its_list_agrees(client):
    mine, _ = world("a")
    world("b")  # another certifier with the same waiting work: never counted
    items = items_of(client, mine.gestionnaire)
    assert {key: count for key, (count, _url) in items.items()} == EXPECTED_GESTIONNAIRE
    for key, (count, url) in items.items():
        assert listed(client, url, key) == count, key


def test_the_of_home_counts_its_own_candidates_and_its_lists_agree(client):
    _, of_user = world("a")
    world("b")
    items = items_of(client, of_user)
    assert {key: count for key, (count, _url) in items.items()} == {
        "piece_refusee": 1,
        "convoques": 0,
        "sans_session": 2,
    }
    for key, (count, url) in items.items():
        assert listed(client, url, key) == count, key
    page = client.get(reverse("home"))
    assert "s'ouvrira" not in page.text
    assert "2 candidats en formation ne sont inscrits à aucune session" in page.text
    assert "1 dossier a une pièce refusée à remplacer" in page.text


def test_a_replaced_refused_piece_is_no_longer_waiting(client):
    _, of_user = world("a")
    refused = Document.objects.get(status=DocumentStatus.REFUSE)
    Document.objects.create(dossier=refused.dossier, type="cv", nom="cv2.pdf", fichier="x.pdf")
    assert items_of(client, of_user)["piece_refusee"][0] == 0


def test_a_refused_piece_exigee_waits_until_that_very_piece_is_deposited_again(client):
    """Every pièce exigée has the type « autre »: another pièce accepted replaces nothing."""
    mine, of_user = world("a")
    dossier = mine.dossiers[0]
    identite, contrat = (PieceExigeeFactory(certification=mine.certification) for _ in "ab")
    Document.objects.create(
        dossier=dossier, piece=contrat, nom="c.pdf", fichier="c.pdf", status=DocumentStatus.REFUSE
    )
    Document.objects.create(
        dossier=dossier, piece=identite, nom="i.pdf", fichier="i.pdf", status=DocumentStatus.VALIDE
    )
    assert items_of(client, of_user)["piece_refusee"][0] == 2
    Document.objects.create(dossier=dossier, piece=contrat, nom="c2.pdf", fichier="c2.pdf")
    assert items_of(client, of_user)["piece_refusee"][0] == 1


def test_a_dossier_convoked_to_a_session_to_come_does_not_wait_for_a_jury_yet(client):
    mine, _ = world("a")
    assert items_of(client, mine.gestionnaire)["sans_jury"][0] == 1
    dossier = Dossier.objects.get(state=DossierState.EN_EVALUATION)
    session = SessionEvaluation.objects.create(
        organisation=mine.branche,
        certification=mine.certification,
        version=mine.version,
        date_debut=timezone.localdate() + timedelta(days=7),
    )
    Inscription.objects.create(session=session, dossier=dossier)
    assert items_of(client, mine.gestionnaire)["sans_jury"][0] == 0
    session.date_debut = timezone.localdate() - timedelta(days=1)  # evaluated yesterday
    session.save()
    assert items_of(client, mine.gestionnaire)["sans_jury"][0] == 1


def test_the_jury_member_sees_the_pv_he_must_sign_until_he_signs_it(client):
    mine, _ = world("a")
    world("b")
    items = items_of(client, mine.president)
    assert items["a_signer_par_moi"][0] == 1
    assert items["a_venir"][0] == 0
    for key, (count, url) in items.items():
        assert listed(client, url, key) == count, key


def test_the_evaluateur_sees_the_epreuves_left_to_grade_with_their_dates(client):
    e = evaluation(candidats=2)
    other = evaluation(candidats=1)
    for ev in (e, other):
        for dossier in ev.dossiers:
            Inscription.objects.create(session=ev.session, dossier=dossier)
        for epreuve in ev.session.epreuves.all():
            Affectation.objects.create(epreuve=epreuve, evaluateur=ev.evaluateur)
    client.force_login(e.evaluateur.user)
    page = client.get(reverse("home"))
    assert "2 épreuves à évaluer" in page.text
    assert "2 épreuves de la session du 14/10/2026" in page.text
    items = items_of(client, e.evaluateur.user)
    assert listed(client, items["a_saisir"][1], "a_saisir") == 2


def test_the_home_runs_the_same_queries_with_one_row_or_many(client, django_assert_max_num_queries):
    mine, of_user = world("a")
    users = [mine.gestionnaire, mine.president, of_user]
    counts = {}
    for user in users:
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("home"))
        counts[user.pk] = len(queries)
    for _ in range(20):
        DossierFactory(
            certification=mine.certification,
            version=mine.version,
            organisme=mine.of,
            state=DossierState.INSCRIT,
            voie_acces=VoieAcces.VAE,
        )
    for user in users:
        client.force_login(user)
        with django_assert_max_num_queries(counts[user.pk]):
            client.get(reverse("home"))


def test_no_item_links_to_a_page_its_user_cannot_open(client):
    mine, of_user = world("a")
    for user in (mine.gestionnaire, mine.president, of_user):
        for key, (_count, url) in items_of(client, user).items():
            assert client.get(url).status_code == 200, (user, key)


def test_the_demo_gestionnaire_home_matches_the_demo_data(client):
    load_demo()
    user = User.objects.get(username="gestionnaire.metallurgie")
    items = items_of(client, user)
    waiting = {key: count for key, (count, _url) in items.items() if count}
    # The demo: the jury of the day is in preparation; the earlier jury's Girard parchemin is
    # overdue at the CDC; four VAE candidates await their recevabilité (demo/vae.py: two with no
    # demande yet, pièces asked, complete); Girard deposited his CACES for the CQPI logistique from his
    # espace.
    assert waiting == {
        "pieces_a_verifier": 1,
        "recevabilite_vae": 4,
        "a_preparer": 1,
        "echeance": 1,
    }
    for key, (count, url) in items.items():
        assert listed(client, url, key) == count, key
    for username in ("evaluateur.metallurgie", "jury.metallurgie", "of.formatech"):
        for key, (count, url) in items_of(client, User.objects.get(username=username)).items():
            assert listed(client, url, key) == count, (username, key)
