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
