"""Session lifetime: an idle timeout and an absolute one, both from the settings."""

import time

from django.conf import settings

STARTED_AT = "cqpilot_session_started_at"
LAST_SEEN = "cqpilot_session_last_seen"
# The last request is written back at most once a minute, not on every page.
LAST_SEEN_PRECISION = 60


def start(session) -> None:
    now = time.time()
    session[STARTED_AT] = now
    session[LAST_SEEN] = now


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} heure{'s' if hours > 1 else ''}"
    minutes = max(1, seconds // 60)
    return f"{minutes} minute{'s' if minutes > 1 else ''}"


def expiry(session) -> str | None:
    """Why the session is over (a French message), or None after noting this request."""
    now = time.time()
    started, last_seen = session.get(STARTED_AT), session.get(LAST_SEEN)
    if started is None or last_seen is None:  # a session opened before this rule existed
        start(session)
        return None
    if now - started > settings.SESSION_ABSOLUTE_TIMEOUT:
        return (
            f"Votre session a atteint sa durée maximale de "
            f"{_duration(settings.SESSION_ABSOLUTE_TIMEOUT)} : reconnectez-vous."
        )
    if now - last_seen > settings.SESSION_IDLE_TIMEOUT:
        return (
            f"Votre session a expiré après {_duration(settings.SESSION_IDLE_TIMEOUT)} "
            "d'inactivité : reconnectez-vous."
        )
    if now - last_seen >= LAST_SEEN_PRECISION:
        session[LAST_SEEN] = now
    return None
