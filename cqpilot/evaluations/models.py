"""Evaluation sessions: épreuves taken from the référentiel's modalités, candidates enrolled,
évaluateurs assigned, results entered per critère or as a score."""

import uuid
from pathlib import Path

from django.db import models

from cqpilot.core.models import CertifierRecordsQuerySet, Organisation, User
from cqpilot.dossiers.models import Dossier, DossierState
from cqpilot.intervenants.models import Intervenant
from cqpilot.referentiels.models import (
    Certification,
    CritereEvaluation,
    Modalite,
    ReferentielVersion,
)


class Deroulement(models.TextChoices):
    PRESENTIEL = "presentiel", "Présentiel"
    DISTANCE = "distance", "À distance"
    MIXTE = "mixte", "Mixte"


class DeletedForAReason:
    """auditlog asks each row it journals for its get_additional_data(): the reason a service
    gives for deleting the row goes with the deletion's entry."""

    motif_suppression = ""  # not a column

    def get_additional_data(self) -> dict | None:
        return {"motif": self.motif_suppression} if self.motif_suppression else None


class SessionEvaluation(DeletedForAReason, models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="sessions_evaluation"
    )
    certification = models.ForeignKey(
        Certification, on_delete=models.PROTECT, related_name="sessions_evaluation"
    )
    version = models.ForeignKey(
        ReferentielVersion, on_delete=models.PROTECT, related_name="+", verbose_name="référentiel"
    )
    date_debut = models.DateField("date")
    date_fin = models.DateField("dernier jour", null=True, blank=True)
    heure = models.TimeField(
        "heure de convocation", null=True, blank=True, help_text="Par exemple 08:30."
    )
    deroulement = models.CharField(
        "déroulement", max_length=12, choices=Deroulement.choices, default="presentiel"
    )
    lieu = models.CharField("centre d'évaluation", max_length=250, blank=True)
    code_postal = models.CharField("code postal du centre", max_length=5, blank=True)
    organisateur = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "organisme_formation"},
        help_text="Vide : le certificateur organise la session.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CertifierRecordsQuerySet.as_manager()

    class Meta:
        ordering = ["-date_debut", "-pk"]
        verbose_name = "session d'évaluation"
        verbose_name_plural = "sessions d'évaluation"

    def __str__(self) -> str:
        return f"Session du {self.date_debut:%d/%m/%Y} — {self.certification.intitule}"


class EpreuveQuerySet(models.QuerySet):
    def assigned_to(self, user: User) -> "EpreuveQuerySet":
        """The épreuves `user` grades: those their Intervenant record is assigned to. Nobody
        else's, and none for a user without such a record (an unassigned épreuve is not
        everybody's)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            pk__in=Affectation.objects.filter(
                evaluateur__user=user, evaluateur__user__isnull=False
            ).values("epreuve")
        )


class Epreuve(models.Model):
    session = models.ForeignKey(
        SessionEvaluation, on_delete=models.CASCADE, related_name="epreuves"
    )
    modalite = models.ForeignKey(Modalite, on_delete=models.PROTECT, related_name="+")

    objects = EpreuveQuerySet.as_manager()

    class Meta:
        ordering = ["modalite__bloc__ordre", "modalite__ordre", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "modalite"], name="unique_epreuve")
        ]

    def __str__(self) -> str:
        return f"{self.modalite.bloc.code} — {self.modalite.intitule}"


class Inscription(DeletedForAReason, models.Model):
    session = models.ForeignKey(
        SessionEvaluation, on_delete=models.CASCADE, related_name="inscriptions"
    )
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="inscriptions")
    convoque_at = models.DateTimeField("convoqué le", null=True, blank=True)
    from_state = models.CharField(
        "état du dossier avant l'inscription",
        max_length=30,
        choices=DossierState.choices,
        blank=True,
        help_text="Vide quand l'inscription n'a pas fait passer le dossier « en évaluation ».",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "dossier"], name="unique_inscription")
        ]

    def __str__(self) -> str:
        return str(self.dossier.candidat)


class Affectation(models.Model):
    epreuve = models.ForeignKey(Epreuve, on_delete=models.CASCADE, related_name="affectations")
    evaluateur = models.ForeignKey(
        Intervenant, on_delete=models.PROTECT, related_name="affectations"
    )
    convoque_at = models.DateTimeField("convoqué le", null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["epreuve", "evaluateur"], name="unique_affectation")
        ]

    def __str__(self) -> str:
        return f"{self.evaluateur} — {self.epreuve}"


class Resultat(models.Model):
    """One évaluateur's result for one candidate at one épreuve."""

    epreuve = models.ForeignKey(Epreuve, on_delete=models.CASCADE, related_name="resultats")
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="resultats")
    evaluateur = models.ForeignKey(Intervenant, on_delete=models.PROTECT, related_name="+")
    note = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    acquis = models.BooleanField(help_text="Tous les critères acquis, ou note au moins au seuil.")
    commentaire = models.TextField(blank=True)
    saisi_par = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    saisi_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["epreuve", "dossier", "evaluateur"], name="unique_resultat"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} — {'acquis' if self.acquis else 'non acquis'}"


class ResultatCritere(models.Model):
    resultat = models.ForeignKey(Resultat, on_delete=models.CASCADE, related_name="criteres")
    critere = models.ForeignKey(CritereEvaluation, on_delete=models.PROTECT, related_name="+")
    acquis = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resultat", "critere"], name="unique_resultat_critere")
        ]

    def __str__(self) -> str:
        return f"{self.critere_id} : {'acquis' if self.acquis else 'non acquis'}"


# --- Aménagements d'épreuves (amenagements.py holds the rules) -------------------------------


class TypeAmenagement(models.TextChoices):
    TEMPS_MAJORE = "temps_majore", "Temps majoré"
    TIERS_TEMPS = "tiers_temps", "Tiers-temps"
    ASSISTANCE_HUMAINE = "assistance_humaine", "Assistance humaine (secrétaire, lecteur)"
    MATERIEL_ADAPTE = "materiel_adapte", "Matériel adapté"
    ACCESSIBILITE_LOCAUX = "accessibilite_locaux", "Accessibilité des locaux"
    AUTRE = "autre", "Autre"


class StatutAmenagement(models.TextChoices):
    A_DECIDER = "a_decider", "À décider"
    ACCORDE = "accorde", "Accordé"
    ACCORDE_PARTIELLEMENT = "accorde_partiellement", "Accordé partiellement"
    REFUSE = "refuse", "Refusé"


GRANTED = (StatutAmenagement.ACCORDE, StatutAmenagement.ACCORDE_PARTIELLEMENT)


def justificatif_path(demande: "DemandeAmenagement", filename: str) -> str:
    # Random names, apart from the dossier's pièces: a medical document never sits in a
    # folder the dossier's other documents are listed from.
    return f"amenagements/{demande.dossier_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class DemandeAmenagementQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "DemandeAmenagementQuerySet":
        """The requests with their justificatif: the candidate's own, and those of the
        certifications the certifier's managers manage. Never the OF's, the évaluateurs' nor
        the jury members': they read the granted measures only (amenagements.py)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.organisation_id is None:
            return self.filter(dossier__candidat__compte=user)
        if not user.is_certificateur_manager or not user.organisation.is_certificateur:
            return self.none()
        return self.filter(dossier__certification__certificateurs=user.organisation)

    def granted(self) -> "DemandeAmenagementQuerySet":
        return self.filter(statut__in=GRANTED)


class DemandeAmenagement(models.Model):
    """A candidate's request for adapted épreuves (disability), and the certifier's decision:
    immutable once taken; a new request may follow."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="demandes_amenagement"
    )
    types = models.JSONField("aménagements demandés", default=list)
    description = models.TextField("description du besoin")
    justificatif = models.FileField(upload_to=justificatif_path, max_length=300)
    justificatif_nom = models.CharField("nom du justificatif", max_length=255)
    demande_par = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    demande_at = models.DateTimeField("demandé le", auto_now_add=True)
    statut = models.CharField(
        max_length=24, choices=StatutAmenagement.choices, default=StatutAmenagement.A_DECIDER
    )
    types_accordes = models.JSONField("aménagements accordés", default=list, blank=True)
    precisions = models.CharField(
        "précisions pour l'organisateur et les évaluateurs",
        max_length=300,
        blank=True,
        help_text="Par exemple : temps majoré d'un tiers, salle au rez-de-chaussée.",
    )
    motivation = models.TextField(blank=True)
    decide_par = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decide_at = models.DateTimeField("décidé le", null=True, blank=True)

    objects = DemandeAmenagementQuerySet.as_manager()

    class Meta:
        ordering = ["-demande_at", "-pk"]
        verbose_name = "demande d'aménagement"
        verbose_name_plural = "demandes d'aménagement"

    def __str__(self) -> str:
        return f"Demande d'aménagement n° {self.pk} — {self.get_statut_display()}"

    @property
    def is_decided(self) -> bool:
        return self.statut != StatutAmenagement.A_DECIDER

    @property
    def is_granted(self) -> bool:
        return self.statut in GRANTED

    @property
    def types_display(self) -> str:
        return _labels(self.types)

    @property
    def accordes_display(self) -> str:
        """What the organiser and the évaluateurs read: « tiers-temps (temps majoré d'un
        tiers) »; no word of the request's description nor of its justificatif."""
        text = _labels(self.types_accordes)
        return f"{text} ({self.precisions})" if self.precisions else text


def _labels(values: list[str]) -> str:
    labels = dict(TypeAmenagement.choices)
    text = ", ".join(labels.get(v, v).lower() for v in values)
    return text[:1].upper() + text[1:]
