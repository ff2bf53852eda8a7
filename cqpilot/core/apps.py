from django.apps import AppConfig


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
