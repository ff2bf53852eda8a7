"""A « victim » certifier with one object for every kind of URL parameter of the application,
and the organisations that must never reach them: what the authorization matrix walks.

Every text of the victim's data carries a marker (an invented word starting with « vic ») so that
a page or a file of another organisation can be searched for it; markers are grouped by what
they reveal, so that an explicit exception can name what a role may legitimately read (a
partner OF reads the published référentiels it is habilitated for).

The organisations of the attackers are created first: rows that exist before the victim is built
are never the victim's, so the rows created in between are exactly the victim's
(`World.victim_rows`), which tells a write on the victim's data from a write on one's own.
"""

import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone
from openpyxl import Workbook

from cqpilot.accrochage.autonome.writer import (
    CERTIFICATION_END,
    TAIL,
    Head,
    certification_start,
    file_head,
    passage_line,
)
from cqpilot.accrochage.depots import build_files, due, ensure_passages, record_report
from cqpilot.accrochage.models import (
    DepotAutonome,
    FichierAccrochage,
    FluxAutonome,
    PassageAccrochage,
    PassageStatus,
    ReglagesAccrochage,
)
from cqpilot.accrochage.rapport import parse_rapport
from cqpilot.api.models import JetonApi, Livraison, Webhook
from cqpilot.api.tokens import create_token
from cqpilot.api.webhooks import new_secret
from cqpilot.core.models import Organisation, Role, RoleGrant, User
from cqpilot.core.tests.factories import OrganisationFactory, OrganismeFormationFactory, UserFactory
from cqpilot.delivrance.models import DocumentDelivre, LotDelivrance, ModeleParchemin
from cqpilot.delivrance.services import a_delivrer, issue_all
from cqpilot.delivrance.tests.factories import DocumentDelivreFactory
from cqpilot.dossiers.documents import add_document
from cqpilot.dossiers.models import (
    Candidat,
    CandidatImport,
    Document,
    Dossier,
    DossierState,
    Financement,
    Habilitation,
    PieceExigee,
    VoieAcces,
)
from cqpilot.dossiers.tests.factories import CandidatFactory, DossierFactory, HabilitationFactory
from cqpilot.evaluations.amenagements import request_amenagement
from cqpilot.evaluations.models import DemandeAmenagement, Epreuve, Inscription, SessionEvaluation
from cqpilot.evaluations.services import Saisie, assign, create_session, enrol, record_result
from cqpilot.intervenants.models import College, Intervenant
from cqpilot.intervenants.tests.factories import IntervenantFactory
from cqpilot.jurys.deliberation import BlocSaisie, save_decision
from cqpilot.jurys.models import (
    BlocResultat,
    Decision,
    Deliberation,
    Jury,
    JuryMembre,
    Recours,
    RoleJury,
)
from cqpilot.jurys.pv import close, sign
from cqpilot.jurys.recours import deposer as deposer_recours
from cqpilot.jurys.services import add_dossiers, add_membre, open_deliberation
from cqpilot.jurys.tests.factories import JuryFactory
from cqpilot.jurys.workflow import today as jury_day
from cqpilot.referentiels.models import (
    Bloc,
    Certification,
    CertificationCode,
    CodeKind,
    CorrespondanceBloc,
    Notation,
    ReferentielVersion,
    RncpImport,
    VersionStatus,
)
from cqpilot.referentiels.tests.factories import (
    ActiviteFactory,
    BlocFactory,
    CertificationFactory,
    CompetenceFactory,
    CritereFactory,
    ModaliteFactory,
    VersionFactory,
)
from cqpilot.rgpd.models import PurgeRun, RetentionPolicy
from cqpilot.vae.accompagnement import StructureSaisie, designer, referencer
from cqpilot.vae.models import DemandeRecevabilite, Referencement
from cqpilot.vae.recevabilite import declarer_complete
from cqpilot.vae.recevabilite import deposer as deposer_vae
from cqpilot.vae.tests.factories import decided_demande, saisie

NIR_BODY = "2900569123456"  # a woman born in May 1990 in Lyon (INSEE 69123), without its key

# What each marker reveals: a page of another organisation showing one of them leaks that kind
# of the victim's data. Compared in lower case with the text of pages, JSON and files.
MARKERS = {
    "candidat": ["vicbenali", "vicdurand", "vicnguyen", "viclibre", "vicvae"],
    "nir": [NIR_BODY],  # Vicbenali's, in full
    "piece": ["vicpiece"],
    "financement": ["vicopco"],
    "personnel": [
        "vicgestion",
        "vicadmin",
        "vicevaluatrice",
        "vicpresident",
        "vicsalah",
        "vicgarnier",
        "victexier",
        "vicofauser",
        "vicofaadmin",
        "vicofacontact",
        "vicofccontact",
        "vicaccompagnatrice",
    ],
    "session": ["vicsession", "vicresultat"],
    "jury": ["vicjury", "vicmotivation"],
    "delivrance": ["vicq-"],  # the victim's numbers: VICQ-2026-000001
    "accrochage": ["viccli", "viccontrat", "vicrejet", "vicflux"],
    "import": ["vicimport", "vicrncp"],
    "jeton": ["vicjeton"],
    "webhook": ["vicwebhook", "vicpayload"],
    "referentiel_publie": ["vicpub"],  # the certification, its published version and blocs
    "brouillon": ["vicbrouillon"],  # the draft version and its content
    "amenagement": ["vicmdph"],
    "accompagnement": [
        "viclabel"
    ],  # the branch's label of the accompanist it lists  # a candidate's need and its medical justificatif
}


def candidat_account(candidat: Candidat, last_name: str) -> User:
    """A candidate's account (espace candidat): no organisation, no role."""
    account = UserFactory(organisation=None, last_name=last_name, roles=[])
    candidat.compte = account
    candidat.save(update_fields=["compte"])
    return account


def _nir(body: str) -> str:
    return body + f"{97 - int(body) % 97:02d}"


@dataclass
class Victim:
    branche: Organisation
    certification: Certification
    version: ReferentielVersion  # published
    draft: ReferentielVersion
    draft_content: dict[str, models.Model]  # one object per kind of référentiel content
    blocs: list[Bloc]  # of the published version
    of_a: Organisation  # its partner OF, that owns the candidates' dossiers
    of_c: Organisation  # a partner OF no other certifier works with
    habilitation_a: Habilitation
    habilitation_b: Habilitation  # of OF B, an attacker
    benali: Candidat  # OF A's candidate, with his NIR
    libre: Candidat  # a candidat libre, without OF
    dossier_a: Dossier  # Benali's: pièce, financement, session, deliberating jury
    dossier_libre: Dossier
    piece: Document
    piece_exigee: PieceExigee  # of the certification, facultative (holds no dossier up)
    piece_candidat: PieceExigee  # one the candidate deposits from their espace
    depot_candidat: Document  # Benali's deposit of it, from his espace
    amenagement: DemandeAmenagement  # Benali's request, with its justificatif, to be decided
    session: SessionEvaluation
    epreuve_notee: Epreuve  # assigned to the évaluatrice
    epreuve_libre: Epreuve  # assigned to nobody
    inscription: Inscription
    jury: Jury  # signed, PV v1, documents issued
    jury_ouvert: Jury  # deliberating on Benali
    deliberation: Deliberation  # Benali's, in the deliberating jury
    membre: JuryMembre  # the president of the deliberating jury
    intervenants: dict[str, Intervenant]
    documents: list[DocumentDelivre]
    lot: LotDelivrance
    recours: Recours  # the holder's, on the signed jury, not yet decided
    vae_dossier: Dossier  # a VAE dossier inscrit, its demande de recevabilité to enter
    vae_demande: DemandeRecevabilite  # complete, to decide
    vae_decidee: DemandeRecevabilite  # decided recevable: its letter
    vae_livret: Dossier  # VAE, recevable, of OF A: its dossier de validation to file
    # a VAE accompanist the victim lists (another certifier lists it too), accompanying the
    # dossier to enter and the complete demande, with an account the victim invited
    referencement: Referencement
    fichier: FichierAccrochage
    passage: PassageAccrochage  # accepted by the CDC
    flux: FluxAutonome
    depot: DepotAutonome  # of the standalone tool: the flux, another answered, rows in error
    imports: dict[str, CandidatImport]  # by owner
    rncp_import: RncpImport
    jeton: JetonApi
    livraison: Livraison
    users: dict[str, User]


@dataclass
class Attacker:
    user: User | None  # None: anonymous
    candidat: Candidat | None = None  # one it may see and edit, to try the victim's objects from
    version: ReferentielVersion | None = None
    session: SessionEvaluation | None = None
    epreuve: Epreuve | None = None
    jury: Jury | None = None
    intervenant: Intervenant | None = None


@dataclass
class World:
    victim: Victim
    attackers: dict[str, Attacker]
    victim_rows: dict[str, set] = field(default_factory=dict)  # db table -> primary keys


def row_ids() -> dict[str, set]:
    return {
        model._meta.db_table: set(model._base_manager.values_list("pk", flat=True))
        for model in apps.get_models(include_auto_created=True)
    }


def build_world() -> World:
    autre = OrganisationFactory(nom="CPNE Autre branche")
    of_b = OrganismeFormationFactory(nom="OF B habilité par la victime")
    of_sans_lien = OrganismeFormationFactory(nom="OF sans lien")
    # The roles every organisation shares (a data migration's rows, which a transactional test
    # flushes): created before the victim, so that they never count as its rows.
    for code in Role.values:
        RoleGrant.objects.get_or_create(code=code)
    before = row_ids()
    victim = build_victim(of_b)
    victim_rows = {table: ids - before.get(table, set()) for table, ids in row_ids().items()}
    attackers = build_attackers(victim, autre, of_b, of_sans_lien)
    return World(victim, attackers, victim_rows)


def _published_referentiel(branche: Organisation) -> tuple:
    certification = CertificationFactory(
        certificateurs=[branche],
        intitule="CQP Vicpubmetier de la propreté",
        vae_ouverte=True,
        date_decision=date(2024, 6, 27),
        date_fin_enregistrement=date(2029, 6, 27),
    )
    CertificationCode.objects.create(
        certification=certification, kind=CodeKind.NSF, code="343t", libelle="Nettoyage"
    )
    version = VersionFactory(certification=certification, numero=1)
    activite = ActiviteFactory(version=version, intitule="Vicpubactivite")
    competence = CompetenceFactory(version=version, activite=activite, intitule="Vicpubcompetence")
    CritereFactory(competence=competence, intitule="Vicpubcritere dosage", ordre=1)
    CritereFactory(competence=competence, intitule="Vicpubcritere balisage", ordre=2)
    bc01 = BlocFactory(version=version, code="BC01", intitule="Vicpubbloc nettoyer", ordre=1)
    bc01.competences.set([competence])
    ModaliteFactory(bloc=bc01, intitule="Vicpubmodalite mise en situation")
    bc02 = BlocFactory(version=version, code="BC02", intitule="Vicpubbloc contrôler", ordre=2)
    ModaliteFactory(
        bloc=bc02,
        intitule="Vicpubmodalite écrit",
        type="ecrit",
        notation=Notation.NOTE,
        note_sur=20,
        seuil=10,
    )
    bc03 = BlocFactory(version=version, code="BC03", intitule="Vicpubbloc organiser", ordre=3)
    ModaliteFactory(bloc=bc03, intitule="Vicpubmodalite entretien", type="entretien")
    ReferentielVersion.objects.filter(pk=version.pk).update(
        status=VersionStatus.PUBLIEE, published_at=timezone.now()
    )
    version.refresh_from_db()
    return certification, version, [bc01, bc02, bc03]


def _draft(certification: Certification, published: ReferentielVersion) -> tuple:
    draft = VersionFactory(
        certification=certification,
        numero=2,
        copied_from=published,
        description="Vicbrouillon : refonte du bloc 3",
    )
    activite = ActiviteFactory(version=draft, code="A1", intitule="Vicbrouillon activité")
    competence = CompetenceFactory(
        version=draft, activite=activite, code="C1", intitule="Vicbrouillon compétence"
    )
    CritereFactory(competence=competence, intitule="Vicbrouillon critère")
    bloc = BlocFactory(version=draft, code="BC04", intitule="Vicbrouillon bloc", ordre=4)
    modalite = ModaliteFactory(bloc=bloc, intitule="Vicbrouillon modalité")
    correspondance = CorrespondanceBloc.objects.create(
        bloc=bloc,
        fiche_cible="RNCP12345",
        code_bloc_cible="RNCP12345BC01",
        commentaire="Vicbrouillon correspondance",
    )
    content = {
        "activite": activite,
        "competence": competence,
        "bloc": bloc,
        "modalite": modalite,
        "correspondance": correspondance,
    }
    return draft, content


def _rapport(id_flux: str, accepted: list[str], rejected: dict[str, str]) -> io.BytesIO:
    kos = "".join(
        f"<passage><idTechnique>{i}</idTechnique><messageErreur>{m}</messageErreur></passage>"
        for i, m in rejected.items()
    )
    oks = "".join(f"<idTechnique>{i}</idTechnique>" for i in accepted)
    return io.BytesIO(
        f'<?xml version="1.0" encoding="UTF-8"?><rapport xmlns:ns2="urn:cdc:cpf:pc5:rapport:schema">'
        f"<idFlux>{id_flux}</idFlux><idTraitement>1</idTraitement><PassagesKO>{kos}</PassagesKO>"
        f"<PassagesOK>{oks}</PassagesOK></rapport>".encode()
    )


def build_victim(of_b: Organisation) -> Victim:
    branche = OrganisationFactory(nom="CPNE Victime de la propreté")
    certification, version, blocs = _published_referentiel(branche)
    draft, draft_content = _draft(certification, version)

    def user(organisation, last_name, *roles):
        return UserFactory(organisation=organisation, last_name=last_name, roles=list(roles))

    of_a = OrganismeFormationFactory(
        nom="Formapro Sud", contact_nom="Vicofacontact", contact_email="vicofacontact@exemple.fr"
    )
    of_c = OrganismeFormationFactory(nom="Propreté Formation", contact_nom="Vicofccontact")
    if any(f.name == "created_by" for f in Organisation._meta.fields):
        Organisation.objects.filter(pk=of_c.pk).update(created_by=branche)  # its record's author
    users = {
        "gestionnaire": user(branche, "Vicgestion", Role.GESTIONNAIRE),
        "administrateur": user(branche, "Vicadmin", Role.ADMINISTRATEUR),
        "evaluateur": user(branche, "Vicevaluatrice", Role.EVALUATEUR),
        "president": user(branche, "Vicpresident", Role.MEMBRE_JURY),
        "of_a": user(of_a, "Vicofauser", Role.ORGANISME_FORMATION),
        "of_a_admin": user(of_a, "Vicofaadmin", Role.ORGANISME_FORMATION, Role.ADMINISTRATEUR),
    }
    gestionnaire = users["gestionnaire"]
    habilitations = [
        HabilitationFactory(
            organisme=of,
            certification=certification,
            date_debut=date(2020, 1, 1),
            date_fin=date(2099, 12, 31),
        )
        for of in (of_a, of_b, of_c)
    ]
    intervenants = {
        "evaluatrice": IntervenantFactory(
            organisation=branche, nom="Vicevaluatrice", user=users["evaluateur"]
        ),
        "president": IntervenantFactory(
            organisation=branche, nom="Vicpresident", prenom="Anne", user=users["president"]
        ),
        "salah": IntervenantFactory(organisation=branche, nom="Vicsalah", college=College.SALARIES),
        "garnier": IntervenantFactory(organisation=branche, nom="Vicgarnier"),
        "texier": IntervenantFactory(
            organisation=branche, nom="Victexier", college=College.SALARIES
        ),
    }

    def candidat(nom, organisme, **kwargs):
        return CandidatFactory(
            nom_naissance=nom,
            created_by_organisation=organisme or branche,
            email=f"{nom.lower()}@exemple.fr",
            **kwargs,
        )

    def dossier(candidat, organisme, state, **kwargs):
        return DossierFactory(
            candidat=candidat,
            certification=certification,
            version=version,
            organisme=organisme,
            state=state,
            **kwargs,
        )

    benali = candidat("Vicbenali", of_a)
    Candidat.objects.filter(pk=benali.pk).update(nir=_nir(NIR_BODY))
    benali.refresh_from_db()
    libre = candidat("Viclibre", None)
    dossier_a = dossier(benali, of_a, DossierState.EN_FORMATION)
    dossier_libre = dossier(
        libre, None, DossierState.EN_FORMATION, voie_acces=VoieAcces.CANDIDAT_LIBRE
    )
    presented = [
        dossier(candidat(nom, of_a), of_a, DossierState.PRESENTE_JURY)
        for nom in ("Vicdurand", "Vicnguyen")
    ]
    piece = add_document(
        dossier_a,
        SimpleUploadedFile(
            "Vicpiece-identite.pdf", b"%PDF-1.4 vicpiece contenu", content_type="application/pdf"
        ),
        type="piece_identite",
        by=users["of_a"],
    )
    piece_exigee = PieceExigee.objects.create(
        certification=certification, libelle="Vicpiece attestation", formats=["pdf"]
    )
    Financement.objects.create(
        dossier=dossier_a, dispositif="cpf", financeur="Vicopco", status="accorde"
    )
    # Benali's espace candidat: his account, the pièce asked of him and his deposit of it.
    users["candidat"] = candidat_account(benali, "Vicbenali")
    piece_candidat = PieceExigee.objects.create(
        certification=certification,
        libelle="Vicpiece du candidat",
        formats=["pdf"],
        depot_candidat=True,
    )
    depot_candidat = add_document(
        dossier_a,
        SimpleUploadedFile("Vicpiece-candidat.pdf", b"%PDF-1.4 vicpiece du candidat"),
        by=users["candidat"],
        piece=piece_candidat,
    )
    amenagement = request_amenagement(
        dossier_a,
        types=["tiers_temps"],
        description="Vicmdph : besoin de temps majoré",
        justificatif=SimpleUploadedFile("Vicmdph-avis.pdf", b"%PDF-1.4 vicmdph avis medical"),
        by=users["candidat"],
    )

    # The session: Benali and the candidat libre enrolled, BC02 scored by the évaluatrice.
    session = create_session(
        SessionEvaluation(
            organisation=branche,
            certification=certification,
            version=version,
            date_debut=date(2026, 10, 14),
            lieu="Centre Vicsession",
            code_postal="69200",
        )
    )
    enrol(session, [dossier_a, dossier_libre], by=gestionnaire)
    session.inscriptions.update(convoque_at=timezone.now())  # the espace offers convocations
    epreuve_notee = session.epreuves.get(modalite__bloc__code="BC02")
    epreuve_libre = session.epreuves.get(modalite__bloc__code="BC01")
    assign(epreuve_notee, intervenants["evaluatrice"])
    dossier_a.refresh_from_db()
    record_result(
        epreuve_notee, dossier_a, Saisie({}, Decimal(14), "Vicresultat"), by=users["evaluateur"]
    )

    # The signed jury: Durand certified, Nguyen partly; PV v1 signed by the president.
    jury = JuryFactory(
        organisation=branche, certification=certification, lieu="Salle Vicjury, Paris"
    )
    add_dossiers(jury, presented, by=gestionnaire)
    add_membre(jury, intervenants["president"], RoleJury.PRESIDENT)
    for key in ("salah", "garnier", "texier"):
        add_membre(jury, intervenants[key], RoleJury.MEMBRE)
    open_deliberation(jury, by=gestionnaire)
    V, NV = BlocResultat.VALIDE, BlocResultat.NON_VALIDE
    for deliberation, decision, results in zip(
        jury.deliberations.order_by("dossier__candidat__nom_naissance"),
        [Decision.TOTALE, Decision.PARTIELLE],
        [[V, V, V], [V, NV, V]],
        strict=True,
    ):
        save_decision(
            deliberation,
            revision=0,
            decision=decision,
            blocs={b.pk: BlocSaisie(r) for b, r in zip(blocs, results, strict=True)},
            unanimite=True,
            motivation="Vicmotivation",
            by=gestionnaire,
        )
    close(jury, by=gestionnaire)
    sign(jury, by=users["president"])

    # Délivrance: the two documents of the signed jury, issued as one lot.
    ModeleParchemin.objects.create(
        organisation=branche,
        prefixe="VICQ",
        signataire_nom="Claire Fontaine",
        signataire_qualite="Présidente de la CPNE",
        lieu_delivrance="Paris",
    )
    documents, refusals = issue_all(a_delivrer(jury), by=gestionnaire, on=date(2026, 11, 25))
    assert not refusals, refusals
    # the holder of the partial validation's attestation, in his espace candidat...
    partiel = next(
        d for d in documents if d.dossier.state == DossierState.VALIDATION_PARTIELLE
    ).dossier
    users["titulaire"] = candidat_account(partiel.candidat, "Victitulaire")
    # ...who contests the decision from his espace: a recours to be decided (jurys.recours)
    recours = deposer_recours(
        jury.deliberations.get(dossier=partiel),
        "Vicmotivation du recours",
        by=users["titulaire"],
    )
    lot = LotDelivrance.objects.create(
        organisation=branche,
        jury=jury,
        total=len(documents),
        status="termine",
        created_by=gestionnaire,
    )
    lot.documents.set(documents)
    # VAE (vae.recevabilite): a dossier to enter, a complete demande, a decided one
    vae_dossier, vae_complete, vae_decide = (
        dossier(candidat(nom, None), None, DossierState.INSCRIT, voie_acces=VoieAcces.VAE)
        for nom in ("Vicvaesaisir", "Vicvaecomplete", "Vicvaedecidee")
    )
    vae_demande = deposer_vae(vae_complete, saisie(blocs=[blocs[0]]), by=gestionnaire)
    declarer_complete(vae_demande, by=gestionnaire)
    vae_decidee = decided_demande(vae_decide, blocs[0], by=gestionnaire)
    # ...whose candidate reads its letter from his espace (espace.views_vae)
    users["candidat_vae"] = candidat_account(vae_decide.candidat, "Vicvaecandidat")
    # ...and the one whose demande is to enter, who may file it himself
    users["candidat_vae_saisir"] = candidat_account(vae_dossier.candidat, "Vicvaesaisir")
    # VAE (vae.validation): a dossier recevable of OF A, its dossier de validation to file
    vae_livret = dossier(
        candidat("Vicvaelivret", of_a), of_a, DossierState.RECEVABLE, voie_acces=VoieAcces.VAE
    )
    # VAE accompaniment (vae.accompagnement): a structure the victim lists, naming it on two
    # dossiers; its account, invited by the victim, not yet confirmed by the structure
    referencement = referencer(
        StructureSaisie(
            nom="Relais VAE partagé",
            siret="73282932000074",
            label_branche="Viclabel de la branche",
        ),
        by=gestionnaire,
    )
    for accompagne in (vae_dossier, vae_complete):
        designer(accompagne, referencement, by=gestionnaire)
    users["aap"] = user(referencement.structure, "Vicaccompagnatrice", Role.ACCOMPAGNATEUR_VAE)
    User.objects.filter(pk=users["aap"].pk).update(limited_to_certifier=branche)
    users["aap"].refresh_from_db()

    # Accrochage: one file deposited, the CDC accepted one passage and rejected the others.
    ReglagesAccrochage.objects.create(
        organisation=branche,
        id_client="VICCLI01",
        id_contrat="VICCONTRAT1",
        version_schema="1.1.2",
    )
    ensure_passages(branche)
    [fichier] = build_files(branche, due(branche), by=gestionnaire)
    ids = sorted(fichier.passages.values_list("id_technique", flat=True))
    record_report(
        fichier,
        parse_rapport(_rapport(fichier.id_flux, ids[:1], {i: "Vicrejet" for i in ids[1:]})),
    )
    fichier.refresh_from_db()
    passage = fichier.passages.get(status=PassageStatus.ACCEPTE)
    flux = FluxAutonome(
        organisation=branche,
        by=gestionnaire,
        source="Vicflux-titulaires.xlsx",
        id_flux="VICFLUX01",
        passages=1,
        certifications=[certification.code_rncp_rs],
    )
    flux.fichier.save(
        "flux.xml", ContentFile(b"<?xml version='1.0'?><flux>Vicflux</flux>"), save=True
    )
    depot = _standalone_depot(branche, gestionnaire, flux)

    # The jury deliberating on Benali (after his session); Salah trained him: recused.
    intervenants["salah"].candidats_suivis.add(benali)
    jury_ouvert = JuryFactory(
        organisation=branche,
        certification=certification,
        lieu="Salle Vicjury bis",
        date=jury_day(),  # a jury deliberates on its day, not before (jurys.workflow)
    )
    dossier_a.refresh_from_db()
    add_dossiers(jury_ouvert, [dossier_a], by=gestionnaire)
    membre = add_membre(jury_ouvert, intervenants["president"], RoleJury.PRESIDENT)
    for key in ("salah", "garnier", "texier"):
        add_membre(jury_ouvert, intervenants[key], RoleJury.MEMBRE)
    open_deliberation(jury_ouvert, by=gestionnaire)

    imports = {
        "gestionnaire": CandidatImport.objects.create(
            fichier="Vicimport-branche.xlsx",
            by=gestionnaire,
            organisation=branche,
            committed=True,
            lignes=1,
            lignes_valides=1,
        ),
        "of_a": CandidatImport.objects.create(
            fichier="Vicimport-formapro.xlsx",
            by=users["of_a"],
            organisation=of_a,
            committed=True,
            lignes=1,
            lignes_valides=1,
        ),
    }
    rncp_import = RncpImport.objects.create(
        fichier="Vicrncp-export.zip", organisation=branche, by=gestionnaire, status="reussi"
    )
    jeton, _key = create_token(gestionnaire, "Vicjeton ERP de la branche")
    webhook = Webhook.objects.create(
        organisation=of_a,
        url="https://vicwebhook.exemple.fr/recevoir",
        secret=new_secret(),
        evenements=["dossier.etat"],
    )
    livraison = Livraison.objects.create(
        webhook=webhook,
        evenement="dossier.etat",
        payload={"donnees": {"nom": "Vicpayload"}},
        status="echec",
        essais=5,
    )
    # Its retention periods and a purge run: another certifier neither sees nor changes them.
    RetentionPolicy.objects.create(organisation=branche, dossiers_sans_suite_mois=18)
    PurgeRun.objects.create(organisation=branche, by=gestionnaire, counts={"candidats": 7})
    return Victim(
        branche=branche,
        certification=certification,
        version=version,
        draft=draft,
        draft_content=draft_content,
        blocs=blocs,
        of_a=of_a,
        of_c=of_c,
        habilitation_a=habilitations[0],
        habilitation_b=habilitations[1],
        benali=benali,
        libre=libre,
        dossier_a=dossier_a,
        dossier_libre=dossier_libre,
        piece=piece,
        piece_exigee=piece_exigee,
        piece_candidat=piece_candidat,
        depot_candidat=depot_candidat,
        amenagement=amenagement,
        session=session,
        epreuve_notee=epreuve_notee,
        epreuve_libre=epreuve_libre,
        inscription=session.inscriptions.get(dossier=dossier_a),
        jury=jury,
        jury_ouvert=jury_ouvert,
        deliberation=jury_ouvert.deliberations.get(),
        membre=membre,
        intervenants=intervenants,
        documents=documents,
        lot=lot,
        recours=recours,
        vae_dossier=vae_dossier,
        vae_demande=vae_demande,
        vae_decidee=vae_decidee,
        vae_livret=vae_livret,
        referencement=referencement,
        fichier=fichier,
        passage=passage,
        flux=flux,
        depot=depot,
        imports=imports,
        rncp_import=rncp_import,
        jeton=jeton,
        livraison=livraison,
        users=users,
    )


def _standalone_depot(branche: Organisation, by: User, flux: FluxAutonome) -> DepotAutonome:
    """A deposit of the standalone tool: `flux`, a file whose holder the CDC rejected, and the
    annotated workbook of a row in error."""
    head = Head(
        horodatage=timezone.now(),
        id_client_emetteur="VICCLI01",
        id_client_certificateur="VICCLI01",
        id_contrat="VICCONTRAT1",
    )
    holder = {
        "nom_naissance": "Vicflux",
        "prenom1": "Anne",
        "sexe": "F",
        "annee_naissance": 1990,
        "obtention": "PAR_ADMISSION",
        "date_debut_validite": date(2026, 10, 15),
    }
    rejected = FluxAutonome(
        organisation=branche,
        by=by,
        source="Vicflux-titulaires.xlsx",
        id_flux="VICFLUX02",
        passages=1,
        certifications=["RNCP39912"],
        rapport={"id_traitement": "1", "accepted": [], "rejected": {"vicflux-1": "Vicrejet"},
                 "file_errors": []},
    )  # fmt: skip
    rejected.fichier.save(
        "flux.xml",
        ContentFile(
            file_head(head, "VICFLUX02")
            + certification_start("RNCP39912")
            + passage_line("vicflux-1", holder)
            + CERTIFICATION_END
            + TAIL
        ),
        save=True,
    )
    depot = DepotAutonome.objects.create(
        organisation=branche,
        by=by,
        source="Vicflux-titulaires.xlsx",
        lignes=3,
        passages=2,
        erreurs=["Ligne 4, Sexe : « Vicflux » n'est pas une valeur possible."],
        nombre_erreurs=1,
    )
    depot.fichiers.add(flux, rejected)
    workbook = Workbook()
    workbook.active.append(["Nom de naissance", "Sexe", "Erreurs"])
    workbook.active.append(["Vicflux", "X", "Ligne 4, Sexe : n'est pas une valeur possible."])
    content = io.BytesIO()
    workbook.save(content)
    depot.lignes_en_erreur.save("lignes-en-erreur.xlsx", ContentFile(content.getvalue()))
    return depot


def build_attackers(
    victim: Victim, autre: Organisation, of_b: Organisation, of_sans_lien: Organisation
) -> dict[str, Attacker]:
    """Another certifier with a record of every kind its roles imply (OF A is its partner too),
    OF B habilitated by the victim without any of its dossiers, an OF without any link."""
    certification = CertificationFactory(
        certificateurs=[autre],
        intitule="CQP Autre métier",
        date_decision=date(2023, 3, 1),
        date_fin_enregistrement=date(2028, 3, 1),
    )
    version = VersionFactory(certification=certification, numero=1)
    bloc = BlocFactory(version=version, code="BC01", intitule="Bloc de l'autre branche")
    ModaliteFactory(bloc=bloc, intitule="Épreuve de l'autre branche")
    ReferentielVersion.objects.filter(pk=version.pk).update(status=VersionStatus.PUBLIEE)
    version.refresh_from_db()
    HabilitationFactory(
        organisme=victim.of_a,
        certification=certification,
        date_debut=date(2020, 1, 1),
        date_fin=date(2099, 12, 31),
    )

    def user(organisation, last_name, *roles):
        return UserFactory(organisation=organisation, last_name=last_name, roles=list(roles))

    administrateur = user(autre, "Autreadmin", Role.ADMINISTRATEUR)
    gestionnaire = user(autre, "Autregestion", Role.GESTIONNAIRE)
    evaluateur = user(autre, "Autreevaluateur", Role.EVALUATEUR)
    membre_jury = user(autre, "Autrejure", Role.MEMBRE_JURY)
    evaluateur_intervenant = IntervenantFactory(
        organisation=autre, nom="Autreevaluateur", user=evaluateur
    )
    jure = IntervenantFactory(organisation=autre, nom="Autrejure", user=membre_jury)
    candidat = CandidatFactory(nom_naissance="Autrecandidat", created_by_organisation=autre)
    dossier = DossierFactory(
        candidat=candidat,
        certification=certification,
        version=version,
        voie_acces=VoieAcces.CANDIDAT_LIBRE,
        state=DossierState.EN_FORMATION,
    )
    session = create_session(
        SessionEvaluation(
            organisation=autre,
            certification=certification,
            version=version,
            date_debut=date(2026, 10, 20),
            lieu="Centre de l'autre branche",
        )
    )
    enrol(session, [dossier], by=gestionnaire)
    epreuve = session.epreuves.get()
    assign(epreuve, evaluateur_intervenant)
    jury = JuryFactory(organisation=autre, certification=certification, lieu="Salle de l'autre")
    add_membre(jury, jure, RoleJury.PRESIDENT)
    DocumentDelivreFactory(
        dossier=DossierFactory(
            candidat=CandidatFactory(nom_naissance="Autretitulaire", created_by_organisation=autre),
            certification=certification,
            version=version,
            state=DossierState.CERTIFIE,
        ),
        organisation=autre,
        created_by=gestionnaire,
    )
    # What the other certifier's pages create on a first visit, created once here: a request
    # that writes the same rows again on every visit would only slow the matrix down.
    ensure_passages(autre)
    ModeleParchemin.objects.create(organisation=autre)

    def own(user, **records):
        return Attacker(user, candidat=candidat, **records) if user else Attacker(None)

    certifier = {
        "version": version,
        "session": session,
        "epreuve": epreuve,
        "jury": jury,
        "intervenant": evaluateur_intervenant,
    }
    of_b_user = user(of_b, "Ofbutilisateur", Role.ORGANISME_FORMATION)
    # An account the other certifier invited into OF A (their shared partner), not yet
    # confirmed by OF A: it must see the other certifier's dossiers only, none of the victim's.
    invited = user(victim.of_a, "Inviteparlautre", Role.ORGANISME_FORMATION)
    invited.limited_to_certifier = autre
    invited.save(update_fields=["limited_to_certifier"])
    invited_candidat = CandidatFactory(
        nom_naissance="Invitecandidat", created_by_organisation=autre
    )
    DossierFactory(
        candidat=invited_candidat,
        certification=certification,
        version=version,
        organisme=victim.of_a,
        state=DossierState.EN_FORMATION,
    )
    lone_user = user(of_sans_lien, "Ofsanslien", Role.ORGANISME_FORMATION)
    # The victim's VAE accompanist works for the other certifier too, which invited an account
    # into it: that account sees the other certifier's VAE dossiers it accompanies only.
    Certification.objects.filter(pk=certification.pk).update(vae_ouverte=True)
    autre_referencement = referencer(
        StructureSaisie(nom="Relais VAE", siret="73282932000074", label_branche="Label autre"),
        by=gestionnaire,
    )
    aap_invite = user(victim.referencement.structure, "Aapinvite", Role.ACCOMPAGNATEUR_VAE)
    aap_invite.limited_to_certifier = autre
    aap_invite.save(update_fields=["limited_to_certifier"])
    aap_candidat = CandidatFactory(nom_naissance="Aapcandidat", created_by_organisation=autre)
    designer(
        DossierFactory(
            candidat=aap_candidat,
            certification=certification,
            version=version,
            voie_acces=VoieAcces.VAE,
            state=DossierState.INSCRIT,
        ),
        autre_referencement,
        by=gestionnaire,
    )
    # The other certifier's candidate, in his espace: none of the victim's rows for him.
    autre_candidat = candidat_account(candidat, "Autrecandidat")
    return {
        "autre_administrateur": own(administrateur, **certifier),
        "autre_gestionnaire": own(gestionnaire, **certifier),
        "autre_evaluateur": own(evaluateur, **certifier),
        "autre_membre_jury": own(membre_jury, **certifier),
        "of_b": Attacker(
            of_b_user,
            candidat=CandidatFactory(nom_naissance="Ofbcandidat", created_by_organisation=of_b),
        ),
        "of_sans_lien": Attacker(
            lone_user,
            candidat=CandidatFactory(
                nom_naissance="Sanslienncandidat", created_by_organisation=of_sans_lien
            ),
        ),
        "of_a_invite_par_autre": Attacker(invited, candidat=invited_candidat),
        "aap_invite_par_autre": Attacker(aap_invite, candidat=aap_candidat),
        "autre_candidat": Attacker(autre_candidat),
        "anonyme": Attacker(None),
    }
