"""Benchmark: the pilotage dashboard of a certification with 100,000 dossiers.

Target (issue « Pilotage… »): rendered in < 1 s (median); prints the time and the number of
queries. Exits with 1 when the target is missed.

    python benchmarks/pilotage.py [--dossiers 100000] [--database-url postgres://…]
"""

import argparse
import tempfile

from child import FRESH_DATABASE, SERVING_PAGES, Targets, production_env, run_child

TARGET_MS = 1000

CHILD = (
    FRESH_DATABASE
    + SERVING_PAGES
    + r"""
import json, os, statistics, sys, time
from datetime import date, timedelta
from django.db import connection, transaction
from django.test import Client
from cqpilot.accrochage.models import PassageAccrochage
from cqpilot.core.models import Organisation, RoleGrant, User
from cqpilot.delivrance.models import DocumentDelivre
from cqpilot.dossiers.models import Candidat, Dossier, DossierTransition
from cqpilot.jurys.models import DecisionBloc, Deliberation, Jury
from cqpilot.referentiels.models import Bloc, Certification, ReferentielVersion

count = int(sys.argv[1])
branche = Organisation.objects.create(nom="CPNE", kind="branche")
ofs = [Organisation.objects.create(nom=f"OF {i}", kind="organisme_formation") for i in range(20)]
cqp = Certification.objects.create(intitule="CQP Agent de maintenance", type="CQP", code_rncp_rs="RNCP39912")
cqp.certificateurs.set([branche])
version = ReferentielVersion.objects.create(certification=cqp, numero=1)
blocs = [Bloc.objects.create(version=version, code=f"BC0{n}", intitule=f"Bloc {n}", ordre=n) for n in range(1, 5)]
gestionnaire = User.objects.create_user("gestionnaire", organisation=branche)
gestionnaire.roles.set([RoleGrant.objects.get_or_create(code="gestionnaire")[0]])
voies = ["FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION", "VAE", "FORMATION_CONTINUE_PRO_A",
         "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION", "CANDIDAT_LIBRE"]
decisions = ["totale", "totale", "partielle", "non_valide"]
with transaction.atomic():
    candidats = Candidat.objects.bulk_create(
        (Candidat(nom_naissance=f"Nom{i}", prenom1="Léa", sexe="F", annee_naissance=1990) for i in range(count)),
        batch_size=5000)
    dossiers = Dossier.objects.bulk_create(
        (Dossier(candidat=c, certification=cqp, version=version, organisme=ofs[i % 20], voie_acces=voies[i % 5],
                 date_inscription=date(2025, 1, 1) + timedelta(days=i % 700), state="certifie")
         for i, c in enumerate(candidats)), batch_size=5000)
    juries = [Jury.objects.create(organisation=branche, certification=cqp, date=date(2026, 1 + n % 12, 10 + n % 15),
                                  lieu="Lyon", status="signe") for n in range(40)]
    decided = dossiers[: count * 6 // 10]
    deliberations = Deliberation.objects.bulk_create(
        (Deliberation(jury=juries[i % 40], dossier=d, decision=decisions[i % 4]) for i, d in enumerate(decided)),
        batch_size=5000)
    DecisionBloc.objects.bulk_create(
        (DecisionBloc(deliberation=d, bloc=b, resultat="valide" if (i + n) % 3 else "non_valide")
         for i, d in enumerate(deliberations) for n, b in enumerate(blocs)), batch_size=10000)
    DossierTransition.objects.bulk_create(
        (DossierTransition(dossier=d, from_state="en_formation", to_state="abandon", by=gestionnaire)
         for d in dossiers[count * 9 // 10:]), batch_size=5000)
    documents = DocumentDelivre.objects.bulk_create(
        (DocumentDelivre(organisation=branche, numero=f"CQP-2026-{i:06d}", kind="parchemin", dossier=d.dossier,
                         deliberation=d, certification=cqp, version=version, date_decision=d.jury.date,
                         date_delivrance=d.jury.date + timedelta(days=7), lieu_delivrance="Paris", code=f"C{i:09d}",
                         pdf="", sha256="", credential="", status_index=i, created_by=gestionnaire)
         for i, d in enumerate(deliberations) if d.decision == "totale"), batch_size=5000)
    PassageAccrochage.objects.bulk_create(
        (PassageAccrochage(organisation=branche, document=doc, id_technique=f"p{doc.pk}",
                           date_limite=doc.date_delivrance + timedelta(days=92), status="accepte" if i % 2 else "a_deposer")
         for i, doc in enumerate(documents)), batch_size=5000)
with connection.cursor() as cursor:
    if connection.vendor == "postgresql":
        cursor.execute("ANALYZE")  # what autovacuum does on a production database
    else:  # the inserts written into the database file before timing, not during
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
os.sync()
client = Client()
client.force_login(gestionnaire)
url = f"/pilotage/?certification={cqp.pk}&annee=2026"
timings, queries, response = time_page(client, url, runs=9)
query_count = len(queries)  # before the next request: Django resets its query log per request
slowest = sorted(((float(q["time"]) * 1000, q["sql"][:90]) for q in queries.captured_queries), reverse=True)[:4]
start = time.perf_counter()
client.get(url + "&export=xlsx")
xlsx_ms = (time.perf_counter() - start) * 1000
print(json.dumps({"vendor": connection.vendor, "dossiers": count, "deliberations": len(deliberations),
    "median_ms": statistics.median(timings), "max_ms": max(timings), "queries": query_count, "xlsx_ms": xlsx_ms,
    "slowest": slowest}))
"""
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        f = run_child(CHILD, str(args.dossiers), env=production_env(database))
    print(f"Base : {'PostgreSQL' if f['vendor'] == 'postgresql' else 'SQLite'}")
    print(
        f"Tableau de bord, {f['dossiers']} dossiers ({f['deliberations']} décisions de jury) : "
        f"médiane {f['median_ms']:.0f} ms, max {f['max_ms']:.0f} ms, {f['queries']} requêtes ; "
        f"export xlsx {f['xlsx_ms']:.0f} ms"
    )
    for ms, sql in f["slowest"]:
        print(f"  {ms:6.0f} ms  {sql}")
    targets = Targets()
    targets.below(
        f"Tableau de bord à {f['dossiers']} dossiers (médiane)", f["median_ms"], TARGET_MS, "ms"
    )
    targets.finish()


if __name__ == "__main__":
    main()
