from django.apps import AppConfig


class VaeConfig(AppConfig):
    name = "cqpilot.vae"
    label = "vae"
    verbose_name = "Validation des acquis de l'expérience"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        # The journal of each legal act: filing, completeness, missing pièces, decision.
        auditlog.register(models.DemandeRecevabilite, m2m_fields={"blocs"})
        auditlog.register(models.ExperienceVae)
        auditlog.register(models.ComplementDemande)
        auditlog.register(models.AnalyseEcart)
        auditlog.register(models.DossierValidationVae)
        auditlog.register(models.NotificationResultatVae)
        auditlog.register(models.CongeVae)
        auditlog.register(models.Referencement)
