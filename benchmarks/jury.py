"""Benchmark: the deliberation page of a jury with 500 candidates.

Target (issue « Évaluations par blocs, jury paritaire… »): rendered in < 500 ms with a constant
number of SQL queries (the test suite asserts the count; this compares it for 50 and 500
candidates). Also prints the time to save one candidate's decision (the htmx form of one card).
Exits with 1 when a target is missed.

    python benchmarks/jury.py [--candidats 500] [--database-url postgres://…]
"""

import argparse
import tempfile

from child import FRESH_DATABASE, SERVING_PAGES, Targets, production_env, run_child

TARGET_MS = 500

CHILD = (
    FRESH_DATABASE
    + SERVING_PAGES
    + r"""
import json, statistics, sys, time
from datetime import date
from django.utils import timezone
from django.db import connection, transaction
from django.test import Client
from cqpilot.core.models import Organisation, RoleGrant, User
from cqpilot.dossiers.models import Candidat, Dossier
from cqpilot.intervenants.models import Intervenant
from cqpilot.jurys.models import DecisionBloc, Deliberation, Jury, Vote
from cqpilot.jurys.services import add_membre, open_deliberation
from cqpilot.referentiels.models import Bloc, Certification, ReferentielVersion

figures = {}
branche = Organisation.objects.create(nom="CPNE", kind="branche")
ofs = [Organisation.objects.create(nom=f"OF {i}", kind="organisme_formation") for i in range(10)]
cqp = Certification.objects.create(intitule="CQP Agent de maintenance", type="CQP", code_rncp_rs="RNCP39912")
cqp.certificateurs.set([branche])
version = ReferentielVersion.objects.create(certification=cqp, numero=1)
blocs = [Bloc.objects.create(version=version, code=f"BC0{n}", intitule=f"Bloc {n}", ordre=n) for n in range(1, 5)]
ReferentielVersion.objects.filter(pk=version.pk).update(status="publiee")
gestionnaire = User.objects.create_user("gestionnaire", organisation=branche)
gestionnaire.roles.set([RoleGrant.objects.get_or_create(code="gestionnaire")[0]])
people = []
for n, college in enumerate(["employeurs"] * 3 + ["salaries"] * 3):
    person = Intervenant.objects.create(organisation=branche, nom=f"Membre{n}", prenom="Claude", college=college)
    person.organismes.set([ofs[n]])  # each recused for the candidates of one OF
    people.append(person)
for count in (50, int(sys.argv[1])):
    # A deliberation opens on the jury's day, not before (jurys.workflow): the jury sits today.
    jury = Jury.objects.create(organisation=branche, certification=cqp, date=timezone.localdate(), lieu="Lyon")
    for n, person in enumerate(people):
        add_membre(jury, person, "president" if n == 0 else "membre")
    with transaction.atomic():
        candidats = Candidat.objects.bulk_create(
            Candidat(nom_naissance=f"Candidat{count}-{i}", prenom1="Léa", sexe="F", annee_naissance=1990)
            for i in range(count))
        dossiers = Dossier.objects.bulk_create(
            Dossier(candidat=c, certification=cqp, version=version, organisme=ofs[i % 10], state="presente_jury",
                    voie_acces="FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION", date_inscription=date(2026, 1, 5))
            for i, c in enumerate(candidats))
        deliberations = Deliberation.objects.bulk_create(Deliberation(jury=jury, dossier=d) for d in dossiers)
    open_deliberation(jury, by=gestionnaire)
    membres = list(jury.membres.all())
    with transaction.atomic():  # half the candidates already decided, with their votes
        for deliberation in deliberations[: count // 2]:
            Deliberation.objects.filter(pk=deliberation.pk).update(decision="totale", revision=1)
            DecisionBloc.objects.bulk_create(DecisionBloc(deliberation=deliberation, bloc=b, resultat="valide") for b in blocs)
            Vote.objects.bulk_create(Vote(deliberation=deliberation, membre=m, choix="pour") for m in membres)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    client = Client()
    client.force_login(gestionnaire)
    url = f"/jurys/{jury.pk}/deliberation/"
    timings, queries, response = time_page(client, url)
    figures[count] = {"median_ms": statistics.median(timings), "max_ms": max(timings), "queries": len(queries),
                      "kb": len(response.content) // 1024}
    target = deliberations[-1]
    post = {"revision": "0", "decision": "totale", "unanimite": "1", **{f"bloc-{b.pk}": "valide" for b in blocs}}
    start = time.perf_counter()
    response = client.post(f"{url}{target.pk}/", post, HTTP_HX_REQUEST="true")
    figures[count]["save_ms"] = (time.perf_counter() - start) * 1000
    assert "Décision enregistrée." in response.text, response.text[:2000]
print(json.dumps({"vendor": connection.vendor, "figures": figures}))
"""
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidats", type=int, default=500)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        result = run_child(CHILD, str(args.candidats), env=production_env(database))
    print(f"Base : {'PostgreSQL' if result['vendor'] == 'postgresql' else 'SQLite'}")
    for count, f in result["figures"].items():
        print(
            f"Délibération, {count:>4} candidats : médiane {f['median_ms']:.0f} ms, max "
            f"{f['max_ms']:.0f} ms, {f['queries']} requêtes, page de {f['kb']} Ko ; "
            f"enregistrement d'une décision {f['save_ms']:.0f} ms"
        )
    (small, few), (large, many) = result["figures"].items()
    targets = Targets()
    targets.below(f"Délibération à {large} candidats (médiane)", many["median_ms"], TARGET_MS, "ms")
    targets.holds(
        "Requêtes SQL",
        few["queries"] == many["queries"],
        f"{few['queries']} à {small} candidats, {many['queries']} à {large}",
        "le même nombre",
    )
    targets.finish()


if __name__ == "__main__":
    main()
