from django.apps import AppConfig


class PilotageConfig(AppConfig):
    name = "cqpilot.pilotage"
    label = "pilotage"
    verbose_name = "Pilotage"
