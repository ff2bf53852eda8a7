"""Demo VAE candidates at each step of their demande de recevabilité (docs/vae.md), so that the
« À faire » home shows what waits: one whose demande lacks pièces, one complete whose decision is
due in a few days, one declared recevable with its letter. Thanh Nguyen's demande is not entered
yet (demo/dossiers.py)."""

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from cqpilot.core.models import Organisation, User
from cqpilot.dossiers.acquis import add_months
from cqpilot.dossiers.documents import add_document, check_document
from cqpilot.dossiers.models import (
    Candidat,
    Dossier,
    Initiative,
    PieceExigee,
    Situation,
    VoieAcces,
    VoieVae,
)
from cqpilot.dossiers.workflow import transition
from cqpilot.referentiels.models import Certification
from cqpilot.vae.accompagnement import StructureSaisie, designer, referencer
from cqpilot.vae.models import NiveauEcart
from cqpilot.vae.recevabilite import (
    DemandeSaisie,
    EcartSaisi,
    ExperienceSaisie,
    decider,
    declarer_complete,
    demander_pieces,
    deposer,
)

from .calendrier import Calendrier
from .dossiers import SCAN

LIVRET_1 = "Dossier de faisabilité (livret 1)"
RELAIS = "Point Relais Conseil VAE"
RELAIS_SIRET = "73282932000074"


def _dossier(
    nom: str, prenom: str, sexe: str, annee: int, metallurgie: Organisation, by: User, on: date
) -> Dossier:
    maintenance = Certification.objects.get(code_rncp_rs="RNCP39912")
    candidat = Candidat.objects.create(
        nom_naissance=nom,
        prenom1=prenom,
        sexe=sexe,
        annee_naissance=annee,
        mois_naissance=4,
        jour_naissance=17,
        code_insee_naissance="42218",
        commune_naissance="Saint-Étienne",
        situation=Situation.SALARIE,
        created_by_organisation=metallurgie,
        email=f"{prenom.lower()}.{nom.lower()}@exemple.fr",
    )
    dossier = Dossier.objects.create(
        candidat=candidat,
        certification=maintenance,
        version=maintenance.versions.get(numero=1),
        voie_acces=VoieAcces.VAE,
        voie_vae=VoieVae.VAE_CLASSIQUE,
        experience_mois=72,
        initiative=Initiative.CERTIFIE,
        date_inscription=on,
        created_by=by,
    )
    _piece(dossier, "Pièce d'identité", "identite", by)
    transition(dossier, "inscrit", by=by)
    return dossier


def _saisie(experience: str, mois: int, avis: str, blocs=()) -> DemandeSaisie:
    return DemandeSaisie(
        blocs=list(blocs),
        experiences=[
            ExperienceSaisie(
                intitule=experience,
                structure="Forges de la Loire",
                nature="salariee",
                duree_mois=mois,
                activites="Maintenance préventive et curative des lignes de production.",
            ),
            ExperienceSaisie(
                intitule="Bénévole, atelier de réparation associatif",
                nature="benevole",
                duree_mois=18,
            ),
        ],
        declaration_honneur=True,
        formations="Habilitation électrique BR (2022)",
        accompagnateur="Inès Roche, Point Relais Conseil VAE",
        avis_accompagnateur=avis,
        reference_france_vae="FVAE-2026-0" + str(mois).zfill(3),
    )


def _piece(dossier: Dossier, libelle: str, fichier: str, by: User) -> None:
    """A pièce exigée the certifier received and accepted (the livret 1 of a demande it
    declared complete)."""
    piece = PieceExigee.objects.get(certification=dossier.certification, libelle=libelle)
    name = f"{dossier.candidat.nom_naissance.lower()}-{fichier}.pdf"
    document = add_document(dossier, SimpleUploadedFile(name, SCAN), by=by, piece=piece)
    check_document(document, accept=True, by=by)


def demandes(organisations: dict[str, Organisation], users: dict[str, User], cal: Calendrier):
    """After the pièces exigées: the livret 1 is asked for « recevable » on VAE dossiers."""
    metallurgie, gestionnaire = organisations["metallurgie"], users["gestionnaire.metallurgie"]
    today = cal.today

    # Karim Benhamou: his demande lacks pièces, its period does not run yet.
    filed = today - timedelta(days=20)
    dossier = _dossier("Benhamou", "Karim", "M", 1984, metallurgie, gestionnaire, filed)
    demande = deposer(
        dossier,
        _saisie("Technicien de maintenance", 54, "Projet cohérent, à étayer."),
        by=gestionnaire,
        on=filed,
    )
    demander_pieces(
        demande,
        "Certificats de travail des Forges de la Loire\nAttestation de l'association",
        by=gestionnaire,
        on=filed + timedelta(days=5),
    )

    # Her accompanist, whom the Métallurgie lists (Qualiopi and its label), follows her dossier
    # and that of Sandrine Faure; Lucie Morel's demande is for her to file (account aap.relais).
    relais = referencer(
        StructureSaisie(
            nom=RELAIS,
            siret=RELAIS_SIRET,
            qualiopi=True,
            qualiopi_date_fin=today + timedelta(days=400),
            label_branche="Accompagnateur VAE reconnu par la CPNE de la Métallurgie",
        ),
        by=gestionnaire,
    )
    designer(dossier, relais, by=gestionnaire)
    morel = _dossier("Morel", "Lucie", "F", 1990, metallurgie, gestionnaire, today)
    designer(morel, relais, by=gestionnaire)

    # Sandrine Faure: complete, the certifier has a few days left to decide.
    complete = add_months(today, -2) + timedelta(days=4)
    dossier = _dossier("Faure", "Sandrine", "F", 1976, metallurgie, gestionnaire, complete)
    demande = deposer(
        dossier,
        _saisie("Électromécanicienne", 96, "Parcours solide, très autonome."),
        by=gestionnaire,
        on=complete - timedelta(days=6),
    )
    _piece(dossier, LIVRET_1, "livret-1", gestionnaire)
    declarer_complete(demande, by=gestionnaire, le=complete)
    designer(dossier, relais, by=gestionnaire)

    # Olivier Bonnet: declared recevable, with the gap analysis and the letter.
    decided = today - timedelta(days=40)
    dossier = _dossier(
        "Bonnet", "Olivier", "M", 1981, metallurgie, gestionnaire, decided - timedelta(days=30)
    )
    bloc = dossier.version.blocs.order_by("ordre", "code").first()
    demande = deposer(
        dossier,
        _saisie("Mécanicien d'entretien", 120, "Expérience directement liée au bloc visé.", [bloc]),
        by=gestionnaire,
        on=decided - timedelta(days=30),
    )
    _piece(dossier, LIVRET_1, "livret-1", gestionnaire)
    declarer_complete(demande, by=gestionnaire, le=decided - timedelta(days=20))
    decider(
        demande,
        recevable=True,
        motivation="Dix ans de maintenance en production : les activités couvrent le bloc visé.",
        ecarts=[
            EcartSaisi(bloc, NiveauEcart.ACQUIS, commentaire="Diagnostic et dépannage maîtrisés.")
        ],
        recommande_pmsmp=True,
        recommandations="Une PMSMP sur une ligne automatisée avant le jury.",
        by=gestionnaire,
        on=decided,
    )
