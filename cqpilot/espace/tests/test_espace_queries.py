"""The espace's home reads a constant number of queries, whatever the number of the candidate's
dossiers, each with its pièces, sessions, results and documents."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cqpilot.core.models import User
from cqpilot.delivrance.tests.factories import DocumentDelivreFactory
from cqpilot.dossiers.documents import add_document
from cqpilot.dossiers.models import BlocAcquis, DossierState
from cqpilot.dossiers.tests.factories import (
    CandidatFactory,
    DossierFactory,
    HabilitationFactory,
    PieceExigeeFactory,
)
from cqpilot.evaluations.models import Inscription, SessionEvaluation
from cqpilot.jurys.models import BlocResultat, Decision, DecisionBloc, Deliberation, JuryStatus
from cqpilot.jurys.tests.factories import JuryFactory
from cqpilot.referentiels.models import ReferentielVersion, VersionStatus
from cqpilot.referentiels.tests.factories import BlocFactory, VersionFactory

pytestmark = pytest.mark.django_db
PER_DOSSIER = (
    "The espace's home reads something once per dossier (or per decision): prefetch it for all "
    "the dossiers in espace/parcours.py's parcours_of, and read it with .all() in the partial."
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def candidat():
    candidat = CandidatFactory(prenom1="Léa", nom_naissance="Durand")
    candidat.compte = User.objects.create_user("lea@exemple.fr", email="lea@exemple.fr")
    candidat.save()
    return candidat


def add_dossier(candidat) -> None:
    """A dossier with all the espace shows: two pièces (one deposited), two targeted blocs, a
    convocation, a signed jury's decision on each bloc, a parchemin, an acquired bloc."""
    habilitation = HabilitationFactory()
    certification = habilitation.certification
    version = VersionFactory(certification=certification)
    blocs = [BlocFactory(version=version, code=f"BC0{n}") for n in (1, 2)]
    ReferentielVersion.objects.filter(pk=version.pk).update(status=VersionStatus.PUBLIEE)
    dossier = DossierFactory(
        candidat=candidat,
        certification=certification,
        version=version,
        organisme=habilitation.organisme,
        state=DossierState.CERTIFIE,
    )
    dossier.blocs_vises.set(blocs)
    identite, _cv = (
        PieceExigeeFactory(
            certification=certification,
            libelle=libelle,
            depot_candidat=True,
            etat_requis=DossierState.INSCRIT,
        )
        for libelle in ("Pièce d'identité", "CV")
    )
    add_document(
        dossier,
        SimpleUploadedFile("id.pdf", b"%PDF-1.4 x"),
        by=candidat.compte,
        piece=identite,
    )
    organisation = certification.certificateurs.get()
    session = SessionEvaluation.objects.create(
        organisation=organisation,
        certification=certification,
        version=dossier.version,
        date_debut=date(2026, 10, 14),
        lieu="Centre de Vénissieux",
    )
    Inscription.objects.create(session=session, dossier=dossier, convoque_at=timezone.now())
    jury = JuryFactory(
        organisation=organisation, certification=certification, status=JuryStatus.SIGNE
    )
    deliberation = Deliberation.objects.create(
        jury=jury, dossier=dossier, decision=Decision.TOTALE, preconisations="Continuer."
    )
    for bloc in blocs:
        DecisionBloc.objects.create(
            deliberation=deliberation, bloc=bloc, resultat=BlocResultat.VALIDE
        )
        BlocAcquis.objects.create(
            candidat=candidat, bloc=bloc, date_obtention=date(2026, 11, 20), source="jury"
        )
    DocumentDelivreFactory(dossier=dossier, status="valide")


def queries_of_the_home(client, candidat, dossiers: int) -> int:
    for _ in range(dossiers):
        add_dossier(candidat)
    client.force_login(candidat.compte)
    client.get("/espace/")  # the session's first request writes it
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/espace/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="card"') == dossiers
    assert page.count("convocation (PDF)") == dossiers
    assert page.count("badge numérique") == dossiers
    assert page.count("Préconisations du jury") == dossiers
    return len(queries)


def test_the_home_reads_as_many_queries_for_five_dossiers_as_for_one(
    client, candidat, django_assert_max_num_queries
):
    one = queries_of_the_home(client, candidat, 1)
    for _ in range(4):
        add_dossier(candidat)
    with django_assert_max_num_queries(one, info=PER_DOSSIER):
        response = client.get("/espace/")
    assert response.content.decode().count('class="card"') == 5
