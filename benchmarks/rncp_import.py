"""Benchmark: import of a synthetic France Compétences export shaped like the real one.

Target (issue « Socle cqpilot + référentiels CQP »): < 90 s wall time and < 250 MB peak RSS for
the whole register, its RNCP file then its RS file, imported by the platform (no organisation).
Exits with 1 when a target is missed or an import does not succeed whole.

The real export (docs/rncp.md §1, export of 16/08/2026) is two files: 25,638 RNCP fiches (5,518
active) and 4,837 RS fiches (1,471 active); 55,761 blocs, all on RNCP fiches; 65,867 certificateur
rows; 397,774 partenaire rows; the RNCP file weighs ~500 MB. The generated export keeps these
proportions (seeded, so every run reads the same files):

- RNCP fiches: ~21.5 % active with 1 to 10 blocs (4 or 5 most often); the inactive ones mostly
  date from before the 2019 reform and 70 % of them have no bloc (assumed: the register's
  average, 2.2 blocs a fiche, then comes out); bloc order sometimes not code order;
- RS fiches: as many as the real ratio (4,837 for 25,638), ~30 % active, never a bloc;
- bloc texts (libellé, compétences, modalités, from 13 to ~2,900 characters) drawn from the real
  blocs of cqpilot/referentiels/tests/data, modalités absent on 10 % of them;
- certificateurs: one on 2 fiches in 3, up to 40 on a few (2.2 rows a fiche on average), drawn
  from a pool where a few (the ministries) certify many fiches, 5 % without SIRET; the first 300
  are organisations of the platform, so their fiches link to them;
- partenaires: none on 60 % of the fiches, up to 400 (13 a fiche on average): they weigh in the
  file and the parse, and the import reads none;
- the rest of each fiche (activités visées, capacités, NSF/ROME/Formacodes, voies d'accès…) is
  a real fiche's, so the text volume is the real one.

    python benchmarks/rncp_import.py [--fiches 25000] [--graine 2026] [--database-url postgres://…]
"""

import argparse
import json
import random
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

from child import FRESH_DATABASE, Targets, production_env, run_child
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "cqpilot" / "referentiels" / "tests" / "data"
TARGET_SECONDS, TARGET_MB = 90, 250
REAL = {"RNCP": (25_638, 5_518), "RS": (4_837, 1_471)}  # fiches, active ones (docs/rncp.md §1)
PLATFORM_CERTIFICATEURS = 300
# Rewritten for each generated fiche; every other child of a real fiche is kept as it is.
REWRITTEN = {
    "ID_FICHE", "NUMERO_FICHE", "INTITULE", "ETAT_FICHE", "CERTIFICATEURS",
    "EXISTENCE_PARTENAIRES", "PARTENAIRES", "BLOCS_COMPETENCES", "ACTIF",
    "DATE_FIN_ENREGISTREMENT", "CORRESPONDANCES", "NOUVELLES_CERTIFICATIONS",
    "ANCIENNES_CERTIFICATIONS",
}  # fmt: skip
BLOC_WEIGHTS = [3, 8, 16, 22, 18, 12, 8, 5, 4, 4]  # 1 to 10 blocs on a fiche that has some

CHILD = (
    FRESH_DATABASE
    + """
import json, resource, sys, time
from cqpilot.core.models import Organisation
from cqpilot.referentiels.models import Certification, Competence
from cqpilot.referentiels.rncp_import import import_rncp_export
Organisation.objects.bulk_create(
    Organisation(nom=nom, siret=siret, kind="branche" if n % 3 else "organisme_certificateur")
    for n, (siret, nom) in enumerate(json.loads(open(sys.argv[1]).read())))
figures = {"files": []}
start, cpu = time.perf_counter(), time.process_time()
for path in sys.argv[2:]:
    report = import_rncp_export(path)
    figures["files"].append({"status": report.status, "fiches": report.fiches_importees,
        "read": report.fiches_lues, "blocs": report.blocs_importes, "errors": report.errors[:3]})
figures["seconds"], figures["cpu"] = time.perf_counter() - start, time.process_time() - cpu
figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
figures["competences"] = Competence.objects.count()
figures["links"] = Certification.certificateurs.through.objects.count()
print(json.dumps(figures))
"""
)


def luhn_key(digits: str) -> str:
    """The digit that makes `digits` + it pass the Luhn check (SIREN and SIRET keys)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str(-total % 10)


def new_siret(rng: random.Random) -> str:
    siren = f"{rng.randrange(10**7, 10**8)}"
    siren += luhn_key(siren)
    siret = f"{siren}{rng.randrange(10**4):04d}"
    return siret + luhn_key(siret)


class Pools:
    """What the generated fiches are made of, read once from the real extracts."""

    def __init__(self, rng: random.Random) -> None:
        self.skeletons: dict[str, list[str]] = {"RNCP": [], "RS": []}
        self.intitules: list[str] = []
        self.libelles, self.competences, self.modalites = [], [], []
        for register in ("RNCP", "RS"):
            path = REFERENCE / f"export_fiches_{register}_V4_1_extrait.xml"
            for fiche in etree.parse(str(path)).getroot().iter("FICHE"):
                kept = [child for child in fiche if child.tag not in REWRITTEN]
                self.skeletons[register].append(
                    "".join(etree.tostring(c, encoding="unicode", with_tail=False) for c in kept)
                )
                self.intitules.append(escape(fiche.findtext("INTITULE").strip()))
                for bloc in fiche.iterfind("BLOCS_COMPETENCES/BLOC_COMPETENCES"):
                    self.libelles.append(escape(bloc.findtext("LIBELLE") or "Bloc"))
                    self.competences.append(escape(bloc.findtext("LISTE_COMPETENCES") or ""))
                    self.modalites.append(escape(bloc.findtext("MODALITES_EVALUATION") or ""))
        self.intitules += [  # a few CQP, the fiches cqpilot's users import
            "Certificat de qualification professionnelle Agent de maintenance industrielle",
            "CQP Opérateur régleur sur machines-outils à commande numérique",
            "CQPI Conducteur d'équipements industriels",
        ]
        self.certificateurs = [
            (new_siret(rng) if rng.random() > 0.05 else "", f"Certificateur {n}")
            for n in range(2500)
        ]
        self.partenaires = [
            f"<PARTENAIRE><NOM_PARTENAIRE>Organisme de formation {n}</NOM_PARTENAIRE>"
            f"<SIRET_PARTENAIRE>{new_siret(rng)}</SIRET_PARTENAIRE><HABILITATION_PARTENAIRE>"
            f"{rng.choice(['HABILITATION_FORMER', 'HABILITATION_ORGANISER', 'HABILITATION_ORGA_FORM'])}"
            f"</HABILITATION_PARTENAIRE><ETAT_HABILITATION>{rng.choice(['Actif', 'Inactif'])}"
            "</ETAT_HABILITATION><DATE_ACTIF>28/03/2025</DATE_ACTIF>"
            "<DATE_DERNIERE_MODIFICATION_ETAT>28/03/2025</DATE_DERNIERE_MODIFICATION_ETAT>"
            "</PARTENAIRE>"
            for n in range(5000)
        ]


def count_certificateurs(rng: random.Random) -> int:
    draw = rng.random()
    if draw < 0.66:
        return 1
    if draw < 0.84:
        return 2
    if draw < 0.91:
        return 3
    return rng.randint(4, 9) if draw < 0.975 else rng.randint(10, 40)


def count_partenaires(rng: random.Random) -> int:
    draw = rng.random()
    if draw < 0.60:
        return 0
    if draw < 0.85:
        return rng.randint(1, 10)
    return rng.randint(11, 100) if draw < 0.975 else rng.randint(101, 400)


def fiche_xml(
    rng: random.Random, pools: Pools, register: str, numero: str, id_fiche: int, active: bool
) -> tuple[str, int, int, int]:
    """One FICHE element, and its numbers of blocs, certificateurs and partenaires."""
    if register == "RS" or (not active and rng.random() < 0.7):
        blocs = 0
    else:
        blocs = rng.choices(range(1, 11), BLOC_WEIGHTS)[0]
    codes = [f"{numero}BC{n:02d}" for n in range(1, blocs + 1)]
    if rng.random() < 0.1:
        rng.shuffle(codes)  # file order is not always code order (docs/rncp.md §2.3)
    parts = [
        f"<FICHE><ID_FICHE>{id_fiche}</ID_FICHE><NUMERO_FICHE>{numero}</NUMERO_FICHE>",
        f"<INTITULE>{rng.choice(pools.intitules)}</INTITULE>",
        f"<ETAT_FICHE>{'Publiée' if active or rng.random() < 0.8 else 'Dépubliée/Archivée'}"
        "</ETAT_FICHE>",
        rng.choice(pools.skeletons[register]),
        "<CERTIFICATEURS>",
    ]
    certificateurs = count_certificateurs(rng)
    for _ in range(certificateurs):
        siret, nom = pools.certificateurs[int(len(pools.certificateurs) * rng.random() ** 3)]
        parts.append(
            "<CERTIFICATEUR>"
            + (f"<SIRET_CERTIFICATEUR>{siret}</SIRET_CERTIFICATEUR>" if siret else "")
            + f"<NOM_CERTIFICATEUR>{nom}</NOM_CERTIFICATEUR>"
            f"<ETAT_CERTIFICATEUR>{'Actif' if rng.random() < 0.9 else 'Inactif'}"
            "</ETAT_CERTIFICATEUR></CERTIFICATEUR>"
        )
    parts.append("</CERTIFICATEURS>")
    partenaires = count_partenaires(rng)
    parts.append(
        f"<EXISTENCE_PARTENAIRES>{'Oui' if partenaires else 'Non'}</EXISTENCE_PARTENAIRES>"
    )
    if partenaires:
        parts += ["<PARTENAIRES>", *rng.choices(pools.partenaires, k=partenaires), "</PARTENAIRES>"]
    if codes:
        parts.append("<BLOCS_COMPETENCES>")
        for code in codes:
            n = rng.randrange(len(pools.libelles))
            modalites = pools.modalites[rng.randrange(len(pools.modalites))]
            parts.append(
                f"<BLOC_COMPETENCES><CODE>{code}</CODE><LIBELLE>{pools.libelles[n]}</LIBELLE>"
                f"<LISTE_COMPETENCES>{pools.competences[n]}</LISTE_COMPETENCES>"
                + (
                    f"<MODALITES_EVALUATION>{modalites}</MODALITES_EVALUATION>"
                    if rng.random() > 0.1
                    else ""
                )
                + "</BLOC_COMPETENCES>"
            )
        parts.append("</BLOCS_COMPETENCES>")
    year = rng.randint(2027, 2031) if active else rng.randint(2005, 2026)
    if active or rng.random() > 0.1:  # no end date on old inactive « de droit » fiches
        parts.append(f"<DATE_FIN_ENREGISTREMENT>31/12/{year}</DATE_FIN_ENREGISTREMENT>")
    parts.append(f"<ACTIF>{'Oui' if active else 'Non'}</ACTIF>")
    if codes and active and rng.random() < 0.15:
        parts.append("<CORRESPONDANCES>")
        for code in codes[: rng.randint(1, 5)]:
            parts.append(
                f"<CORRESPONDANCE><SOURCE><BLOC_COMPETENCES><CODE>{code}</CODE></BLOC_COMPETENCES>"
                f"</SOURCE><DESTINATION><NUMERO_FICHE>RNCP1</NUMERO_FICHE><BLOC_COMPETENCES>"
                f"<CODE>RNCP1{code[-4:]}</CODE></BLOC_COMPETENCES></DESTINATION></CORRESPONDANCE>"
            )
        parts.append("</CORRESPONDANCES>")
    parts.append("</FICHE>\n")
    return "".join(parts), blocs, certificateurs, partenaires


def write_register(
    path: Path, rng: random.Random, pools: Pools, register: str, count: int
) -> dict[str, int]:
    real_count, real_active = REAL[register]
    numbers = rng.sample(range(1, max(45_000, 2 * count)), count)
    shape = {"fiches": count, "actives": 0, "blocs": 0, "certificateurs": 0, "partenaires": 0}
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<FICHES>\n<VERSION_FLUX>4.1</VERSION_FLUX>\n'
        )
        for id_fiche, number in enumerate(numbers, start=1):
            active = rng.random() < real_active / real_count
            xml, blocs, certificateurs, partenaires = fiche_xml(
                rng, pools, register, f"{register}{number}", id_fiche, active
            )
            out.write(xml)
            shape["actives"] += active
            shape["blocs"] += blocs
            shape["certificateurs"] += certificateurs
            shape["partenaires"] += partenaires
        out.write("</FICHES>\n")
    shape["mo"] = path.stat().st_size / 1e6
    return shape


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fiches", type=int, default=25_000, help="fiches RNCP (RS en proportion)")
    parser.add_argument("--graine", type=int, default=2026)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    rs_count = round(args.fiches * REAL["RS"][0] / REAL["RNCP"][0])
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        rng = random.Random(args.graine)
        pools = Pools(rng)
        files = []
        for register, count in (("RNCP", args.fiches), ("RS", rs_count)):
            path = Path(tmp) / f"export_fiches_{register}_V4_1_synthetique.xml"
            shape = write_register(path, rng, pools, register, count)
            files.append(path)
            print(
                f"Export {register} synthétique : {shape['fiches']} fiches dont {shape['actives']} "
                f"actives, {shape['blocs']} blocs, {shape['certificateurs']} certificateurs, "
                f"{shape['partenaires']} partenaires, {shape['mo']:.0f} Mo"
            )
        print(f"(exports construits en {time.perf_counter() - start:.1f} s, graine {args.graine})")
        known = Path(tmp) / "certificateurs.json"
        known.write_text(
            json.dumps([c for c in pools.certificateurs[:PLATFORM_CERTIFICATEURS] if c[0]])
        )
        database = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        wall = time.perf_counter()
        figures = run_child(CHILD, str(known), *map(str, files), env=production_env(database))
    print(f"Base : {'PostgreSQL' if args.database_url.startswith('postgres') else 'SQLite'}")
    for register, result in zip(("RNCP", "RS"), figures["files"], strict=True):
        print(
            f"Import {register} : {result['status']}, {result['fiches']} fiches sur "
            f"{result['read']}, {result['blocs']} blocs {result['errors'] or ''}"
        )
    print(
        f"{figures['competences']} compétences, {figures['links']} liens vers les "
        f"{PLATFORM_CERTIFICATEURS} certificateurs de la plateforme ; processus complet "
        f"(démarrage, migrations, import) {time.perf_counter() - wall:.1f} s"
    )
    # On a busy machine the wall time grows, the processor time much less: both are printed.
    print(f"Temps processeur des deux imports : {figures['cpu']:.1f} s")
    targets = Targets()
    complete = all(
        r["status"] == "reussi" and r["fiches"] == r["read"] for r in figures["files"]
    ) and [r["read"] for r in figures["files"]] == [args.fiches, rs_count]
    targets.holds(
        "Imports",
        complete,
        " ; ".join(f"{r['status']}, {r['fiches']}/{r['read']} fiches" for r in figures["files"]),
        f"réussis, {args.fiches} + {rs_count} fiches",
    )
    targets.below(
        f"Durée des deux imports ({args.fiches + rs_count} fiches)",
        figures["seconds"],
        TARGET_SECONDS,
        "s",
        1,
    )
    targets.below("Pic de mémoire (RSS)", figures["peak_rss_mb"], TARGET_MB, "Mo")
    targets.finish()


if __name__ == "__main__":
    main()
