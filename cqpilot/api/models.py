"""API tokens of the users, and the webhooks partner OFs subscribe to."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from cqpilot.core.models import Organisation, User


class JetonApi(models.Model):
    """A personal API token: it acts as its user, with exactly his permissions. Only its hash
    is stored; the token itself is shown once, when it is created."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="jetons_api")
    nom = models.CharField("nom", max_length=80, help_text="Par exemple : « ERP de l'organisme ».")
    prefixe = models.CharField(max_length=8)
    empreinte = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"

    def __str__(self) -> str:
        return f"jeton {self.pk} {self.prefixe}"  # the API's rate limit keys on it


class Evenement(models.TextChoices):
    DOSSIER_ETAT = "dossier.etat", "Changement d'état d'un dossier"
    DECISION = "decision.prise", "Décision de jury (PV signé)"
    DOCUMENT = "document.delivre", "Parchemin ou attestation délivré"


class Webhook(models.Model):
    """One partner OF's endpoint: the events it wants about its own candidates."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="webhook"
    )
    url = models.URLField("adresse de réception", max_length=500)
    secret = models.CharField(max_length=64)
    evenements = models.JSONField("événements", default=list)
    actif = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Webhook de {self.organisation}"


class LivraisonStatus(models.TextChoices):
    EN_ATTENTE = "en_attente", "En attente"
    LIVREE = "livree", "Livrée"
    ECHEC = "echec", "Abandonnée après plusieurs essais"


class Livraison(models.Model):
    """One event sent (or being sent) to a webhook: the delivery log the OF reads."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="livraisons")
    evenement = models.CharField(max_length=30, choices=Evenement.choices)
    payload = models.JSONField(encoder=DjangoJSONEncoder)  # dates written as ISO strings
    status = models.CharField(
        max_length=12, choices=LivraisonStatus.choices, default=LivraisonStatus.EN_ATTENTE
    )
    essais = models.PositiveSmallIntegerField(default=0)
    prochain_essai = models.DateTimeField(null=True, blank=True)
    dernier_code = models.PositiveSmallIntegerField("dernier code HTTP", null=True, blank=True)
    derniere_erreur = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    livree_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["webhook", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_evenement_display()} — {self.get_status_display()}"
