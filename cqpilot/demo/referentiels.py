"""Demo référentiels: a CQP with two versions, a CQPI shared by two branches, an unregistered CQP."""

from datetime import date

from cqpilot.core.models import Organisation, User
from cqpilot.referentiels.models import (
    Activite,
    Bloc,
    Certification,
    CertificationCode,
    CertificationStatus,
    CertificationType,
    CodeKind,
    Competence,
    CorrespondanceBloc,
    CritereEvaluation,
    ListeProA,
    Modalite,
    ModaliteType,
    Notation,
    ReferentielVersion,
)
from cqpilot.referentiels.services import copy_version, publish_version

from .calendrier import Calendrier


def _codes(certification: Certification, kind: CodeKind, values: list[tuple[str, str]]) -> None:
    CertificationCode.objects.bulk_create(
        CertificationCode(certification=certification, kind=kind, code=c, libelle=label)
        for c, label in values
    )


def _bloc(version, code, intitule, competences, modalites, *, optionnel=False, ordre=0) -> Bloc:
    bloc = Bloc.objects.create(
        version=version, code=code, intitule=intitule, est_optionnel=optionnel, ordre=ordre
    )
    bloc.competences.set(competences)
    for index, (type_, titre, minutes, notation, note_sur, seuil) in enumerate(modalites, 1):
        Modalite.objects.create(
            bloc=bloc,
            type=type_,
            intitule=titre,
            duree_minutes=minutes,
            notation=notation,
            note_sur=note_sur,
            seuil=seuil,
            ordre=index,
        )
    return bloc


def _competences(version, activite, items) -> list[Competence]:
    created = []
    for index, (code, intitule, criteres) in enumerate(items, 1):
        competence = Competence.objects.create(
            version=version, activite=activite, code=code, intitule=intitule, ordre=index
        )
        CritereEvaluation.objects.bulk_create(
            CritereEvaluation(competence=competence, intitule=c, ordre=i)
            for i, c in enumerate(criteres, 1)
        )
        created.append(competence)
    return created


def maintenance(metallurgie: Organisation, by: User, calendrier: Calendrier) -> None:
    enregistrement, fin_enregistrement = calendrier.registration
    cqp = Certification.objects.create(
        intitule="CQP Agent de maintenance industrielle",
        type=CertificationType.CQP,
        code_rncp_rs="RNCP39912",
        niveau="NIV3",
        status=CertificationStatus.ACTIVE,
        date_decision=enregistrement,
        date_fin_enregistrement=fin_enregistrement,
        vae_ouverte=True,
        validite_blocs_mois=None,
    )
    cqp.certificateurs.set([metallurgie])
    # The branch's extended Pro-A agreement lists its CQPs (a fictitious agreement).
    ListeProA.objects.create(
        branche=metallurgie,
        accord="Accord de branche relatif à la Pro-A (démonstration)",
        date_extension=date(2020, 12, 18),
        codes_rncp=["RNCP39912", "RNCP38345"],
    )
    _codes(cqp, CodeKind.NSF, [("250", "Spécialités pluritechnologiques mécanique-électricité")])
    _codes(cqp, CodeKind.ROME, [("I1304", "Installation et maintenance d'équipements industriels")])
    _codes(cqp, CodeKind.FORMACODE, [("31754", "Maintenance industrielle")])
    v1 = ReferentielVersion.objects.create(
        certification=cqp, numero=1, source="Saisie", description="Référentiel initial."
    )
    a1 = Activite.objects.create(
        version=v1,
        code="A1",
        ordre=1,
        intitule="Maintenance préventive des équipements de production",
    )
    a2 = Activite.objects.create(
        version=v1, code="A2", ordre=2, intitule="Maintenance corrective et dépannage"
    )
    a3 = Activite.objects.create(
        version=v1, code="A3", ordre=3, intitule="Amélioration continue, sécurité et communication"
    )
    c1 = _competences(
        v1,
        a1,
        [
            (
                "C1",
                "Réaliser les opérations de maintenance préventive planifiées en appliquant les "
                "gammes et les consignes de sécurité",
                [
                    "Les gammes de maintenance sont respectées",
                    "Les équipements sont consignés avant intervention",
                ],
            ),
            (
                "C2",
                "Contrôler l'état des organes mécaniques, électriques et pneumatiques d'un équipement",
                ["Les anomalies sont détectées et signalées", "Les mesures relevées sont exactes"],
            ),
        ],
    )
    c2 = _competences(
        v1,
        a2,
        [
            (
                "C3",
                "Diagnostiquer une panne mécanique, électrique ou pneumatique à l'aide d'une "
                "méthode structurée",
                ["La démarche de diagnostic est logique", "La cause est identifiée"],
            ),
            (
                "C4",
                "Remplacer ou réparer un organe défaillant et remettre l'équipement en service",
                [
                    "L'équipement fonctionne après intervention",
                    "Les essais de remise en service sont faits",
                ],
            ),
        ],
    )
    c3 = _competences(
        v1,
        a3,
        [
            (
                "C5",
                "Renseigner la GMAO et rendre compte de son intervention",
                ["Le compte rendu est complet et exploitable"],
            ),
            (
                "C6",
                "Proposer des améliorations pour fiabiliser les installations",
                ["La proposition est argumentée et chiffrée"],
            ),
            (
                "C7",
                "Appliquer les règles d'hygiène, de sécurité et d'environnement du site",
                ["Les EPI adaptés sont portés", "Les déchets sont triés"],
            ),
        ],
    )
    mise, entretien, ecrit = (
        ModaliteType.MISE_EN_SITUATION,
        ModaliteType.ENTRETIEN,
        ModaliteType.ECRIT,
    )
    _bloc(
        v1,
        "RNCP39912BC01",
        "Réaliser la maintenance préventive des équipements industriels",
        c1,
        [
            (
                mise,
                "Mise en situation sur un équipement de production",
                180,
                Notation.ACQUIS,
                None,
                None,
            ),
            (entretien, "Entretien technique avec le jury", 30, Notation.ACQUIS, None, None),
        ],
        ordre=1,
    )
    _bloc(
        v1,
        "RNCP39912BC02",
        "Diagnostiquer et réparer les pannes mécaniques, électriques et pneumatiques",
        c2,
        [
            (mise, "Dépannage sur banc didactique", 240, Notation.ACQUIS, None, None),
            (ecrit, "Questionnaire technique", 60, Notation.NOTE, 20, 10),
        ],
        ordre=2,
    )
    _bloc(
        v1,
        "RNCP39912BC03",
        "Contribuer à l'amélioration continue et à la fiabilité des installations",
        [c3[0], c3[1]],
        [
            (
                ModaliteType.ETUDE_DE_CAS,
                "Étude de cas : analyse d'historique de pannes",
                120,
                Notation.NOTE,
                20,
                12,
            )
        ],
        ordre=3,
    )
    _bloc(
        v1,
        "RNCP39912BC04",
        "Travailler en sécurité et communiquer au sein de l'équipe de production",
        [c3[2]],
        [
            (
                ModaliteType.OBSERVATION,
                "Observation en entreprise par le tuteur",
                None,
                Notation.ACQUIS,
                None,
                None,
            )
        ],
        ordre=4,
    )
    publish_version(v1, by=by)
    v2 = copy_version(v1, by=by)
    v2.description = "Révision : intégration de la maintenance prédictive."
    v2.save()
    bloc3 = v2.blocs.get(code="RNCP39912BC03")
    bloc3.intitule = (
        "Contribuer à l'amélioration continue, à la fiabilité et à la maintenance prédictive"
    )
    bloc3.save()
    Modalite.objects.create(
        bloc=bloc3,
        type=ModaliteType.ORAL,
        ordre=2,
        notation=Notation.ACQUIS,
        intitule="Présentation d'un projet d'amélioration",
        duree_minutes=20,
    )


def logistique(
    metallurgie: Organisation, commerce: Organisation, by: User, calendrier: Calendrier
) -> None:
    cqpi = Certification.objects.create(
        intitule="CQPI Agent logistique",
        type=CertificationType.CQPI,
        code_rncp_rs="RNCP38345",
        niveau="NIV3",
        status=CertificationStatus.ACTIVE,
        date_decision=calendrier.months(-38),
        date_fin_enregistrement=calendrier.months(22),
        vae_ouverte=True,
        experience_min_vae_mois=12,
        validite_blocs_mois=60,
        blocs_optionnels_requis=1,
    )
    cqpi.certificateurs.set([metallurgie, commerce])
    _codes(cqpi, CodeKind.NSF, [("311", "Transport, manutention, magasinage")])
    _codes(cqpi, CodeKind.ROME, [("N1103", "Magasinage et préparation de commandes")])
    version = ReferentielVersion.objects.create(certification=cqpi, numero=1, source="Saisie")
    activite = Activite.objects.create(
        version=version,
        code="A1",
        ordre=1,
        intitule="Réception, stockage et expédition des marchandises",
    )
    comp = _competences(
        version,
        activite,
        [
            (
                "C1",
                "Réceptionner et contrôler les marchandises livrées",
                ["Les écarts sont signalés"],
            ),
            (
                "C2",
                "Préparer des commandes dans le respect des délais et de la qualité",
                ["Le taux d'erreur est inférieur au seuil fixé"],
            ),
            (
                "C3",
                "Conduire un chariot automoteur de manutention en sécurité",
                ["Les règles de circulation sont appliquées"],
            ),
            (
                "C4",
                "Réaliser un inventaire et mettre à jour le système de gestion d'entrepôt",
                ["Les stocks saisis correspondent aux stocks physiques"],
            ),
        ],
    )
    mise = ModaliteType.MISE_EN_SITUATION
    _bloc(
        version,
        "RNCP38345BC01",
        "Réceptionner, stocker et préparer les commandes",
        comp[:2],
        [(mise, "Mise en situation en entrepôt", 150, Notation.ACQUIS, None, None)],
        ordre=1,
    )
    _bloc(
        version,
        "RNCP38345BC02",
        "Manutentionner les charges en sécurité",
        [comp[2]],
        [(mise, "Épreuve pratique de conduite", 60, Notation.ACQUIS, None, None)],
        ordre=2,
    )
    _bloc(
        version,
        "RNCP38345BC03",
        "Gérer les stocks et les inventaires",
        [comp[3]],
        [(ModaliteType.QCM, "Questionnaire sur la gestion des stocks", 45, Notation.NOTE, 20, 12)],
        optionnel=True,
        ordre=3,
    )
    bloc4 = _bloc(
        version,
        "RNCP38345BC04",
        "Expédier les marchandises et renseigner les documents de transport",
        [],
        [
            (
                ModaliteType.ETUDE_DE_CAS,
                "Étude de cas : préparation d'une expédition",
                90,
                Notation.NOTE,
                20,
                10,
            )
        ],
        optionnel=True,
        ordre=4,
    )
    CorrespondanceBloc.objects.create(
        bloc=bloc4,
        fiche_cible="RNCP37860",
        code_bloc_cible="RNCP37860BC02",
        commentaire="Titre professionnel Agent magasinier, bloc expédition.",
    )
    publish_version(version, by=by)


def vendeur(commerce: Organisation) -> None:
    cqp = Certification.objects.create(
        intitule="CQP Vendeur-conseil en pièces détachées",
        type=CertificationType.CQP,
        status=CertificationStatus.EN_PROJET,
    )
    cqp.certificateurs.set([commerce])
    version = ReferentielVersion.objects.create(
        certification=cqp,
        numero=1,
        source="Saisie",
        description="Projet de CQP de branche, non enregistré à France compétences.",
    )
    _bloc(
        version,
        "BC01",
        "Accueillir le client et identifier la pièce recherchée",
        [],
        [
            (
                ModaliteType.MISE_EN_SITUATION,
                "Jeu de rôle au comptoir",
                30,
                Notation.ACQUIS,
                None,
                None,
            )
        ],
        ordre=1,
    )
    _bloc(
        version,
        "BC02",
        "Conseiller et conclure la vente",
        [],
        [
            (
                ModaliteType.ENTRETIEN,
                "Entretien sur dossier de ventes",
                30,
                Notation.ACQUIS,
                None,
                None,
            )
        ],
        ordre=2,
    )
