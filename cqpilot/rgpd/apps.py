from django.apps import AppConfig


class RgpdConfig(AppConfig):
    name = "cqpilot.rgpd"
    label = "rgpd"
    verbose_name = "Données personnelles"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.RetentionPolicy)
        # A purge run's counts, never a name: the journal of what the daily purge did.
        auditlog.register(models.PurgeRun)
