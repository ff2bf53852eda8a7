from django.apps import AppConfig


class AccrochageConfig(AppConfig):
    name = "cqpilot.accrochage"
    label = "accrochage"
    verbose_name = "Accrochage certificateur (Caisse des Dépôts)"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from cqpilot.delivrance.services import document_cancelled, document_issued

        from . import depots
        from .models import FluxAutonome

        auditlog.register(FluxAutonome, exclude_fields=["fichier"])
        # The passages to deposit are written with the issuance or cancellation of a document.
        document_issued.connect(depots.on_issued, dispatch_uid="accrochage-issued")
        document_cancelled.connect(depots.on_cancelled, dispatch_uid="accrochage-cancelled")
