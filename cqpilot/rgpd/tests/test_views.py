import io
import json
import time
import zipfile
from datetime import date
from html import unescape

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from cqpilot.core.accounts.reauth import SESSION_KEY
from cqpilot.core.audit import log_read
from cqpilot.core.mail import send_message
from cqpilot.core.models import Organisation, Role
from cqpilot.core.tests.factories import UserFactory, gestionnaire
from cqpilot.dossiers.models import Candidat, DossierState
from cqpilot.dossiers.tests.factories import OrganismeFactory
from cqpilot.rgpd.models import CandidatAnonymise, PurgeRun, RetentionPolicy
from cqpilot.rgpd.purge import purge

from .factories import TODAY, certifier_and_certification, dossier_at, issued, piece

pytestmark = pytest.mark.django_db

NIR = "290056912345678"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world():
    certifier, certification = certifier_and_certification()
    of = OrganismeFactory()
    dossier = dossier_at(certification, DossierState.ABANDON, date(2026, 10, 1), organisme=of)
    dossier.candidat.nir = NIR
    dossier.candidat.email = "marie.dupont@exemple.fr"
    dossier.candidat.save()
    return {
        "certifier": certifier,
        "certification": certification,
        "dossier": dossier,
        "candidat": dossier.candidat,
        "gestionnaire": gestionnaire(organisation=certifier),
        "of_user": UserFactory(organisation=of, roles=[Role.ORGANISME_FORMATION]),
        "membre_jury": UserFactory(organisation=certifier, roles=[Role.MEMBRE_JURY]),
    }


def downloaded(answer) -> zipfile.ZipFile:
    """The zip, streamed from a temporary file rather than built in memory."""
    assert answer.streaming
    return zipfile.ZipFile(io.BytesIO(b"".join(answer.streaming_content)))


def reauthenticated(client) -> None:
    session = client.session
    session[SESSION_KEY] = time.time()
    session.save()


# --- Retention periods -------------------------------------------------------------------------


def test_the_settings_page_shows_the_default_periods_and_what_is_due(
    client, world, django_assert_num_queries
):
    for _ in range(3):
        purge(world["certifier"], TODAY)
    client.force_login(world["gestionnaire"])
    with django_assert_num_queries(14):  # + the recours deadlines outlasting the pièces period
        page = client.get(reverse("rgpd:reglages"))
    assert page.status_code == 200
    policy = RetentionPolicy.objects.get(organisation=world["certifier"])
    assert (policy.dossiers_sans_suite_mois, policy.pieces_mois, policy.enquetes_mois) == (
        24,
        60,
        36,
    )
    assert policy.nir_mois == 3
    assert "Candidats anonymisés (dossiers sans suite) : 0" in page.text
    assert page.text.count("<td>0</td>") == 15  # three runs, five counts each


PERIODS = {"dossiers_sans_suite_mois": 12, "pieces_mois": 60, "enquetes_mois": 24, "nir_mois": 3}


def test_a_manager_changes_the_periods_and_the_journal_says_so(client, world):
    client.force_login(world["gestionnaire"])
    reauthenticated(client)
    answer = client.post(reverse("rgpd:reglages"), PERIODS | {"confirme": "1"})
    assert answer.status_code == 302
    policy = RetentionPolicy.objects.get(organisation=world["certifier"])
    assert (policy.dossiers_sans_suite_mois, policy.enquetes_mois) == (12, 24)
    entry = LogEntry.objects.get_for_object(policy).filter(actor=world["gestionnaire"]).latest("pk")
    assert entry.additional_data["dues"]["candidats"] == 0


def test_changing_the_periods_asks_for_the_password_first(client, world):
    client.force_login(world["gestionnaire"])
    url = reverse("rgpd:reglages")
    answer = client.post(url, PERIODS | {"confirme": "1"}, HTTP_REFERER=f"http://testserver{url}")
    assert answer["Location"].startswith(reverse("reauthenticate"))
    assert (
        RetentionPolicy.objects.get(organisation=world["certifier"]).dossiers_sans_suite_mois == 24
    )


def test_the_new_periods_show_what_they_would_purge_before_being_saved(client, world):
    dossier_at(world["certification"], DossierState.ABANDON, date(2026, 3, 1))
    client.force_login(world["gestionnaire"])
    reauthenticated(client)
    url = reverse("rgpd:reglages")

    shown = client.post(url, PERIODS | {"dossiers_sans_suite_mois": 6})

    assert shown.status_code == 200
    assert (
        "Candidats anonymisés (dossiers sans suite) : 0 aujourd'hui, 1 avec les nouvelles durées"
        in unescape(shown.text)
    )
    assert 'name="confirme"' in shown.text
    policy = RetentionPolicy.objects.get(organisation=world["certifier"])
    assert policy.dossiers_sans_suite_mois == 24  # nothing saved yet

    client.post(url, PERIODS | {"dossiers_sans_suite_mois": 6, "confirme": "1"})
    policy.refresh_from_db()
    assert policy.dossiers_sans_suite_mois == 6
    entry = LogEntry.objects.get_for_object(policy).filter(actor=world["gestionnaire"]).latest("pk")
    assert entry.additional_data["dues"]["candidats"] == 1


@pytest.mark.parametrize(
    ("field", "value", "minimum"),
    [
        ("dossiers_sans_suite_mois", 5, 6),
        ("pieces_mois", 2, 3),
        ("enquetes_mois", 0, 7),
        ("nir_mois", 0, 3),
    ],
)
def test_a_period_below_its_minimum_is_refused_in_french(client, world, field, value, minimum):
    client.force_login(world["gestionnaire"])
    reauthenticated(client)
    answer = client.post(reverse("rgpd:reglages"), PERIODS | {field: value, "confirme": "1"})
    assert answer.status_code == 200
    assert f"supérieure ou égale à {minimum}" in unescape(answer.text)
    policy = RetentionPolicy.objects.get(organisation=world["certifier"])
    assert getattr(policy, field) != value


def test_a_period_out_of_range_is_refused_in_french(client, world):
    client.force_login(world["gestionnaire"])
    reauthenticated(client)
    answer = client.post(
        reverse("rgpd:reglages"),
        {"dossiers_sans_suite_mois": "beaucoup", "pieces_mois": 9999, "enquetes_mois": 36},
    )
    assert answer.status_code == 200
    assert "Saisissez un nombre entier." in answer.text


@pytest.mark.parametrize("who", ["of_user", "membre_jury"])
def test_only_the_certifiers_managers_reach_the_personal_data_pages(client, world, who):
    client.force_login(world[who])
    reauthenticated(client)
    candidat = world["candidat"]
    assert client.get(reverse("rgpd:reglages")).status_code == 403
    assert client.get(reverse("rgpd:candidat_export", args=[candidat.pk])).status_code == 403
    assert client.post(reverse("rgpd:candidat_effacer", args=[candidat.pk])).status_code == 403
    detail = client.get(reverse("dossiers:candidat_detail", args=[candidat.pk]))
    assert "Exporter les données" not in detail.text


def test_the_candidate_page_offers_export_and_erasure_to_the_manager(client, world):
    client.force_login(world["gestionnaire"])
    detail = client.get(reverse("dossiers:candidat_detail", args=[world["candidat"].pk]))
    assert "Exporter les données" in detail.text and ">Effacer<" in detail.text


def test_the_candidate_page_hides_erasure_when_it_would_be_refused_and_says_why(client, world):
    certified = dossier_at(
        world["certification"], DossierState.CERTIFIE, date(2026, 6, 1), candidat=world["candidat"]
    )
    document = issued(certified)
    client.force_login(world["gestionnaire"])
    detail = client.get(reverse("dossiers:candidat_detail", args=[world["candidat"].pk]))
    assert "Exporter les données" in detail.text and ">Effacer<" not in detail.text
    assert reverse("rgpd:candidat_effacer", args=[world["candidat"].pk]) not in detail.text
    assert "registre des documents délivrés" in detail.text and document.numero in detail.text


# --- Export -----------------------------------------------------------------------------------


def test_the_export_asks_for_the_password_first(client, world):
    client.force_login(world["gestionnaire"])
    answer = client.get(reverse("rgpd:candidat_export", args=[world["candidat"].pk]))
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("reauthenticate"))


def test_the_export_holds_every_data_the_summary_the_pieces_and_is_journaled(client, world):
    candidat, dossier = world["candidat"], world["dossier"]
    piece(dossier, nom="CV Marie.pdf")
    client.force_login(world["gestionnaire"])
    reauthenticated(client)

    answer = client.get(reverse("rgpd:candidat_export", args=[candidat.pk]))

    assert answer.status_code == 200 and answer["Content-Type"] == "application/zip"
    assert f'filename="donnees-candidat-{candidat.pk}-' in answer["Content-Disposition"]
    archive = downloaded(answer)
    names = archive.namelist()
    assert "resume.html" in names and "donnees.json" in names
    assert any(name.startswith("pieces/") and name.endswith("cv-marie.pdf") for name in names)
    data = json.loads(archive.read("donnees.json"))
    assert data["candidat"]["NIR (numéro de sécurité sociale)"] == NIR
    assert data["candidat"]["courriel"] == "marie.dupont@exemple.fr"
    assert data["dossiers"][0]["numero"] == dossier.pk
    assert data["dossiers"][0]["état"] == "Abandon"
    assert data["dossiers"][0]["pièces"][0]["nom du fichier"] == "CV Marie.pdf"
    assert any(entry["action"] == "Création" for entry in data["journal"])
    summary = archive.read("resume.html").decode()
    assert candidat.nom_naissance in summary and "Vos données personnelles" in summary
    read = LogEntry.objects.get_for_object(candidat).get(action=LogEntry.Action.ACCESS)
    assert read.actor == world["gestionnaire"]
    assert "droit d'accès" in read.additional_data["lecture"]


def test_the_export_includes_the_documents_issued(client, world):
    certified = dossier_at(
        world["certification"], DossierState.CERTIFIE, date(2026, 6, 1), candidat=world["candidat"]
    )
    document = issued(certified)
    client.force_login(world["gestionnaire"])
    reauthenticated(client)
    answer = client.get(reverse("rgpd:candidat_export", args=[world["candidat"].pk]))
    data = json.loads(downloaded(answer).read("donnees.json"))
    issued_rows = [row for d in data["dossiers"] for row in d["documents délivrés"]]
    assert [row["numéro"] for row in issued_rows] == [document.numero]


# --- Erasure -------------------------------------------------------------------------------------


def test_erasure_is_refused_with_its_reason_for_a_holder_in_the_register(client, world):
    certified = dossier_at(
        world["certification"], DossierState.CERTIFIE, date(2026, 6, 1), candidat=world["candidat"]
    )
    document = issued(certified)
    client.force_login(world["gestionnaire"])
    reauthenticated(client)
    url = reverse("rgpd:candidat_effacer", args=[world["candidat"].pk])

    page = client.get(url)
    assert "registre des documents délivrés" in page.text and document.numero in page.text
    answer = client.post(url, {"confirme": "on"})

    assert answer.status_code == 409
    assert Candidat.objects.get(pk=world["candidat"].pk).nir == NIR
    assert not CandidatAnonymise.objects.exists()


def test_erasure_is_refused_while_a_dossier_is_in_progress(client, world):
    dossier_at(world["certification"], DossierState.EN_FORMATION, TODAY, candidat=world["candidat"])
    client.force_login(world["gestionnaire"])
    page = client.get(reverse("rgpd:candidat_effacer", args=[world["candidat"].pk]))
    assert "est en cours (en formation) : passez-le d'abord en abandon" in unescape(page.text)


def test_erasure_asks_for_confirmation_then_the_password(client, world):
    client.force_login(world["gestionnaire"])
    url = reverse("rgpd:candidat_effacer", args=[world["candidat"].pk])
    unconfirmed = client.post(url, {})
    assert "Cochez la case pour confirmer l'effacement." in unescape(unconfirmed.text)
    asked = client.post(url, {"confirme": "on"}, HTTP_REFERER=f"http://testserver{url}")
    assert asked["Location"].startswith(reverse("reauthenticate"))
    assert Candidat.objects.get(pk=world["candidat"].pk).nir == NIR


def test_erasure_anonymises_the_candidate_and_journals_it(client, world):
    candidat = world["candidat"]
    file = piece(world["dossier"]).fichier.path
    client.force_login(world["gestionnaire"])
    reauthenticated(client)

    answer = client.post(reverse("rgpd:candidat_effacer", args=[candidat.pk]), {"confirme": "on"})

    assert answer.status_code == 302
    candidat.refresh_from_db()
    assert candidat.nom_naissance == "ANONYME" and candidat.nir == "" and candidat.email == ""
    assert CandidatAnonymise.objects.get(candidat=candidat).motif == "effacement"
    entry = LogEntry.objects.get_for_object(candidat).latest("pk")
    assert entry.actor == world["gestionnaire"]
    assert "demande d'effacement" in str(entry.changes)
    assert not world["dossier"].documents.exists()
    assert not PurgeRun.objects.exists()
    del file  # deleted after the commit, which the test's transaction never reaches


def test_the_export_leaves_out_what_another_certifier_wrote_and_never_names_it(client, world):
    candidat = world["candidat"]
    other, other_certification = certifier_and_certification()
    Organisation.objects.filter(pk=other.pk).update(nom="Branche Voisine")
    other.refresh_from_db()
    dossier_at(other_certification, DossierState.ABANDON, TODAY, candidat=candidat)
    stranger = gestionnaire(organisation=other)
    with set_actor(stranger):
        candidat.telephone = "0611223344"
        candidat.save()
    log_read(candidat, by=stranger, lecture="consultation par la branche voisine")
    with set_actor(world["of_user"]):
        candidat.adresse = "1 rue de l'Organisme"
        candidat.save()
    client.force_login(world["gestionnaire"])
    reauthenticated(client)

    answer = client.get(reverse("rgpd:candidat_export", args=[candidat.pk]))

    archive = downloaded(answer)
    journal = json.loads(archive.read("donnees.json"))["journal"]
    authors = {entry["par"] for entry in journal}
    assert str(world["of_user"].organisation) in authors
    assert "Branche Voisine" not in archive.read("donnees.json").decode()
    assert "Branche Voisine" not in archive.read("resume.html").decode()
    assert not any("branche voisine" in entry["lecture"] for entry in journal)
    assert "0611223344" not in json.dumps(journal)


def test_erasure_deletes_the_messages_queued_or_sent_to_the_candidate(client, world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    message = {"subject": "Convocation", "body": "Bonjour Marie", "attachments": []}
    message |= {"on_sent": None, "on_failed": None}
    send_message.enqueue(message | {"to": ["marie.dupont@exemple.fr"]})
    send_message.enqueue(message | {"to": ["paul.martin@exemple.fr"]})
    client.force_login(world["gestionnaire"])
    reauthenticated(client)

    client.post(reverse("rgpd:candidat_effacer", args=[world["candidat"].pk]), {"confirme": "on"})

    [kept] = DBTaskResult.objects.filter(task_path=send_message.module_path)
    assert kept.args_kwargs["args"][0]["to"] == ["paul.martin@exemple.fr"]
