from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "cqpilot.dossiers"
    label = "dossiers"
    verbose_name = "Candidats et dossiers"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import access, models  # noqa: F401 - access connects its signal receivers

        auditlog.register(models.Habilitation)
        # The NIR is audited as "changed", never with any character of its value.
        auditlog.register(
            models.Candidat,
            mask_fields=["nir"],
            mask_callable="cqpilot.core.audit.mask_entirely",
        )
        auditlog.register(models.Dossier, m2m_fields={"blocs_vises"})
        auditlog.register(models.Financement)
        auditlog.register(models.Document, exclude_fields=["fichier"])
        auditlog.register(models.PieceExigee)
        auditlog.register(models.BlocAcquis)
