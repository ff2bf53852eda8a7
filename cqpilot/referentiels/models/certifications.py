"""Certifications: what France Compétences registers, and the rules each branch sets for it."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from cqpilot.core.models import Organisation, OrganisationKind, User


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
    fiche_modele = models.CharField(
        "modèle d'après la fiche",
        max_length=12,
        blank=True,
        editable=False,
        help_text="La fiche RNCP ou RS d'un autre certificateur dont l'import a repris le contenu "
        "comme modèle : ce n'est pas une certification enregistrée.",
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
        "statut",
        max_length=20,
        choices=CertificationStatus.choices,
        default="en_projet",
        help_text="Passée la date de fin d'enregistrement, une certification « Active » "
        "s'affiche « Inactive / archivée ».",
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
        "expérience attendue pour la VAE (mois)",
        null=True,
        blank=True,
        help_text="Indicative : en dessous, le dossier est signalé, pas refusé (la loi du "
        "21 décembre 2022 a supprimé toute durée minimale ; la recevabilité relève du "
        "certificateur). Vide : aucune durée attendue.",
    )
    validite_blocs_mois = models.PositiveSmallIntegerField(
        "durée de validité des blocs acquis (mois)",
        null=True,
        blank=True,
        help_text="Vide : blocs acquis définitivement.",
    )
    delai_recours_mois = models.PositiveSmallIntegerField(
        "délai de recours contre une décision du jury (mois)",
        default=2,
        help_text="Compté en mois de calendrier à partir de la signature du PV (signé le "
        "31 décembre, un délai de 2 mois finit le dernier jour de février). 0 : aucun recours, "
        "le jury est souverain selon l'accord de branche.",
    )
    # VAE recevabilité (docs/vae.md): uncertain for certifications managed through France VAE,
    # hence settings with the defaults of the Code du travail (docs/domaine.md §3.2).
    delai_recevabilite_vae_mois = models.PositiveSmallIntegerField(
        "délai de décision sur la recevabilité VAE (mois)",
        default=2,
        validators=[MinValueValidator(1)],
        help_text="Compté en mois de calendrier à partir du jour où la demande de recevabilité "
        "est complète (complète le 31 décembre, un délai de 2 mois finit le dernier jour de "
        "février).",
    )
    silence_recevabilite_vae = models.CharField(
        "silence du certificateur à la fin du délai",
        max_length=20,
        choices=[
            ("acceptation", "Vaut acceptation : la demande devient recevable"),
            ("sans_effet", "Sans effet : la demande attend la décision"),
        ],
        default="acceptation",
    )
    validite_recevabilite_vae_mois = models.PositiveSmallIntegerField(
        "durée de validité de la recevabilité VAE (mois)",
        default=12,
        validators=[MinValueValidator(1)],
        help_text="Comptée à partir de la décision de recevabilité (ou de l'acceptation "
        "tacite) ; elle figure sur la lettre de notification.",
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
    def is_modele(self) -> bool:
        """Made by an RNCP import from another certifier's fiche, and not registered since."""
        return bool(self.fiche_modele) and not self.code_rncp_rs

    @property
    def registre_label(self) -> str:
        if self.is_rncp:
            return "RNCP"
        if self.is_rs:
            return "Répertoire spécifique"
        return "Non enregistrée"

    def registration_ended_on(self, day: date) -> bool:
        """The fiche's registration ended before `day` (it is valid through its last day)."""
        return self.date_fin_enregistrement is not None and day > self.date_fin_enregistrement

    def status_on(self, day: date) -> str:
        """The status shown on `day`: the end of registration is a date, which passes without
        anybody saving the certification, so an « Active » status past it is not believed."""
        if self.status == CertificationStatus.ACTIVE and self.registration_ended_on(day):
            return CertificationStatus.INACTIVE
        return self.status

    @property
    def status_display(self) -> str:
        status = self.status_on(timezone.localdate())
        label = CertificationStatus(status).label
        if status != self.status:
            label += f" (enregistrement échu le {self.date_fin_enregistrement:%d/%m/%Y})"
        return label

    @property
    def has_blocs(self) -> bool:
        """An RS fiche has no blocs de compétences (docs/domaine.md §4.1, docs/rncp.md §5.8)."""
        return not self.is_rs

    def bloc_refusal(self) -> str | None:
        """Why this certification's référentiel holds no bloc, or None when it may."""
        if self.has_blocs:
            return None
        return (
            f"{self.intitule} est enregistrée au répertoire spécifique ({self.code_rncp_rs}) : "
            "une certification du RS n'a pas de blocs de compétences. Décrivez ses compétences "
            "sans les regrouper en blocs."
        )

    @property
    def allows_partial_validation(self) -> bool:
        """Partial validation attests blocs: none for an RS certification, which has none."""
        return self.has_blocs

    def partial_validation_refusal(self) -> str | None:
        """Why a jury may not pronounce a partial validation of this certification, or None."""
        if self.allows_partial_validation:
            return None
        return (
            f"{self.intitule} est enregistrée au répertoire spécifique : sans blocs de "
            "compétences, elle est validée en entier ou pas du tout (pas de validation partielle)."
        )

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
        if not self.has_blocs:
            if self.blocs_optionnels_requis:
                errors["blocs_optionnels_requis"] = (
                    "Sans objet : une certification du répertoire spécifique n'a pas de blocs."
                )
            if self.validite_blocs_mois:
                errors["validite_blocs_mois"] = (
                    "Sans objet : une certification du répertoire spécifique n'a pas de blocs."
                )
        if (
            self.date_decision
            and self.date_fin_enregistrement
            and self.date_fin_enregistrement < self.date_decision
        ):
            errors["date_fin_enregistrement"] = "La fin d'enregistrement précède la décision."
        if errors:
            raise ValidationError(errors)


class ListeProA(models.Model):
    """The certifications a branch's extended Pro-A agreement opens to Pro-A, by RNCP code
    (L6324-3 Code du travail; docs/domaine.md §4.3). Only an extended agreement counts."""

    branche = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="liste_pro_a",
        limit_choices_to={"kind": OrganisationKind.BRANCHE},
    )
    accord = models.CharField(
        "accord de branche",
        max_length=300,
        blank=True,
        help_text="Par exemple : accord du 12 mars 2020 relatif à la Pro-A, avenant n° 1.",
    )
    date_extension = models.DateField(
        "date de l'arrêté d'extension",
        help_text="La liste ne s'applique qu'aux inscriptions à partir de cette date.",
    )
    codes_rncp = models.JSONField("codes RNCP de la liste", default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "liste Pro-A de branche"
        verbose_name_plural = "listes Pro-A de branche"

    def __str__(self) -> str:
        return f"Liste Pro-A de {self.branche}"

    def lists(self, code: str) -> bool:
        return bool(code) and code in self.codes_rncp


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
