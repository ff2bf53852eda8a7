"""A partner OF's webhook: the events about its candidates only, signed, retried, logged."""

import hashlib
import hmac
import json
import socket
import ssl
import threading
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.urls import reverse
from django.utils import timezone

from cqpilot.api import webhooks
from cqpilot.api.models import Livraison, Webhook
from cqpilot.api.webhooks import BACKOFF, address_problem, attempt
from cqpilot.delivrance.services import a_delivrer, issue_all
from cqpilot.delivrance.tests.factories import signed_jury
from cqpilot.dossiers.workflow import transition
from cqpilot.jurys.pv import apply_decisions

from .factories import world

pytestmark = pytest.mark.django_db(transaction=True)  # events leave after the commit


class Receiver:
    """A real HTTP endpoint on localhost that answers the status codes it is told to (a 3xx
    redirects to `location`), and records every request, whatever its method."""

    def __init__(self, statuses: list[int], tls: ssl.SSLContext | None = None) -> None:
        self.statuses, self.received, self.location = statuses, [], ""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                receiver.received.append((dict(self.headers), self.rfile.read(length)))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", receiver.location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_PUT = do_POST

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_port
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}/cqpilot"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def loopback_allowed(settings):
    """The tests' receivers listen on the loopback, which a webhook may never reach otherwise."""
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.1/32"]


@pytest.fixture
def receiver():
    receivers = []

    def make(*statuses: int, tls: ssl.SSLContext | None = None) -> Receiver:
        receivers.append(Receiver(list(statuses), tls))
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


@pytest.mark.usefixtures("loopback_allowed")
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


@pytest.mark.usefixtures("loopback_allowed")
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


@pytest.mark.usefixtures("loopback_allowed")
def test_an_unreachable_endpoint_is_logged_not_raised(client):
    w = world()
    subscribe(client, w, "http://127.0.0.1:9/ferme")

    transition(w.dossier_a, "abandon", by=w.users["gestionnaire"], motif="Déménagement")

    livraison = Livraison.objects.get()
    assert livraison.status == "en_attente" and livraison.derniere_erreur


@pytest.mark.usefixtures("loopback_allowed")
def test_failed_tries_are_logged_with_ids_the_abandoned_delivery_at_error(client, receiver, caplog):
    w = world()
    endpoint = receiver(*[503] * 10)
    subscribe(client, w, endpoint.url)
    transition(w.dossier_a, "abandon", by=w.users["gestionnaire"], motif="Déménagement")
    livraison = Livraison.objects.get()
    for _ in BACKOFF:
        attempt(livraison)

    records = [r for r in caplog.records if r.name == "cqpilot.api.webhooks"]
    assert [r.levelname for r in records] == ["WARNING"] * 5 + ["ERROR"]
    message = records[-1].getMessage()
    assert f"livraison={livraison.pk}" in message and "essai=6/6" in message
    assert "hote=127.0.0.1" in message and "erreur=HTTP 503" in message
    assert "Déménagement" not in message  # the payload stays out of the logs


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


@pytest.mark.usefixtures("loopback_allowed")
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


@pytest.fixture
def dns(monkeypatch):
    """A resolver for the test's own names: each answers its addresses in turn (the last one
    again and again); any other name goes to the system's resolver."""
    answers: dict[str, list[str]] = {}
    asked: list[str] = []
    system = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return system(host, port, *args, **kwargs)
        asked.append(host)
        queue = answers[host]
        address = queue.pop(0) if len(queue) > 1 else queue[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return SimpleNamespace(answers=answers, asked=asked)


def self_signed_certificate(name: str, folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "certificat.pem", folder / "cle.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.mark.usefixtures("loopback_allowed")
def test_a_redirection_is_not_followed_and_the_delivery_fails_with_its_reason(client, receiver):
    w = world()
    endpoint, elsewhere = receiver(302), receiver()
    endpoint.location = elsewhere.url  # an address nobody checked
    subscribe(client, w, endpoint.url)

    transition(w.dossier_a, "abandon", by=w.users["gestionnaire"], motif="Déménagement")

    assert len(endpoint.received) == 1 and elsewhere.received == []
    livraison = Livraison.objects.get()
    assert (livraison.status, livraison.dernier_code) == ("en_attente", 302)
    assert "redirection refusée" in livraison.derniere_erreur
    assert "redirection refusée" in client.get(reverse("api_ui:webhook")).text


def test_a_name_resolving_to_a_private_address_is_refused_at_connect_time(dns, receiver):
    """The name was public when the OF gave it; at delivery it points to the server's own
    network, and nothing is sent there."""
    w = world()
    endpoint = receiver()
    dns.answers["erp.partenaire.fr"] = ["127.0.0.1"]
    Webhook.objects.create(
        organisation=w.of_a,
        url=f"http://erp.partenaire.fr:{endpoint.port}/cqpilot",
        secret="s",
        evenements=["dossier.etat"],
    )

    transition(w.dossier_a, "abandon", by=w.users["gestionnaire"], motif="Déménagement")

    assert endpoint.received == []
    livraison = Livraison.objects.get()
    assert (livraison.status, livraison.dernier_code) == ("en_attente", None)
    assert "réseau privé ou local" in livraison.derniere_erreur


@pytest.mark.usefixtures("loopback_allowed")
def test_https_connects_to_the_address_checked_keeping_the_name_for_host_sni_and_certificate(
    dns, receiver, settings, tmp_path, monkeypatch
):
    """The name is resolved once, its address checked and connected to; a second answer
    pointing to the server's network (DNS rebinding) is never asked for."""
    settings.WEBHOOKS_ALLOW_HTTP = False
    certificate, key = self_signed_certificate("erp.partenaire.fr", tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(certificate, key)
    names_asked = []
    server_tls.sni_callback = lambda _sock, name, _context: names_asked.append(name)
    endpoint = receiver(tls=server_tls)
    monkeypatch.setattr(
        webhooks, "tls_context", lambda: ssl.create_default_context(cafile=str(certificate))
    )
    dns.answers["erp.partenaire.fr"] = ["127.0.0.1", "10.255.255.1"]
    w = world()
    Webhook.objects.create(
        organisation=w.of_a,
        url=f"https://erp.partenaire.fr:{endpoint.port}/cqpilot",
        secret="s",
        evenements=["dossier.etat"],
    )

    transition(w.dossier_a, "abandon", by=w.users["gestionnaire"], motif="Déménagement")

    assert Livraison.objects.get().status == "livree"
    [(headers, _body)] = endpoint.received
    assert headers["Host"] == f"erp.partenaire.fr:{endpoint.port}"
    assert names_asked == ["erp.partenaire.fr"]
    assert dns.asked == ["erp.partenaire.fr"]


def test_ipv6_spellings_of_a_private_ipv4_address_are_refused(settings):
    settings.WEBHOOKS_ALLOW_HTTP = False
    for internal in (
        "https://[::ffff:127.0.0.1]/",  # IPv4-mapped
        "https://[64:ff9b::a00:8]/",  # NAT64 for 10.0.0.8
        "https://[2002:7f00:1::]/",  # 6to4 for 127.0.0.1
    ):
        assert "réseau privé ou local" in (address_problem(internal) or ""), internal
