from django.apps import AppConfig


class DelivranceConfig(AppConfig):
    name = "cqpilot.delivrance"
    label = "delivrance"
    verbose_name = "Délivrance"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.ModeleParchemin)
        auditlog.register(
            models.DocumentDelivre, exclude_fields=["pdf", "credential"], m2m_fields={"blocs"}
        )
        auditlog.register(models.CleSignature, exclude_fields=["private_pem"])

        from django_tasks.signals import task_finished

        from .tasks import report_interrupted_lot

        task_finished.connect(report_interrupted_lot, dispatch_uid="delivrance-lot-interrupted")
