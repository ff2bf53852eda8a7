"""Events sent to the partner OFs' webhooks: signed, retried with backoff, logged.

Signature: header `X-Cqpilot-Signature: t=<unix time>,v1=<hex>` where v1 is the HMAC-SHA256,
keyed by the webhook's secret, of `<t>.<body>`; the receiver recomputes it and rejects old
timestamps (replay).
"""

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django_tasks import default_task_backend, task

from .models import Livraison, LivraisonStatus, Webhook

# after the 1st failure, wait 1 min, then 5 min, 30 min, 2 h, 12 h; then give up (6 tries)
BACKOFF = [timedelta(minutes=m) for m in (1, 5, 30, 120, 720)]
TIMEOUT_SECONDS = 10


def address_problem(url: str) -> str | None:
    """Why cqpilot refuses to post to this address, if it does: outside a developer's machine
    only HTTPS to public addresses, so that a webhook cannot reach the server's own network
    (the check is repeated at each delivery, the name could be re-pointed)."""
    if settings.WEBHOOKS_ALLOW_HTTP:
        return None
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https":
        return "L'adresse doit commencer par https://."
    try:
        addresses = {
            info[4][0] for info in socket.getaddrinfo(parts.hostname or "", parts.port or 443)
        }
    except (socket.gaierror, UnicodeError):
        return f"Le nom « {parts.hostname} » est introuvable."
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global:
            return "L'adresse désigne un réseau privé ou local : donnez une adresse publique."
    return None


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
    request = urllib.request.Request(
        webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "cqpilot-webhooks/1",
            "X-Cqpilot-Evenement": livraison.evenement,
            "X-Cqpilot-Livraison": livraison.payload["id"],
            "X-Cqpilot-Signature": signature(webhook.secret, int(time.time()), body),
        },
    )
    livraison.essais += 1
    try:
        if problem := address_problem(webhook.url):
            raise urllib.error.URLError(problem)
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            livraison.dernier_code, livraison.derniere_erreur = response.status, ""
    except urllib.error.HTTPError as error:
        livraison.dernier_code, livraison.derniere_erreur = error.code, f"HTTP {error.code}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        livraison.dernier_code = None
        livraison.derniere_erreur = str(getattr(error, "reason", error))[:300]
    if livraison.dernier_code is not None and 200 <= livraison.dernier_code < 300:
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
    if livraison.prochain_essai and default_task_backend.supports_defer:
        deliver.using(run_after=livraison.prochain_essai).enqueue(livraison.pk)


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
