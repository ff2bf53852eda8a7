"""Benchmark: the standalone tool's user path, a workbook of 200,000 holders → CDC files.

Target (issue « Accrochage… outil autonome sans perte »): `cqpilot accrochage xml` on a
200,000-row xlsx in ≤ 10 s and ≤ 150 MB of peak memory (the command and the child process
that reads the workbook, added up), every file under the CDC's limits (200,000 passages,
200 MB) and valid against its schema. The naive way, the workbook read whole by calamine and the
XML built in memory as an ElementTree, is measured on the same workbook for comparison.

Each variant runs in its own process, which prints its wall time, CPU time and peak RSS. The
script exits with 1 when a target is missed.

    python benchmarks/accrochage.py [--rows 200000] [--sans-naif]
"""

import argparse
import os
import sys
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from child import ROOT, run_child

TARGET_SECONDS, TARGET_MB = 10, 150
HEADERS = [
    "Code de la certification", "Nom de naissance", "Nom d'usage", "Prénom", "Sexe",
    "Jour de naissance", "Mois de naissance", "Année de naissance", "Code INSEE de naissance",
    "Commune de naissance", "Pays de naissance", "Date de délivrance", "Obtention",
    "Début de l'examen", "Fin de l'examen", "Modalité de l'examen", "Code postal du centre d'examen",
    "Voie d'accès", "Type de VAE", "Initiative de l'inscription", "Date d'inscription",
]  # fmt: skip
FIRST = ["Léa", "Lucas", "Emma", "Hugo", "Chloé", "Louis", "Inès", "Jules", "Manon", "Nathan"]
EXCEL_EPOCH = date(1899, 12, 30)

COMMON = """
import glob, json, resource, sys, threading, time
start = time.perf_counter()
def peak_of(pid="self"):
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
# The child process that reads the workbook: its own peak since its start, sampled while it runs
# (getrusage's ru_maxrss would count this process's memory, which Linux carries over the fork).
# Between its fork and its exec a child still shares this process's memory: a sample taken then
# would count this process twice, so a child is measured once it runs its own program.
own_cmdline = open("/proc/self/cmdline", "rb").read()
children = {}
def watch():
    while True:
        for path in glob.glob("/proc/self/task/*/children"):
            try:
                for pid in open(path).read().split():
                    if open(f"/proc/{pid}/cmdline", "rb").read() in (own_cmdline, b""):
                        continue  # not exec'd yet
                    children[pid] = max(children.get(pid, 0), peak_of(pid))
            except (OSError, StopIteration):
                pass
        time.sleep(0.02)
threading.Thread(target=watch, daemon=True).start()
def report(**figures):
    mine, waited = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({
        "seconds": time.perf_counter() - start, "peak_mb": peak_of(),
        "cpu": mine.ru_utime + mine.ru_stime + waited.ru_utime + waited.ru_stime,
        "child_peak_mb": max(children.values(), default=0), **figures}))
"""

# The user's command, as `cqpilot accrochage xml` runs it.
COMMAND = (
    COMMON
    + """
import django
django.setup()
from django.core.management import call_command
source, output = sys.argv[1], sys.argv[2]
call_command("accrochage", "xml", source, "--id-client", "AB123CDE", "--id-contrat", "2560080000127J",
             "-o", output, stderr=open("/dev/null", "w"))
report()
"""
)

# The naive way: the workbook laid out whole by calamine, every passage an element of one tree
# validated whole, one file.
NAIVE = (
    COMMON
    + """
import django
django.setup()
from datetime import date
from lxml import etree
from python_calamine import CalamineWorkbook
from cqpilot.accrochage.autonome.rows import RowReader, identity_key
from cqpilot.accrochage.flux import CPF, XSI, q
from cqpilot.accrochage.schema import schema
source, output = sys.argv[1], sys.argv[2]
rows = CalamineWorkbook.from_path(source).get_sheet_by_index(0).to_python()
reader = RowReader([str(h) for h in rows[0]])
NIL = {f"{{{XSI}}}nil": "true"}
def add(parent, name, value, nillable=False):
    if value in (None, ""):
        if nillable:
            etree.SubElement(parent, q(name), NIL)
        return
    text = ("true" if value else "false") if isinstance(value, bool) else value.isoformat() if isinstance(value, date) else str(value)
    etree.SubElement(parent, q(name)).text = text
root = etree.Element(q("flux"), nsmap={"cpf": CPF, "xsi": XSI})
etree.SubElement(root, q("idFlux")).text = "naif"
etree.SubElement(root, q("horodatage")).text = "2026-11-23T10:00:00+01:00"
emetteur = etree.SubElement(root, q("emetteur"))
etree.SubElement(emetteur, q("idClient")).text = "AB123CDE"
certificateur = etree.SubElement(etree.SubElement(emetteur, q("certificateurs")), q("certificateur"))
etree.SubElement(certificateur, q("idClient")).text = "AB123CDE"
etree.SubElement(certificateur, q("idContrat")).text = "2560080000127J"
certification = etree.SubElement(etree.SubElement(certificateur, q("certifications")), q("certification"))
etree.SubElement(certification, q("type")).text = "RNCP"
etree.SubElement(certification, q("code")).text = "RNCP39912"
holder = etree.SubElement(certification, q("passageCertifications"))
for line, cells in enumerate(rows[1:], start=2):
    v = reader.read(line, [None if c == "" else c for c in cells]).values
    e = etree.SubElement(holder, q("passageCertification"))
    add(e, "idTechnique", "cqpilot-" + identity_key(v)); add(e, "obtentionCertification", v["obtention"])
    add(e, "donneeCertifiee", True); add(e, "dateDebutExamen", v.get("date_debut_examen"))
    add(e, "dateFinExamen", v.get("date_fin_examen")); add(e, "modalitePassageExamen", v.get("modalite_examen"))
    add(e, "codePostalCentreExamen", v.get("code_postal_centre")); add(e, "dateDebutValidite", v["date_debut_validite"])
    add(e, "dateFinValidite", None, True); add(e, "presenceNiveauLangueEuro", False)
    add(e, "presenceNiveauNumeriqueEuro", False); add(e, "scoring", None, True); add(e, "mentionValidee", None, True)
    m = etree.SubElement(e, q("modalitesInscription"))
    add(m, "modaliteAcces", v.get("modalite_acces"), True); add(m, "voieAccessVAE", v.get("voie_vae"))
    add(m, "initiativeInscription", v.get("initiative")); add(m, "dateInscription", v.get("date_inscription"))
    t = etree.SubElement(etree.SubElement(e, q("identificationTitulaire")), q("titulaire"))
    add(t, "nomNaissance", v["nom_naissance"]); add(t, "nomUsage", None, True); add(t, "prenom1", v["prenom1"])
    add(t, "anneeNaissance", v["annee_naissance"]); add(t, "moisNaissance", v.get("mois_naissance"), True)
    add(t, "jourNaissance", v.get("jour_naissance"), True); add(t, "sexe", v["sexe"])
    add(etree.SubElement(etree.SubElement(t, q("codeCommuneNaissance")), q("codeInseeNaissance")), "codeInsee", v["code_insee_naissance"])
    add(t, "libelleCommuneNaissance", v.get("libelle_commune_naissance"))
valid = schema().validate(root)
etree.ElementTree(root).write(output, encoding="UTF-8", xml_declaration=True)
report(valid=valid)
"""
)


def write_workbook(path: Path, count: int) -> None:
    """A workbook as Excel writes it: text in shared strings, dates as numbers in a date style."""
    strings: list[str] = []
    index: dict[str, int] = {}

    def shared(value: str) -> int:
        if value not in index:
            index[value] = len(strings)
            strings.append(value)
        return index[value]

    def column(number: int) -> str:
        letters = ""
        while number:
            number, rest = divmod(number - 1, 26)
            letters = chr(65 + rest) + letters
        return letters

    def row(line: int, values: list) -> str:
        cells = []
        for number, value in enumerate(values, start=1):
            reference = f"{column(number)}{line}"
            if value is None:
                continue
            if isinstance(value, date):
                cells.append(f'<c r="{reference}" s="1"><v>{(value - EXCEL_EPOCH).days}</v></c>')
            elif isinstance(value, int):
                cells.append(f'<c r="{reference}"><v>{value}</v></c>')
            else:
                cells.append(f'<c r="{reference}" t="s"><v>{shared(value)}</v></c>')
        return f'<row r="{line}">{"".join(cells)}</row>'

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="'
                b'http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            sheet.write(row(1, HEADERS).encode())
            for i in range(count):
                vae = i % 5 == 0
                values = [
                    "RNCP39912", f"Lefèvre-N'Diaye{i}", None, FIRST[i % 10], "Femme" if i % 2 else "Homme",
                    1 + i % 28 if i % 7 else None, 1 + i % 12 if i % 7 else None, 1960 + i % 45,
                    "69123", "Lyon", None, date(2026, 10, 15), "Par admission", date(2026, 9, 28),
                    date(2026, 9, 30), "Présentiel", "69007",
                    "VAE" if vae else "Formation continue en contrat de professionnalisation",
                    "VAE classique" if vae else None, "L'employeur", date(2025, 9, 7),
                ]  # fmt: skip
                sheet.write(row(i + 2, values).encode())
            sheet.write(b"</sheetData></worksheet>")
        archive.writestr(
            "xl/sharedStrings.xml",
            '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main">'
            + "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
            + "</sst>",
        )
        main = "http://schemas.openxmlformats.org"
        archive.writestr(
            "xl/styles.xml",
            f'<styleSheet xmlns="{main}/spreadsheetml/2006/main"><cellXfs count="2">'
            '<xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{main}/spreadsheetml/2006/main" xmlns:r="{main}/officeDocument/2006/'
            'relationships"><sheets><sheet name="Données" sheetId="1" r:id="rId1"/></sheets>'
            "</workbook>",
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{main}/package/2006/relationships"><Relationship Id="rId1" '
            f'Type="{main}/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{main}/package/2006/relationships"><Relationship Id="rId1" '
            f'Type="{main}/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "[Content_Types].xml",
            f'<Types xmlns="{main}/package/2006/content-types"><Default Extension="xml" '
            'ContentType="application/xml"/></Types>',
        )


def run(code: str, source: Path, output: Path, rows: int) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cqpilot.settings_tests",
        "ACCROCHAGE_MAX_ROWS": str(max(rows + 1, 400_000)),
    }
    return run_child(code, str(source), str(output), env=env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--sans-naif", action="store_true", help="ne pas mesurer la voie naïve")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cqpilot.settings_tests")
    import django

    django.setup()
    from cqpilot.accrochage.autonome.conformity import check_flux

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "titulaires.xlsx"
        write_workbook(source, args.rows)
        print(f"Classeur : {args.rows} lignes, {source.stat().st_size / 1e6:.1f} Mo (xlsx).")
        if hasattr(os, "getloadavg"):
            print(f"Charge de la machine : {os.getloadavg()[0]:.1f} ({os.cpu_count()} cœurs).")

        output = Path(tmp) / "cqpilot" / "flux.xml"
        output.parent.mkdir()
        mine = run(COMMAND, source, output, args.rows)
        files = sorted(output.parent.glob("flux*.xml"))
        started = time.perf_counter()
        checked = [(path, *check_flux(path)) for path in files]
        total = mine["peak_mb"] + mine["child_peak_mb"]
        print(
            f"cqpilot accrochage xml : {mine['seconds']:.1f} s (processeur {mine['cpu']:.1f} s), "
            f"pic de mémoire {total:.0f} Mo (commande {mine['peak_mb']:.0f} Mo, lecture du "
            f"classeur {mine['child_peak_mb']:.0f} Mo)"
        )
        for path, problems, passages in checked:
            print(
                f"  {path.name} : {passages} passages, {path.stat().st_size / 1e6:.1f} Mo, "
                + ("conforme au schéma" if not problems else f"NON CONFORME : {problems[0]}")
            )
        print(f"  (vérifié hors mesure en {time.perf_counter() - started:.1f} s)")

        failures = []
        if mine["seconds"] > TARGET_SECONDS:
            failures.append(f"{mine['seconds']:.1f} s > {TARGET_SECONDS} s")
        if total > TARGET_MB:
            failures.append(f"{total:.0f} Mo > {TARGET_MB} Mo")
        if sum(passages for _p, _e, passages in checked) != args.rows:
            failures.append("passages manquants")
        for path, problems, passages in checked:
            if problems or passages > 200_000 or path.stat().st_size > 200 * 1000 * 1000:
                failures.append(f"{path.name} hors des limites ou non conforme")

        if not args.sans_naif:
            naive_output = Path(tmp) / "naif.xml"
            naive = run(NAIVE, source, naive_output, args.rows)
            print(
                f"Voie naïve (calamine + ElementTree en mémoire) : {naive['seconds']:.1f} s "
                f"(processeur {naive['cpu']:.1f} s), pic de mémoire {naive['peak_mb']:.0f} Mo, un "
                f"fichier de {naive_output.stat().st_size / 1e6:.0f} Mo"
                + (" conforme" if naive["valid"] else " NON CONFORME")
            )
            print(
                f"Rapport naïf / cqpilot : temps × {naive['seconds'] / mine['seconds']:.1f}, "
                f"mémoire × {naive['peak_mb'] / total:.1f}."
            )
    print(
        f"Cible : ≤ {TARGET_SECONDS} s et ≤ {TARGET_MB} Mo, fichiers sous 200 000 passages et 200 Mo."
    )
    if failures:
        print("CIBLE MANQUÉE : " + " ; ".join(failures))
        return 1
    print("Cible atteinte.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
