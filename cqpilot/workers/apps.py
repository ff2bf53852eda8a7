from django.apps import AppConfig


class WorkersConfig(AppConfig):
    """Several `cqpilot db_worker` processes on one queue (settings: listed before django_tasks
    so that its `db_worker` command is this one)."""

    name = "cqpilot.workers"
    label = "workers"
    verbose_name = "Workers des tâches de fond"
