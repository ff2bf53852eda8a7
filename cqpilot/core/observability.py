"""What leaves the server about its errors — log lines and Sentry reports — carries no NIR.

Logs go to the journal of systemd and, with SENTRY_DSN, to Sentry: both are read by people who
may not see candidates' data. A NIR could still slip into an exception's message (a value a
check refused) or a request a report describes, so each log record and each Sentry event is
scrubbed here before it is written or sent: NIR-like numbers and e-mail addresses are masked,
request bodies, query strings, cookies and local variables are dropped.

Imported by settings.py: nothing here touches Django's models.
"""

import logging
import re
from typing import Any

# A NIR, with or without its key, spaces allowed between its groups: sex (1, 2, or 3, 4, 7, 8
# for special and provisional numbers), year, month, department (2A/2B for Corsica), commune,
# order number. A SIRET (14 digits) is not one: it is kept.
NIR_LIKE = re.compile(
    r"(?<![0-9A-Za-z])[1-478] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3}(?: ?\d{2})?(?![0-9A-Za-z])",
    re.IGNORECASE,
)
EMAIL_LIKE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
MASK_NIR = "[NIR masqué]"
MASK_EMAIL = "[adresse masquée]"


def scrub(text: str) -> str:
    """The text with every NIR-like number and e-mail address masked."""
    return EMAIL_LIKE.sub(MASK_EMAIL, NIR_LIKE.sub(MASK_NIR, text))


class PersonalDataFilter(logging.Filter):
    """Masks NIRs and e-mail addresses in a record's message and traceback; attached to the
    handlers (settings.LOGGING), so every logger's records pass through it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call: keep its template only
            message = str(record.msg)
        record.msg, record.args = scrub(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


class ForbiddenWithoutTraceback(logging.Filter):
    """A refused page (403) is an expected answer, not a fault: Django logs it with the
    PermissionDenied traceback, which says nothing useful and floods the log; keep the line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "django.request" and getattr(record, "status_code", None) == 403:
            record.exc_info = record.exc_text = None
        return True


def _scrub_values(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_scrub_values(item) for item in value]
    if isinstance(value, dict):
        return {key: _scrub_values(item) for key, item in value.items()}
    return value


def scrub_sentry_event(event: dict, hint: dict | None = None) -> dict:
    """Sentry's before_send: the request keeps its method and path only (no body, query
    string, cookies or headers beyond the user agent), frames lose their local variables,
    and every remaining text is scrubbed."""
    request = event.get("request")
    if isinstance(request, dict):
        url = str(request.get("url", "")).split("?", 1)[0]
        headers = request.get("headers") or {}
        kept_headers = {
            name: value for name, value in headers.items() if name.lower() == "user-agent"
        }
        event["request"] = {"method": request.get("method"), "url": url, "headers": kept_headers}
    for exception in (event.get("exception") or {}).get("values") or []:
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    for thread in (event.get("threads") or {}).get("values") or []:
        for frame in (thread.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    event.pop("user", None)
    breadcrumbs = event.get("breadcrumbs")
    if isinstance(breadcrumbs, dict):
        for breadcrumb in breadcrumbs.get("values") or []:
            if breadcrumb.get("category") == "query":
                breadcrumb.pop("data", None)  # the SQL's parameters
    return _scrub_values(event)


def init_sentry(dsn: str, *, environment: str, traces_sample_rate: float) -> None:
    """Sends errors (and, if asked, a sample of timings) to Sentry without personal data."""
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration()],
        send_default_pii=False,  # no user, cookies, IP address or request body
        max_request_body_size="never",
        include_local_variables=False,
        before_send=scrub_sentry_event,
        before_send_transaction=scrub_sentry_event,
        traces_sample_rate=traces_sample_rate,
    )
