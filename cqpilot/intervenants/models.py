"""The people a certifier calls on as jury members or évaluateurs, with their declared interests.

Below both `evaluations` (évaluateurs) and `jurys` (members): it imports neither.
"""

from django.db import models

from cqpilot.core.models import CertifierRecordsQuerySet, Organisation, User
from cqpilot.dossiers.models import Candidat
from cqpilot.referentiels.models import Certification


class College(models.TextChoices):
    EMPLOYEURS = "employeurs", "Collège employeurs"
    SALARIES = "salaries", "Collège salariés"
    AUCUN = "aucun", "Hors collège (expert, personne qualifiée)"


class Civilite(models.TextChoices):
    MADAME = "madame", "Madame"
    MONSIEUR = "monsieur", "Monsieur"


class Intervenant(models.Model):
    """A person the certifier calls on as jury member or évaluateur, with declared interests."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="intervenants"
    )
    # Blank for the people recorded before it was asked: the PV then writes « président(e) ».
    civilite = models.CharField("civilité", max_length=8, choices=Civilite.choices, blank=True)
    nom = models.CharField(max_length=60)
    prenom = models.CharField("prénom", max_length=60)
    email = models.EmailField("courriel", blank=True)
    college = models.CharField("collège", max_length=12, choices=College.choices)
    user = models.OneToOneField(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="intervenant",
        verbose_name="compte cqpilot",
        help_text="Nécessaire pour signer un PV en tant que président ou saisir des résultats.",
    )
    # Declared interests (docs/domaine.md §1.1): what makes him recused for a candidate.
    interne_certificateur = models.BooleanField(
        "salarié ou mandataire du certificateur", default=False
    )
    employeur_nom = models.CharField("employeur", max_length=250, blank=True)
    employeur_siret = models.CharField("SIRET de l'employeur", max_length=14, blank=True)
    organismes = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "organisme_formation"},
        verbose_name="organismes de formation pour lesquels il intervient",
    )
    # What a VAE jury asks of its members (D6412-6, vae/jury.py).
    qualifie_pour = models.ManyToManyField(
        Certification,
        blank=True,
        related_name="+",
        verbose_name="personne qualifiée pour les certifications",
        help_text="Pour la composition d'un jury VAE : au moins une personne qualifiée.",
    )
    professionnel = models.BooleanField(
        "professionnel du métier",
        default=False,
        help_text="Exerce ou a exercé le métier de la certification (jury VAE).",
    )
    candidats_suivis = models.ManyToManyField(
        Candidat,
        blank=True,
        related_name="+",
        verbose_name="candidats formés, tutorés ou accompagnés (VAE)",
    )

    objects = CertifierRecordsQuerySet.as_manager()

    class Meta:
        ordering = ["nom", "prenom"]
        verbose_name = "intervenant"

    def __str__(self) -> str:
        return f"{self.prenom} {self.nom}"
