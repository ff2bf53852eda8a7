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

        post_migrate.connect(ensure_roles, sender=self)
        post_migrate.connect(start_worker_heartbeat, sender=self)


def ensure_roles(using: str = "default", **kwargs) -> None:
    """The roles are rows (core/0002_roles): a flush, as transactional tests do, empties the
    table and sends post_migrate, which puts them back; granting a role never finds it gone."""
    from django.db import connections

    from .models import Role, RoleGrant

    if RoleGrant._meta.db_table not in connections[using].introspection.table_names():
        return  # migrated backwards, below the roles' table
    RoleGrant.objects.using(using).bulk_create(
        [RoleGrant(code=code) for code in Role.values], ignore_conflicts=True
    )


def start_worker_heartbeat(**kwargs) -> None:
    """Each deployment migrates: the worker's heartbeat chain (core/health.py) starts there."""
    from .health import schedule_heartbeat

    schedule_heartbeat()
