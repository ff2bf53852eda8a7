"""Versioned référentiels: Version → Activite → Competence (+ critères); Blocs with Modalites.

A published version is immutable: every model holding référentiel content refuses to be saved or
deleted once its version is published.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.urls import reverse

from cqpilot.core.models import User

from .certifications import Certification


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
