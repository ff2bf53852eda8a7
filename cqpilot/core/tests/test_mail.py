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
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from cqpilot.core.health import heartbeat
from cqpilot.core.mail import (
    Attachment,
    forget_messages_to,
    prune_sent_messages,
    send_after_commit,
    send_message,
)

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


def fail_on_sent(*arguments) -> None:
    raise LookupError("the feature's row is locked or gone")


def test_a_message_the_backend_refuses_to_build_is_given_up_and_logged(
    django_capture_on_commit_callbacks, caplog, outcomes
):
    with (
        caplog.at_level(logging.WARNING, logger="cqpilot.mail"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        queue(subject="Votre parchemin\nBcc: marie.benali@exemple.fr")

    assert mail.outbox == []
    assert outcomes == [("échec", 42, "BadHeaderError")]  # never left « en attente »
    [record] = caplog.records
    assert record.levelname == "ERROR" and "BadHeaderError" in record.getMessage()
    assert "marie" not in caplog.text.lower() and "parchemin" not in caplog.text


def test_a_missing_attachment_is_given_up_not_left_waiting(
    django_capture_on_commit_callbacks, outcomes
):
    with django_capture_on_commit_callbacks(execute=True):
        queue(
            attachments=[
                Attachment.stored(
                    "tests-courriels/absent.pdf", filename="a.pdf", mimetype="application/pdf"
                )
            ]
        )

    assert mail.outbox == [] and outcomes == [("échec", 42, "FileNotFoundError")]


def test_a_failing_on_sent_is_logged_and_the_feature_told_it_is_not_recorded(
    django_capture_on_commit_callbacks, caplog, outcomes
):
    with (
        caplog.at_level(logging.WARNING, logger="cqpilot.mail"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        queue(on_sent=(fail_on_sent, [42]))

    assert len(mail.outbox) == 1
    assert outcomes == [("échec", 42, "LookupError après l'envoi")]
    [record] = caplog.records
    assert record.levelname == "ERROR" and "LookupError" in record.getMessage()
    assert "locked" not in caplog.text and "marie" not in caplog.text.lower()


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def sent_row(to: str, finished_ago: timedelta) -> DBTaskResult:
    send_message.enqueue({"subject": "s", "body": "b", "to": [to], "attachments": []} | NO_CALLBACK)
    row = DBTaskResult.objects.latest("enqueued_at")
    DBTaskResult.objects.filter(pk=row.pk).update(
        status=TaskResultStatus.SUCCESSFUL, finished_at=timezone.now() - finished_ago
    )
    return row


NO_CALLBACK = {"on_sent": None, "on_failed": None}


def test_sent_messages_rows_are_deleted_an_hour_after_they_left(database_tasks):
    old = sent_row("marie.benali@exemple.fr", timedelta(hours=2))
    recent = sent_row("paul.martin@exemple.fr", timedelta(minutes=5))
    send_message.enqueue(
        {"subject": "s", "body": "b", "to": ["x@exemple.fr"], "attachments": []} | NO_CALLBACK
    )

    assert prune_sent_messages() == 1

    assert not DBTaskResult.objects.filter(pk=old.pk).exists()
    assert DBTaskResult.objects.filter(pk=recent.pk).exists()
    assert DBTaskResult.objects.count() == 2  # the waiting one stays


def test_the_heartbeat_prunes_the_sent_messages(database_tasks):
    old = sent_row("marie.benali@exemple.fr", timedelta(hours=2))
    heartbeat.call()
    assert not DBTaskResult.objects.filter(pk=old.pk).exists()


def test_forgetting_an_address_deletes_its_waiting_and_finished_messages(database_tasks):
    sent_row("Marie.Benali@exemple.fr", timedelta(minutes=5))
    send_message.enqueue(
        {"subject": "s", "body": "b", "to": ["marie.benali@exemple.fr"], "attachments": []}
        | NO_CALLBACK
    )
    kept = sent_row("paul.martin@exemple.fr", timedelta(minutes=5))

    assert forget_messages_to(["marie.benali@exemple.fr", ""]) == 2

    assert list(DBTaskResult.objects.filter(task_path=send_message.module_path)) == [kept]
