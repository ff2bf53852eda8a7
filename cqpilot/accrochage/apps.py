from django.apps import AppConfig


class AccrochageConfig(AppConfig):
    name = "cqpilot.accrochage"
    label = "accrochage"
    verbose_name = "Accrochage certificateur (Caisse des Dépôts)"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import FluxAutonome

        auditlog.register(FluxAutonome, exclude_fields=["fichier"])
