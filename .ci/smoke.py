"""Smoke test of a production set-up, over HTTP: what an operator runs, as the README says.

Production settings (DEBUG off, real keys, PostgreSQL database `cqpilot_smoke` created afresh),
`migrate`, `load-demo`, `collectstatic`, `check --deploy`, then gunicorn and a `db_worker` on
this machine. A demo gestionnaire logs in through the reverse proxy's headers (HTTPS said by
X-Forwarded-Proto, so the cookies are Secure), sets up the two-factor authentication the
production asks of him, opens the main pages, downloads an issued document's PDF, creates an
API token and reads the API with it; `/sante/` must answer 200 once the worker beats.

Stops what it started and exits with 1, naming each failure, if anything fails.
Run: `make smoke` (or `.venv/bin/python .ci/smoke.py`). PostgreSQL: SMOKE_POSTGRES_URL,
by default postgres://postgres@127.0.0.1:5432 (a role that may create databases).
"""

import base64
import hashlib
import hmac
import html
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet

REPOSITORY = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
POSTGRES = os.environ.get("SMOKE_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DATABASE = "cqpilot_smoke"
USERNAME, PASSWORD = "gestionnaire.metallurgie", "cqpilot-demo"  # README: demo accounts
STARTED = time.monotonic()
failures: list[str] = []


def say(message: str) -> None:
    print(f"[smoke {time.monotonic() - STARTED:5.1f} s] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fresh_database() -> str:
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')
    return f"{POSTGRES}/{DATABASE}"


def drop_database() -> None:
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def totp(key_base32: str, at: float | None = None) -> str:
    """RFC 6238, as the user's authenticator application computes it (30 s, 6 digits)."""
    compact = key_base32.replace(" ", "").upper()
    key = base64.b32decode(compact + "=" * (-len(compact) % 8))
    counter = struct.pack(">Q", int((at or time.time()) // 30))
    digest = hmac.new(key, counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


class Browser:
    """A browser behind the HTTPS proxy: every request says X-Forwarded-Proto: https, keeps
    the cookies (Secure ones included) and sends Origin on POST, as Django's CSRF check wants."""

    def __init__(self, port: int) -> None:
        self.port, self.cookies = port, {}
        self.origin = f"https://127.0.0.1:{port}"

    def request(
        self, method: str, path: str, *, form: dict | None = None, headers: dict | None = None
    ) -> tuple[int, dict, bytes]:
        all_headers = {"X-Forwarded-Proto": "https", "Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            all_headers |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.origin,
                "Referer": self.origin + path,
            }
        all_headers |= headers or {}
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie_name, cookie_value = value.split(";", 1)[0].split("=", 1)
                cookie_name, attributes = cookie_name.strip(), value.lower().split(";")[1:]
                if any(attribute.strip() == "max-age=0" for attribute in attributes):
                    self.cookies.pop(cookie_name, None)  # deleted
                    continue
                self.cookies[cookie_name] = cookie_value.strip()
                if not any(attribute.strip() == "secure" for attribute in attributes):
                    failures.append(f"cookie {cookie_name} sans l'attribut Secure")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, content

    def get(self, path: str, **kwargs) -> tuple[int, dict, bytes]:
        return self.request("GET", path, **kwargs)

    def submit(self, path: str, fields: dict) -> tuple[int, dict, bytes]:
        """GETs the form page for its CSRF token, then POSTs the fields to it."""
        _status, _headers, page = self.get(path)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if token is None:
            raise AssertionError(f"{path} : pas de formulaire avec jeton CSRF")
        return self.request("POST", path, form={"csrfmiddlewaretoken": token[1].decode(), **fields})


def expect(condition: bool, what: str) -> bool:
    if condition:
        say(f"ok  {what}")
    else:
        say(f"ÉCHEC  {what}")
        failures.append(what)
    return condition


def start(env: dict, *args: str) -> subprocess.Popen:
    say("cqpilot " + " ".join(args))
    return subprocess.Popen(
        [str(BIN / "python"), "-m", "cqpilot.cli", *args],
        cwd=REPOSITORY,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(process: subprocess.Popen) -> None:
    output, _ = process.communicate()
    if process.returncode != 0:
        command = " ".join(process.args[3:])
        raise AssertionError(f"cqpilot {command} a échoué :\n{output[-3000:]}")
    say(f"fini : cqpilot {' '.join(process.args[3:])}")


def run(env: dict, *args: str) -> None:
    finish(start(env, *args))


def wait_for(what: str, check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except OSError:
            pass
        time.sleep(0.5)
    return expect(False, f"{what} en moins de {seconds:.0f} s")


def walk(browser: Browser) -> None:
    status, headers, _ = browser.get("/")
    expect(
        status == 302 and "/connexion/" in headers.get("location", ""), "/ envoie vers la connexion"
    )

    status, headers, _ = browser.submit("/connexion/", {"username": USERNAME, "password": PASSWORD})
    expect(status == 302, f"connexion de {USERNAME} (réponse {status})")
    _status, headers, _ = browser.get(headers.get("location", "/"))
    location = headers.get("location", "")
    if "double-authentification" in location:  # production asks gestionnaires for a 2nd factor
        _status, _headers, page = browser.get(location)
        key = re.search(rb'id="cle-secrete">([A-Z2-7 ]+)<', page)
        if not expect(key is not None, "la page de double authentification montre la clé"):
            return
        status, headers, _ = browser.submit(location, {"code": totp(key[1].decode())})
        expect(status == 302, "code de l'application accepté, double authentification activée")
        _status, _headers, page = browser.get(headers.get("location", "/"))
        browser.recovery_codes = [
            c.decode() for c in re.findall(rb"<li><code>([^<]+)</code>", page)
        ]
        expect(len(browser.recovery_codes) == 10, "10 codes de secours affichés")

    pages = {  # each page, and a text of the demo it must show
        "/": "Accueil",
        "/certifications/": "Agent de maintenance",
        "/dossiers/": "Agent de maintenance",
        "/jurys/": "Agent de maintenance",
        "/delivrance/": "CQP-",
        "/candidats/": "</table>",
        "/pilotage/": "Agent de maintenance",
    }
    for path, text in pages.items():
        status, _headers, page = browser.get(path)
        expect(status == 200 and text.encode() in page, f"{path} (réponse {status})")

    _status, _headers, home = browser.get("/")
    stylesheet = re.search(rb'href="(/static/[^"]+\.css)"', home)
    if expect(stylesheet is not None, "la page cite sa feuille de style"):
        status, headers, _ = browser.get(stylesheet[1].decode())
        expect(
            status == 200 and "max-age" in headers.get("cache-control", ""),
            f"fichier statique servi par whitenoise, mis en cache ({status})",
        )

    _status, _headers, registre = browser.get("/delivrance/")
    document = re.search(rb'href="(/delivrance/documents/(\d+)/)"', registre)
    if expect(document is not None, "le registre liste un document délivré"):
        status, headers, pdf = browser.get(f"/delivrance/documents/{document[2].decode()}/pdf/")
        expect(
            status == 200 and pdf.startswith(b"%PDF") and len(pdf) > 5000,
            f"PDF du document délivré ({status}, {len(pdf)} octets)",
        )

    status, headers, _ = browser.submit("/api/jetons/", {"nom": "smoke"})
    if status == 302 and "/compte/confirmer/" in headers.get("location", ""):
        confirm = urllib.parse.urlsplit(headers["location"])
        confirm_path = f"{confirm.path}?{confirm.query}"
        code = browser.recovery_codes.pop() if getattr(browser, "recovery_codes", None) else ""
        status, headers, _ = browser.submit(confirm_path, {"code": code, "password": PASSWORD})
        expect(status == 302, "identité confirmée avant de créer un jeton d'API")
        status, headers, page = browser.submit("/api/jetons/", {"nom": "smoke"})
    else:
        page = _
    key = re.search(rb'id="nouveau-jeton">([^<]+)<', page)
    if expect(key is not None, f"jeton d'API créé ({status})"):
        token = html.unescape(key[1].decode())
        api = Browser(browser.port)
        status, _headers, body = api.get(
            "/api/v1/dossiers", headers={"Authorization": f"Bearer {token}"}
        )
        expect(
            status == 200 and isinstance(json.loads(body), list | dict),
            f"API lue avec le jeton ({status})",
        )
        status, _headers, _ = api.get("/api/v1/dossiers", headers={"Authorization": "Bearer faux"})
        expect(status == 401, f"API refusée avec un faux jeton ({status})")

    status, _headers, _ = browser.get("/media/pieces/inexistant.pdf")
    expect(status == 404, f"aucun fichier déposé servi sous /media/ ({status})")


def main() -> int:
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="cqpilot-smoke-"))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "EMAIL_", "SENTRY_", "HEALTHCHECK_", "MFA_"))
    } | {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{port}",
        "PUBLIC_URL": f"https://127.0.0.1:{port}",
        "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
        "STATIC_ROOT": str(work / "static"),
        "MEDIA_ROOT": str(work / "media"),
        "CACHE_DIR": str(work / "cache"),
        "DJANGO_SETTINGS_MODULE": "cqpilot.settings",
    }
    processes: list[subprocess.Popen] = []
    try:
        say(f"base {DATABASE} neuve, port {port}")
        env["DATABASE_URL"] = fresh_database()
        # Compressing the static files (brotli) takes a core for a while: beside the database.
        collectstatic = start(env, "collectstatic", "--noinput")
        processes.append(collectstatic)  # stopped too if what follows fails
        run(env, "migrate", "--noinput")
        run(env, "load-demo")
        finish(collectstatic)
        run(env, "check", "--deploy", "--fail-level", "WARNING")
        logs = open(work / "serveurs.log", "w")  # noqa: SIM115  (closed with the processes)
        processes.append(
            subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "cqpilot.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "2",
                    "--timeout",
                    "60",
                    "--no-control-socket",
                    "--access-logfile",
                    "-",
                ],
                cwd=REPOSITORY,
                env=env,
                stdout=logs,
                stderr=subprocess.STDOUT,
            )
        )
        processes.append(
            subprocess.Popen(
                [str(BIN / "python"), "-m", "cqpilot.cli", "db_worker", "--interval", "1"],
                cwd=REPOSITORY,
                env=env,
                stdout=logs,
                stderr=subprocess.STDOUT,
            )
        )
        browser = Browser(port)
        if not wait_for("gunicorn répond", lambda: browser.get("/connexion/")[0] == 200, 30):
            return 1

        status, headers, _ = Browser(port).request(
            "GET", "/connexion/", headers={"X-Forwarded-Proto": "http"}
        )
        expect(
            status == 301 and headers.get("location", "").startswith("https://"),
            f"HTTP redirigé vers HTTPS ({status})",
        )
        walk(browser)

        health: dict = {}

        def healthy() -> bool:
            status, _headers, body = Browser(port).get("/sante/")
            health.update(json.loads(body))
            return status == 200

        if wait_for("/sante/ répond 200 (base, cache, worker, tâches)", healthy, 20):
            expect(True, f"/sante/ : {json.dumps(health['verifications'], ensure_ascii=False)}")
        else:
            say(f"/sante/ : {json.dumps(health, ensure_ascii=False)}")
    except Exception as failure:  # whatever it is, the servers are stopped and it is named
        failures.append(f"{type(failure).__name__}: {failure}")
        say(f"ÉCHEC  {type(failure).__name__}: {failure}")
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        if failures and (work / "serveurs.log").exists():
            print("--- journal de gunicorn et du worker ---")
            print((work / "serveurs.log").read_text()[-6000:])
        shutil.rmtree(work, ignore_errors=True)
        try:
            drop_database()  # the demo's personal data is not left behind
        except psycopg.Error as error:
            say(f"base {DATABASE} non supprimée : {error}")
    if failures:
        say(f"{len(failures)} échec(s) :")
        for failure in failures:
            print(f"  - {failure}")
        return 1
    say("tout va bien")
    return 0


if __name__ == "__main__":
    sys.exit(main())
