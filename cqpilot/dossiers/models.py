"""Partner OFs' habilitations, candidates and their dossiers de certification.

A dossier is one candidate × one certification × one published référentiel version. Its state
machine lives in workflow.py, its eligibility rules in eligibility.py.
"""

import uuid
from datetime import date
from functools import cached_property
from pathlib import Path

from django.db import models
from django.db.models import Q

from cqpilot.core.encryption import EncryptedCharField
from cqpilot.core.models import Organisation, Role, User, of_own_organisation
from cqpilot.referentiels.models import Bloc, Certification, ReferentielVersion


class HabilitationScope(models.TextChoices):
    PREPARER = "preparer", "Préparer à la certification"
    EVALUER = "evaluer", "Organiser les évaluations"
    LES_DEUX = "les_deux", "Préparer et évaluer"


class HabilitationStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    SUSPENDUE = "suspendue", "Suspendue"
    RETIREE = "retiree", "Retirée"


class HabilitationQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "HabilitationQuerySet":
        if user.is_superuser:
            return self
        if user.organisation is None:
            return self.none()
        if user.organisation.is_certificateur:
            return self.filter(certification__certificateurs=user.organisation)
        own = self.filter(organisme=user.organisation)
        if user.limited_to_certifier_id:
            own = own.filter(certification__certificateurs=user.limited_to_certifier_id)
        return own

    def valid_on(self, day: date) -> "HabilitationQuerySet":
        return self.filter(status=HabilitationStatus.ACTIVE, date_debut__lte=day).filter(
            Q(date_fin__isnull=True) | Q(date_fin__gte=day)
        )


class Habilitation(models.Model):
    """The certificateur's permission for a partner OF to prepare or evaluate one certification."""

    organisme = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="habilitations",
        limit_choices_to={"kind": "organisme_formation"},
        verbose_name="organisme de formation",
    )
    certification = models.ForeignKey(
        Certification, on_delete=models.CASCADE, related_name="habilitations"
    )
    scope = models.CharField("périmètre", max_length=10, choices=HabilitationScope.choices)
    blocs = models.ManyToManyField(
        Bloc,
        blank=True,
        related_name="habilitations",
        help_text="Vide : toute la certification.",
    )
    date_debut = models.DateField("début")
    date_fin = models.DateField("fin", null=True, blank=True)
    status = models.CharField(
        "statut", max_length=10, choices=HabilitationStatus.choices, default="active"
    )

    objects = HabilitationQuerySet.as_manager()

    class Meta:
        ordering = ["certification", "organisme"]

    def __str__(self) -> str:
        return f"{self.organisme} — {self.certification.intitule}"

    @cached_property
    def bloc_codes(self) -> frozenset[str]:
        """Codes of the blocs the habilitation is limited to; empty: the whole certification."""
        return frozenset(b.code for b in self.blocs.all())

    @property
    def bloc_codes_display(self) -> str:
        return ", ".join(sorted(self.bloc_codes))

    def is_valid_on(self, day: date) -> bool:
        return (
            self.status == HabilitationStatus.ACTIVE
            and self.date_debut <= day
            and (self.date_fin is None or self.date_fin >= day)
        )


class Sexe(models.TextChoices):
    M = "M", "Homme"
    F = "F", "Femme"


class Situation(models.TextChoices):
    SALARIE = "salarie", "Salarié"
    DEMANDEUR_EMPLOI = "demandeur_emploi", "Demandeur d'emploi"
    JEUNE_FORMATION_INITIALE = "jeune_fi", "Jeune en formation initiale"
    AUTRE = "autre", "Autre"


class CandidatQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "CandidatQuerySet":
        """Candidates the user's organisation registered, or who have a dossier it may see
        (the rule lives in access.py; CandidatAcces stores its result). Évaluateurs, jury
        members and accounts awaiting confirmation see only the candidates of the dossiers
        they see."""
        if user.is_superuser:
            return self
        if user.organisation is None:
            return self.filter(compte=user)  # a candidate's account: themself only
        if user.limited_to_certifier_id or (
            user.organisation.is_certificateur and not user.is_certificateur_manager
        ):
            return self.filter(pk__in=Dossier.objects.visible_to(user).values("candidat"))
        return self.filter(acces__organisation=user.organisation)


class Candidat(models.Model):
    """A person, with the identity the Caisse des Dépôts needs to match a holder."""

    nom_naissance = models.CharField("nom de naissance", max_length=60)
    nom_usage = models.CharField("nom d'usage", max_length=60, blank=True)
    prenom1 = models.CharField("prénom", max_length=60)
    prenom2 = models.CharField("deuxième prénom", max_length=60, blank=True)
    prenom3 = models.CharField("troisième prénom", max_length=60, blank=True)
    sexe = models.CharField(max_length=1, choices=Sexe.choices)
    annee_naissance = models.PositiveSmallIntegerField("année de naissance")
    mois_naissance = models.PositiveSmallIntegerField(
        "mois de naissance", null=True, blank=True, help_text="Vide s'il est inconnu."
    )
    jour_naissance = models.PositiveSmallIntegerField(
        "jour de naissance", null=True, blank=True, help_text="Vide s'il est inconnu."
    )
    code_insee_naissance = models.CharField(
        "code INSEE de la commune de naissance",
        max_length=5,
        blank=True,
        help_text="Né(e) à l'étranger : 99 suivi du code pays INSEE (99109 pour l'Allemagne).",
    )
    code_postal_naissance = models.CharField(
        "code postal de naissance",
        max_length=5,
        blank=True,
        help_text="Si le code INSEE est inconnu.",
    )
    commune_naissance = models.CharField("commune de naissance", max_length=60, blank=True)
    pays_naissance = models.CharField(
        "pays de naissance", max_length=60, blank=True, help_text="Pour une naissance à l'étranger."
    )
    nir = EncryptedCharField(
        "NIR (numéro de sécurité sociale)",
        blank=True,
        help_text="Facultatif ; transmis uniquement à la Caisse des Dépôts. Stocké chiffré.",
    )
    email = models.EmailField("courriel", blank=True)
    telephone = models.CharField("téléphone", max_length=20, blank=True)
    adresse = models.TextField(blank=True)
    situation = models.CharField(max_length=20, choices=Situation.choices, default="autre")
    employeur_siret = models.CharField("SIRET de l'employeur", max_length=14, blank=True)
    employeur_idcc = models.CharField("IDCC de l'employeur", max_length=4, blank=True)
    created_by_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # The candidate's own account (espace candidat), created by invitation: no organisation,
    # no role; it sees only this candidate's dossiers.
    compte = models.OneToOneField(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="candidat",
        verbose_name="compte de l'espace candidat",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CandidatQuerySet.as_manager()

    class Meta:
        ordering = ["nom_naissance", "prenom1"]
        indexes = [models.Index(fields=["nom_naissance", "prenom1", "annee_naissance"])]

    def __str__(self) -> str:
        usage = f" ({self.nom_usage})" if self.nom_usage else ""
        return f"{self.nom_naissance.upper()}{usage} {self.prenom1}"

    @property
    def date_naissance_display(self) -> str:
        day = f"{self.jour_naissance:02d}" if self.jour_naissance else "??"
        month = f"{self.mois_naissance:02d}" if self.mois_naissance else "??"
        return f"{day}/{month}/{self.annee_naissance}"

    @property
    def nir_masque(self) -> str:
        """The NIR as shown on screen: sex and birth year only, never the whole number."""
        if not self.nir:
            return ""
        return f"{self.nir[0]} {self.nir[1:3]} •• •• ••• ••• ••"

    @property
    def is_born_abroad(self) -> bool:
        return self.code_insee_naissance.startswith("99")


class VoieAcces(models.TextChoices):
    """Access routes, named after the CDC's modaliteAcces (+ the CQP-specific nuances)."""

    FORMATION_INITIALE_HORS_APPRENTISSAGE = (
        "FORMATION_INITIALE_HORS_APPRENTISSAGE",
        "Formation initiale hors apprentissage",
    )
    FORMATION_INITIALE_APPRENTISSAGE = "FORMATION_INITIALE_APPRENTISSAGE", "Apprentissage"
    FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION = (
        "FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION",
        "Formation continue — contrat de professionnalisation",
    )
    FORMATION_CONTINUE_PRO_A = "FORMATION_CONTINUE_PRO_A", "Formation continue — Pro-A"
    FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION = (
        "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION",
        "Formation continue hors contrat (plan de développement des compétences, CPF…)",
    )
    VAE = "VAE", "Validation des acquis de l'expérience (VAE)"
    CANDIDAT_LIBRE = "CANDIDAT_LIBRE", "Candidat libre / accès direct"
    EQUIVALENCE_DIPLOME_ETRANGER = "EQUIVALENCE_DIPLOME_ETRANGER", "Équivalence diplôme étranger"

    @classmethod
    def cdc_value(cls, voie: str) -> str:
        """The CDC's modaliteAcces: Pro-A is continuing training outside a contrat de pro."""
        if voie == cls.FORMATION_CONTINUE_PRO_A:
            return cls.FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION
        return voie


class VoieVae(models.TextChoices):
    VAE_CLASSIQUE = "VAE_CLASSIQUE", "VAE classique"
    CONGES_VAE = "CONGES_VAE", "Congé VAE"


class Initiative(models.TextChoices):
    CERTIFIE = "CERTIFIE", "Le candidat"
    OF = "OF", "L'organisme de formation"
    POLE_EMPLOI = "POLE_EMPLOI", "France Travail"
    EMPLOYEUR = "EMPLOYEUR", "L'employeur"
    AUTRE = "AUTRE", "Autre"


class DossierState(models.TextChoices):
    BROUILLON = "brouillon", "Brouillon"
    INSCRIT = "inscrit", "Inscrit"
    RECEVABLE = "recevable", "Recevable"
    NON_RECEVABLE = "non_recevable", "Non recevable"
    EN_FORMATION = "en_formation", "En formation"
    EN_EVALUATION = "en_evaluation", "En évaluation"
    PRESENTE_JURY = "presente_jury", "Présenté au jury"
    CERTIFIE = "certifie", "Certifié"
    VALIDATION_PARTIELLE = "validation_partielle", "Validation partielle"
    NON_VALIDE = "non_valide", "Non validé"
    ABANDON = "abandon", "Abandon"


# A jury member sees the candidates presented to their juries while those deliberate: from
# the jury's preparation until its PV is signed.
JURY_IN_PROGRESS = ("preparation", "deliberation", "clos")


class DossierQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "DossierQuerySet":
        """The certifier's managers: every dossier of its certifications. Its évaluateurs: the
        dossiers enrolled in a session where they grade an épreuve. Its jury members: those
        presented to their juries in progress. A partner OF: its own dossiers, only the inviting
        certifier's while its account awaits the OF's confirmation; a VAE accompanist (AAP), the
        same for the dossiers it accompanies. A candidate: their own."""
        if user.is_superuser:
            return self
        organisation = user.organisation
        if organisation is None:
            return self.filter(candidat__compte=user)
        if not organisation.is_certificateur:
            # a partner OF's dossiers, or those a VAE accompanist (AAP) accompanies
            own = self.filter(Q(organisme=organisation) | Q(accompagnateur=organisation))
            if user.limited_to_certifier_id:
                own = own.filter(
                    certification__in=Certification.objects.filter(
                        certificateurs=user.limited_to_certifier_id
                    )
                )
            return own
        of_certifier = self.filter(
            certification__in=Certification.objects.filter(certificateurs=organisation)
        )
        if user.is_certificateur_manager:
            return of_certifier
        reachable = Q(pk__in=[])
        if user.has_role(Role.EVALUATEUR):
            reachable |= Q(
                pk__in=Dossier.objects.filter(
                    inscriptions__session__epreuves__affectations__evaluateur__user=user
                ).values("pk")
            )
        if user.has_role(Role.MEMBRE_JURY):
            reachable |= Q(
                pk__in=Dossier.objects.filter(
                    deliberations__jury__membres__intervenant__user=user,
                    deliberations__jury__status__in=JURY_IN_PROGRESS,
                ).values("pk")
            )
        return of_certifier.filter(reachable)


class Dossier(models.Model):
    candidat = models.ForeignKey(Candidat, on_delete=models.PROTECT, related_name="dossiers")
    certification = models.ForeignKey(
        Certification, on_delete=models.PROTECT, related_name="dossiers"
    )
    version = models.ForeignKey(
        ReferentielVersion,
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name="version du référentiel",
    )
    organisme = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dossiers",
        limit_choices_to={"kind": "organisme_formation"},
        verbose_name="organisme de formation",
    )
    # VAE only: the accompanist (AAP) who follows and fills the dossier (vae.accompagnement).
    accompagnateur = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dossiers_accompagnes",
        limit_choices_to={"kind": "accompagnateur_vae"},
        verbose_name="accompagnateur VAE",
    )
    voie_acces = models.CharField("voie d'accès", max_length=60, choices=VoieAcces.choices)
    voie_vae = models.CharField("type de VAE", max_length=20, choices=VoieVae.choices, blank=True)
    initiative = models.CharField(
        "initiative de l'inscription", max_length=20, choices=Initiative.choices, default="CERTIFIE"
    )
    date_inscription = models.DateField("date d'inscription")
    experience_mois = models.PositiveSmallIntegerField(
        "expérience en rapport avec la certification (mois)",
        null=True,
        blank=True,
        help_text="Pour la VAE.",
    )
    cpf = models.BooleanField("financé par le CPF", default=False)
    blocs_vises = models.ManyToManyField(
        Bloc,
        blank=True,
        related_name="dossiers",
        verbose_name="blocs visés",
        help_text="Vide : toute la certification.",
    )
    state = models.CharField(
        "état", max_length=30, choices=DossierState.choices, default=DossierState.BROUILLON
    )
    state_changed_at = models.DateTimeField("dernier changement d'état", null=True, blank=True)
    pieces_relancees_le = models.DateField(
        "dernière relance des pièces manquantes", null=True, blank=True
    )
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DossierQuerySet.as_manager()

    class Meta:
        ordering = ["-date_inscription", "pk"]
        indexes = [models.Index(fields=["state"]), models.Index(fields=["date_inscription"])]

    def __str__(self) -> str:
        return f"{self.candidat} — {self.certification.intitule}"


class DossierTransition(models.Model):
    """One change of state of a dossier: the history that nothing rewrites."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=30, choices=DossierState.choices)
    to_state = models.CharField(max_length=30, choices=DossierState.choices)
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    motif = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_state_display()} → {self.get_to_state_display()}"


class Dispositif(models.TextChoices):
    PLAN = "plan", "Plan de développement des compétences"
    CPF = "cpf", "Compte personnel de formation (CPF)"
    CONTRAT_PRO = "contrat_pro", "Contrat de professionnalisation"
    PRO_A = "pro_a", "Pro-A"
    BRANCHE = "branche", "Financement de la branche"
    FRANCE_TRAVAIL = "france_travail", "France Travail"
    REGION = "region", "Région"
    PERSONNEL = "personnel", "Financement personnel"


class FinancementStatus(models.TextChoices):
    DEMANDE = "demande", "Demandé"
    ACCORDE = "accorde", "Accordé"
    REFUSE = "refuse", "Refusé"
    PAYE = "paye", "Payé"


class Financement(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="financements")
    dispositif = models.CharField(max_length=20, choices=Dispositif.choices)
    financeur = models.CharField(max_length=200, blank=True, help_text="Par exemple l'OPCO.")
    frais_pedagogiques = models.DecimalField(
        "frais pédagogiques (€)", max_digits=10, decimal_places=2, null=True, blank=True
    )
    remuneration = models.DecimalField(
        "rémunération (€)", max_digits=10, decimal_places=2, null=True, blank=True
    )
    heures = models.PositiveIntegerField("heures", null=True, blank=True)
    numero_prise_en_charge = models.CharField("n° de prise en charge", max_length=50, blank=True)
    status = models.CharField(
        "statut", max_length=10, choices=FinancementStatus.choices, default="demande"
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_dispositif_display()} — {self.financeur}".rstrip(" —")


class CandidatImportQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "CandidatImportQuerySet":
        """The imports of the user's organisation; an account awaiting its OF's confirmation
        sees only its own (the others name every certifier's candidates)."""
        records = of_own_organisation(self, user)
        return records.filter(by=user) if user.limited_to_certifier_id else records


class CandidatImport(models.Model):
    """The record of one bulk import: who, which file, what it created, what was wrong."""

    fichier = models.CharField(max_length=300)
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    committed = models.BooleanField("enregistré", default=False)
    lignes = models.PositiveIntegerField(default=0)
    lignes_valides = models.PositiveIntegerField(default=0)
    lignes_deja_importees = models.PositiveIntegerField(default=0)
    candidats_crees = models.PositiveIntegerField(default=0)
    dossiers_crees = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField("nombre d'erreurs", default=0)
    errors = models.JSONField("erreurs", default=list)
    warnings = models.JSONField("avertissements", default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CandidatImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "import de candidats"

    def __str__(self) -> str:
        return f"Import {self.fichier} du {self.created_at:%d/%m/%Y %H:%M}"


class DocumentType(models.TextChoices):
    PIECE_IDENTITE = "piece_identite", "Pièce d'identité"
    CV = "cv", "CV"
    ATTESTATION_EMPLOYEUR = "attestation_employeur", "Attestation de l'employeur"
    CONTRAT = "contrat", "Contrat (professionnalisation, Pro-A…)"
    ATTESTATION_FORMATION = "attestation_formation", "Attestation de formation"
    DOSSIER_FAISABILITE = "dossier_faisabilite", "Dossier de faisabilité (VAE)"
    DOSSIER_VALIDATION = "dossier_validation", "Dossier de validation (VAE)"
    AUTRE = "autre", "Autre"


class DocumentStatus(models.TextChoices):
    A_VERIFIER = "a_verifier", "À vérifier"
    VALIDE = "valide", "Validé"
    REFUSE = "refuse", "Refusé"


class PieceFormat(models.TextChoices):
    """The formats a certifier may ask for: a subset of what the upload accepts at all
    (documents.ALLOWED_EXTENSIONS); pieces.FORMAT_EXTENSIONS gives their extensions."""

    PDF = "pdf", "PDF"
    JPEG = "jpeg", "JPEG"
    PNG = "png", "PNG"
    ODT = "odt", "ODT (texte)"
    DOCX = "docx", "DOCX (Word)"
    ODS = "ods", "ODS (tableur)"
    XLSX = "xlsx", "XLSX (Excel)"


# The states a pièce can be required for: entering one of them, or any later state.
ETATS_REQUIS = [
    (s.value, s.label)
    for s in (
        DossierState.INSCRIT,
        DossierState.RECEVABLE,
        DossierState.EN_FORMATION,
        DossierState.EN_EVALUATION,
        DossierState.PRESENTE_JURY,
    )
]


class PieceExigeeQuerySet(models.QuerySet):
    def managed_by(self, user: User) -> "PieceExigeeQuerySet":
        """The pièces exigées of the certifications the user's certifier manages."""
        if user.is_superuser:
            return self
        if not user.is_certificateur_manager:
            return self.none()
        return self.filter(certification__in=Certification.objects.visible_to(user))


class PieceExigee(models.Model):
    """A document the certifier asks for in every dossier of one certification (pieces.py)."""

    certification = models.ForeignKey(
        Certification, on_delete=models.CASCADE, related_name="pieces_exigees"
    )
    libelle = models.CharField("libellé", max_length=200)
    formats = models.JSONField("formats acceptés", default=list)
    etat_requis = models.CharField(
        "exigée à partir de l'état",
        max_length=30,
        choices=ETATS_REQUIS,
        blank=True,
        help_text="Le dossier ne peut entrer dans cet état, ni dans un état ultérieur, tant que "
        "la pièce manque ou est refusée. Vide : pièce facultative, jamais bloquante.",
    )
    voies_acces = models.JSONField(
        "voies d'accès concernées", default=list, blank=True, help_text="Aucune : toutes."
    )
    depot_candidat = models.BooleanField("déposée par le candidat", default=False)
    depot_of = models.BooleanField("déposée par l'organisme de formation", default=True)
    depot_certificateur = models.BooleanField("déposée par le certificateur", default=True)
    visible_of = models.BooleanField("visible de l'organisme de formation", default=True)
    archivee = models.BooleanField(
        "archivée",
        default=False,
        help_text="Plus demandée ni proposée au dépôt ; les pièces déjà déposées restent.",
    )
    ordre = models.PositiveSmallIntegerField(default=0)

    objects = PieceExigeeQuerySet.as_manager()

    class Meta:
        ordering = ["ordre", "pk"]
        verbose_name = "pièce exigée"
        verbose_name_plural = "pièces exigées"

    def __str__(self) -> str:
        return self.libelle

    def applies_to(self, dossier: "Dossier") -> bool:
        return not self.archivee and (
            not self.voies_acces or dossier.voie_acces in self.voies_acces
        )


def document_path(document: "Document", filename: str) -> str:
    # Random file names: the original name stays in `nom`, never in a guessable path.
    return f"dossiers/{document.dossier_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class DocumentQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "DocumentQuerySet":
        """Pièces (identity papers, contracts…): the certifier's managers and the dossier's OF;
        never évaluateurs nor jury members, who see candidates for their épreuve or jury only.
        A candidate: what they deposit themself, the pièces asked of them in their dossiers."""
        organisation = user.organisation
        if organisation is None and not user.is_superuser:
            return self.filter(dossier__candidat__compte=user, piece__depot_candidat=True)
        if not (
            user.is_superuser
            or user.is_certificateur_manager
            or (organisation is not None and not organisation.is_certificateur)
        ):
            return self.none()
        visible = self.filter(dossier__in=Dossier.objects.visible_to(user))
        if organisation is not None and not organisation.is_certificateur:
            # A pièce the certifier keeps to itself (a jury's note…): not for the OF.
            visible = visible.exclude(piece__visible_of=False)
        return visible


class Document(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="documents")
    # A pièce exigée of the certification; none: a document of a free type (DocumentType).
    piece = models.ForeignKey(
        PieceExigee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name="pièce exigée",
    )
    type = models.CharField(max_length=30, choices=DocumentType.choices, default=DocumentType.AUTRE)
    fichier = models.FileField(upload_to=document_path, max_length=300)
    nom = models.CharField("nom du fichier", max_length=255)
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        "statut", max_length=12, choices=DocumentStatus.choices, default=DocumentStatus.A_VERIFIER
    )
    motif_refus = models.TextField("motif du refus", blank=True)
    checked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.libelle} — {self.nom}"

    @property
    def libelle(self) -> str:
        return self.piece.libelle if self.piece_id else self.get_type_display()


class AcquisSource(models.TextChoices):
    JURY = "jury", "Décision du jury"
    EQUIVALENCE = "equivalence", "Équivalence"


class BlocAcquis(models.Model):
    """A bloc a candidate has obtained, which later dossiers carry over while it is valid."""

    candidat = models.ForeignKey(Candidat, on_delete=models.CASCADE, related_name="blocs_acquis")
    bloc = models.ForeignKey(Bloc, on_delete=models.PROTECT, related_name="acquis")
    source = models.CharField(max_length=12, choices=AcquisSource.choices)
    date_obtention = models.DateField("date d'obtention")
    dossier = models.ForeignKey(
        Dossier, on_delete=models.SET_NULL, null=True, blank=True, related_name="blocs_obtenus"
    )
    commentaire = models.TextField(blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date_obtention", "pk"]
        verbose_name = "bloc acquis"
        verbose_name_plural = "blocs acquis"

    def __str__(self) -> str:
        return f"{self.bloc.code} ({self.get_source_display().lower()}, {self.date_obtention:%d/%m/%Y})"


class CandidatAcces(models.Model):
    """Which organisations may see a candidate: derived data, rebuilt by access.sync_acces().

    The rule (access.py) would otherwise be evaluated on every list page; as a table it is an
    indexed join, which keeps the candidate list fast at 100,000 candidates on PostgreSQL.
    """

    candidat = models.ForeignKey(Candidat, on_delete=models.CASCADE, related_name="acces")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "candidat"], name="unique_candidat_acces"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} → {self.candidat_id}"
