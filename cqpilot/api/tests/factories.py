"""Two partner OFs and two certifiers, each with its own candidate and dossier, and a token
per role: what the scoping tests read through the API."""

import json
from dataclasses import dataclass
from datetime import date

from django.test import Client

from cqpilot.accrochage.depots import ensure_passages
from cqpilot.accrochage.models import FichierAccrochage
from cqpilot.core.models import Role, User
from cqpilot.core.tests.factories import OrganisationFactory, UserFactory
from cqpilot.delivrance.tests.factories import DocumentDelivreFactory
from cqpilot.dossiers.models import Dossier, DossierState
from cqpilot.dossiers.tests.factories import CandidatFactory, DossierFactory, HabilitationFactory
from cqpilot.evaluations.models import Epreuve
from cqpilot.evaluations.services import assign, enrol
from cqpilot.evaluations.tests.factories import evaluation
from cqpilot.jurys.models import Deliberation
from cqpilot.jurys.tests.factories import JuryFactory, published_version
from cqpilot.referentiels.tests.factories import CertificationFactory

from ..tokens import create_token


class ApiClient:
    """The test client, authenticated by a token as an application would be."""

    def __init__(self, user: User) -> None:
        _jeton, self.key = create_token(user, "tests")
        self.user = user
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {self.key}")

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1{path}", params)

    def post(self, path: str, data: dict):
        return self.client.post(f"/api/v1{path}", json.dumps(data, default=str), "application/json")

    def patch(self, path: str, data: dict):
        return self.client.patch(
            f"/api/v1{path}", json.dumps(data, default=str), "application/json"
        )


@dataclass
class World:
    branche: object
    certification: object
    version: object
    of_a: object
    of_b: object
    dossier_a: Dossier
    dossier_b: Dossier
    dossier_libre: Dossier  # no OF: a candidat libre of the branch
    other_dossier: Dossier  # another certifier's
    epreuve: Epreuve  # BC02, scored, assigned to the « evaluateur » user
    users: dict[str, User]


def world() -> World:
    """The branch's evaluation (its OF Formapro Sud is « OF A », with Benali's dossier), plus
    AFPI Sud (« OF B ») and a candidat libre on the same CQP, and another certifier."""
    e = evaluation(1)
    of_b = OrganisationFactory(nom="AFPI Sud", kind="organisme_formation")
    for of in (e.of, of_b):
        HabilitationFactory(
            organisme=of, certification=e.certification, date_debut=date(2020, 1, 1),
            date_fin=date(2099, 12, 31),
        )  # fmt: skip

    def dossier(organisme, nom):
        return DossierFactory(
            candidat=CandidatFactory(nom_naissance=nom, created_by_organisation=organisme),
            certification=e.certification,
            version=e.version,
            organisme=organisme,
            state=DossierState.EN_FORMATION,
        )

    dossier_a, dossier_b, libre = e.dossiers[0], dossier(of_b, "Bertin"), dossier(None, "Colin")
    enrol(e.session, [dossier_a, dossier_b, libre], by=e.gestionnaire)
    epreuve = e.session.epreuves.get(modalite__bloc__code="BC02")
    assign(epreuve, e.evaluateur)

    other = OrganisationFactory(nom="CPNE du commerce")
    other_certification = CertificationFactory(certificateurs=[other])
    other_version, _ = published_version(other_certification, ["BC01"])
    other_dossier = DossierFactory(
        candidat=CandidatFactory(nom_naissance="Dumas", created_by_organisation=other),
        certification=other_certification,
        version=other_version,
    )
    users = {
        "gestionnaire": e.gestionnaire,
        "administrateur": UserFactory(organisation=e.branche, roles=[Role.ADMINISTRATEUR]),
        "evaluateur": e.evaluateur.user,
        "membre_jury": UserFactory(organisation=e.branche, roles=[Role.MEMBRE_JURY]),
        "of_a": UserFactory(organisation=e.of, roles=[Role.ORGANISME_FORMATION]),
        "of_b": UserFactory(organisation=of_b, roles=[Role.ORGANISME_FORMATION]),
        "autre_certificateur": UserFactory(organisation=other, roles=[Role.GESTIONNAIRE]),
    }
    # A signed jury decided on Benali and Dumas; both received their parchemin.
    for certifier, certification, decided in [
        (e.branche, e.certification, dossier_a),
        (other, other_certification, other_dossier),
    ]:
        jury = JuryFactory(organisation=certifier, certification=certification, status="signe")
        Deliberation.objects.create(jury=jury, dossier=decided, decision="totale")
        DocumentDelivreFactory(dossier=decided, organisation=certifier)
        ensure_passages(certifier)  # as issuing it does (the factory skips delivrance.services)
    # Each certifier deposited a file at the CDC, whose report came back with one rejection.
    for n, certifier in enumerate([e.branche, other], start=1):
        FichierAccrochage.objects.create(
            organisation=certifier, id_flux=f"CQPILOT-TEST-{n}", version_schema="1.1.2",
            fichier=f"accrochage/CQPILOT-TEST-{n}.xml", nombre=1, taille=2048,
            rapport={
                "id_traitement": "T1", "accepted": [], "file_errors": [],
                "rejected": {"cqpilot-1-X": "Aucun titulaire ne correspond"},
            },
        )  # fmt: skip
    return World(
        e.branche, e.certification, e.version, e.of, of_b, dossier_a, dossier_b, libre,
        other_dossier, epreuve, users,
    )  # fmt: skip
