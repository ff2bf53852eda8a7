"""Convocations: a PDF per candidate, e-mails with a calendar invitation."""

import io
import socket
from datetime import date, time

import pytest
from django.core import mail
from django.urls import reverse
from icalendar import Calendar
from pypdf import PdfReader

from cqpilot.evaluations.models import Affectation
from cqpilot.evaluations.services import assign, enrol

from .factories import evaluation

pytestmark = pytest.mark.django_db


def ready():
    e = evaluation()
    e.session.heure = time(8, 30)
    e.session.save()
    benali = e.dossiers[0]  # Durand has no e-mail address
    benali.candidat.email = "marie.benali@exemple.fr"
    benali.candidat.save()
    enrol(e.session, e.dossiers, by=e.gestionnaire)
    e.evaluateur.email = "evaluatrice@exemple.fr"
    e.evaluateur.save()
    for epreuve in e.session.epreuves.all():
        assign(epreuve, e.evaluateur)
    return e


def test_candidates_and_evaluators_get_their_convocation_and_an_ics(
    client, today, django_capture_on_commit_callbacks
):
    today(date(2026, 10, 1))
    e = ready()
    client.force_login(e.gestionnaire)

    with django_capture_on_commit_callbacks(execute=True):
        url = reverse("evaluations:convocations_send", args=[e.session.pk])
        page = client.post(url, follow=True)
        assert mail.outbox == []  # the worker sends them, after the commit
        assert "pas encore convoquée" in page.text

    assert "Convocations en cours d&#x27;envoi : 1 candidat, 1 évaluateur." in page.text
    assert "DURAND Marie (candidat)" in page.text  # no e-mail address: to print
    candidate, evaluator = mail.outbox
    assert candidate.to == ["marie.benali@exemple.fr"]
    assert "mercredi 14 octobre 2026 à 08h30" in candidate.body
    names = [name for name, _content, _type in candidate.attachments]
    assert names == ["convocation.pdf", "convocation.ics"]
    event = Calendar.from_ical(candidate.attachments[1][1]).walk("VEVENT")[0]
    assert event.decoded("dtstart").isoformat() == "2026-10-14T08:30:00+02:00"
    assert str(event["location"]) == "Centre de Vénissieux, 69200"
    assert evaluator.to == ["evaluatrice@exemple.fr"]
    assert "BC01" in evaluator.body and "BC02" in evaluator.body
    assert e.session.inscriptions.filter(convoque_at__isnull=False).count() == 1
    assert not Affectation.objects.filter(epreuve__session=e.session, convoque_at=None).exists()
    assert (
        "convoquée le"
        in client.get(reverse("evaluations:session_detail", args=[e.session.pk])).text
    )


def test_a_convocation_the_mail_server_refused_is_not_recorded_as_sent(
    client, today, django_capture_on_commit_callbacks, settings, caplog
):
    today(date(2026, 10, 1))
    e = ready()
    client.force_login(e.gestionnaire)
    with socket.socket() as probe:  # a local port where no mail server listens
        probe.bind(("127.0.0.1", 0))
        settings.EMAIL_PORT = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("evaluations:convocations_send", args=[e.session.pk]))

    assert not e.session.inscriptions.filter(convoque_at__isnull=False).exists()
    assert not Affectation.objects.filter(convoque_at__isnull=False).exists()
    assert [r.levelname for r in caplog.records if r.name == "cqpilot.mail"] == ["ERROR"] * 2
    page = client.get(reverse("evaluations:session_detail", args=[e.session.pk]))
    assert "pas encore convoquée" in page.text


def test_the_convocation_pdf_names_the_candidate_the_date_and_the_epreuves(client):
    e = ready()
    client.force_login(e.gestionnaire)
    inscription = e.session.inscriptions.get(dossier=e.dossiers[1])

    response = client.get(
        reverse("evaluations:convocation_download", args=[e.session.pk, inscription.pk])
    )

    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split()
    )
    for expected in (
        "Marie DURAND",
        "mercredi 14 octobre 2026 à 08h30",
        "Mise en situation",
        "Écrit",
    ):
        assert expected in text


def test_convocations_are_refused_for_a_session_already_past(client, today):
    today(date(2026, 10, 15))  # the session was on 14 October
    e = ready()
    client.force_login(e.gestionnaire)

    page = client.post(reverse("evaluations:convocations_send", args=[e.session.pk]), follow=True)

    assert (
        "La session s&#x27;est terminée le 14/10/2026 : les convocations ne sont plus envoyées."
        in page.text
    )
    assert mail.outbox == []
    assert (
        f'action="{reverse("evaluations:convocations_send", args=[e.session.pk])}"' not in page.text
    )


def test_convocations_are_sent_until_the_last_day_of_the_session(client, today):
    today(date(2026, 10, 15))
    e = ready()
    e.session.date_fin = date(2026, 10, 15)
    e.session.save()
    client.force_login(e.gestionnaire)

    page = client.post(reverse("evaluations:convocations_send", args=[e.session.pk]), follow=True)

    assert "Convocations en cours d&#x27;envoi : 1 candidat, 1 évaluateur." in page.text
