"""Benchmark: cqpilot on two web servers and two workers sharing PostgreSQL and Redis.

What the issue « Au-delà d'une machine » promises, checked over HTTP on this machine: two gunicorn
instances, A and B (production settings, two processes each, each with a cache folder of its
own, so that only Redis can share what they share), and two `cqpilot db_worker`, on one
PostgreSQL database (`cqpilot_bench_scale`, created afresh with the demo and dropped at the end)
and one Redis database (flushed before and after). The client plays the load balancer: one
public HTTPS address and one cookie jar, each request sent to the instance it names.

1. a session opened on A is used on B (and an identity confirmed on B is known to A);
2. the API's limit per token (API_RATE) holds across A and B;
3. the public verification page's limit per address (VERIFICATION_RATE) holds across A and B;
4. a délivrance lot started on A shows its progress, then its outcome, on B;
5. two lots started at once, one on A and one on B, are run by the two workers and their
   numbers join the register's in one sequence without a gap or a duplicate;
6. load: threads on each instance request a mix of pages; per instance, the requests, errors,
   p50 and p95.

Targets: every check holds; under the load, no error and a p95 under 1 s per instance (a
bound chosen here: two gunicorn processes per instance on a 2-core machine that also runs the
workers, PostgreSQL and the client). Exits with 1 when one is missed. Needs PostgreSQL and Redis;
not run by `make test`.

    python benchmarks/scale.py [--threads 4] [--requests 40]
        [--postgres-url postgres://postgres@127.0.0.1:5432] [--redis-url redis://127.0.0.1:6379/14]
"""

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path

import psycopg
import redis
from child import ROOT, Targets, production_env, run_child

BIN = Path(sys.executable).parent
DATABASE = "cqpilot_bench_scale"
PUBLIC_HOST = "cqpilot-echelle.test"  # the load balancer's name, served by both instances
USERNAME, PASSWORD = "gestionnaire.metallurgie", "cqpilot-demo"  # README: demo accounts
API_LIMIT, VERIFICATION_LIMIT = 20, 10  # per hour: no window ends during the few seconds counted
WATCHED_LOT, CONCURRENT_LOTS = 30, (15, 15)  # documents per lot
TARGET_P95_MS = 1000
LOAD_PAGES = ["/", "/dossiers/", "/candidats/", "/jurys/", "/delivrance/", "/certifications/"]

# Signed juries of the demo's CQP Agent de maintenance whose documents are still to issue, and
# an API token of the gestionnaire; built as benchmarks/delivrance.py builds its holders.
WORLD = r"""
from cqpilot import repository_guard
repository_guard.install()
import django
django.setup()
import json, sys
from datetime import timedelta
from django.db import transaction
from django.utils import timezone
from cqpilot.api.tokens import create_token
from cqpilot.core.models import Organisation, User
from cqpilot.delivrance.models import DocumentDelivre
from cqpilot.dossiers.models import BlocAcquis, Candidat, Dossier
from cqpilot.jurys.models import Deliberation, Jury
from cqpilot.referentiels.models import Certification

metallurgie = Organisation.objects.get(nom="CPNE de la Métallurgie")
gestionnaire = User.objects.get(username="gestionnaire.metallurgie")
maintenance = Certification.objects.get(code_rncp_rs="RNCP39912")
version = maintenance.versions.get(numero=1)
blocs = list(version.blocs.all())
day = timezone.localdate() - timedelta(days=14)
juries = []
with transaction.atomic():
    for number, size in enumerate(int(arg) for arg in sys.argv[1:]):
        jury = Jury.objects.create(organisation=metallurgie, certification=maintenance, date=day,
                                   lieu="UIMM Lyon-Rhône", status="signe")
        candidats = Candidat.objects.bulk_create(
            Candidat(nom_naissance=f"Echelle{number}x{i:03d}", prenom1="Léa", sexe="F",
                     annee_naissance=1990, mois_naissance=5, jour_naissance=14,
                     created_by_organisation=metallurgie) for i in range(size))
        dossiers = Dossier.objects.bulk_create(
            Dossier(candidat=c, certification=maintenance, version=version, state="certifie",
                    date_inscription=day - timedelta(days=200), created_by=gestionnaire,
                    voie_acces="FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION")
            for c in candidats)
        Deliberation.objects.bulk_create(Deliberation(jury=jury, dossier=d, decision="totale")
                                         for d in dossiers)
        BlocAcquis.objects.bulk_create(BlocAcquis(candidat_id=d.candidat_id, bloc=b, source="jury",
                                                  dossier=d, date_obtention=day)
                                       for d in dossiers for b in blocs)
        juries.append(jury.pk)
_jeton, token = create_token(gestionnaire, "benchmark scale")
print(json.dumps({"juries": juries, "token": token, "organisation": metallurgie.pk,
                  "code": DocumentDelivre.objects.filter(organisation=metallurgie).first().code}))
"""


def say(message: str) -> None:
    print(message, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Browser:
    """What the load balancer passes on: one public HTTPS address and one cookie jar; each
    request goes to the instance (port) it names."""

    def __init__(self, cookies: dict | None = None) -> None:
        self.cookies = dict(cookies or {})

    def request(
        self,
        port: int,
        method: str,
        path: str,
        form: dict | None = None,
        headers: dict | None = None,
    ) -> tuple[int, dict, str]:
        sent = {"Host": PUBLIC_HOST, "X-Forwarded-Proto": "https"} | (headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            origin = f"https://{PUBLIC_HOST}"
            sent |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Referer": origin + path,
            }
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            content = response.read().decode(errors="replace")
        finally:
            connection.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie, attributes = value.split(";", 1)[0], value.lower()
                cookie_name, cookie_value = (part.strip() for part in cookie.split("=", 1))
                if "max-age=0" in attributes:
                    self.cookies.pop(cookie_name, None)
                else:
                    self.cookies[cookie_name] = cookie_value
        return response.status, {k.lower(): v for k, v in response.getheaders()}, content

    def get(self, port: int, path: str, headers: dict | None = None) -> tuple[int, dict, str]:
        return self.request(port, "GET", path, headers=headers)

    def submit(self, port: int, path: str, fields: dict) -> tuple[int, dict, str]:
        """GETs the form page for its CSRF token, then POSTs the fields to it, both on `port`."""
        _status, _headers, page = self.get(port, path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if token is None:
            raise RuntimeError(f"{path} : pas de formulaire avec jeton CSRF")
        return self.request(port, "POST", path, {"csrfmiddlewaretoken": token[1], **fields})


class Processes:
    """The servers and workers, each in a process group of its own: stopping one stops what it
    started (gunicorn's processes, the worker's PDF renderers)."""

    def __init__(self, log: Path) -> None:
        self.log, self.running = log, []

    def start(self, args: list[str], env: dict) -> subprocess.Popen:
        with open(self.log, "a") as output:
            process = subprocess.Popen(
                args, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.running.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.running:
            with suppress(ProcessLookupError):  # already ended
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.running:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def cqpilot(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "python"), "-m", "cqpilot.cli", *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip


def finish(process: subprocess.Popen) -> None:
    output, _ = process.communicate()
    if process.returncode:
        raise RuntimeError(f"cqpilot {' '.join(process.args[3:])} a échoué :\n{output[-3000:]}")


def wait_until(check: Callable[[], bool], seconds: float, pause: float = 0.5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except OSError:
            pass
        time.sleep(pause)
    return False


def check_session(targets: Targets, a: int, b: int) -> Browser:
    browser = Browser()
    login, _headers, _ = browser.submit(
        a, "/connexion/", {"username": USERNAME, "password": PASSWORD}
    )
    pages = {path: browser.get(b, path) for path in ("/", "/dossiers/", "/delivrance/")}
    shown = all(
        status == 200 and "CPNE de la Métallurgie" in page for status, _h, page in pages.values()
    )
    anonymous, _headers, _ = Browser().get(b, "/dossiers/")
    confirmed, _headers, _ = browser.submit(b, "/compte/confirmer/?next=/", {"password": PASSWORD})
    targets.holds(
        "Connexion sur A, pages lues sur B avec le même cookie",
        login == 302 and shown and anonymous == 302 and confirmed == 302,
        f"connexion {login} sur A ; "
        + ", ".join(f"{path} {status}" for path, (status, _h, _p) in pages.items())
        + f" sur B ; sans cookie {anonymous} ; identité confirmée sur B {confirmed}",
        "302 puis 200 sur B (302 sans cookie)",
    )  # fmt: skip
    return browser


def count_limit(
    targets: Targets, label: str, a: int, b: int, path: str, headers: dict, limit: int
) -> None:
    """Sends half as many requests again as the limit, alternately to A and B from 4 threads."""
    ports = [a, b] * ((3 * limit // 2 + 1) // 2)

    def call(port: int) -> tuple[int, int]:
        return port, Browser().get(port, path, headers=headers)[0]

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(call, ports))
    accepted = {port: sum(1 for p, s in answers if p == port and s == 200) for port in (a, b)}
    refused = sum(1 for _p, status in answers if status == 429)
    others = sorted({status for _p, status in answers if status not in (200, 429)})
    targets.holds(
        f"{label}, {len(answers)} requêtes alternées entre A et B",
        sum(accepted.values()) == limit and refused == len(answers) - limit,
        f"{sum(accepted.values())} acceptées (A {accepted[a]}, B {accepted[b]}), {refused} "
        f"refusées (429){f', autres réponses {others}' if others else ''}",
        f"exactement {limit} acceptées, les autres refusées",
    )


def start_lot(browser: Browser, port: int, jury: int) -> int:
    """The gestionnaire's « Délivrer les documents » on the jury's page, sent to `port`."""
    status, headers, _ = browser.submit(port, f"/delivrance/jurys/{jury}/", {})
    lot = re.search(r"/delivrance/lots/(\d+)/", headers.get("location", ""))
    if status != 302 or lot is None:
        raise RuntimeError(f"lot du jury {jury} non lancé ({status} → {headers.get('location')})")
    return int(lot[1])


def check_watched_lot(targets: Targets, browser: Browser, a: int, b: int, jury: int) -> int:
    started = time.monotonic()
    lot = start_lot(browser, a, jury)
    seen, page = [], ""

    def finished() -> bool:
        nonlocal page
        _status, _headers, page = browser.get(b, f"/delivrance/lots/{lot}/", {"HX-Request": "true"})
        if "hx-get" not in page:  # no longer polled: the lot ended
            return True
        percent = re.search(r'<progress id="progression" max="100" value="(\d+)"', page)
        if percent and (not seen or seen[-1] != int(percent[1])):
            seen.append(int(percent[1]))
        return False

    ended = wait_until(finished, 180, pause=0.2)
    seconds = time.monotonic() - started
    done = f"{WATCHED_LOT} documents délivrés" in page
    say(f"Lot de {WATCHED_LOT} documents lancé sur A, terminé en {seconds:.1f} s ; vu sur B : "
        + " → ".join(f"{p} %" for p in seen) + (" → terminé" if done else ""))  # fmt: skip
    targets.holds(
        f"Lot de {WATCHED_LOT} documents lancé sur A, suivi sur B",
        ended and done and any(0 < p < 100 for p in seen),
        f"{len([p for p in seen if 0 < p < 100])} progression(s) intermédiaire(s) vue(s) sur B, "
        + (f"« {WATCHED_LOT} documents délivrés »" if done else "lot non terminé"),
        "une progression entre 0 et 100 % puis le lot terminé, vus sur B",
    )
    return lot


def check_concurrent_lots(
    targets: Targets,
    browser: Browser,
    a: int,
    b: int,
    juries: list[int],
    database: str,
    organisation: int,
) -> None:
    """Two lots of the same certifier at once, one started on each instance."""
    # Confirmed again: on a slow machine the first confirmation may be too old by now.
    browser.submit(a, "/compte/confirmer/?next=/", {"password": PASSWORD})
    with ThreadPoolExecutor(2) as pool:
        lots = list(
            pool.map(
                lambda start: start_lot(Browser(browser.cookies), *start),
                zip((a, b), juries, strict=True),
            )
        )
    started = time.monotonic()
    with psycopg.connect(database, autocommit=True) as connection:

        def statuses() -> list[str]:
            query = "SELECT status FROM delivrance_lotdelivrance WHERE id = ANY(%s)"
            return [row[0] for row in connection.execute(query, [lots])]

        ended = wait_until(lambda: all(s in ("termine", "echec") for s in statuses()), 300)
        seconds = time.monotonic() - started
        issued = {
            lot: count for lot, count in connection.execute(
                "SELECT lotdelivrance_id, count(*) FROM delivrance_lotdelivrance_documents "
                "WHERE lotdelivrance_id = ANY(%s) GROUP BY 1", [lots])
        }  # fmt: skip
        workers = {
            lot: ", ".join(ids) for lot, ids in connection.execute(
                "SELECT (args_kwargs->'args'->>0)::int, worker_ids "
                "FROM django_tasks_database_dbtaskresult "
                "WHERE task_path LIKE %s", ["%issue_lot"])
        }  # fmt: skip
        numbers = [row[0] for row in connection.execute(
            "SELECT numero FROM delivrance_documentdelivre WHERE organisation_id = %s", [organisation])]  # fmt: skip
        counters = dict(connection.execute(
            "SELECT annee, dernier FROM delivrance_compteur WHERE organisation_id = %s", [organisation]))  # fmt: skip
    say(f"Deux lots lancés ensemble (A : lot {lots[0]}, B : lot {lots[1]}), terminés en {seconds:.1f} s ; "
        + " ; ".join(f"lot {lot} : worker {workers.get(lot, '?')}" for lot in lots))  # fmt: skip
    targets.holds(
        "Deux lots lancés ensemble sur A et sur B",
        ended
        and all(issued.get(lot) == size for lot, size in zip(lots, CONCURRENT_LOTS, strict=True)),
        ", ".join(f"lot {lot} : {issued.get(lot, 0)} documents" for lot in lots),
        ", ".join(f"{size} documents" for size in CONCURRENT_LOTS),
    )
    sequences: dict[tuple[str, int], list[int]] = {}
    for numero in numbers:
        prefix, year, rank = re.fullmatch(r"(.+)-(\d{4})-(\d{6})", numero).groups()
        sequences.setdefault((prefix, int(year)), []).append(int(rank))
    for (prefix, year), ranks in sorted(sequences.items()):
        gapless = (
            sorted(ranks) == list(range(1, len(ranks) + 1)) == list(range(1, counters[year] + 1))
        )
        targets.holds(
            f"Numéros {prefix}-{year} du certificateur",
            gapless,
            f"{len(ranks)} documents, {len(set(ranks))} numéros distincts de {min(ranks)} à "
            f"{max(ranks)}, compteur à {counters[year]}",
            "une suite sans trou ni doublon, jusqu'au compteur",
        )


def load(
    targets: Targets, browser: Browser, ports: dict[str, int], threads: int, requests: int, lot: int
) -> None:
    pages = [*LOAD_PAGES, f"/delivrance/lots/{lot}/"]

    def run(job: tuple[int, int]) -> list[tuple[int, float, bool]]:
        port, offset = job
        mine, results = Browser(browser.cookies), []
        for n in range(requests):
            start = time.perf_counter()
            try:
                ok = mine.get(port, pages[(offset + n) % len(pages)])[0] == 200
            except (OSError, http.client.HTTPException):
                ok = False
            results.append((port, (time.perf_counter() - start) * 1000, ok))
        return results

    jobs = [(port, offset) for offset in range(threads) for port in ports.values()]
    started = time.monotonic()
    with ThreadPoolExecutor(len(jobs)) as pool:
        results = [r for batch in pool.map(run, jobs) for r in batch]
    seconds = time.monotonic() - started
    say(f"Charge : {threads} fils par instance, {requests} requêtes chacun sur {len(pages)} pages, "
        f"{len(results)} requêtes en {seconds:.1f} s ({len(results) / seconds:.0f} par seconde)")  # fmt: skip
    for name, port in ports.items():
        timings = [ms for p, ms, _ok in results if p == port]
        errors = sum(1 for p, _ms, ok in results if p == port and not ok)
        p50, p95 = (
            statistics.median(timings),
            statistics.quantiles(timings, n=20, method="inclusive")[-1],
        )
        say(
            f"Instance {name} : {len(timings)} requêtes, {errors} erreur(s), p50 {p50:.0f} ms, p95 {p95:.0f} ms"
        )
        targets.holds(f"Instance {name}, erreurs sous la charge", errors == 0, str(errors), "0")
        targets.below(f"Instance {name}, p95 sous la charge", p95, TARGET_P95_MS, "ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=4, help="fils par instance (charge)")
    parser.add_argument("--requests", type=int, default=40, help="requêtes par fil (charge)")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    # A SIGTERM (a CI timeout, kill) goes through the finally below as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    postgres, shared = args.postgres_url.rstrip("/"), redis.Redis.from_url(args.redis_url)
    work = Path(tempfile.mkdtemp(prefix="cqpilot-echelle-"))
    processes, targets = Processes(work / "serveurs.log"), Targets()
    ports = {"A": free_port(), "B": free_port()}
    database = f"{postgres}/{DATABASE}"

    def env(cache_folder: str) -> dict:
        """Production settings, the same for every process but its own cache folder."""
        return production_env(database) | {
            "ALLOWED_HOSTS": PUBLIC_HOST,
            "CSRF_TRUSTED_ORIGINS": f"https://{PUBLIC_HOST}",
            "PUBLIC_URL": f"https://{PUBLIC_HOST}",
            "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
            "SECURE_SSL_REDIRECT": "1",
            "STATIC_ROOT": str(work / "static"),
            "MEDIA_ROOT": str(work / "media"),  # stands for the bucket (S3_BUCKET) they would share
            # Each process its own: were CACHE_URL ignored, the servers would share nothing.
            "CACHE_DIR": str(work / "cache" / cache_folder),
            "CACHE_URL": args.redis_url,
            "API_RATE": f"{API_LIMIT}/h",
            "VERIFICATION_RATE": f"{VERIFICATION_LIMIT}/h",
            # The demo's e-mails, sent by the workers, would fill the servers' log shown on a miss.
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        }

    try:
        with psycopg.connect(f"{postgres}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{DATABASE}"')
        shared.flushdb()
        started = time.monotonic()
        # Compressing the static files takes a core for a minute or more: beside the database.
        collectstatic = cqpilot(env("outils"), "collectstatic", "--noinput")
        processes.running.append(collectstatic)  # stopped too if what follows fails
        finish(cqpilot(env("outils"), "migrate", "--noinput"))
        migrated = time.monotonic()
        finish(cqpilot(env("outils"), "load-demo"))
        world = run_child(WORLD, str(WATCHED_LOT), *map(str, CONCURRENT_LOTS), env=env("outils"))
        loaded = time.monotonic()
        finish(collectstatic)
        say(f"Préparation : base {DATABASE} neuve et migrée en {migrated - started:.0f} s, "
            f"démonstration et jurys chargés en {loaded - migrated:.0f} s, fichiers statiques "
            f"rassemblés en parallèle, {time.monotonic() - started:.0f} s en tout")  # fmt: skip
        gunicorn = [str(BIN / "gunicorn"), "cqpilot.wsgi:application", "--workers", "2",
                    "--timeout", "120", "--no-control-socket"]  # fmt: skip
        for name, port in ports.items():
            processes.start([*gunicorn, "--bind", f"127.0.0.1:{port}"], env(f"web-{name}"))
        for number in (1, 2):
            processes.start(
                [str(BIN / "python"), "-m", "cqpilot.cli", "db_worker", "--interval", "1",
                 "--worker-id", f"echelle-{number}"], env(f"worker-{number}"),
            )  # fmt: skip
        for name, port in ports.items():
            if not wait_until(lambda port=port: Browser().get(port, "/connexion/")[0] == 200, 60):
                raise RuntimeError(f"l'instance {name} (port {port}) ne répond pas")
        a, b = ports["A"], ports["B"]
        say(f"Instances A (port {a}) et B (port {b}) : gunicorn, 2 processus chacune ; "
            f"2 workers ; PostgreSQL {DATABASE} ; Redis {args.redis_url}")  # fmt: skip

        browser = check_session(targets, a, b)
        window = 3600 - time.time() % 3600  # the API counts per clock hour
        if window < 30:
            time.sleep(window + 1)
        count_limit(targets, f"Limite de l'API ({API_LIMIT}/h par jeton)", a, b, "/api/v1/moi",
                    {"Authorization": f"Bearer {world['token']}"}, API_LIMIT)  # fmt: skip
        count_limit(targets, f"Limite de la page de vérification ({VERIFICATION_LIMIT}/h par adresse)",
                    a, b, f"/verifier/{world['code']}", {}, VERIFICATION_LIMIT)  # fmt: skip
        watched_jury, *concurrent_juries = world["juries"]
        lot = check_watched_lot(targets, browser, a, b, watched_jury)
        check_concurrent_lots(
            targets, browser, a, b, concurrent_juries, database, world["organisation"]
        )
        load(targets, browser, ports, args.threads, args.requests, lot)
    except Exception as failure:  # named as a missed target; the servers are stopped below
        targets.holds(
            "Déroulement du banc", False, f"{type(failure).__name__} : {failure}", "sans erreur"
        )
    finally:
        processes.stop_all()
        if targets.missed and (work / "serveurs.log").exists():
            print("--- journal des serveurs et des workers (fin) ---")
            print((work / "serveurs.log").read_text()[-4000:])
        shutil.rmtree(work, ignore_errors=True)
        with suppress(redis.RedisError):
            shared.flushdb()
        try:
            with psycopg.connect(f"{postgres}/postgres", autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        except psycopg.Error as error:
            say(f"Base {DATABASE} non supprimée : {error}")
    targets.finish()


if __name__ == "__main__":
    main()
