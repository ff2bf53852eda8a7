"""Demo partner OFs, habilitations, candidates and dossiers at various states."""

from django.core.files.uploadedfile import SimpleUploadedFile

from cqpilot.core.models import Organisation, OrganisationKind, User
from cqpilot.dossiers.documents import add_document, check_document
from cqpilot.dossiers.models import (
    AcquisSource,
    BlocAcquis,
    Candidat,
    Dispositif,
    Dossier,
    Financement,
    FinancementStatus,
    Habilitation,
    HabilitationScope,
    Initiative,
    PieceExigee,
    Situation,
    VoieAcces,
    VoieVae,
)
from cqpilot.dossiers.workflow import transition
from cqpilot.referentiels.models import Certification

from .calendrier import Calendrier

DEMO_CANDIDATS = [
    # nom de naissance, nom d'usage, prénom, sexe, année, mois, jour, INSEE, commune, voie, état
    ("Martin", "", "Lucas", "M", 1998, 3, 12, "69123", "Lyon", "contrat_pro", "en_formation"),
    ("Bernard", "Lefort", "Camille", "F", 1987, 11, 2, "59350", "Lille", "plan", "en_evaluation"),
    ("Nguyen", "", "Thanh", "M", 1979, None, None, "99243", "", "vae", "inscrit"),
    ("Petit", "", "Inès", "F", 2003, 7, 30, "2A004", "Ajaccio", "contrat_pro", "brouillon"),
    ("Moreau", "", "Julien", "M", 1992, 1, 8, "33063", "Bordeaux", "pro_a", "en_formation"),
    (
        "Roux",
        "",
        "Manon",
        "F",
        2001,
        5,
        19,
        "42218",
        "Saint-Étienne",
        "contrat_pro",
        "en_evaluation",
    ),
    ("Fabre", "", "Hugo", "M", 1995, 10, 4, "69266", "Villeurbanne", "plan", "en_evaluation"),
]
VOIES = {
    "contrat_pro": VoieAcces.FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION,
    "plan": VoieAcces.FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION,
    "vae": VoieAcces.VAE,
    "pro_a": VoieAcces.FORMATION_CONTINUE_PRO_A,
}


def dossiers(
    organisations: dict[str, Organisation], users: dict[str, User], calendrier: Calendrier
) -> None:
    formatech, metallurgie = organisations["formatech"], organisations["metallurgie"]
    formatech.nda = "84691234569"
    formatech.qualiopi = True
    formatech.qualiopi_date_fin = calendrier.months(19)
    formatech.contact_nom = "Thomas Perrin"
    formatech.contact_email = "contact@formatech-industrie.fr"
    formatech.save()
    autre_of = Organisation.objects.create(
        nom="Institut Rhône Compétences",
        kind=OrganisationKind.ORGANISME_FORMATION,
        siret="81234567600017",
        nda="82690000169",
    )
    maintenance = Certification.objects.get(code_rncp_rs="RNCP39912")
    logistique = Certification.objects.get(code_rncp_rs="RNCP38345")
    Habilitation.objects.create(
        organisme=formatech,
        certification=maintenance,
        scope=HabilitationScope.LES_DEUX,
        date_debut=calendrier.months(-40),  # before the oldest promotion was enrolled
        date_fin=calendrier.months(13),
    )
    Habilitation.objects.create(
        organisme=formatech,
        certification=logistique,
        scope=HabilitationScope.PREPARER,
        date_debut=calendrier.months(-47),  # ended: Formatech no longer prepares to it
        date_fin=calendrier.months(-11),
    )
    Habilitation.objects.create(
        organisme=autre_of,
        certification=maintenance,
        scope=HabilitationScope.PREPARER,
        date_debut=calendrier.months(-15),
    )
    version = maintenance.versions.get(numero=1)
    gestionnaire, of_user = users["gestionnaire.metallurgie"], users["of.formatech"]
    for nom, usage, prenom, sexe, annee, mois, jour, insee, commune, voie, state in DEMO_CANDIDATS:
        candidat = Candidat.objects.create(
            nom_naissance=nom,
            nom_usage=usage,
            prenom1=prenom,
            sexe=sexe,
            annee_naissance=annee,
            mois_naissance=mois,
            jour_naissance=jour,
            code_insee_naissance=insee,
            commune_naissance=commune,
            pays_naissance="Viêt Nam" if insee == "99243" else "",
            situation=Situation.SALARIE,
            created_by_organisation=metallurgie if voie == "vae" else formatech,
            email=f"{prenom.lower()}.{nom.lower()}@exemple.fr",
        )
        dossier = Dossier.objects.create(
            candidat=candidat,
            certification=maintenance,
            version=version,
            organisme=None if voie == "vae" else formatech,
            voie_acces=VOIES[voie],
            voie_vae=VoieVae.VAE_CLASSIQUE if voie == "vae" else "",
            experience_mois=96 if voie == "vae" else None,
            initiative=Initiative.EMPLOYEUR,
            date_inscription=calendrier.inscription,
            created_by=of_user,
        )
        path = {
            "brouillon": [],
            "inscrit": ["inscrit"],
            "en_formation": ["inscrit", "en_formation"],
            "en_evaluation": ["inscrit", "en_formation", "en_evaluation"],
        }[state]
        for step in path:
            transition(dossier, step, by=gestionnaire)
        if voie == "vae":
            BlocAcquis.objects.create(
                candidat=candidat,
                bloc=version.blocs.get(code="RNCP39912BC04"),
                source=AcquisSource.EQUIVALENCE,
                date_obtention=calendrier.months(-29),
                commentaire="Habilitation électrique et SST à jour, expérience de chef d'équipe.",
                created_by=gestionnaire,
            )
        if voie == "contrat_pro":
            Financement.objects.create(
                dossier=dossier,
                dispositif=Dispositif.CONTRAT_PRO,
                financeur="OPCO 2i",
                frais_pedagogiques=4200,
                heures=420,
                numero_prise_en_charge=f"2i-{calendrier.inscription.year}-004512",
                status=FinancementStatus.ACCORDE,
            )


def pieces_exigees() -> None:
    """The pièces the maintenance CQP asks for, set once the demo's dossiers have moved: those
    still open show what is missing, and the button it holds up."""
    maintenance = Certification.objects.get(code_rncp_rs="RNCP39912")
    for ordre, (libelle, formats, etat, voies, depot_of, visible_of) in enumerate(
        [
            ("Pièce d'identité", ["pdf", "jpeg", "png"], "inscrit", [], True, True),
            (
                "Contrat de professionnalisation signé",
                ["pdf"],
                "en_formation",
                [VOIES["contrat_pro"]],
                True,
                True,
            ),
            (
                "Dossier de faisabilité (livret 1)",
                ["pdf", "docx", "odt"],
                "recevable",
                [VOIES["vae"]],
                True,
                True,
            ),
            ("Note du certificateur sur le parcours", ["pdf"], "", [], False, False),
        ]
    ):
        PieceExigee.objects.create(
            certification=maintenance,
            libelle=libelle,
            formats=formats,
            etat_requis=etat,
            voies_acces=voies,
            depot_of=depot_of,
            visible_of=visible_of,
            ordre=ordre,
        )


# A PDF small enough to read, big enough to be a file: what a scan app would send.
SCAN = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pieces_deposees(users: dict[str, User]) -> None:
    """Formatech deposited Lucas Martin's pièces: his identity, accepted; his contract, refused
    by the certifier: the OF's home counts it until it deposits the contract again."""
    dossier = Dossier.objects.get(candidat__nom_naissance="Martin", candidat__prenom1="Lucas")
    of_user, gestionnaire = users["of.formatech"], users["gestionnaire.metallurgie"]
    for libelle, filename, motif in [
        ("Pièce d'identité", "martin-identite.pdf", ""),
        (
            "Contrat de professionnalisation signé",
            "martin-contrat.pdf",
            "La page des signatures manque : déposez le contrat complet, signé des deux parties.",
        ),
    ]:
        piece = PieceExigee.objects.get(certification=dossier.certification, libelle=libelle)
        document = add_document(
            dossier, SimpleUploadedFile(filename, SCAN), by=of_user, piece=piece
        )
        check_document(document, accept=not motif, by=gestionnaire, motif=motif)
