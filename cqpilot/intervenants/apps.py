from django.apps import AppConfig


class IntervenantsConfig(AppConfig):
    name = "cqpilot.intervenants"
    label = "intervenants"
    verbose_name = "Intervenants (membres de jury, évaluateurs)"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.Intervenant, m2m_fields={"organismes", "candidats_suivis"})
