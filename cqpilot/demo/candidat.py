"""Demo: a candidate's account. Mehdi Girard holds the CQP Agent de maintenance since the earlier
jury (parchemin and Open Badge, PV signed); he now sits the CQPI Agent logistique as a candidat
libre: convoked to its session in three weeks, his pièce d'identité refused (unreadable) to
deposit again, his CACES deposited and awaiting the certifier's check."""

from datetime import time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from cqpilot.core.models import Organisation, User
from cqpilot.dossiers.documents import add_document, check_document
from cqpilot.dossiers.models import (
    Candidat,
    Dossier,
    DossierState,
    Initiative,
    PieceExigee,
    VoieAcces,
)
from cqpilot.dossiers.workflow import transition
from cqpilot.evaluations.convocations import record_inscription_convoquee
from cqpilot.evaluations.models import SessionEvaluation
from cqpilot.evaluations.services import create_session, enrol
from cqpilot.referentiels.models import Certification

from .calendrier import Calendrier
from .dossiers import SCAN

USERNAME = "mehdi.girard@exemple.fr"  # a candidate signs in with their e-mail address
LABEL = "candidat (Mehdi Girard : titulaire du CQP maintenance, convoqué au CQPI logistique)"
SESSION_IN = timedelta(weeks=3)


def candidat_account(
    metallurgie: Organisation, users: dict[str, User], calendrier: Calendrier, password: str
) -> User:
    """Girard's second dossier, its session and pièces, and his activated account. Loaded after
    the earlier jury (his parchemin) and the coming jury (which takes the maintenance dossiers
    in evaluation, not this one)."""
    gestionnaire = users["gestionnaire.metallurgie"]
    candidat = Candidat.objects.get(nom_naissance="Girard", prenom1="Mehdi")
    logistique = Certification.objects.get(code_rncp_rs="RNCP38345")
    version = logistique.versions.get(numero=1)
    dossier = Dossier.objects.create(
        candidat=candidat,
        certification=logistique,
        version=version,
        organisme=None,
        voie_acces=VoieAcces.CANDIDAT_LIBRE,
        initiative=Initiative.CERTIFIE,
        date_inscription=calendrier.months(-1),
        created_by=gestionnaire,
    )
    transition(dossier, DossierState.INSCRIT, by=gestionnaire)
    session = create_session(
        SessionEvaluation(
            organisation=metallurgie,
            certification=logistique,
            version=version,
            date_debut=calendrier.today + SESSION_IN,
            date_fin=calendrier.today + SESSION_IN,
            heure=time(8, 30),
            lieu="Plateforme logistique Rhône-Alpes, 12 rue du Dauphiné, Saint-Priest",
            code_postal="69800",
        )
    )
    enrol(session, [dossier], by=gestionnaire)
    # The convocation's e-mail is recorded as sent, never queued for the mail worker.
    record_inscription_convoquee(dossier.inscriptions.get(session=session).pk)

    # The pièces the logistique CQPI asks of its candidates, set once the dossier has moved.
    identite, caces = (
        PieceExigee.objects.create(
            certification=logistique,
            libelle=libelle,
            formats=["pdf", "jpeg", "png"],
            etat_requis=etat,
            depot_candidat=True,
            ordre=ordre,
        )
        for ordre, (libelle, etat) in enumerate(
            [
                ("Pièce d'identité", DossierState.INSCRIT),
                ("CACES R489 en cours de validité", DossierState.PRESENTE_JURY),
            ]
        )
    )

    # The account, as espace.services.invite_candidat makes it (its e-mail as username, no
    # organisation, no role), already activated: the demo sends no invitation.
    user = User.objects.create_user(
        username=USERNAME,
        email=USERNAME,
        password=password,
        first_name=candidat.prenom1,
        last_name=candidat.nom_naissance,
    )
    candidat.compte = user
    candidat.save(update_fields=["compte", "updated_at"])
    refused = add_document(
        dossier, SimpleUploadedFile("carte-identite.pdf", SCAN), by=user, piece=identite
    )
    check_document(
        refused,
        accept=False,
        by=gestionnaire,
        motif="Le scan est illisible : déposez le recto et le verso de la carte, en couleur.",
    )
    add_document(dossier, SimpleUploadedFile("caces-r489.pdf", SCAN), by=user, piece=caces)
    return user
