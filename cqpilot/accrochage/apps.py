from django.apps import AppConfig


class AccrochageConfig(AppConfig):
    name = "cqpilot.accrochage"
    label = "accrochage"
    verbose_name = "Accrochage certificateur (Caisse des Dépôts)"
