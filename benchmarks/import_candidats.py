"""Benchmark: a 50,000-row candidate file validated and imported.

Target (issue « Candidats, dossiers… »): < 30 s and < 400 MB peak RSS, on SQLite and PostgreSQL.
Exits with 1 when a target is missed or the file is not imported whole.

The file is an xlsx written like an OF's export (openpyxl), with varied identities; the import runs
in a child process on a fresh database, which prints its own wall time and peak RSS.

    python benchmarks/import_candidats.py [--rows 50000] [--database-url postgres://…]
"""

import argparse
import tempfile
import time
from pathlib import Path

from child import FRESH_DATABASE, Targets, production_env, run_child
from openpyxl import Workbook

TARGET_SECONDS, TARGET_MB = 30, 400

HEADERS = [
    "Nom de naissance", "Prénom", "Sexe", "Jour de naissance", "Mois de naissance",
    "Année de naissance", "Code INSEE de naissance", "Commune de naissance", "Courriel",
    "Situation", "Certification", "Voie d'accès", "Date d'inscription", "Blocs visés",
]  # fmt: skip
NAMES = [
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
]
FIRST = ["Léa", "Lucas", "Emma", "Hugo", "Chloé", "Louis", "Inès", "Jules", "Manon", "Nathan"]

CHILD = (
    FRESH_DATABASE
    + """
import json, resource, sys, time
from datetime import date
from cqpilot.core.models import Organisation, Role, RoleGrant, User
from cqpilot.dossiers.candidats_import import import_candidats
from cqpilot.dossiers.models import Habilitation
from cqpilot.referentiels.models import Bloc, Certification, ReferentielVersion
branche = Organisation.objects.create(nom="CPNE", kind="branche")
of = Organisation.objects.create(nom="OF", kind="organisme_formation")
cqp = Certification.objects.create(intitule="CQP Agent de maintenance", type="CQP", code_rncp_rs="RNCP39912", niveau="NIV3")
cqp.certificateurs.set([branche])
version = ReferentielVersion.objects.create(certification=cqp, numero=1)
for n in (1, 2, 3, 4):
    Bloc.objects.create(version=version, code=f"RNCP39912BC0{n}", intitule=f"Bloc {n}", modalites_texte="x")
version.status = "publiee"; version.save()
Habilitation.objects.create(organisme=of, certification=cqp, scope="les_deux", date_debut=date(2025, 1, 1))
user = User.objects.create_user("of", organisation=of)
user.roles.set([RoleGrant.objects.get_or_create(code="organisme_formation")[0]])
start, cpu = time.perf_counter(), time.process_time()
with open(sys.argv[1], "rb") as file:
    record = import_candidats(file, "bench.xlsx", by=user)
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"committed": record.committed, "rows": record.lignes, "dossiers": record.dossiers_crees,
    "errors": record.errors[:3], "seconds": elapsed, "cpu": cpu,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
)


def build_file(path: Path, rows: int) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Candidats")
    sheet.append(HEADERS)
    for i in range(rows):
        name = f"{NAMES[i % 10]}{chr(65 + (i // 10) % 26)}{chr(65 + (i // 260) % 26)}{i // 6760}"
        sheet.append([
            name, FIRST[(i // 3) % 10], "F" if i % 2 else "M", 1 + i % 28, 1 + i % 12,
            1960 + i % 45, "69123", "Lyon", f"candidat{i}@exemple.fr", "Salarié", "RNCP39912",
            "Formation continue — contrat de professionnalisation", "07/09/2026",
            "RNCP39912BC01, RNCP39912BC02" if i % 3 == 0 else "",
        ])  # fmt: skip
    workbook.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "candidats.xlsx"
        start = time.perf_counter()
        build_file(path, args.rows)
        print(
            f"Fichier : {args.rows} lignes, {path.stat().st_size / 1e6:.1f} Mo "
            f"(écrit en {time.perf_counter() - start:.1f} s)"
        )
        database = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        figures = run_child(CHILD, str(path), env=production_env(database))
    print(f"Base : {'PostgreSQL' if args.database_url.startswith('postgres') else 'SQLite'}")
    print(
        f"Résultat : enregistré={figures['committed']}, {figures['rows']} lignes, "
        f"{figures['dossiers']} dossiers créés {figures['errors'] or ''}"
    )
    # On a busy machine the wall time grows, the processor time much less: both are printed.
    print(f"Temps processeur de la vérification + import : {figures['cpu']:.1f} s")
    targets = Targets()
    targets.holds(
        "Import",
        figures["committed"] and figures["dossiers"] == args.rows,
        f"{figures['dossiers']} dossiers créés {figures['errors'] or ''}".strip(),
        f"{args.rows}, enregistrés",
    )
    targets.below("Vérification + import", figures["seconds"], TARGET_SECONDS, "s", 1)
    targets.below("Pic de mémoire (RSS)", figures["peak_rss_mb"], TARGET_MB, "Mo")
    targets.finish()


if __name__ == "__main__":
    main()
