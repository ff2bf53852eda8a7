from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "cqpilot.core"
    label = "core"
    verbose_name = "Socle"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Organisation, User

        auditlog.register(Organisation)
        auditlog.register(User, exclude_fields=["password", "last_login"], m2m_fields={"roles"})

        from .accounts import signals  # noqa: F401  (login: session clock, second factor)

        post_migrate.connect(start_worker_heartbeat, sender=self)


def start_worker_heartbeat(**kwargs) -> None:
    """Each deployment migrates: the worker's heartbeat chain (core/health.py) starts there."""
    from .health import schedule_heartbeat

    schedule_heartbeat()
