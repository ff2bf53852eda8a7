"""The RNCP renewal workbook, hand-computed on two promotions whose holders were surveyed
through the real e-mails and links."""

import io
import re
import socket
from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cqpilot.core.models import Role
from cqpilot.core.tests.factories import OrganisationFactory, UserFactory
from cqpilot.delivrance.tests.factories import DocumentDelivreFactory
from cqpilot.dossiers.acquis import add_months
from cqpilot.dossiers.models import VoieAcces
from cqpilot.dossiers.tests.factories import CandidatFactory, DossierFactory
from cqpilot.pilotage.enquetes import enquete_of, record_answer, send_due
from cqpilot.pilotage.models import EnqueteInsertion
from cqpilot.pilotage.renouvellement import pack
from cqpilot.referentiels.tests.factories import CertificationFactory

pytestmark = pytest.mark.django_db

CONTRAT_PRO = VoieAcces.FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION
VAE = VoieAcces.VAE
LIBRE = VoieAcces.CANDIDAT_LIBRE


def holder(certification, voie, decided_on, name, **document):
    dossier = DossierFactory(
        certification=certification,
        voie_acces=voie,
        candidat=CandidatFactory(nom_naissance=name, email=f"{name.lower()}@exemple.fr"),
    )
    return DocumentDelivreFactory(dossier=dossier, date_decision=decided_on, **document)


def link_to(name: str) -> str:
    """The survey link of the latest e-mail the holder received."""
    [message] = [m for m in mail.outbox if m.to == [f"{name.lower()}@exemple.fr"]][-1:]
    return re.search(r"/enquete/\S+/", message.body).group(0)


def answer(name: str, situation: str, type_contrat: str = "") -> None:
    """An answer given in the past (the public page itself answers only on open surveys, see
    the tests below, whose dates follow today's)."""
    enquete = enquete_of(link_to(name).split("/")[2])
    record_answer(enquete, situation=situation, type_contrat=type_contrat, commentaire="")


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """send_due, then what the mail worker does after the commit."""

    def send(organisation, day):
        with django_capture_on_commit_callbacks(execute=True):
            return send_due(organisation, day)

    return send


@pytest.fixture
def promotions(send):
    """Promotion 2024: Arnaud and Bréhat (contrat pro), Carré (VAE). Promotion 2025: Dias
    (contrat pro), Eboué (candidat libre). Not counted: a cancelled parchemin, an attestation."""
    branche = OrganisationFactory(nom="CPNE de la plasturgie")
    cqp = CertificationFactory(certificateurs=[branche], vae_ouverte=True)
    for name, voie in [("Arnaud", CONTRAT_PRO), ("Brehat", CONTRAT_PRO), ("Carre", VAE)]:
        holder(cqp, voie, date(2024, 6, 20), name)
    for name, voie in [("Dias", CONTRAT_PRO), ("Eboue", LIBRE)]:
        holder(cqp, voie, date(2025, 6, 20), name)
    holder(cqp, CONTRAT_PRO, date(2025, 6, 20), "Annule", status="annule")
    holder(cqp, CONTRAT_PRO, date(2025, 6, 20), "Partiel", kind="attestation")

    # 6 months after the 2024 promotion: 3 e-mails; Arnaud works in the targeted job, Bréhat
    # in another one, Carré never answers.
    assert send(branche, date(2024, 12, 21)).envoyees == 3
    answer("Arnaud", "metier_vise", "cdi")
    answer("Brehat", "autre_metier", "cdd")
    # 6 months after 2025: Dias is looking for a job, Eboué does not answer.
    assert send(branche, date(2025, 12, 21)).envoyees == 2
    answer("Dias", "recherche")
    # 2 years after 2024: Arnaud and Carré in the targeted job, Bréhat silent.
    assert send(branche, date(2026, 6, 21)).envoyees == 3
    answer("Arnaud", "metier_vise", "cdi")
    answer("Carre", "metier_vise", "independant")
    return branche, cqp


def test_the_renewal_tables_are_those_computed_by_hand(promotions):
    _branche, cqp = promotions
    certifies, six_mois, deux_ans, _vae = pack(cqp, date(2026, 11, 23))  # VAE: test_vae.py

    assert certifies.headers == ["Voie d'accès", "Promotion 2024", "Promotion 2025", "Total"]
    assert certifies.rows == [
        ["Candidat libre / accès direct", 0, 1, 1],
        ["Formation continue — contrat de professionnalisation", 2, 1, 3],
        ["Validation des acquis de l'expérience (VAE)", 1, 0, 1],
        ["Total", 3, 2, 5],
    ]
    # promotion, holders, asked, answered, response rate, employed, in the targeted job,
    # insertion rate, insertion rate in the targeted job (of those who answered)
    assert six_mois.rows == [
        [2024, 3, 3, 2, 66.7, 2, 1, 100.0, 50.0],
        [2025, 2, 2, 1, 50.0, 0, 0, 0.0, 0.0],
    ]
    assert deux_ans.rows == [
        [2024, 3, 3, 2, 66.7, 2, 2, 100.0, 100.0],
        [2025, 2, 0, 0, None, 0, 0, None, None],  # not due before June 2027
    ]


def test_the_workbook_holds_the_three_tables(promotions, client):
    branche, cqp = promotions
    client.force_login(UserFactory(organisation=branche, roles=[Role.GESTIONNAIRE]))

    response = client.get(
        reverse("pilotage:renouvellement"), {"certification": cqp.pk, "export": "xlsx"}
    )

    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [
        "Certifiés par voie d'accès",
        "Insertion à 6 mois",
        "Insertion à 2 ans",
        "VAE par année",
    ]
    six_mois = workbook["Insertion à 6 mois"]
    assert [c.value for c in six_mois[2]] == [2024, 3, 3, 2, 66.7, 2, 1, 100, 50]
    assert workbook["Certifiés par voie d'accès"]["D5"].value == 5


def six_months_ago() -> date:
    return add_months(timezone.localdate(), -6)


def test_reminders_come_every_15_days_twice_then_stop(send):
    document = holder(CertificationFactory(), CONTRAT_PRO, date(2026, 1, 10), "Faure")
    days = [date(2026, 7, 10) + timedelta(days=d) for d in (0, 1, 15, 30, 45)]
    sent = [send(document.organisation, day) for day in days]

    assert [(e.envoyees, e.relances) for e in sent] == [(1, 0), (0, 0), (0, 1), (0, 1), (0, 0)]
    assert [m.subject.startswith("Rappel") for m in mail.outbox] == [False, True, True]


def test_the_holder_answers_from_the_link_without_an_account(client, send):
    document = holder(CertificationFactory(), CONTRAT_PRO, six_months_ago(), "Girard")
    send(document.organisation, timezone.localdate())
    link = link_to("Girard")

    assert "situation professionnelle" in client.get(link).content.decode()
    refused = client.post(link, {"situation": "metier_vise"})
    assert "Indiquez votre type de contrat." in refused.content.decode()
    client.post(link, {"situation": "metier_vise", "type_contrat": "cdi", "commentaire": "Chef"})

    enquete = EnqueteInsertion.objects.get()
    assert (enquete.situation, enquete.type_contrat, enquete.commentaire) == (
        "metier_vise",
        "cdi",
        "Chef",
    )
    assert "déjà répondu" in client.get(link).content.decode()
    later = timezone.localdate() + timedelta(days=20)
    assert send(document.organisation, later).relances == 0


def test_a_tampered_or_late_link_is_refused(client, send):
    document = holder(CertificationFactory(), CONTRAT_PRO, six_months_ago(), "Hamel")
    send(document.organisation, timezone.localdate())
    link = link_to("Hamel")
    token = link.split("/")[2]

    assert enquete_of(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert client.get(f"/enquete/{token}x/").status_code == 404
    EnqueteInsertion.objects.update(date_prevue=date(2025, 1, 1))
    assert "close" in client.get(link).content.decode()


def test_holders_certified_long_ago_are_not_asked_about_their_first_months():
    old = holder(CertificationFactory(), CONTRAT_PRO, date(2023, 1, 10), "Ibert")
    no_address = DocumentDelivreFactory(
        dossier=DossierFactory(certification=old.certification), date_decision=date(2026, 1, 10)
    )

    envoi = send_due(old.organisation, date(2026, 7, 10))

    assert (envoi.ouvertes, envoi.envoyees, envoi.sans_courriel) == (1, 0, 1)
    assert EnqueteInsertion.objects.get().document == no_address


def test_the_manager_sends_what_is_due_from_the_page(client, django_capture_on_commit_callbacks):
    document = holder(CertificationFactory(), CONTRAT_PRO, six_months_ago(), "Jacob")
    client.force_login(UserFactory(organisation=document.organisation, roles=[Role.GESTIONNAIRE]))
    url = reverse("pilotage:renouvellement")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"certification": document.certification.pk}, follow=True)

    page = response.content.decode()
    assert "1 enquête ouverte, 1 courriel et 0 relance en cours d&#x27;envoi" in page
    assert "Insertion à 6 mois" in page
    assert mail.outbox[0].to == ["jacob@exemple.fr"]


def test_a_survey_is_sent_once_even_when_the_worker_lags_behind_two_runs(
    django_capture_on_commit_callbacks,
):
    document = holder(CertificationFactory(), CONTRAT_PRO, date(2026, 1, 10), "Klein")
    with django_capture_on_commit_callbacks() as first_run:  # the worker has not run yet
        assert send_due(document.organisation, date(2026, 7, 10)).envoyees == 1
    enquete = EnqueteInsertion.objects.get()
    assert (enquete.envoyee_le, enquete.envoi_en_attente) == (None, True)

    with django_capture_on_commit_callbacks() as second_run:
        envoi = send_due(document.organisation, date(2026, 7, 11))
    assert (envoi.envoyees, envoi.en_attente) == (0, 1)
    assert "1 courriel encore en attente" in str(envoi)
    assert second_run == []

    for queue in first_run:
        queue()  # the worker catches up
    [message] = mail.outbox
    assert message.to == ["klein@exemple.fr"]
    enquete.refresh_from_db()
    assert (enquete.envoyee_le, enquete.envoi_en_attente) == (date(2026, 7, 10), False)


def test_a_survey_the_mail_server_refused_is_queued_again_the_next_day(
    django_capture_on_commit_callbacks, settings, send
):
    document = holder(CertificationFactory(), CONTRAT_PRO, date(2026, 1, 10), "Lebon")
    with socket.socket() as probe:  # a local port where no mail server listens
        probe.bind(("127.0.0.1", 0))
        settings.EMAIL_PORT = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"

    assert send(document.organisation, date(2026, 7, 10)).envoyees == 1
    enquete = EnqueteInsertion.objects.get()
    assert (enquete.envoyee_le, enquete.envoi_en_attente) == (None, False)  # not sent

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send(document.organisation, date(2026, 7, 11)).envoyees == 1
    enquete.refresh_from_db()
    assert enquete.envoyee_le == date(2026, 7, 11)


def test_only_the_certifier_managers_see_the_renewal_pack(client):
    of_user = UserFactory(organisation=OrganisationFactory(kind="organisme_formation"))
    client.force_login(of_user)
    assert client.get(reverse("pilotage:renouvellement")).status_code == 403
