"""Errors reach the operator — log lines, Sentry reports — without any NIR or e-mail address."""

import io
import logging
import sys

import pytest
from django.urls import reverse
from django_tasks import task
from sentry_sdk.utils import event_from_exception

from cqpilot.core.observability import PersonalDataFilter, scrub, scrub_sentry_event
from cqpilot.core.tests.factories import UserFactory

NIR = "1850578006084"
NIR_WITH_KEY_AND_SPACES = "2 85 05 2A 006 084 36"


@task()
def refuse_a_nir() -> None:
    """A background task whose failure message names a NIR, as a careless check might."""
    raise ValueError(f"NIR {NIR} refusé pour marie.dupont@exemple.fr")


@pytest.fixture
def console():
    """What the configured console handler (settings.LOGGING) writes."""
    [handler] = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, PersonalDataFilter) for f in h.filters)
    ]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.mark.parametrize(
    "text",
    [NIR, NIR + "36", NIR_WITH_KEY_AND_SPACES, "1 85 05 78 006 084", "785057800608436"],
)
def test_nir_like_numbers_are_masked(text):
    assert scrub(f"valeur « {text} » refusée") == "valeur « [NIR masqué] » refusée"


def test_ids_dates_and_codes_are_kept():
    text = "dossier 12345 du 2026-11-20, document CQP-2026-000123, SIRET 78470543600037"
    assert scrub(text) == text


def test_a_failed_task_is_logged_at_error_with_its_path_and_no_nir(console, caplog):
    refuse_a_nir.enqueue()

    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.name == "django_tasks"
    assert "refuse_a_nir" in record.getMessage() and "FAILED" in record.getMessage()
    written = console.getvalue()
    assert "ERROR django_tasks Task id=" in written and "ValueError" in written
    assert NIR not in written and "marie.dupont" not in written
    assert "[NIR masqué]" in written and "[adresse masquée]" in written


def test_sentry_events_lose_the_request_body_query_and_local_variables():
    try:
        nir = NIR  # a local variable Sentry would otherwise send
        raise ValueError(f"NIR {nir} incohérent")
    except ValueError:
        event, hint = event_from_exception(sys.exc_info())
    event["request"] = {
        "method": "POST",
        "url": f"https://cqpilot.exemple.fr/candidats/?q={NIR}",
        "query_string": f"q={NIR}",
        "data": {"nir": NIR, "nom_naissance": "DUPONT"},
        "cookies": {"sessionid": "secret"},
        "headers": {"User-Agent": "Firefox", "Cookie": "sessionid=secret"},
    }
    event["breadcrumbs"] = {
        "values": [{"category": "query", "message": "SELECT …", "data": {"params": [NIR]}}]
    }

    scrubbed = scrub_sentry_event(event, hint)

    assert scrubbed["request"] == {
        "method": "POST",
        "url": "https://cqpilot.exemple.fr/candidats/",
        "headers": {"User-Agent": "Firefox"},
    }
    assert "[NIR masqué]" in scrubbed["exception"]["values"][0]["value"]
    assert NIR not in repr(scrubbed) and "DUPONT" not in repr(scrubbed)


@pytest.mark.django_db
def test_a_refused_page_is_logged_as_one_warning_line_without_traceback(client, console):
    client.force_login(UserFactory())  # no role: the journal is refused

    assert client.get(reverse("audit_log")).status_code == 403

    written = console.getvalue()
    assert written.count("\n") == 1, written
    assert "WARNING django.request Forbidden (Permission denied): /journal/" in written
    assert "Traceback" not in written
