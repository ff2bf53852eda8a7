"""Benchmark: candidate and dossier list pages over 100,000 dossiers.

Target (issue « Candidats, dossiers… »): each page (search, filter, paginate, sort) in < 300 ms,
with a constant number of SQL queries (the test suite asserts the count; this prints it too).

    python benchmarks/dossier_lists.py [--dossiers 100000] [--database-url postgres://…]
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from child import FRESH_DATABASE, SERVING_PAGES

ROOT = Path(__file__).resolve().parent.parent

CHILD = (
    FRESH_DATABASE
    + SERVING_PAGES
    + r"""
import statistics, sys, time
from datetime import date, timedelta
from django.db import connection, transaction
from django.test import Client
from cqpilot.core.models import Organisation, RoleGrant, User
from cqpilot.dossiers.models import Candidat, Dossier, Habilitation
from cqpilot.referentiels.models import Certification, ReferentielVersion

count = int(sys.argv[1])
branche = Organisation.objects.create(nom="CPNE", kind="branche")
ofs = [Organisation.objects.create(nom=f"OF {i}", kind="organisme_formation") for i in range(20)]
cqp = Certification.objects.create(intitule="CQP Agent de maintenance", type="CQP", code_rncp_rs="RNCP39912")
cqp.certificateurs.set([branche])
version = ReferentielVersion.objects.create(certification=cqp, numero=1, status="publiee")
names = ["Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent"]
states = ["inscrit", "en_formation", "en_evaluation", "presente_jury", "certifie"]
with transaction.atomic():
    candidats = Candidat.objects.bulk_create(
        (Candidat(nom_naissance=f"{names[i % 10]}{i}", prenom1="Léa", sexe="F", annee_naissance=1960 + i % 45,
                  created_by_organisation=ofs[i % 20]) for i in range(count)), batch_size=2000)
    Dossier.objects.bulk_create(
        (Dossier(candidat=c, certification=cqp, version=version, organisme=ofs[i % 20],
                 voie_acces="FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION", state=states[i % 5],
                 date_inscription=date(2024, 1, 1) + timedelta(days=i % 900)) for i, c in enumerate(candidats)),
        batch_size=2000)
from cqpilot.dossiers.access import sync_acces
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
    ("/dossiers/", {}), ("/dossiers/", {"page": "1500"}), ("/dossiers/", {"q": "Durand123"}),
    ("/dossiers/", {"etat": "certifie", "tri": "candidat__nom_naissance"}),
    ("/dossiers/", {"certification": str(cqp.pk), "q": "Moreau"}),
    ("/candidats/", {}), ("/candidats/", {"q": "Moreau4"}), ("/candidats/", {"tri": "-annee_naissance", "page": "200"}),
]
print(f"{count} dossiers, base {connection.vendor}")
for user in (gestionnaire, of_user):
    client = Client()
    client.force_login(user)
    for url, params in pages:
        timings, queries, _response = time_page(client, url, params)
        label = f"{user.username:12} {url}{'?' if params else ''}{'&'.join(f'{k}={v}' for k, v in params.items())}"
        print(f"{label:70} médiane {statistics.median(timings):6.0f} ms, max {max(timings):5.0f} ms, {len(queries)} requêtes")
"""
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cqpilot.settings_tests"}
        env["DATABASE_URL"] = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(args.dossiers)], env=env, cwd=ROOT, check=False
        )
        if child.returncode:
            sys.exit(child.returncode)
    print("Cible : < 300 ms par page, nombre de requêtes constant.")


if __name__ == "__main__":
    main()
