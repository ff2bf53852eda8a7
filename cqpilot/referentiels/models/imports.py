"""The record of each import of a France Compétences export."""

from django.db import models

from cqpilot.core.models import Organisation, User


class ImportStatus(models.TextChoices):
    REUSSI = "reussi", "Réussi"
    PARTIEL = "partiel", "Réussi en partie (fiches en erreur ignorées)"
    ECHOUE = "echoue", "Échoué, rien n'a été enregistré"


class FicheAction(models.TextChoices):
    """What an import does with one fiche (rncp_rules.plan_fiches decides it)."""

    CREATION = "creation", "Création de la certification"
    MISE_A_JOUR = "mise_a_jour", "Mise à jour de la certification"
    MODELE = "modele", "Importée comme modèle"
    REFUS = "refus", "Refusée"


MAX_DETAILED_FICHES = 2000


class RncpImport(models.Model):
    """The record of one import of a France Compétences export: who, what, and the outcome."""

    fichier = models.CharField(max_length=300)
    fiche = models.CharField("fiche demandée", max_length=12, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    comme_modele = models.BooleanField("fiches refusées importées comme modèles", default=False)
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

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "import RNCP / RS"
        verbose_name_plural = "imports RNCP / RS"

    def __str__(self) -> str:
        return f"Import {self.fichier} du {self.created_at:%d/%m/%Y %H:%M}"

    @property
    def committed(self) -> bool:
        return self.status != ImportStatus.ECHOUE

    @property
    def refusals(self) -> list[str]:
        return [line["raison"] for line in self.detail if line["action"] == FicheAction.REFUS]

    @property
    def detail_lines(self) -> list[dict]:
        return [{**line, "label": FicheAction(line["action"]).label} for line in self.detail]
