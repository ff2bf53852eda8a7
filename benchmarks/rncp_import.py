"""Benchmark: import of a synthetic France Compétences export of ≥ 20,000 fiches.

Target (issue « Socle cqpilot + référentiels CQP »): < 90 s wall time, < 250 MB peak RSS.

The export is made of the real fiches of cqpilot/referentiels/tests/data, cloned under new numbers, so the
file has the real shape and text volume (the real export: ~25,600 RNCP fiches, ~500 MB). The import
runs in a child process on a fresh database, which prints its own wall time and peak RSS.

    python benchmarks/rncp_import.py [--fiches 20000] [--database-url postgres://…]
"""

import argparse
import tempfile
import time
from pathlib import Path

from child import FRESH_DATABASE, production_env, run_child
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "cqpilot" / "referentiels" / "tests" / "data"
SOURCES = ["export_fiches_RNCP_V4_1_extrait.xml", "export_fiches_RS_V4_1_extrait.xml"]

CHILD = (
    FRESH_DATABASE
    + """
import json, os, resource, sys, time
from cqpilot.referentiels.models import Bloc, Competence
from cqpilot.referentiels.rncp_import import import_rncp_export
start = time.perf_counter()
report = import_rncp_export(sys.argv[1])
elapsed = time.perf_counter() - start
print(json.dumps({
    "status": report.status, "fiches": report.fiches_importees, "blocs": report.blocs_importes,
    "competences": Competence.objects.count(), "errors": report.errors[:3],
    "seconds": elapsed, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""
)


def build_export(path: Path, count: int) -> int:
    templates = []
    for name in SOURCES:
        for fiche in etree.parse(str(REFERENCE / name)).getroot().iter("FICHE"):
            templates.append((fiche.findtext("NUMERO_FICHE"), etree.tostring(fiche)))
    with path.open("wb") as out:
        out.write(
            b'<?xml version="1.0" encoding="UTF-8"?>\n<FICHES>\n<VERSION_FLUX>4.1</VERSION_FLUX>\n'
        )
        for index in range(count):
            numero, xml = templates[index % len(templates)]
            prefix = "RS" if numero.startswith("RS") else "RNCP"
            out.write(xml.replace(numero.encode(), f"{prefix}{100000 + index}".encode()))
            out.write(b"\n")
        out.write(b"</FICHES>\n")
    return path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fiches", type=int, default=20_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "export_fiches_RNCP_V4_1_synthetique.xml"
        start = time.perf_counter()
        size = build_export(export, args.fiches)
        print(
            f"Export synthétique : {args.fiches} fiches, {size / 1e6:.0f} Mo "
            f"(construit en {time.perf_counter() - start:.1f} s)"
        )
        database = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        wall = time.perf_counter()
        figures = run_child(CHILD, str(export), env=production_env(database))
    print(f"Base : {'PostgreSQL' if args.database_url.startswith('postgres') else 'SQLite'}")
    print(
        f"Résultat : {figures['status']}, {figures['fiches']} fiches, {figures['blocs']} blocs, "
        f"{figures['competences']} compétences {figures['errors'] or ''}"
    )
    print(f"Durée de l'import : {figures['seconds']:.1f} s (cible < 90 s)")
    print(f"Pic de mémoire (RSS) : {figures['peak_rss_mb']:.0f} Mo (cible < 250 Mo)")
    print(
        f"Processus complet (démarrage + migrations + import) : {time.perf_counter() - wall:.1f} s"
    )


if __name__ == "__main__":
    main()
