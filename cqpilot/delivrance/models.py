"""Délivrance: the register of documents issued (parchemins, attestations de blocs), their
gap-free numbers, the certifier's parchemin layout and its signing key."""

from django.db import models

from cqpilot.core.encryption import EncryptedCharField
from cqpilot.core.models import CertifierRecordsQuerySet, Organisation, User
from cqpilot.dossiers.models import Dossier
from cqpilot.jurys.models import Deliberation, Jury
from cqpilot.referentiels.models import Bloc, Certification, ReferentielVersion


class Compteur(models.Model):
    """The last number issued by a certifier in a year: locked while a number is taken, so that
    numbers stay unique and without gaps under concurrent issuance."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    annee = models.PositiveSmallIntegerField()
    dernier = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "annee"], name="unique_compteur")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.annee} : {self.dernier}"


class ModeleParchemin(models.Model):
    """What a certifier may customise on its documents; the mandatory mentions are not part of
    it: cqpilot prints them itself."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="modele_parchemin"
    )
    prefixe = models.CharField(
        "préfixe des numéros", max_length=10, default="CQP", help_text="CQP-2026-000123."
    )
    signataire_nom = models.CharField("nom du signataire habilité", max_length=120, blank=True)
    signataire_qualite = models.CharField("qualité du signataire", max_length=120, blank=True)
    lieu_delivrance = models.CharField("lieu de délivrance", max_length=120, blank=True)
    logo = models.ImageField(upload_to="delivrance/logos/", blank=True)
    signature = models.ImageField(
        "image de la signature", upload_to="delivrance/signatures/", blank=True
    )
    texte = models.TextField(
        "texte libre", blank=True, help_text="Imprimé sous l'intitulé (par exemple une devise)."
    )
    css = models.TextField(
        "mise en page (CSS)",
        blank=True,
        help_text="Couleurs, polices, marges. Les mentions obligatoires restent imprimées.",
    )

    class Meta:
        verbose_name = "modèle de parchemin"

    def __str__(self) -> str:
        return f"Modèle de parchemin — {self.organisation}"


class DocumentKind(models.TextChoices):
    PARCHEMIN = "parchemin", "Parchemin"
    ATTESTATION = "attestation", "Attestation de blocs de compétences"


class DocumentStatus(models.TextChoices):
    VALIDE = "valide", "Valide"
    ANNULE = "annule", "Annulé"


class DocumentDelivre(models.Model):
    """One line of the registre des certifications délivrées."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    numero = models.CharField("numéro", max_length=30)
    kind = models.CharField("document", max_length=12, choices=DocumentKind.choices)
    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="documents_delivres"
    )
    deliberation = models.ForeignKey(
        Deliberation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    certification = models.ForeignKey(Certification, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(ReferentielVersion, on_delete=models.PROTECT, related_name="+")
    blocs = models.ManyToManyField(Bloc, related_name="+", verbose_name="blocs attestés")
    date_decision = models.DateField("date de la décision (jury ou CPNE)")
    date_delivrance = models.DateField("date de délivrance")
    lieu_delivrance = models.CharField("lieu de délivrance", max_length=120)
    avertissement = models.TextField(
        "avertissement à la délivrance",
        blank=True,
        help_text="Ce que le document n'imprime pas, et pourquoi (enregistrement au RNCP échu "
        "ou pas encore en vigueur à la date de la décision).",
    )
    code = models.CharField("code de vérification", max_length=12, unique=True)
    status = models.CharField(
        "statut", max_length=8, choices=DocumentStatus.choices, default=DocumentStatus.VALIDE
    )
    motif_annulation = models.TextField("motif de l'annulation", blank=True)
    annule_at = models.DateTimeField(null=True, blank=True)
    annule_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    pdf = models.FileField(upload_to="delivrance/documents/", max_length=300)
    sha256 = models.CharField("empreinte SHA-256 du PDF", max_length=64)
    credential = models.TextField("badge numérique (Open Badges 3.0, JWT)")
    status_index = models.PositiveIntegerField("position dans la liste de révocation")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CertifierRecordsQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "document délivré"
        verbose_name_plural = "registre des documents délivrés"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "numero"], name="unique_numero"),
            models.UniqueConstraint(
                fields=["organisation", "status_index"], name="unique_status_index"
            ),
            models.UniqueConstraint(
                fields=["dossier", "kind"],
                condition=models.Q(status="valide"),
                name="one_valid_document_per_dossier",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.numero} — {self.get_kind_display()}"


class CleSignature(models.Model):
    """The certifier's Ed25519 key for its credentials; the public half is in the JWKS."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="cle_signature"
    )
    kid = models.CharField(max_length=64, unique=True)
    private_pem = EncryptedCharField(max_length=1000)
    public_x = models.CharField("clé publique (x, base64url)", max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "clé de signature"

    def __str__(self) -> str:
        return self.kid


class LotStatus(models.TextChoices):
    EN_ATTENTE = "en_attente", "En attente"
    EN_COURS = "en_cours", "En cours"
    TERMINE = "termine", "Terminé"
    ECHEC = "echec", "Échec"


class LotDelivrance(models.Model):
    """A batch issuance after a jury, run in the background (django-tasks)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    jury = models.ForeignKey(Jury, on_delete=models.CASCADE, related_name="lots_delivrance")
    envoyer_courriels = models.BooleanField(
        "envoyer son document à chaque titulaire", default=False
    )
    status = models.CharField(max_length=12, choices=LotStatus.choices, default="en_attente")
    total = models.PositiveIntegerField(default=0)
    documents = models.ManyToManyField(DocumentDelivre, related_name="+")
    refusals = models.JSONField("refus", default=list)
    # The holders' e-mails leave from the mail worker after the lot: queued, then sent or
    # refused by the mail server (the documents' numbers), each counted when it happens.
    courriels_prevus = models.PositiveIntegerField(default=0)
    courriels_envoyes = models.PositiveIntegerField(default=0)
    courriels_en_echec = models.JSONField(
        "documents dont le courriel n'est pas parti", default=list
    )
    erreur = models.TextField(blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "lot de délivrance"

    def __str__(self) -> str:
        return f"Lot du {self.created_at:%d/%m/%Y %H:%M} — {self.jury}"

    @property
    def courriels_en_attente(self) -> int:
        return self.courriels_prevus - self.courriels_envoyes - len(self.courriels_en_echec)
