"""Certifications and their versioned référentiels.

Certification → ReferentielVersion → Activite → Competence (+ critères) ; the version's Blocs group
compétences and carry their Modalites d'évaluation. A published version is immutable: every model
holding référentiel content refuses to be saved or deleted once its version is published.
"""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.urls import reverse

from cqpilot.core.models import Organisation, User


class CertificationType(models.TextChoices):
    CQP = "CQP", "CQP"
    CQPI = "CQPI", "CQPI (interbranches)"
    AUTRE = "AUTRE", "Autre certification de branche"


class Niveau(models.TextChoices):
    NIV3 = "NIV3", "Niveau 3"
    NIV4 = "NIV4", "Niveau 4"
    NIV5 = "NIV5", "Niveau 5"
    NIV6 = "NIV6", "Niveau 6"
    NIV7 = "NIV7", "Niveau 7"
    NIV8 = "NIV8", "Niveau 8"


class CertificationStatus(models.TextChoices):
    EN_PROJET = "en_projet", "En projet"
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive / archivée"


REGISTRATION_CODE = re.compile(r"^(RNCP|RS)\d{1,6}$")


class CertificationQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "CertificationQuerySet":
        if user.is_superuser:
            return self
        organisation = user.organisation
        if organisation is None or not organisation.is_certificateur:
            # Partner OFs reach certifications through their habilitations (dossiers area).
            return self.none()
        return self.filter(certificateurs=organisation)


class Certification(models.Model):
    intitule = models.CharField("intitulé", max_length=800)
    type = models.CharField(max_length=10, choices=CertificationType.choices)
    code_rncp_rs = models.CharField(
        "code RNCP ou RS",
        max_length=12,
        blank=True,
        help_text="Par exemple RNCP38001 ou RS6117. Vide pour un CQP non enregistré.",
    )
    niveau = models.CharField(
        "niveau de qualification",
        max_length=4,
        choices=Niveau.choices,
        blank=True,
        help_text="Uniquement pour une certification enregistrée au RNCP.",
    )
    certificateurs = models.ManyToManyField(
        Organisation,
        related_name="certifications",
        verbose_name="branches / certificateurs",
        limit_choices_to={"kind__in": ["branche", "organisme_certificateur"]},
    )
    status = models.CharField(
        "statut", max_length=20, choices=CertificationStatus.choices, default="en_projet"
    )
    date_decision = models.DateField(
        "date de décision de France compétences", null=True, blank=True
    )
    date_fin_enregistrement = models.DateField(
        "date de fin d'enregistrement", null=True, blank=True
    )

    # Settings that vary between branches: never constants in the code.
    vae_ouverte = models.BooleanField(
        "ouverte à la VAE", default=False, help_text="Possible seulement si enregistrée au RNCP."
    )
    experience_min_vae_mois = models.PositiveSmallIntegerField(
        "expérience minimale pour la VAE (mois)",
        null=True,
        blank=True,
        help_text="Vide : aucune durée minimale (règle légale depuis 2024).",
    )
    validite_blocs_mois = models.PositiveSmallIntegerField(
        "durée de validité des blocs acquis (mois)",
        null=True,
        blank=True,
        help_text="Vide : blocs acquis définitivement.",
    )
    blocs_optionnels_requis = models.PositiveSmallIntegerField(
        "nombre de blocs optionnels à obtenir",
        default=0,
        help_text="La certification s'obtient avec tous les blocs obligatoires et ce nombre de "
        "blocs optionnels.",
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CertificationQuerySet.as_manager()

    class Meta:
        ordering = ["intitule"]
        constraints = [
            models.UniqueConstraint(
                fields=["code_rncp_rs"],
                condition=~Q(code_rncp_rs=""),
                name="unique_code_rncp_rs",
            )
        ]

    def __str__(self) -> str:
        return f"{self.intitule} ({self.code_rncp_rs})" if self.code_rncp_rs else self.intitule

    @property
    def is_rncp(self) -> bool:
        return self.code_rncp_rs.startswith("RNCP")

    @property
    def is_rs(self) -> bool:
        return self.code_rncp_rs.startswith("RS")

    @property
    def registre_label(self) -> str:
        if self.is_rncp:
            return "RNCP"
        if self.is_rs:
            return "Répertoire spécifique"
        return "Non enregistrée"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.code_rncp_rs = self.code_rncp_rs.strip().upper().replace(" ", "")
        if self.code_rncp_rs and not REGISTRATION_CODE.match(self.code_rncp_rs):
            errors["code_rncp_rs"] = "Le code doit être de la forme RNCP12345 ou RS1234."
        if self.niveau and not self.is_rncp:
            errors["niveau"] = "Seule une certification enregistrée au RNCP a un niveau."
        if self.vae_ouverte and not self.is_rncp:
            errors["vae_ouverte"] = (
                "La VAE n'est possible que pour une certification enregistrée au RNCP."
            )
        if self.experience_min_vae_mois and not self.vae_ouverte:
            errors["experience_min_vae_mois"] = (
                "Sans objet : la certification n'est pas ouverte à la VAE."
            )
        if (
            self.date_decision
            and self.date_fin_enregistrement
            and self.date_fin_enregistrement < self.date_decision
        ):
            errors["date_fin_enregistrement"] = "La fin d'enregistrement précède la décision."
        if errors:
            raise ValidationError(errors)


class CodeKind(models.TextChoices):
    NSF = "NSF", "NSF"
    ROME = "ROME", "ROME"
    FORMACODE = "FORMACODE", "Formacode"


class CertificationCode(models.Model):
    certification = models.ForeignKey(Certification, on_delete=models.CASCADE, related_name="codes")
    kind = models.CharField("nomenclature", max_length=10, choices=CodeKind.choices)
    code = models.CharField(max_length=10)
    libelle = models.CharField("libellé", max_length=300, blank=True)

    class Meta:
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["certification", "kind", "code"], name="unique_certification_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.code}"


class VersionStatus(models.TextChoices):
    BROUILLON = "brouillon", "Brouillon"
    PUBLIEE = "publiee", "Publiée"


class ReferentielVersionQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "ReferentielVersionQuerySet":
        return self.filter(certification__in=Certification.objects.visible_to(user))


class VersionPublieeError(Exception):
    """Raised when published référentiel content is about to be changed."""

    def __init__(self, version: "ReferentielVersion") -> None:
        super().__init__(
            f"La version {version.numero} du référentiel est publiée : elle ne peut plus être "
            "modifiée. Créez une nouvelle version à partir de celle-ci."
        )


class ReferentielVersion(models.Model):
    certification = models.ForeignKey(
        Certification, on_delete=models.CASCADE, related_name="versions"
    )
    numero = models.PositiveIntegerField("version")
    status = models.CharField(
        "statut", max_length=20, choices=VersionStatus.choices, default=VersionStatus.BROUILLON
    )
    description = models.TextField("objet de la version", blank=True)
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies"
    )
    source = models.CharField(
        "origine", max_length=200, blank=True, help_text="Saisie, copie, ou import RNCP."
    )
    published_at = models.DateTimeField("publiée le", null=True, blank=True)
    published_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReferentielVersionQuerySet.as_manager()

    class Meta:
        ordering = ["certification", "-numero"]
        verbose_name = "version de référentiel"
        constraints = [
            models.UniqueConstraint(
                fields=["certification", "numero"], name="unique_version_numero"
            )
        ]

    def __str__(self) -> str:
        return f"{self.certification.intitule} — version {self.numero}"

    def save(self, *args, **kwargs) -> None:
        if self.pk:
            stored = ReferentielVersion.objects.filter(pk=self.pk).values_list("status", flat=True)
            if stored and stored[0] == VersionStatus.PUBLIEE:
                raise VersionPublieeError(self)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("referentiels:version_detail", args=[self.pk])

    def delete(self, *args, **kwargs):
        if self.is_published:
            raise VersionPublieeError(self)
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLIEE


class VersionContent(models.Model):
    """Base of every model that is part of a référentiel version's content."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        version = self.get_version()
        if version.is_published:
            raise VersionPublieeError(version)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        version = self.get_version()
        if version.is_published:
            raise VersionPublieeError(version)
        return super().delete(*args, **kwargs)

    def get_version(self) -> ReferentielVersion:
        raise NotImplementedError


class Activite(VersionContent):
    version = models.ForeignKey(
        ReferentielVersion, on_delete=models.CASCADE, related_name="activites"
    )
    code = models.CharField(max_length=30)
    intitule = models.CharField("intitulé", max_length=500)
    description = models.TextField(blank=True)
    ordre = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["ordre", "code"]
        verbose_name = "activité"
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="unique_activite_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.intitule}"

    def get_version(self) -> ReferentielVersion:
        return self.version


class Competence(VersionContent):
    version = models.ForeignKey(
        ReferentielVersion, on_delete=models.CASCADE, related_name="competences"
    )
    # Removing an activité keeps its compétences (they become unattached) rather than losing them.
    activite = models.ForeignKey(
        Activite, on_delete=models.SET_NULL, null=True, blank=True, related_name="competences"
    )
    code = models.CharField(max_length=30)
    intitule = models.TextField("intitulé")
    ordre = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["ordre", "code"]
        verbose_name = "compétence"
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="unique_competence_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.intitule}"

    def get_version(self) -> ReferentielVersion:
        return self.version

    def clean(self) -> None:
        if self.activite_id and self.activite.version_id != self.version_id:
            raise ValidationError({"activite": "Cette activité appartient à une autre version."})


class CritereEvaluation(VersionContent):
    competence = models.ForeignKey(Competence, on_delete=models.CASCADE, related_name="criteres")
    intitule = models.TextField("critère")
    indicateurs = models.TextField("indicateurs d'évaluation", blank=True)
    ordre = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["ordre", "pk"]
        verbose_name = "critère d'évaluation"

    def __str__(self) -> str:
        return self.intitule

    def get_version(self) -> ReferentielVersion:
        return self.competence.version


class Bloc(VersionContent):
    version = models.ForeignKey(ReferentielVersion, on_delete=models.CASCADE, related_name="blocs")
    code = models.CharField(max_length=30, help_text="Par exemple RNCP12345BC01.")
    intitule = models.CharField("intitulé", max_length=800)
    est_optionnel = models.BooleanField(
        "optionnel", default=False, help_text="Un bloc obligatoire est exigé pour la certification."
    )
    competences = models.ManyToManyField(Competence, blank=True, related_name="blocs")
    competences_texte = models.TextField(
        "compétences (texte)",
        blank=True,
        help_text="Texte libre, tel qu'il figure sur la fiche RNCP.",
    )
    modalites_texte = models.TextField(
        "modalités d'évaluation (texte)",
        blank=True,
        help_text="Texte libre, tel qu'il figure sur la fiche RNCP.",
    )
    ordre = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["ordre", "code"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unique_bloc_code")]

    def __str__(self) -> str:
        return f"{self.code} — {self.intitule}"

    def get_version(self) -> ReferentielVersion:
        return self.version


class ModaliteType(models.TextChoices):
    ECRIT = "ecrit", "Épreuve écrite"
    MISE_EN_SITUATION = "mise_en_situation", "Mise en situation professionnelle"
    ETUDE_DE_CAS = "etude_de_cas", "Étude de cas"
    ENTRETIEN = "entretien", "Entretien avec le jury"
    ORAL = "oral", "Présentation orale"
    DOSSIER = "dossier", "Dossier professionnel"
    QCM = "qcm", "Questionnaire (QCM)"
    OBSERVATION = "observation", "Observation en situation de travail"
    AUTRE = "autre", "Autre"


class Notation(models.TextChoices):
    ACQUIS = "acquis", "Acquis / non acquis par critère"
    NOTE = "note", "Note avec seuil de réussite"


class Modalite(VersionContent):
    """One épreuve of a bloc's evaluation."""

    bloc = models.ForeignKey(Bloc, on_delete=models.CASCADE, related_name="modalites")
    type = models.CharField(max_length=30, choices=ModaliteType.choices)
    intitule = models.CharField("intitulé", max_length=300)
    description = models.TextField(blank=True)
    duree_minutes = models.PositiveIntegerField("durée (minutes)", null=True, blank=True)
    notation = models.CharField(max_length=10, choices=Notation.choices, default=Notation.ACQUIS)
    note_sur = models.PositiveSmallIntegerField("noté sur", null=True, blank=True)
    seuil = models.DecimalField(
        "seuil de réussite", max_digits=5, decimal_places=2, null=True, blank=True
    )
    coefficient = models.DecimalField(max_digits=5, decimal_places=2, default=1)
    ordre = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["ordre", "pk"]
        verbose_name = "modalité d'évaluation"
        verbose_name_plural = "modalités d'évaluation"

    def __str__(self) -> str:
        return self.intitule

    def get_version(self) -> ReferentielVersion:
        return self.bloc.version

    def clean(self) -> None:
        if self.notation == Notation.NOTE:
            errors = {}
            if not self.note_sur:
                errors["note_sur"] = "Indiquez sur combien l'épreuve est notée."
            if self.seuil is None:
                errors["seuil"] = "Indiquez le seuil de réussite."
            elif self.note_sur and self.seuil > self.note_sur:
                errors["seuil"] = "Le seuil dépasse la note maximale."
            if errors:
                raise ValidationError(errors)


class CorrespondanceKind(models.TextChoices):
    TOTALE = "totale", "Équivalence totale"
    PARTIELLE = "partielle", "Correspondance partielle"


class CorrespondanceBloc(VersionContent):
    """A bloc of this référentiel recognised as equivalent to a bloc of another certification.

    The other bloc is either managed in cqpilot (`bloc_cible`) or only known by its codes
    (an RNCP correspondence towards another certifier's fiche).
    """

    bloc = models.ForeignKey(Bloc, on_delete=models.CASCADE, related_name="correspondances")
    bloc_cible = models.ForeignKey(
        Bloc, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    fiche_cible = models.CharField("fiche cible (RNCP/RS)", max_length=12, blank=True)
    code_bloc_cible = models.CharField("code du bloc cible", max_length=30, blank=True)
    kind = models.CharField(
        "type", max_length=10, choices=CorrespondanceKind.choices, default=CorrespondanceKind.TOTALE
    )
    commentaire = models.TextField(blank=True)

    class Meta:
        ordering = ["bloc", "fiche_cible", "code_bloc_cible"]
        verbose_name = "correspondance de bloc"

    def __str__(self) -> str:
        return f"{self.bloc.code} ↔ {self.target_label}"

    @property
    def target_label(self) -> str:
        if self.bloc_cible_id:
            return f"{self.bloc_cible.code} — {self.bloc_cible.intitule}"
        return " ".join(filter(None, [self.fiche_cible, self.code_bloc_cible]))

    def get_version(self) -> ReferentielVersion:
        return self.bloc.version

    def clean(self) -> None:
        if not self.bloc_cible_id and not self.fiche_cible:
            raise ValidationError("Choisissez un bloc cible ou indiquez la fiche RNCP/RS visée.")


@receiver(m2m_changed, sender=Bloc.competences.through)
def refuse_competences_change_when_published(sender, instance, action, **kwargs) -> None:
    if action.startswith("pre_") and isinstance(instance, Bloc) and instance.version.is_published:
        raise VersionPublieeError(instance.version)


class ImportStatus(models.TextChoices):
    REUSSI = "reussi", "Réussi"
    PARTIEL = "partiel", "Réussi en partie (fiches en erreur ignorées)"
    ECHOUE = "echoue", "Échoué, rien n'a été enregistré"


class RncpImport(models.Model):
    """The record of one import of a France Compétences export: who, what, and the outcome."""

    fichier = models.CharField(max_length=300)
    fiche = models.CharField("fiche demandée", max_length=12, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField("résultat", max_length=10, choices=ImportStatus.choices)
    fiches_lues = models.PositiveIntegerField(default=0)
    fiches_importees = models.PositiveIntegerField(default=0)
    certifications_creees = models.PositiveIntegerField(default=0)
    blocs_importes = models.PositiveIntegerField(default=0)
    errors = models.JSONField("erreurs", default=list)
    warnings = models.JSONField("avertissements", default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "import RNCP / RS"
        verbose_name_plural = "imports RNCP / RS"

    def __str__(self) -> str:
        return f"Import {self.fichier} du {self.created_at:%d/%m/%Y %H:%M}"

    @property
    def committed(self) -> bool:
        return self.status != ImportStatus.ECHOUE
