"""E-mails leave after the commit, from the task worker, and their outcome reaches the feature."""

import logging
import socket
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cqpilot.core.mail import Attachment, send_after_commit, send_message

pytestmark = pytest.mark.django_db

OUTCOMES: list[tuple] = []


def record_sent(*arguments) -> None:
    OUTCOMES.append(("envoyé", *arguments))


def record_failed(*arguments) -> None:
    OUTCOMES.append(("échec", *arguments))


@pytest.fixture(autouse=True)
def outcomes():
    OUTCOMES.clear()
    yield OUTCOMES
    OUTCOMES.clear()


def queue(**overrides) -> None:
    send_after_commit(
        **{
            "subject": "Votre parchemin",
            "body": "Bonjour Marie",
            "to": ["marie.benali@exemple.fr"],
            "on_sent": (record_sent, [42]),
            "on_failed": (record_failed, [42]),
        }
        | overrides
    )


@pytest.fixture
def smtp_unreachable(settings):
    """A real SMTP backend pointed at a local port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2


def test_nothing_leaves_before_the_commit(django_capture_on_commit_callbacks, outcomes):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            queue()
            assert mail.outbox == []
        assert mail.outbox == []  # the test's own transaction is still open

    assert len(callbacks) == 1
    [message] = mail.outbox
    assert (message.subject, message.body, message.to) == (
        "Votre parchemin",
        "Bonjour Marie",
        ["marie.benali@exemple.fr"],
    )
    assert outcomes == [("envoyé", 42)]


def test_a_rolled_back_change_sends_nothing(django_capture_on_commit_callbacks, outcomes):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        queue()
        raise RuntimeError("the change is refused")

    assert callbacks == [] and mail.outbox == [] and outcomes == []


def test_the_message_carries_a_stored_file_and_bytes(django_capture_on_commit_callbacks):
    path = default_storage.save("tests-courriels/CQP-2026-00001.pdf", ContentFile(b"%PDF-1.7 x"))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            queue(
                attachments=[
                    Attachment.stored(
                        path, filename="CQP-2026-00001.pdf", mimetype="application/pdf"
                    ),
                    Attachment.of_bytes(
                        b"BEGIN:VCALENDAR", filename="convocation.ics", mimetype="text/calendar"
                    ),
                ]
            )
    finally:
        default_storage.delete(path)

    [message] = mail.outbox
    assert message.attachments == [
        ("CQP-2026-00001.pdf", b"%PDF-1.7 x", "application/pdf"),
        ("convocation.ics", "BEGIN:VCALENDAR", "text/calendar"),  # text parts come decoded
    ]


def test_an_unreachable_server_is_logged_without_personal_data_and_recorded(
    django_capture_on_commit_callbacks, smtp_unreachable, caplog, outcomes
):
    with (
        caplog.at_level(logging.WARNING, logger="cqpilot.mail"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        queue()

    assert outcomes == [("échec", 42, "ConnectionRefusedError")]  # never marked as sent
    [record] = caplog.records
    assert (record.name, record.levelname) == ("cqpilot.mail", "ERROR")
    assert "ConnectionRefusedError" in record.getMessage()
    assert "record_sent(42,)" in record.getMessage()
    assert "marie" not in caplog.text.lower() and "parchemin" not in caplog.text


def test_a_worker_that_can_defer_tries_again_later(settings, smtp_unreachable, caplog, outcomes):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    message = {
        "subject": "Votre parchemin",
        "body": "Bonjour Marie",
        "to": ["marie.benali@exemple.fr"],
        "attachments": [],
        "on_sent": None,
        "on_failed": ["cqpilot.core.tests.test_mail.record_failed", [42]],
    }

    with caplog.at_level(logging.WARNING, logger="cqpilot.mail"):
        assert send_message.call(message) == "échec (ConnectionRefusedError), nouvel essai prévu"

    [retry] = DBTaskResult.objects.all()
    assert retry.args_kwargs == {"args": [message, 2], "kwargs": {}}
    assert retry.run_after - timezone.now() > timedelta(seconds=50)
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert outcomes == []  # not given up yet

    assert send_message.call(message, 4) == "abandonné (ConnectionRefusedError)"
    assert outcomes == [("échec", 42, "ConnectionRefusedError")]


def test_a_callback_is_a_function_of_cqpilot_the_worker_can_import():
    with pytest.raises(ValueError):
        queue(on_sent=(lambda: None, []))
