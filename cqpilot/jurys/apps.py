from django.apps import AppConfig


class JurysConfig(AppConfig):
    name = "cqpilot.jurys"
    label = "jurys"
    verbose_name = "Jurys paritaires"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.ReglesJury)
        auditlog.register(models.Jury)
        auditlog.register(models.JuryMembre)
        auditlog.register(models.Deliberation)
        auditlog.register(models.DecisionBloc)
        auditlog.register(models.Recusation)
        auditlog.register(models.Vote)
        auditlog.register(models.ProcesVerbal, exclude_fields=["fichier"])
        auditlog.register(models.SignaturePV)
        auditlog.register(models.Recours)
