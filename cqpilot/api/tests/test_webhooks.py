"""A partner OF's webhook: the events about its candidates only, signed, retried, logged."""

import hashlib
import hmac
import json
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.urls import reverse
from django.utils import timezone

from cqpilot.api.models import Livraison, Webhook
from cqpilot.api.webhooks import BACKOFF, address_problem, attempt
from cqpilot.delivrance.services import a_delivrer, issue_all
from cqpilot.delivrance.tests.factories import signed_jury
from cqpilot.dossiers.workflow import transition
from cqpilot.jurys.pv import apply_decisions

from .factories import world

pytestmark = pytest.mark.django_db(transaction=True)  # events leave after the commit


class Receiver:
    """A real HTTP endpoint on localhost that answers the status codes it is told to."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses, self.received = statuses, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/cqpilot"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receivers = []

    def make(*statuses: int) -> Receiver:
        receivers.append(Receiver(list(statuses)))
        return receivers[-1]

    yield make
    for r in receivers:
        r.close()


def subscribe(client, w, url: str) -> Webhook:
    client.force_login(w.users["of_a"])
    response = client.post(
        reverse("api_ui:webhook"),
        {"url": url, "evenements": ["dossier.etat", "document.delivre"], "actif": "on"},
    )
    assert response.status_code == 302, response.content.decode()
    return Webhook.objects.get(organisation=w.of_a)


def test_the_of_receives_signed_events_about_its_own_candidates_only(client, receiver):
    w = world()
    endpoint = receiver()
    webhook = subscribe(client, w, endpoint.url)

    transition(w.dossier_a, "abandon", by=w.users["gestionnaire"], motif="Déménagement")
    transition(w.dossier_b, "abandon", by=w.users["gestionnaire"], motif="Reconversion")

    [(headers, body)] = endpoint.received
    payload = json.loads(body)
    assert payload["evenement"] == "dossier.etat"
    assert payload["donnees"] == {
        "dossier": w.dossier_a.pk,
        "candidat": w.dossier_a.candidat_id,
        "ancien_etat": "en_evaluation",
        "etat": "abandon",
        "motif": "Déménagement",
    }
    timestamp, signature = (
        part.split("=", 1)[1] for part in headers["X-Cqpilot-Signature"].split(",")
    )
    expected = hmac.new(webhook.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    assert hmac.compare_digest(signature, expected.hexdigest())
    livraison = Livraison.objects.get()
    assert (livraison.status, livraison.essais, livraison.dernier_code) == ("livree", 1, 200)


def test_a_failing_endpoint_is_retried_with_backoff_then_abandoned(client, receiver):
    w = world()
    endpoint = receiver(*[503] * 10)
    subscribe(client, w, endpoint.url)

    transition(w.dossier_a, "abandon", by=w.users["gestionnaire"], motif="Déménagement")
    livraison = Livraison.objects.get()
    assert (livraison.status, livraison.essais, livraison.dernier_code) == ("en_attente", 1, 503)
    assert livraison.prochain_essai - timezone.now() == pytest.approx(
        BACKOFF[0], abs=timedelta(seconds=5)
    )
    for _ in BACKOFF:  # the worker's deferred retries
        attempt(livraison)
    assert (livraison.status, livraison.essais, livraison.prochain_essai) == ("echec", 6, None)
    assert len(endpoint.received) == 6

    page = client.get(reverse("api_ui:webhook")).content.decode()
    assert "Abandonnée après plusieurs essais" in page and "HTTP 503" in page
    endpoint.statuses[:] = []  # the OF fixed its endpoint
    client.post(reverse("api_ui:renvoyer", args=[livraison.pk]))
    livraison.refresh_from_db()
    assert livraison.status == "livree"


def test_an_unreachable_endpoint_is_logged_not_raised(client):
    w = world()
    subscribe(client, w, "http://127.0.0.1:9/ferme")

    transition(w.dossier_a, "abandon", by=w.users["gestionnaire"], motif="Déménagement")

    livraison = Livraison.objects.get()
    assert livraison.status == "en_attente" and livraison.derniere_erreur


def test_outside_a_developer_machine_only_https_to_a_public_address(settings):
    settings.WEBHOOKS_ALLOW_HTTP = False

    assert address_problem("http://erp.exemple.fr/") == "L'adresse doit commencer par https://."
    for internal in (
        "https://127.0.0.1/",
        "https://10.0.0.8/",
        "https://[::1]/",
        "https://localhost/",
    ):
        assert "réseau privé ou local" in address_problem(internal), internal
    assert address_problem("https://93.184.215.14/cqpilot") is None


def test_only_an_of_has_a_webhook_and_only_https_outside_a_developer_machine(client, settings):
    w = world()
    client.force_login(w.users["gestionnaire"])
    assert client.get(reverse("api_ui:webhook")).status_code == 403

    settings.WEBHOOKS_ALLOW_HTTP = False
    client.force_login(w.users["of_a"])
    page = client.post(
        reverse("api_ui:webhook"), {"url": "http://erp.exemple.fr/", "evenements": ["dossier.etat"]}
    )
    assert "doit commencer par https://." in page.content.decode()
    assert not Webhook.objects.exists()


def test_decisions_and_documents_are_sent_when_the_pv_applies_and_the_documents_issue(receiver):
    s = signed_jury()
    endpoint = receiver()
    Webhook.objects.create(
        organisation=s.of,
        url=endpoint.url,
        secret="s",
        evenements=["decision.prise", "document.delivre"],
    )

    apply_decisions(s.jury, by=s.president)  # as a rectified PV re-applies them
    issue_all(a_delivrer(s.jury), by=s.gestionnaire, on=date(2026, 11, 25))

    events = [json.loads(body) for _headers, body in endpoint.received]
    decisions = [e["donnees"] for e in events if e["evenement"] == "decision.prise"]
    documents = [e["donnees"] for e in events if e["evenement"] == "document.delivre"]
    assert sorted(d["decision"] for d in decisions) == ["non_valide", "partielle", "totale"]
    assert {b["bloc"] for b in decisions[0]["blocs"]} == {"BC01", "BC02", "BC03"}
    assert sorted(d["type"] for d in documents) == ["attestation", "parchemin"]
    assert all(d["date_delivrance"] == "2026-11-25" for d in documents)
