"""Events sent to the partner OFs' webhooks: signed, retried with backoff, logged.

Signature: header `X-Cqpilot-Signature: t=<unix time>,v1=<hex>` where v1 is the HMAC-SHA256,
keyed by the webhook's secret, of `<t>.<body>`; the receiver recomputes it and rejects old
timestamps (replay).

A delivery goes only to public addresses, checked when the name is resolved and connected to
as checked (no DNS rebinding), and never follows a redirection (its target was never checked).
"""

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import time
import urllib.parse
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django_tasks import default_task_backend, task

from .models import Livraison, LivraisonStatus, Webhook

logger = logging.getLogger(__name__)

# after the 1st failure, wait 1 min, then 5 min, 30 min, 2 h, 12 h; then give up (6 tries)
BACKOFF = [timedelta(minutes=m) for m in (1, 5, 30, 120, 720)]
TIMEOUT_SECONDS = 10


# IPv6 forms of an IPv4 address: the check applies to the IPv4 address they lead to.
NAT64 = ipaddress.ip_network("64:ff9b::/96")
PRIVATE_ADDRESS = "L'adresse désigne un réseau privé ou local : donnez une adresse publique."


class AdresseRefusee(Exception):
    """cqpilot does not post to this address; the message says why, in French, to the OF."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def is_allowed_ip(address: str) -> bool:
    """A public address, or one of WEBHOOKS_ALLOWED_NETWORKS (the tests' loopback receiver)."""
    ip = ipaddress.ip_address(address.split("%")[0])
    candidates = [ip]
    if ip.version == 6:
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            candidates.append(embedded)
    allowed = [ipaddress.ip_network(n, strict=False) for n in settings.WEBHOOKS_ALLOWED_NETWORKS]
    return all(
        candidate.is_global or any(candidate in network for network in allowed)
        for candidate in candidates
    )


def checked_addresses(url: str) -> tuple[urllib.parse.SplitResult, str, list[str]]:
    """The URL's parts, its host name (IDNA) and the addresses to connect to: the name is
    resolved once, here, and every address it resolves to must be public. The delivery then
    connects to these very addresses: a name re-pointed to the server's own network between the
    check and the connection (DNS rebinding) is never followed."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("https", "http") or (
        parts.scheme == "http" and not settings.WEBHOOKS_ALLOW_HTTP
    ):
        raise AdresseRefusee("L'adresse doit commencer par https://.")
    try:
        host = (parts.hostname or "").encode("idna").decode("ascii")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        raise AdresseRefusee(f"Le nom « {parts.hostname} » est introuvable.") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses or not all(is_allowed_ip(address) for address in addresses):
        raise AdresseRefusee(PRIVATE_ADDRESS)
    return parts, host, addresses


def address_problem(url: str) -> str | None:
    """Why cqpilot refuses to post to this address, if it does: outside a developer's machine
    only HTTPS, and always to public addresses only, so that a webhook cannot reach the server's
    own network (the check is repeated at each delivery, the name could be re-pointed)."""
    try:
        checked_addresses(url)
    except AdresseRefusee as refusal:
        return refusal.message
    return None


def tls_context() -> ssl.SSLContext:
    """The system's certificate authorities; the certificate is checked against the URL's host
    name, which is also sent as SNI although the connection goes to an address checked above."""
    return ssl.create_default_context()


class _PinnedAddresses:
    """An HTTP(S) connection to the URL's host name (Host header, SNI and certificate check)
    that connects only to the addresses checked beforehand, and checks again the address the
    socket is actually connected to."""

    def __init__(self, host: str, port: int, *, addresses: list[str], **kwargs) -> None:
        super().__init__(host, port, **kwargs)
        self.addresses = addresses
        # http.client opens its socket through this attribute (HTTPS wraps it afterwards).
        self._create_connection = self._connect_to_checked_address

    def _connect_to_checked_address(self, address, timeout, source_address=None):
        _host, port = address
        error: OSError = OSError("aucune adresse")
        for ip in self.addresses:
            try:
                sock = socket.create_connection((ip, port), timeout, source_address)
            except OSError as failure:
                error = failure
                continue
            if not is_allowed_ip(sock.getpeername()[0]):
                sock.close()
                raise AdresseRefusee(PRIVATE_ADDRESS)
            return sock
        raise error


class PinnedHTTPConnection(_PinnedAddresses, http.client.HTTPConnection):
    pass


class PinnedHTTPSConnection(_PinnedAddresses, http.client.HTTPSConnection):
    pass


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POSTs the body and returns the HTTP status, redirections included: they are never
    followed (the new address was never checked)."""
    parts, host, addresses = checked_addresses(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if parts.scheme == "https":
        connection = PinnedHTTPSConnection(
            host, port, addresses=addresses, timeout=TIMEOUT_SECONDS, context=tls_context()
        )
    else:
        connection = PinnedHTTPConnection(host, port, addresses=addresses, timeout=TIMEOUT_SECONDS)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def failure_reason(status: int) -> str:
    if 300 <= status < 400:
        return (
            f"HTTP {status} : redirection refusée, cqpilot ne suit pas les redirections. "
            "Donnez l'adresse finale de votre webhook."
        )
    return f"HTTP {status}"


def new_secret() -> str:
    return secrets.token_hex(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def emit(organisation_id: int | None, evenement: str, data: dict) -> None:
    """Queues the event for the organisation's webhook if it wants it; sent after the commit
    of the change it describes (a rolled-back change sends nothing). Takes the id: issuing a
    thousand documents should not fetch their OF a thousand times."""
    if organisation_id is None:
        return
    webhook = Webhook.objects.filter(organisation_id=organisation_id, actif=True).first()
    if webhook is None or evenement not in webhook.evenements:
        return
    payload = {
        "id": str(uuid.uuid4()),
        "evenement": evenement,
        "date": timezone.now(),
        "donnees": data,
    }
    livraison = Livraison.objects.create(webhook=webhook, evenement=evenement, payload=payload)
    transaction.on_commit(lambda: deliver.enqueue(livraison.pk))


def attempt(livraison: Livraison) -> None:
    """One try; on failure, the next one is scheduled (or the delivery abandoned)."""
    body = json.dumps(livraison.payload, cls=DjangoJSONEncoder, ensure_ascii=False).encode()
    webhook = livraison.webhook
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "cqpilot-webhooks/1",
        "X-Cqpilot-Evenement": livraison.evenement,
        "X-Cqpilot-Livraison": livraison.payload["id"],
        "X-Cqpilot-Signature": signature(webhook.secret, int(time.time()), body),
    }
    livraison.essais += 1
    livraison.dernier_code = None
    try:
        livraison.dernier_code = status = post(webhook.url, body, headers)
    except AdresseRefusee as refusal:
        livraison.derniere_erreur = refusal.message
    except TimeoutError:
        livraison.derniere_erreur = f"Pas de réponse en {TIMEOUT_SECONDS} secondes."
    except (OSError, http.client.HTTPException, ValueError) as error:
        livraison.derniere_erreur = f"Connexion impossible : {error}"[:300]
    else:
        livraison.derniere_erreur = "" if 200 <= status < 300 else failure_reason(status)
    if livraison.dernier_code is not None and not livraison.derniere_erreur:
        livraison.status, livraison.livree_at, livraison.prochain_essai = (
            LivraisonStatus.LIVREE,
            timezone.now(),
            None,
        )
    elif livraison.essais > len(BACKOFF):
        livraison.status, livraison.prochain_essai = LivraisonStatus.ECHEC, None
    else:
        livraison.status = LivraisonStatus.EN_ATTENTE
        livraison.prochain_essai = timezone.now() + BACKOFF[livraison.essais - 1]
    livraison.save()
    if livraison.derniere_erreur:
        log_failure(livraison)
    if livraison.prochain_essai and default_task_backend.supports_defer:
        deliver.using(run_after=livraison.prochain_essai).enqueue(livraison.pk)


def log_failure(livraison: Livraison) -> None:
    """A failed try for the operator: ids, host and reason, never the payload (it holds
    candidates' data). A retried failure is a warning; the abandoned delivery an error."""
    abandoned = livraison.status == LivraisonStatus.ECHEC
    logger.log(
        logging.ERROR if abandoned else logging.WARNING,
        "Webhook delivery %s %s: livraison=%s webhook=%s organisation=%s evenement=%s "
        "essai=%s/%s hote=%s erreur=%s",
        "abandoned" if abandoned else "failed, will retry",
        livraison.payload.get("id"),
        livraison.pk,
        livraison.webhook_id,
        livraison.webhook.organisation_id,
        livraison.evenement,
        livraison.essais,
        len(BACKOFF) + 1,
        urllib.parse.urlsplit(livraison.webhook.url).hostname,
        livraison.derniere_erreur,
    )


@task()
def deliver(livraison_pk: int) -> None:
    livraison = Livraison.objects.select_related("webhook").filter(pk=livraison_pk).first()
    if livraison is None or livraison.status != LivraisonStatus.EN_ATTENTE:
        return  # already delivered (a manual resend and a retry can cross)
    attempt(livraison)


def resend(livraison: Livraison) -> None:
    """The OF asks for one more try (after fixing its endpoint), whatever the status."""
    livraison.status, livraison.prochain_essai = LivraisonStatus.EN_ATTENTE, None
    livraison.essais = min(livraison.essais, len(BACKOFF))
    livraison.save(update_fields=["status", "prochain_essai", "essais"])
    transaction.on_commit(lambda: deliver.enqueue(livraison.pk))
