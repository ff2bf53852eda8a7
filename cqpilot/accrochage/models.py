"""Files produced by the accrochage tools, kept so that what was sent can always be shown."""

import uuid

from django.db import models

from cqpilot.core.models import Organisation, User


def flux_path(flux: "FluxAutonome", filename: str) -> str:
    return f"accrochage/{uuid.uuid4().hex}.xml"


class FluxAutonome(models.Model):
    """An XML file made by the standalone tool from a spreadsheet of holders."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    source = models.CharField("fichier des titulaires", max_length=255)
    id_flux = models.CharField(max_length=50)
    fichier = models.FileField(upload_to=flux_path, max_length=300)
    passages = models.PositiveIntegerField()
    certifications = models.JSONField(default=list)
    warnings = models.JSONField("avertissements", default=list)
    # The CDC's answer: {"id_traitement", "accepted": [...], "rejected": {id: message},
    # "file_errors": [...]}; None until an accusé de traitement is uploaded.
    rapport = models.JSONField("accusé de traitement", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "fichier XML de l'outil autonome"

    def __str__(self) -> str:
        return f"{self.source} ({self.passages} passages, {self.created_at:%d/%m/%Y %H:%M})"

    @property
    def download_name(self) -> str:
        return f"accrochage-{self.created_at:%Y%m%d-%H%M%S}.xml"


class SchemaVersion(models.TextChoices):
    V112 = "1.1.2", "1.1.x (schéma officiel 1.1.2)"
    V2026 = "2026", "2026 (1.1.5 : action, identifiant national par le NIR)"


class ReglagesAccrochage(models.Model):
    """How a certifier deposits at the CDC: its identifiers and the schema generation."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="reglages_accrochage"
    )
    id_client = models.CharField(
        "identifiant client CDC du certificateur", max_length=8, help_text="8 caractères."
    )
    id_contrat = models.CharField("numéro de contrat CDC", max_length=20)
    id_client_deposant = models.CharField(
        "identifiant client du déposant",
        max_length=8,
        blank=True,
        help_text="Vide : le certificateur dépose lui-même. Sinon, le tiers de confiance.",
    )
    version_schema = models.CharField(
        "génération du schéma", max_length=8, choices=SchemaVersion.choices, default="1.1.2"
    )

    class Meta:
        verbose_name = "réglages de l'accrochage"

    def __str__(self) -> str:
        return f"Accrochage — {self.organisation}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        for name in ("id_client", "id_client_deposant"):
            value = getattr(self, name)
            if value and len(value) != 8:
                raise ValidationError({name: "L'identifiant client CDC compte 8 caractères."})


class PassageStatus(models.TextChoices):
    """Where a passage stands with the CDC; lifecycle.TRANSITIONS says how it moves."""

    A_DEPOSER = "a_deposer", "À déposer"
    DEPOSE = "depose", "Déposé, en attente de l'accusé"
    ACCEPTE = "accepte", "Accepté"
    REJETE = "rejete", "Rejeté"
    A_RETIRER = "a_retirer", "À retirer (document annulé)"
    RETRAIT_DEPOSE = "retrait_depose", "Retrait déposé, en attente de l'accusé"
    RETIRE = "retire", "Retiré (retrait accepté)"
    RETRAIT_REFUSE = "retrait_refuse", "Retrait refusé"
    SANS_OBJET = "sans_objet", "Sans objet (document annulé avant d'être à la CDC)"


class PassageAccrochage(models.Model):
    """A holder's passage to deposit at the CDC: one per parchemin of a registered certification,
    one per bloc of an attestation, with the idTechnique every deposit of it reuses."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(
        "delivrance.DocumentDelivre", on_delete=models.PROTECT, related_name="passages"
    )
    # An attestation is deposited bloc by bloc (code RNCPxxxxxBCyy): the holder's passport must
    # not show the whole certification for a partial validation.
    bloc = models.ForeignKey(
        "referentiels.Bloc", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    id_technique = models.CharField(max_length=64, unique=True)
    date_limite = models.DateField("date limite de dépôt")
    status = models.CharField(
        "statut", max_length=16, choices=PassageStatus.choices, default=PassageStatus.A_DEPOSER
    )
    message_cdc = models.TextField("message de la Caisse des Dépôts", blank=True)
    correction = models.BooleanField(
        "correction d'un passage accepté", default=False, help_text="Redéposé explicitement."
    )
    last_file = models.ForeignKey(
        "FichierAccrochage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date_limite", "pk"]
        indexes = [models.Index(fields=["organisation", "status", "date_limite"])]
        constraints = [
            models.UniqueConstraint(
                fields=["document"], condition=models.Q(bloc=None), name="one_passage_per_parchemin"
            ),
            models.UniqueConstraint(fields=["document", "bloc"], name="one_passage_per_bloc"),
        ]

    def __str__(self) -> str:
        return self.id_technique


class FichierAccrochage(models.Model):
    """One XML file of a deposit (a deposit is split so that no file exceeds the CDC's limits)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    id_flux = models.CharField(max_length=50, unique=True)
    action = models.CharField(max_length=12, default="CREATION")
    version_schema = models.CharField(max_length=8, choices=SchemaVersion.choices)
    fichier = models.FileField(upload_to=flux_path, max_length=300)
    passages = models.ManyToManyField(PassageAccrochage, related_name="fichiers")
    nombre = models.PositiveIntegerField("passages")
    taille = models.PositiveBigIntegerField("taille (octets)")
    rapport = models.JSONField("accusé de traitement", null=True, blank=True)
    # What the certifier should know of the file's passages (a temporary NIR left out…).
    avertissements = models.JSONField(default=list, blank=True)
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "fichier déposé à la Caisse des Dépôts"

    def __str__(self) -> str:
        return self.id_flux

    @property
    def download_name(self) -> str:
        """The name the file is downloaded under: the CDC's report of a file it rejected whole
        names the file by it (nomFichier), having read no idFlux."""
        return f"{self.id_flux}.xml"

    @property
    def is_withdrawal(self) -> bool:
        return self.action == "SUPPRESSION"


# --- The standalone tool's history: its deposits and passages, per certifier ------------------


def workbook_path(depot: "DepotAutonome", filename: str) -> str:
    return f"accrochage/{uuid.uuid4().hex}.xlsx"


class DepotAutonome(models.Model):
    """One use of the standalone tool: a spreadsheet of holders, the CDC files made from it
    (several beyond the CDC's limits), and what was left aside."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    source = models.CharField("fichier des titulaires", max_length=255)
    version_schema = models.CharField(
        "génération du schéma", max_length=8, choices=SchemaVersion.choices, default="1.1.2"
    )
    lignes = models.PositiveIntegerField("lignes lues", default=0)
    passages = models.PositiveIntegerField(default=0)
    fichiers = models.ManyToManyField(FluxAutonome, related_name="depots", blank=True)
    # The first 1,000 of each, as shown; the counts are complete.
    exclus = models.JSONField("titulaires déjà acceptés, laissés de côté", default=list)
    nombre_exclus = models.PositiveIntegerField(default=0)
    erreurs = models.JSONField("lignes en erreur, laissées de côté", default=list)
    nombre_erreurs = models.PositiveIntegerField(default=0)
    avertissements = models.JSONField(default=list)
    nombre_avertissements = models.PositiveIntegerField(default=0)
    lignes_en_erreur = models.FileField(upload_to=workbook_path, max_length=300, blank=True)
    avec_nir = models.BooleanField("le classeur contient des NIR", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "dépôt de l'outil autonome"

    def __str__(self) -> str:
        return f"{self.source} ({self.passages} passages, {self.created_at:%d/%m/%Y %H:%M})"

    @property
    def files_have_nir(self) -> bool:
        """The files name the holders by their NIR (schema 2026)."""
        return self.avec_nir and self.version_schema == SchemaVersion.V2026


class PassageAutonomeStatus(models.TextChoices):
    DEPOSE = "depose", "Déposé, en attente de l'accusé"
    ACCEPTE = "accepte", "Accepté"
    REJETE = "rejete", "Rejeté"


class PassageAutonome(models.Model):
    """A passage the standalone tool wrote for a certifier: the idTechnique every later deposit
    of the same holder reuses, and what the CDC last said of it."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    id_technique = models.CharField(max_length=255)
    # The holder's identity, certification and date of issue, hashed (autonome.rows).
    cle = models.CharField("identité", max_length=32)
    code = models.CharField("certification", max_length=12)
    date_delivrance = models.DateField("date de délivrance")
    titulaire = models.CharField(max_length=200)
    # What recognises the holder after a correction (autonome.history).
    identite = models.JSONField(default=dict)
    status = models.CharField(
        "statut",
        max_length=10,
        choices=PassageAutonomeStatus.choices,
        default=PassageAutonomeStatus.DEPOSE,
    )
    message_cdc = models.TextField("message de la Caisse des Dépôts", blank=True)
    flux = models.ForeignKey(
        FluxAutonome, on_delete=models.SET_NULL, null=True, related_name="+"
    )  # the last file that carried it
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "id_technique"], name="one_standalone_passage_per_id"
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "cle"]),
            models.Index(fields=["organisation", "status", "code", "date_delivrance"]),
        ]

    def __str__(self) -> str:
        return self.id_technique
