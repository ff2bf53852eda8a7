"""The record of each import of a France Compétences export."""

import uuid
from pathlib import Path

from django.db import models

from cqpilot.core.models import Organisation, User, of_own_organisation


class ImportStatus(models.TextChoices):
    APERCU = "apercu", "Vérifié, en attente de confirmation : rien n'est encore enregistré"
    REUSSI = "reussi", "Réussi"
    PARTIEL = "partiel", "Réussi en partie (fiches en erreur ou refusées ignorées)"
    ECHOUE = "echoue", "Échoué, rien n'a été enregistré"
    ANNULE = "annule", "Annulé, rien n'a été enregistré"


class FicheAction(models.TextChoices):
    """What an import does with one fiche (rncp_rules.plan_fiches decides it)."""

    CREATION = "creation", "Création de la certification"
    MISE_A_JOUR = "mise_a_jour", "Mise à jour de la certification"
    MODELE = "modele", "Importée comme modèle"
    REFUS = "refus", "Refusée"


MAX_DETAILED_FICHES = 2000


def uploaded_export_path(report: "RncpImport", filename: str) -> str:
    # Random file names: the original name stays in `fichier`, never in a guessable path.
    return f"referentiels/imports/{uuid.uuid4().hex}{Path(filename).suffix.lower()[:5]}"


class RncpImportQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "RncpImportQuerySet":
        """The imports of the user's organisation, for its managers (all for a
        super-administrateur): a preview holds the uploaded file until it is confirmed."""
        if not user.is_certificateur_manager:
            return self.none()
        return of_own_organisation(self, user)


class RncpImport(models.Model):
    """The record of one import of a France Compétences export: who, what, and the outcome.

    From the import page, the record is first a preview (APERCU) holding the uploaded file and the
    options; confirming it runs the import from that file, and the file is deleted.
    """

    fichier = models.CharField(max_length=300)
    fichier_depose = models.FileField(upload_to=uploaded_export_path, max_length=300, blank=True)
    fiche = models.CharField("fiche demandée", max_length=12, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    comme_modele = models.BooleanField("fiches refusées importées comme modèles", default=False)
    importer_valides = models.BooleanField(
        "fiches valides importées même si d'autres sont en erreur", default=False
    )
    status = models.CharField("résultat", max_length=10, choices=ImportStatus.choices)
    fiches_lues = models.PositiveIntegerField(default=0)
    fiches_importees = models.PositiveIntegerField(default=0)
    fiches_refusees = models.PositiveIntegerField(default=0)
    certifications_creees = models.PositiveIntegerField(default=0)
    blocs_importes = models.PositiveIntegerField(default=0)
    errors = models.JSONField("erreurs", default=list)
    warnings = models.JSONField("avertissements", default=list)
    # One {"ligne", "numero", "intitule", "action", "raison"} per fiche, the first
    # MAX_DETAILED_FICHES of the file.
    detail = models.JSONField("fiche par fiche", default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RncpImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "import RNCP / RS"
        verbose_name_plural = "imports RNCP / RS"

    def __str__(self) -> str:
        return f"Import {self.fichier} du {self.created_at:%d/%m/%Y %H:%M}"

    @property
    def committed(self) -> bool:
        return self.status in (ImportStatus.REUSSI, ImportStatus.PARTIEL)

    @property
    def is_preview(self) -> bool:
        return self.status == ImportStatus.APERCU

    @property
    def certifications_mises_a_jour(self) -> int:
        return self.fiches_importees - self.certifications_creees

    @property
    def refusals(self) -> list[str]:
        return [line["raison"] for line in self.detail if line["action"] == FicheAction.REFUS]

    @property
    def detail_lines(self) -> list[dict]:
        return [{**line, "label": FicheAction(line["action"]).label} for line in self.detail]
