"""The follow-up survey of holders, at 6 months and 2 years, that feeds the RNCP renewal."""

from django.db import models

from cqpilot.core.models import Organisation
from cqpilot.delivrance.models import DocumentDelivre


class Echeance(models.TextChoices):
    SIX_MOIS = "6_mois", "à 6 mois"
    DEUX_ANS = "2_ans", "à 2 ans"


MONTHS_AFTER_CERTIFICATION = {Echeance.SIX_MOIS: 6, Echeance.DEUX_ANS: 24}


class SituationPro(models.TextChoices):
    METIER_VISE = "metier_vise", "En emploi dans le métier visé par la certification"
    AUTRE_METIER = "autre_metier", "En emploi dans un autre métier"
    FORMATION = "formation", "En formation ou en poursuite d'études"
    RECHERCHE = "recherche", "En recherche d'emploi"
    AUTRE = "autre", "Autre situation"


IN_EMPLOYMENT = (SituationPro.METIER_VISE, SituationPro.AUTRE_METIER)


class TypeContrat(models.TextChoices):
    CDI = "cdi", "CDI"
    CDD = "cdd", "CDD"
    INTERIM = "interim", "Intérim"
    ALTERNANCE = "alternance", "Alternance (apprentissage, professionnalisation)"
    INDEPENDANT = "independant", "Indépendant, création d'entreprise"
    AUTRE = "autre", "Autre"


class EnqueteInsertion(models.Model):
    """One holder asked once at one échéance: the e-mail, its reminders and the answer."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    document = models.ForeignKey(DocumentDelivre, on_delete=models.PROTECT, related_name="enquetes")
    echeance = models.CharField("échéance", max_length=6, choices=Echeance.choices)
    date_prevue = models.DateField("date d'envoi prévue")
    email = models.EmailField("courriel utilisé", blank=True)
    envoyee_le = models.DateField("envoyée le", null=True, blank=True)
    relances = models.PositiveSmallIntegerField(default=0)
    derniere_relance_le = models.DateField("dernière relance", null=True, blank=True)
    # A first e-mail or a reminder waits for the mail worker: the next run does not queue it
    # again, and the dates above are written once it has left (enquetes.record_sent).
    envoi_en_attente = models.BooleanField("courriel en attente d'envoi", default=False)
    # The run's day it was queued: a flag left by a lost outcome is queued again after a while.
    envoi_en_attente_depuis = models.DateField("en attente depuis", null=True, blank=True)
    repondue_le = models.DateTimeField("répondue le", null=True, blank=True)
    situation = models.CharField(
        "situation professionnelle", max_length=12, choices=SituationPro.choices, blank=True
    )
    type_contrat = models.CharField(
        "type de contrat", max_length=12, choices=TypeContrat.choices, blank=True
    )
    commentaire = models.TextField(blank=True)

    class Meta:
        ordering = ["date_prevue", "pk"]
        verbose_name = "enquête d'insertion"
        constraints = [
            models.UniqueConstraint(fields=["document", "echeance"], name="one_survey_per_echeance")
        ]

    def __str__(self) -> str:
        return f"Enquête {self.get_echeance_display()} — {self.document.numero}"
