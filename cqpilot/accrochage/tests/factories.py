"""A certifier with documents in its register, ready to deposit: the register's lines without their
PDFs, so that the lifecycle tests stay fast (test_depots.py issues real documents)."""

import io
from dataclasses import dataclass
from datetime import date

from cqpilot.accrochage.depots import ensure_passages
from cqpilot.accrochage.models import FichierAccrochage, PassageAccrochage, ReglagesAccrochage
from cqpilot.core.models import Organisation, Role, User
from cqpilot.core.tests.factories import OrganisationFactory, UserFactory
from cqpilot.delivrance.models import DocumentDelivre, DocumentKind
from cqpilot.delivrance.tests.factories import DocumentDelivreFactory
from cqpilot.dossiers.tests.factories import CandidatFactory, DossierFactory
from cqpilot.referentiels.models import Bloc, Certification
from cqpilot.referentiels.tests.factories import BlocFactory, CertificationFactory, VersionFactory

DECIDED_ON = date(2026, 11, 20)
ISSUED_ON = date(2026, 11, 25)


@dataclass
class Deposits:
    organisation: Organisation
    gestionnaire: User
    certification: Certification
    blocs: list[Bloc]
    parchemin: DocumentDelivre  # Benali: the whole certification
    attestation: DocumentDelivre  # Durand: blocs BC01 and BC03

    def passage(self, document: DocumentDelivre, bloc: str = "") -> PassageAccrochage:
        found = PassageAccrochage.objects.filter(document=document)
        return found.get(bloc__code=bloc) if bloc else found.get(bloc=None)


def deposits(version: str = "2026", *, validite_blocs_mois: int | None = None) -> Deposits:
    organisation = OrganisationFactory(nom="CPNE de la propreté")
    gestionnaire = UserFactory(organisation=organisation, roles=[Role.GESTIONNAIRE])
    certification = CertificationFactory(
        certificateurs=[organisation], validite_blocs_mois=validite_blocs_mois
    )
    referentiel = VersionFactory(certification=certification)
    blocs = [
        BlocFactory(version=referentiel, code=code, intitule=f"Bloc {code}", ordre=n)
        for n, code in enumerate(["BC01", "BC02", "BC03"])
    ]

    def document(nom: str, kind: str) -> DocumentDelivre:
        dossier = DossierFactory(
            candidat=CandidatFactory(nom_naissance=nom),
            certification=certification,
            version=referentiel,
        )
        return DocumentDelivreFactory(
            dossier=dossier,
            organisation=organisation,
            kind=kind,
            date_decision=DECIDED_ON,
            date_delivrance=ISSUED_ON,
            created_by=gestionnaire,
        )

    parchemin = document("Benali", DocumentKind.PARCHEMIN)
    attestation = document("Durand", DocumentKind.ATTESTATION)
    attestation.blocs.set([blocs[0], blocs[2]])
    ReglagesAccrochage.objects.create(
        organisation=organisation,
        id_client="CPNE0001",
        id_contrat="MCFCER000123",
        version_schema=version,
    )
    ensure_passages(organisation)
    return Deposits(organisation, gestionnaire, certification, blocs, parchemin, attestation)


def report(
    fichier: FichierAccrochage | None = None,
    ok: list[str] = (),
    ko: dict[str, str] | None = None,
    *,
    nom_fichier: str = "",
    file_errors: list[str] = (),
) -> io.BytesIO:
    """A CDC processing report: of a file by its idFlux (a processed file), or, for a file
    rejected whole, by the name it was deposited under (as the CDC writes them)."""
    head = f"<nomFichier>{nom_fichier}</nomFichier>" if nom_fichier else ""
    head += f"<idFlux>{fichier.id_flux}</idFlux>" if fichier else ""
    kos = "".join(
        f"<passage><idTechnique>{i}</idTechnique><messageErreur>{m}</messageErreur></passage>"
        for i, m in (ko or {}).items()
    )
    oks = "".join(f"<idTechnique>{i}</idTechnique>" for i in ok)
    errors = "".join(
        f"<erreur><type>XSD</type><message>{m}</message><ligne>1</ligne><colonne>18</colonne>"
        "</erreur>"
        for m in file_errors
    )
    body = (
        f"<erreurs>{errors}</erreurs>"
        if file_errors
        else f"<PassagesKO>{kos}</PassagesKO><PassagesOK>{oks}</PassagesOK>"
    )
    return io.BytesIO(
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>'
        f'<rapport xmlns:ns2="urn:cdc:cpf:pc5:rapport:schema">{head}'
        f"<idTraitement>70412</idTraitement>{body}</rapport>".encode()
    )
