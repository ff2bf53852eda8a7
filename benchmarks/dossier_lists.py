"""Benchmark: candidate and dossier list pages over 100,000 dossiers.

Target (issue « Candidats, dossiers… »): each page (search, filter, paginate, sort) in < 300 ms
(median), with a constant number of SQL queries: the count at 1,000 dossiers and at 100,000 must
be the same (the test suite asserts it too). Memory: a page allocates < 10 MB at its peak
(tracemalloc, in a request of its own after the timed ones), whatever the size of the table; a
page that loaded even the 100,000 keys would take more (a target chosen here, 50 times the
0.2 MB measured). The child's peak RSS, which includes building the data, is printed for
information. The production settings serve the pages (DEBUG off), as in the other benchmarks. Exits with 1 when a target is missed.

    python benchmarks/dossier_lists.py [--dossiers 100000] [--database-url postgres://…]
"""

import argparse
import tempfile

from child import FRESH_DATABASE, SERVING_PAGES, Targets, production_env, run_child

TARGET_MS, TARGET_PAGE_MB = 300, 10
SMALL = 1000

CHILD = (
    FRESH_DATABASE
    + SERVING_PAGES
    + r"""
import json, resource, statistics, sys, tracemalloc
from datetime import date, timedelta
from django.db import connection, transaction
from django.test import Client
from cqpilot.core.models import Organisation, RoleGrant, User
from cqpilot.dossiers.access import sync_acces
from cqpilot.dossiers.models import Candidat, Dossier
from cqpilot.referentiels.models import Certification, ReferentielVersion

count, small = int(sys.argv[1]), int(sys.argv[2])
branche = Organisation.objects.create(nom="CPNE", kind="branche")
ofs = [Organisation.objects.create(nom=f"OF {i}", kind="organisme_formation") for i in range(20)]
cqp = Certification.objects.create(intitule="CQP Agent de maintenance", type="CQP", code_rncp_rs="RNCP39912")
cqp.certificateurs.set([branche])
version = ReferentielVersion.objects.create(certification=cqp, numero=1, status="publiee")
names = ["Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent"]
states = ["inscrit", "en_formation", "en_evaluation", "presente_jury", "certifie"]


def add_dossiers(first, last):
    with transaction.atomic():
        candidats = Candidat.objects.bulk_create(
            (Candidat(nom_naissance=f"{names[i % 10]}{i}", prenom1="Léa", sexe="F", annee_naissance=1960 + i % 45,
                      created_by_organisation=ofs[i % 20]) for i in range(first, last)), batch_size=2000)
        Dossier.objects.bulk_create(
            (Dossier(candidat=c, certification=cqp, version=version, organisme=ofs[i % 20],
                     voie_acces="FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION", state=states[i % 5],
                     date_inscription=date(2024, 1, 1) + timedelta(days=i % 900))
             for i, c in enumerate(candidats, start=first)),
            batch_size=2000)
    sync_acces()  # bulk_create sends no signal
    if connection.vendor == "postgresql":
        # A live database has been analysed by autovacuum; a freshly bulk-loaded one has not.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


gestionnaire = User.objects.create_user("gestionnaire", organisation=branche)
gestionnaire.roles.set([RoleGrant.objects.get_or_create(code="gestionnaire")[0]])
of_user = User.objects.create_user("of", organisation=ofs[0])
of_user.roles.set([RoleGrant.objects.get_or_create(code="organisme_formation")[0]])
pages = [
    ("/dossiers/", {}), ("/dossiers/", {"page": "1500"}), ("/dossiers/", {"q": "Durand12"}),
    ("/dossiers/", {"etat": "certifie", "tri": "candidat__nom_naissance"}),
    ("/dossiers/", {"certification": str(cqp.pk), "q": "Moreau"}),
    ("/candidats/", {}), ("/candidats/", {"q": "Moreau4"}), ("/candidats/", {"tri": "-annee_naissance", "page": "200"}),
]
clients = {}
for user in (gestionnaire, of_user):
    clients[user.username] = Client()
    clients[user.username].force_login(user)
measured = [(name, url, params) for name in clients for url, params in pages]

add_dossiers(0, small)
small_queries = [len(time_page(clients[name], url, params, runs=1)[1]) for name, url, params in measured]
add_dossiers(small, count)
results = []
for (name, url, params), queries_at_small in zip(measured, small_queries):
    timings, queries, _response = time_page(clients[name], url, params)
    query_count = len(queries)  # before the next request: Django resets its query log per request
    tracemalloc.start()
    clients[name].get(url, params)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    label = f"{name} {url}{'?' if params else ''}{'&'.join(f'{k}={v}' for k, v in params.items())}"
    results.append({"page": label, "median_ms": statistics.median(timings), "max_ms": max(timings),
                    "queries": query_count, "queries_small": queries_at_small, "peak_mb": peak / 2**20})
print(json.dumps({"vendor": connection.vendor, "dossiers": Dossier.objects.count(), "pages": results,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    small = min(SMALL, args.dossiers // 2)
    with tempfile.TemporaryDirectory() as tmp:
        database = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        result = run_child(CHILD, str(args.dossiers), str(small), env=production_env(database))
    print(f"Base : {'PostgreSQL' if result['vendor'] == 'postgresql' else 'SQLite'}")
    for page in result["pages"]:
        print(
            f"{page['page']:60} médiane {page['median_ms']:4.0f} ms, max {page['max_ms']:4.0f} ms, "
            f"{page['queries']} requêtes, pic {page['peak_mb']:.1f} Mo"
        )
    print(
        f"Pic de mémoire (RSS) du processus, données construites comprises : "
        f"{result['peak_rss_mb']:.0f} Mo"
    )
    pages = result["pages"]
    slowest = max(pages, key=lambda page: page["median_ms"])
    largest = max(pages, key=lambda page: page["peak_mb"])
    changed = [page["page"] for page in pages if page["queries"] != page["queries_small"]]
    targets = Targets()
    targets.below(
        f"Page la plus lente à {result['dossiers']} dossiers ({slowest['page']}, médiane)",
        slowest["median_ms"],
        TARGET_MS,
        "ms",
    )
    targets.below(
        f"Mémoire de la page la plus gourmande ({largest['page']}, pic tracemalloc)",
        largest["peak_mb"],
        TARGET_PAGE_MB,
        "Mo",
        1,
    )
    targets.holds(
        f"Requêtes SQL à {small} et à {result['dossiers']} dossiers",
        not changed,
        "différentes pour " + ", ".join(changed) if changed else "les mêmes pour chaque page",
        "les mêmes pour chaque page",
    )
    targets.finish()


if __name__ == "__main__":
    main()
