"""Benchmark: 1,000 parchemins issued in one batch (PDF, number, signed credential each).

Target (issue « Délivrance… »): < 120 s on this machine; prints the time and peak memory.
Exits with 1 when the target is missed or a parchemin is refused.

    python benchmarks/delivrance.py [--documents 1000] [--database-url postgres://…]
"""

import argparse
import tempfile

from child import FRESH_DATABASE, Targets, production_env, run_child

TARGET_SECONDS = 120

CHILD = (
    FRESH_DATABASE
    + r"""
import json, resource, sys, time
from django.conf import settings
from datetime import date
from django.db import transaction
from cqpilot.core.models import Organisation, RoleGrant, User
from cqpilot.delivrance.models import ModeleParchemin
from cqpilot.delivrance.services import a_delivrer, issue_all
from cqpilot.dossiers.models import BlocAcquis, Candidat, Dossier
from cqpilot.jurys.models import Deliberation, Jury
from cqpilot.referentiels.models import Bloc, Certification, CertificationCode, ReferentielVersion

count = int(sys.argv[1])
branche = Organisation.objects.create(nom="CPNE de la Métallurgie", kind="branche", idcc="3248")
cqp = Certification.objects.create(intitule="CQP Agent de maintenance industrielle", type="CQP",
    code_rncp_rs="RNCP39912", niveau="NIV3", date_decision=date(2024, 6, 27), date_fin_enregistrement=date(2029, 6, 27))
cqp.certificateurs.set([branche])
CertificationCode.objects.create(certification=cqp, kind="NSF", code="250r", libelle="Maintenance")
version = ReferentielVersion.objects.create(certification=cqp, numero=1)
blocs = [Bloc.objects.create(version=version, code=f"RNCP39912BC0{n}", intitule=f"Bloc {n}", ordre=n) for n in range(1, 5)]
ReferentielVersion.objects.filter(pk=version.pk).update(status="publiee")
ModeleParchemin.objects.create(organisation=branche, signataire_nom="Claire Fontaine",
    signataire_qualite="Présidente de la CPNE", lieu_delivrance="Paris")
gestionnaire = User.objects.create_user("gestionnaire", organisation=branche)
gestionnaire.roles.set([RoleGrant.objects.get_or_create(code="gestionnaire")[0]])
jury = Jury.objects.create(organisation=branche, certification=cqp, date=date(2026, 11, 20), lieu="Lyon", status="signe")
with transaction.atomic():
    candidats = Candidat.objects.bulk_create(
        Candidat(nom_naissance=f"Titulaire{i}", prenom1="Léa", sexe="F", annee_naissance=1990, mois_naissance=5,
                 jour_naissance=14) for i in range(count))
    dossiers = Dossier.objects.bulk_create(
        Dossier(candidat=c, certification=cqp, version=version, state="certifie", date_inscription=date(2026, 1, 5),
                voie_acces="FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION") for c in candidats)
    Deliberation.objects.bulk_create(Deliberation(jury=jury, dossier=d, decision="totale") for d in dossiers)
    BlocAcquis.objects.bulk_create(BlocAcquis(candidat_id=d.candidat_id, bloc=b, source="jury", dossier=d,
                                              date_obtention=jury.date) for d in dossiers for b in blocs)
start = time.perf_counter()
documents, refusals = issue_all(a_delivrer(jury), by=gestionnaire, on=date(2026, 11, 25))
elapsed = time.perf_counter() - start
print(json.dumps({"documents": len(documents), "refusals": [str(r) for r in refusals[:3]], "seconds": elapsed, "first": documents[0].numero,
    "last": documents[-1].numero, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "workers_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        env = production_env(database)
        env["MEDIA_ROOT"] = f"{tmp}/media"
        figures = run_child(CHILD, str(args.documents), env=env)
    print(f"Base : {'PostgreSQL' if args.database_url.startswith('postgres') else 'SQLite'}")
    print(
        f"{figures['documents']} parchemins ({figures['first']} à {figures['last']}) en "
        f"{figures['seconds']:.1f} s, soit {figures['seconds'] / figures['documents'] * 1000:.0f} ms "
        "par document (PDF, numéro, badge signé)"
    )
    print(
        f"Pic de mémoire (RSS) : {figures['peak_rss_mb']:.0f} Mo pour le processus principal, "
        f"{figures['workers_peak_rss_mb']:.0f} Mo pour le plus gros des processus de rendu PDF"
    )
    targets = Targets()
    targets.below(
        f"Délivrance de {args.documents} parchemins", figures["seconds"], TARGET_SECONDS, "s", 1
    )
    targets.holds(
        "Parchemins délivrés",
        figures["documents"] == args.documents and not figures["refusals"],
        f"{figures['documents']} {figures['refusals'] or ''}".strip(),
        f"{args.documents}, aucun refus",
    )
    targets.finish()


if __name__ == "__main__":
    main()
