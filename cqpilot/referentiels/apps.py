from django.apps import AppConfig


class ReferentielsConfig(AppConfig):
    name = "cqpilot.referentiels"
    label = "referentiels"
    verbose_name = "Référentiels"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.Certification, m2m_fields={"certificateurs"})
        for model in (
            models.CertificationCode,
            models.ListeProA,
            models.ReferentielVersion,
            models.Activite,
            models.Competence,
            models.CritereEvaluation,
            models.Modalite,
            models.CorrespondanceBloc,
        ):
            auditlog.register(model)
        auditlog.register(models.Bloc, m2m_fields={"competences"})
