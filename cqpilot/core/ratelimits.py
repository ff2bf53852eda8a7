"""Exact request counting for the throttles: password-reset e-mails and the API.

One counter per key and fixed time window, incremented by a single `INSERT … ON CONFLICT DO
UPDATE … RETURNING` statement: the database serialises concurrent requests, across threads and
server processes. The file cache counted with a read then a write, so concurrent requests read
the same count: 16 threads got 726 requests through a 600/min limit.
"""

import hashlib
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from .models import RateCounter

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """`600/m`, `10/h`, `5/15m` (the settings' env_rate checked the format)."""
        match = re.fullmatch(r"([1-9]\d*)/(\d*)([smhd])", text)
        if match is None:
            raise ValueError(f"Débit invalide : {text!r} (attendu : 10/h, 600/m…)")
        count, multiplier, unit = match.groups()
        return cls(int(count), int(multiplier or 1) * PERIODS[unit])


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window ends and the count starts again


def _key(scope: str, ident: str) -> str:
    # hashed: the table holds no address, e-mail or token
    return hashlib.sha256(f"{scope}:{ident}".encode()).hexdigest()


def _window(rate: Rate) -> tuple[int, int, int]:
    now = int(time.time())
    start = now - now % rate.seconds
    return now, start, start + rate.seconds


def hit(scope: str, ident: str, rate: Rate) -> Verdict:
    """Count one request of `ident`: allowed while the window's count stays within the rate."""
    now, start, end = _window(rate)
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    key, window, expires, hits = (
        connection.ops.quote_name(name) for name in ("key", "window_start", "expires_at", "hits")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key}, {window}, {expires}, {hits}) VALUES (%s, %s, %s, 1) "
            f"ON CONFLICT ({key}, {window}) DO UPDATE SET {hits} = {table}.{hits} + 1 "
            f"RETURNING {hits}",
            [_key(scope, ident), start, end],
        )
        # fetchall, not fetchone: SQLite finishes an INSERT … RETURNING only once every row is
        # read; a statement left open makes the next COMMIT of the connection fail
        ((count,),) = cursor.fetchall()
    if count == 1:  # a new window: forget the finished ones, of every key
        RateCounter.objects.filter(expires_at__lte=now).delete()
    return Verdict(count <= rate.count, end - now)


def peek(scope: str, ident: str, rate: Rate) -> Verdict:
    """Whether `ident` is still within the rate, without counting this request."""
    now, start, end = _window(rate)
    count = (
        RateCounter.objects.filter(key=_key(scope, ident), window_start=start)
        .values_list("hits", flat=True)
        .first()
    ) or 0
    return Verdict(count < rate.count, end - now)


def client_ip(request) -> str | None:
    """The requester's address, for the throttles and the lockouts (AXES_CLIENT_IP_CALLABLE).

    Behind TRUSTED_PROXY_COUNT reverse proxies, REMOTE_ADDR is the nearest proxy's: the client is
    then the address the farthest of them saw, the last but N-1 of X-Forwarded-For (read from
    the right: its left part is written by the client and proves nothing)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        forwarded = [address.strip() for address in forwarded if address.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")  # None for a request built by hand (force_login)
