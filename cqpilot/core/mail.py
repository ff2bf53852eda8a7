"""E-mails leave from the task worker, after the commit of the change they tell about.

A request or a batch never waits for the mail server, and a rolled-back change sends nothing:
`send_after_commit` queues the message with `transaction.on_commit`, the `send_message` task
sends it.

The task's arguments are stored as JSON (django-tasks), so a message is described, not pickled.
An attachment travels one of two ways:
- by reference, `Attachment.stored(...)`: a file already in the media storage, read when the
  message leaves (an issued document's PDF: a lot of a thousand documents keeps small task rows);
- in base64, `Attachment.of_bytes(...)`: what exists only for this message (a calendar
  invitation, a convocation rendered for it; a few tens of kB).

The sending feature learns the outcome from callbacks, module-level functions of cqpilot named by
their import path with JSON arguments: `on_sent` runs once the server accepted the message (an
"envoyé le" is written then, not when the message was queued), `on_failed` once it is given up,
with the reason (the error's class and SMTP code) as its last argument.
A refused or unreachable server is retried (RETRY_AFTER) when the task backend can defer; then
it is logged at ERROR on the `cqpilot.mail` logger, without the addresses or the text. Any other
error (a newline in a subject, a missing attached file) gives the message up at once. When
`on_sent` itself fails, the message has left but the feature could not record it: that is
logged, and `on_failed` runs (reason « … après l'envoi »), so nothing waits forever.

The task rows hold personal data (addresses, text, attachments): a finished message's row is
deleted an hour later (`prune_sent_messages`, from the heartbeat), and every row addressed to a
candidate when he is anonymised (`forget_messages_to`).
"""

import base64
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger("cqpilot.mail")

RETRY_AFTER = [timedelta(minutes=m) for m in (1, 10, 60)]


@dataclass(frozen=True)
class Attachment:
    filename: str
    mimetype: str
    path: str = ""  # in the media storage
    content: bytes = b""

    @classmethod
    def stored(cls, path: str, *, filename: str, mimetype: str) -> "Attachment":
        return cls(filename=filename, mimetype=mimetype, path=path)

    @classmethod
    def of_bytes(cls, content: bytes, *, filename: str, mimetype: str) -> "Attachment":
        return cls(filename=filename, mimetype=mimetype, content=content)

    def as_json(self) -> dict[str, str]:
        described = {"filename": self.filename, "mimetype": self.mimetype}
        if self.path:
            return described | {"path": self.path}
        return described | {"base64": base64.b64encode(self.content).decode("ascii")}


Callback = tuple[Callable[..., Any], list]  # a module-level function of cqpilot, its arguments


def _callback_path(callback: Callback | None) -> list | None:
    if callback is None:
        return None
    function, arguments = callback
    path = f"{function.__module__}.{function.__qualname__}"
    if not path.startswith("cqpilot.") or "<" in path:
        raise ValueError(f"{path} : un rappel d'envoi est une fonction de module de cqpilot.")
    return [path, list(arguments)]


def send_after_commit(
    *,
    subject: str,
    body: str,
    to: Sequence[str],
    attachments: Sequence[Attachment] = (),
    on_sent: Callback | None = None,
    on_failed: Callback | None = None,
) -> None:
    """Queue the message for the worker once the current transaction commits (at once outside
    a transaction); nothing is queued if it rolls back."""
    message = {
        "subject": subject,
        "body": body,
        "to": list(to),
        "attachments": [attachment.as_json() for attachment in attachments],
        "on_sent": _callback_path(on_sent),
        "on_failed": _callback_path(on_failed),
    }
    transaction.on_commit(lambda: send_message.enqueue(message))


def _content_of(attachment: dict[str, str]) -> bytes:
    if "path" in attachment:
        with default_storage.open(attachment["path"], "rb") as file:
            return file.read()
    return base64.b64decode(attachment["base64"])


def _run(callback: list | None, *extra: str) -> None:
    if callback is not None:
        path, arguments = callback
        with transaction.atomic():
            import_string(path)(*arguments, *extra)


def _described(error: Exception) -> str:
    """The error's class and SMTP code: its text may quote the recipients' addresses."""
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__}{f' {code}' if code else ''}"


def _about(message: dict) -> str:
    """What the log says of a message: its callback and the ids it carries, no personal data."""
    if message["on_sent"] is None:
        return "courriel sans suivi"
    path, arguments = message["on_sent"]
    return f"{path}{tuple(arguments)}"


@task()
def send_message(message: dict, attempt: int = 1) -> str:
    """Send one message described by `send_after_commit`; returns what happened (kept with the
    task's result, for an hour: see prune_sent_messages)."""
    try:
        email = EmailMessage(
            message["subject"], message["body"], settings.DEFAULT_FROM_EMAIL, message["to"]
        )
        for attachment in message["attachments"]:
            email.attach(attachment["filename"], _content_of(attachment), attachment["mimetype"])
        email.send()
    except OSError as error:  # smtplib's errors, refused connections and timeouts alike
        return _failed(message, attempt, error)
    except Exception as error:  # a header with a newline, a bad address...: no retry mends it
        return _given_up(message, attempt, _described(error))
    try:
        _run(message["on_sent"])
    except Exception as error:  # the feature would wait forever for a message that left
        reason = f"{_described(error)} après l'envoi"
        logger.error("E-mail sent, its on_sent failed (%s): %s", reason, _about(message))
        _tell_failed(message, reason)
        return f"envoyé, suivi en échec ({reason})"
    return "envoyé"


def _failed(message: dict, attempt: int, error: OSError) -> str:
    reason = _described(error)
    if attempt <= len(RETRY_AFTER) and send_message.get_backend().supports_defer:
        delay = RETRY_AFTER[attempt - 1]
        logger.warning(
            "E-mail not sent (%s), attempt %d, retried in %s: %s",
            reason,
            attempt,
            delay,
            _about(message),
        )
        send_message.using(run_after=timezone.now() + delay).enqueue(message, attempt + 1)
        return f"échec ({reason}), nouvel essai prévu"
    return _given_up(message, attempt, reason)


def _given_up(message: dict, attempt: int, reason: str) -> str:
    attempts = f"{attempt} attempt" if attempt == 1 else f"{attempt} attempts"
    logger.error("E-mail given up after %s (%s): %s", attempts, reason, _about(message))
    _tell_failed(message, reason)
    return f"abandonné ({reason})"


def _tell_failed(message: dict, reason: str) -> None:
    try:
        _run(message["on_failed"], reason)
    except Exception as error:  # logged; the task itself ends, its row is pruned as any other
        logger.error("E-mail on_failed failed (%s): %s", _described(error), _about(message))


# --- Personal data in the task rows ----------------------------------------------------------
# A row holds the addresses, the text and the base64 attachments of its message: it goes once
# the message left (the heartbeat prunes it), and at once when a candidate is anonymised.

SENT_KEPT = timedelta(hours=1)


def _message_rows() -> QuerySet:
    return DBTaskResult.objects.filter(task_path=send_message.module_path)


def prune_sent_messages() -> int:
    """Deletes the rows of messages finished more than SENT_KEPT ago (sent or given up: the
    outcome reached the feature and the log); returns how many."""
    finished = _message_rows().filter(
        status__in=(TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED),
        finished_at__lt=timezone.now() - SENT_KEPT,
    )
    return finished.delete()[0]


def forget_messages_to(addresses: Sequence[str]) -> int:
    """Deletes the waiting and finished messages addressed to any of `addresses` (case
    ignored); a message being sent at this instant is left to its worker."""
    wanted = {address.strip().lower() for address in addresses if address.strip()}
    if not wanted:
        return 0
    rows = _message_rows().exclude(status=TaskResultStatus.RUNNING).only("id", "args_kwargs")
    doomed = [
        row.pk
        for row in rows.iterator()
        if wanted & {to.lower() for to in _recipients(row.args_kwargs)}
    ]
    return _message_rows().filter(pk__in=doomed).delete()[0] if doomed else 0


def _recipients(args_kwargs: dict) -> list[str]:
    """The `to` of a send_message row (enqueued as `(message, attempt)`)."""
    arguments = (args_kwargs or {}).get("args") or [None]
    return list(arguments[0].get("to", [])) if isinstance(arguments[0], dict) else []
