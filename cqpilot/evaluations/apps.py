from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "cqpilot.evaluations"
    label = "evaluations"
    verbose_name = "Évaluations par blocs"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.SessionEvaluation)
        auditlog.register(models.Epreuve)
        auditlog.register(models.Inscription)
        auditlog.register(models.Affectation)
        auditlog.register(models.Resultat)
        auditlog.register(models.ResultatCritere)
        # A request's description is health data: the journal says it was written, not what.
        auditlog.register(
            models.DemandeAmenagement,
            exclude_fields=["justificatif"],
            mask_fields=["description"],
            mask_callable="cqpilot.core.audit.mask_entirely",
        )
