"""Benchmark: the « À faire » home page of each role over 100,000 dossiers.

Target (issue « Espace candidat… », « À faire »): the home of the gestionnaire, the évaluateur, the
jury member and the partner OF each in < 300 ms (median), with the same number of SQL queries at
1,000 dossiers and at 100,000 (the counts are one aggregate per model). The production settings
serve the pages (DEBUG off), as in the other benchmarks. Exits with 1 when a target is missed.

    python benchmarks/home.py [--dossiers 100000] [--database-url postgres://…]
"""

import argparse
import tempfile

from child import FRESH_DATABASE, SERVING_PAGES, Targets, production_env, run_child

TARGET_MS = 300
SMALL = 1000

CHILD = (
    FRESH_DATABASE
    + SERVING_PAGES
    + r"""
import json, statistics, sys
from datetime import date, timedelta
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from cqpilot.core.models import Organisation, RoleGrant, User
from cqpilot.dossiers.access import sync_acces
from cqpilot.dossiers.models import Candidat, Document, Dossier, Habilitation
from cqpilot.evaluations.models import Affectation, Epreuve, Inscription, SessionEvaluation
from cqpilot.intervenants.models import Intervenant
from cqpilot.jurys.models import Jury, JuryMembre
from cqpilot.referentiels.models import Bloc, Certification, Modalite, ReferentielVersion

count, small = int(sys.argv[1]), int(sys.argv[2])
today = timezone.localdate()
branche = Organisation.objects.create(nom="CPNE", kind="branche")
autre = Organisation.objects.create(nom="Autre CPNE", kind="branche")
ofs = [Organisation.objects.create(nom=f"OF {i}", kind="organisme_formation") for i in range(20)]
cqp = Certification.objects.create(intitule="CQP Agent de maintenance", type="CQP", code_rncp_rs="RNCP39912")
cqp.certificateurs.set([branche])
other = Certification.objects.create(intitule="CQP d'une autre branche", type="CQP")
other.certificateurs.set([autre])
version = ReferentielVersion.objects.create(certification=cqp, numero=1)
other_version = ReferentielVersion.objects.create(certification=other, numero=1, status="publiee")
bloc = Bloc.objects.create(version=version, code="BC01", intitule="Maintenir", ordre=1)
modalite = Modalite.objects.create(bloc=bloc, type="mise_en_situation", intitule="Mise en situation", ordre=1)
ReferentielVersion.objects.filter(pk=version.pk).update(status="publiee")
states = ["inscrit", "en_formation", "en_evaluation", "presente_jury", "certifie"]
voies = ["VAE", "FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION"]


def role(user, code):
    user.roles.set([RoleGrant.objects.get_or_create(code=code)[0]])
    return user


gestionnaire = role(User.objects.create_user("gestionnaire", organisation=branche), "gestionnaire")
evaluateur = role(User.objects.create_user("evaluateur", organisation=branche), "evaluateur")
membre = role(User.objects.create_user("jury", organisation=branche), "membre_jury")
of_user = role(User.objects.create_user("of", organisation=ofs[0]), "organisme_formation")
intervenant = Intervenant.objects.create(organisation=branche, nom="Évaluatrice", prenom="Eva", college="employeurs", user=evaluateur)
juror = Intervenant.objects.create(organisation=branche, nom="Présidente", prenom="Anne", college="employeurs", user=membre)
for n in range(20):
    Habilitation.objects.create(organisme=ofs[n], certification=cqp, scope="les_deux",
                                date_debut=date(2024, 1, 1), date_fin=today + timedelta(days=n * 5))
for n in range(30):
    jury = Jury.objects.create(organisation=branche, certification=cqp, date=today + timedelta(days=n - 15),
                               lieu="Paris", status=["preparation", "deliberation", "clos"][n % 3])
    JuryMembre.objects.create(jury=jury, intervenant=juror, college="employeurs", role="president")
sessions = []
for n in range(10):
    session = SessionEvaluation.objects.create(organisation=branche, certification=cqp, version=version,
                                               date_debut=today + timedelta(days=n - 5))
    epreuve = Epreuve.objects.create(session=session, modalite=modalite)
    Affectation.objects.create(epreuve=epreuve, evaluateur=intervenant)
    sessions.append(session)


def add_dossiers(first, last):
    with transaction.atomic():
        candidats = Candidat.objects.bulk_create(
            (Candidat(nom_naissance=f"Martin{i}", prenom1="Léa", sexe="F", annee_naissance=1960 + i % 45,
                      created_by_organisation=ofs[i % 20]) for i in range(first, last)), batch_size=2000)
        dossiers = Dossier.objects.bulk_create(
            (Dossier(candidat=c, certification=cqp if i % 10 else other, version=version if i % 10 else other_version,
                     organisme=ofs[i % 20], voie_acces=voies[i % 7 == 0], state=states[i % 5],
                     date_inscription=today - timedelta(days=i % 900))
             for i, c in enumerate(candidats, start=first)),
            batch_size=2000)
        Document.objects.bulk_create(
            (Document(dossier=d, type="cv", nom="cv.pdf", fichier="cv.pdf",
                      status=["a_verifier", "valide", "refuse"][i % 3])
             for i, d in enumerate(dossiers[::4])), batch_size=2000)
        Inscription.objects.bulk_create(
            (Inscription(session=sessions[i % 10], dossier=d, convoque_at=timezone.now())
             for i, d in enumerate(dossiers) if d.state == "en_evaluation" and i % 50 == 0),
            batch_size=2000)
    sync_acces()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


clients = {}
for user in (gestionnaire, evaluateur, membre, of_user):
    clients[user.username] = Client()
    clients[user.username].force_login(user)

add_dossiers(0, small)
small_queries = {name: len(time_page(client, "/", {}, runs=1)[1]) for name, client in clients.items()}
add_dossiers(small, count)
results = []
for name, client in clients.items():
    timings, queries, response = time_page(client, "/", {})
    assert response.status_code == 200, response.status_code
    results.append({"page": f"accueil de {name}", "median_ms": statistics.median(timings),
                    "max_ms": max(timings), "queries": len(queries), "queries_small": small_queries[name]})
print(json.dumps({"vendor": connection.vendor, "dossiers": Dossier.objects.count(), "pages": results}))
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
            f"{page['page']:30} médiane {page['median_ms']:4.0f} ms, max {page['max_ms']:4.0f} ms, "
            f"{page['queries']} requêtes ({page['queries_small']} à {small} dossiers)"
        )
    pages = result["pages"]
    slowest = max(pages, key=lambda page: page["median_ms"])
    changed = [page["page"] for page in pages if page["queries"] != page["queries_small"]]
    targets = Targets()
    targets.below(
        f"Accueil le plus lent à {result['dossiers']} dossiers ({slowest['page']}, médiane)",
        slowest["median_ms"],
        TARGET_MS,
        "ms",
    )
    targets.holds(
        f"Requêtes SQL à {small} et à {result['dossiers']} dossiers",
        not changed,
        "différentes pour " + ", ".join(changed) if changed else "les mêmes pour chaque rôle",
        "les mêmes pour chaque rôle",
    )
    targets.finish()


if __name__ == "__main__":
    main()
