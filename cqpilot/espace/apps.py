from django.apps import AppConfig


class EspaceConfig(AppConfig):
    name = "cqpilot.espace"
    verbose_name = "Espace candidat"
