"""Benchmark: 200,000 accrochage passages written and validated against the CDC schema.

Target (issue « Accrochage certificateur »): < 30 s and < 300 MB peak RSS, and faster with less
memory than a plain in-memory ElementTree build of the same data (also measured here).

Each variant runs in its own process, which prints its wall time and peak RSS.

    python benchmarks/accrochage.py [--passages 200000]
"""

import argparse
import os
import tempfile
from pathlib import Path

from child import run_child

COMMON = """
import json, resource, sys, time
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo
from cqpilot.accrochage.flux import CertificationRef, Entete, Passage, Titulaire
count, output = int(sys.argv[1]), sys.argv[2]
FIRST = ["Léa", "Lucas", "Emma", "Hugo", "Chloé", "Louis", "Inès", "Jules", "Manon", "Nathan"]
def passages():
    for i in range(count):
        yield Passage(
            id_technique=f"cqpilot-{i:09d}",
            titulaire=Titulaire(nom_naissance=f"Lefèvre-N'Diaye{i}", prenom1=FIRST[i % 10], sexe="MF"[i % 2],
                                annee_naissance=1960 + i % 45, mois_naissance=1 + i % 12 if i % 7 else None,
                                jour_naissance=1 + i % 28 if i % 7 else None, code_insee_naissance="69123",
                                libelle_commune_naissance="Lyon"),
            date_debut_validite=date(2026, 10, 15), date_debut_examen=date(2026, 9, 28),
            date_fin_examen=date(2026, 9, 30), modalite_examen="EN_PRESENTIEL", code_postal_centre="69007",
            modalite_acces="VAE" if i % 5 == 0 else "FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION",
            voie_vae="VAE_CLASSIQUE" if i % 5 == 0 else "", initiative="EMPLOYEUR", date_inscription=date(2025, 9, 7))
entete = Entete(id_flux="bench", horodatage=datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Paris")),
                id_client_emetteur="AB123CDE", id_client_certificateur="AB123CDE", id_contrat="2560080000127J",
                certifications=[(CertificationRef("RNCP", "RNCP39912"), passages())])
start = time.perf_counter()
"""

STREAMING = (
    COMMON
    + """
from cqpilot.accrochage.flux import write_flux
from cqpilot.accrochage.schema import schema_errors
written = write_flux(output, entete)
built = time.perf_counter() - start
errors = schema_errors(output)
"""
)

IN_MEMORY = (
    COMMON
    + """
from lxml import etree
from cqpilot.accrochage.flux import CPF, XSI, q
from cqpilot.accrochage.schema import schema
NIL = {f"{{{XSI}}}nil": "true"}
def add(parent, name, value, nillable=False, optional=False):
    if value in (None, ""):
        if nillable:
            etree.SubElement(parent, q(name), NIL)
        elif not optional:
            raise ValueError(name)
        return
    text = ("true" if value else "false") if isinstance(value, bool) else value.isoformat() if isinstance(value, date) else str(value)
    etree.SubElement(parent, q(name)).text = text
def passage_element(p):
    e = etree.Element(q("passageCertification"))
    add(e, "idTechnique", p.id_technique); add(e, "obtentionCertification", p.obtention)
    add(e, "donneeCertifiee", p.donnee_certifiee); add(e, "dateDebutExamen", p.date_debut_examen, optional=True)
    add(e, "dateFinExamen", p.date_fin_examen, optional=True); add(e, "modalitePassageExamen", p.modalite_examen, optional=True)
    add(e, "codePostalCentreExamen", p.code_postal_centre, optional=True); add(e, "dateDebutValidite", p.date_debut_validite)
    add(e, "dateFinValidite", p.date_fin_validite, nillable=True); add(e, "presenceNiveauLangueEuro", False)
    add(e, "presenceNiveauNumeriqueEuro", False); add(e, "scoring", p.scoring, nillable=True)
    add(e, "mentionValidee", p.mention, nillable=True)
    m = etree.SubElement(e, q("modalitesInscription"))
    add(m, "modaliteAcces", p.modalite_acces, nillable=True); add(m, "voieAccessVAE", p.voie_vae, optional=True)
    add(m, "initiativeInscription", p.initiative, optional=True); add(m, "dateInscription", p.date_inscription, optional=True)
    t, tit = p.titulaire, etree.SubElement(etree.SubElement(e, q("identificationTitulaire")), q("titulaire"))
    add(tit, "nomNaissance", t.nom_naissance); add(tit, "nomUsage", t.nom_usage, nillable=True)
    add(tit, "prenom1", t.prenom1); add(tit, "anneeNaissance", t.annee_naissance)
    add(tit, "moisNaissance", t.mois_naissance, nillable=True); add(tit, "jourNaissance", t.jour_naissance, nillable=True)
    add(tit, "sexe", t.sexe)
    add(etree.SubElement(etree.SubElement(tit, q("codeCommuneNaissance")), q("codeInseeNaissance")), "codeInsee", t.code_insee_naissance)
    add(tit, "libelleCommuneNaissance", t.libelle_commune_naissance, optional=True)
    return e
root = etree.Element(q("flux"), nsmap={"cpf": CPF, "xsi": XSI})
for name, value in (("idFlux", entete.id_flux), ("horodatage", "2026-11-23T10:00:00+01:00")):
    etree.SubElement(root, q(name)).text = value
emetteur = etree.SubElement(root, q("emetteur"))
etree.SubElement(emetteur, q("idClient")).text = entete.id_client_emetteur
certificateur = etree.SubElement(etree.SubElement(emetteur, q("certificateurs")), q("certificateur"))
etree.SubElement(certificateur, q("idClient")).text = entete.id_client_certificateur
etree.SubElement(certificateur, q("idContrat")).text = entete.id_contrat
certification = etree.SubElement(etree.SubElement(certificateur, q("certifications")), q("certification"))
etree.SubElement(certification, q("type")).text = "RNCP"
etree.SubElement(certification, q("code")).text = "RNCP39912"
holder = etree.SubElement(certification, q("passageCertifications"))
written = 0
for passage in passages():
    holder.append(passage_element(passage))
    written += 1
etree.ElementTree(root).write(output, encoding="UTF-8", xml_declaration=True)
built = time.perf_counter() - start
errors = [] if schema().validate(root) else [str(schema().error_log.last_error)]
"""
)

REPORT = """
print(json.dumps({"passages": written, "errors": errors, "build": built, "seconds": time.perf_counter() - start,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(code: str, count: int, output: Path) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cqpilot.settings_tests"}
    return run_child(code + REPORT, str(count), str(output), env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for label, code in (
            ("Écriture en flux (cqpilot)", STREAMING),
            ("ElementTree en mémoire", IN_MEMORY),
        ):
            output = Path(tmp) / "flux.xml"
            figures = run(code, args.passages, output)
            size = output.stat().st_size / 1e6
            print(
                f"{label} : {figures['passages']} passages, {size:.0f} Mo, "
                f"écriture {figures['build']:.1f} s, écriture + validation XSD {figures['seconds']:.1f} s, "
                f"pic de mémoire {figures['peak_rss_mb']:.0f} Mo, "
                f"{'conforme' if not figures['errors'] else figures['errors']}"
            )
    print("Cible : < 30 s et < 300 Mo, et mieux que la construction en mémoire.")


if __name__ == "__main__":
    main()
