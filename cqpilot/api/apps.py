from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cqpilot.api"
    label = "api"
    verbose_name = "API et webhooks"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import events  # noqa: F401  (connects the webhook events)
        from .models import JetonApi, Webhook

        auditlog.register(JetonApi, exclude_fields=["empreinte", "last_used_at"])
        auditlog.register(Webhook, exclude_fields=["secret"])
