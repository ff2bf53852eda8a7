"""Jury paritaire: a certifier's jury sessions, their members (intervenants), their
deliberations per candidate and bloc, and the signed PV.

Composition and decision rules come from each branch agreement (docs/domaine.md §1.2), so they are
settings per certification (ReglesJury), never constants.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from cqpilot.core.models import CertifierRecordsQuerySet, Organisation, Role, User
from cqpilot.dossiers.models import JURY_IN_PROGRESS, Dossier
from cqpilot.intervenants.models import Civilite, College, Intervenant
from cqpilot.referentiels.models import Bloc, Certification


class Majorite(models.TextChoices):
    ABSOLUE_PRESENTS = "absolue_presents", "Majorité absolue des membres votants présents"
    SUFFRAGES_EXPRIMES = "suffrages_exprimes", "Majorité des suffrages exprimés"
    PAR_COLLEGE = "par_college", "Majorité des membres présents de chaque collège"


class SignaturesPV(models.TextChoices):
    PRESIDENT = "president", "Le président seul"
    PRESIDENT_SECRETAIRE = "president_secretaire", "Le président et le secrétaire de séance"
    MEMBRES_PRESENTS = "membres_presents", "Chaque membre présent ayant voix délibérative"


class ReglesJury(models.Model):
    """How the jury of one certification is composed and decides (branch agreement)."""

    certification = models.OneToOneField(
        Certification, on_delete=models.CASCADE, related_name="regles_jury"
    )
    parite = models.BooleanField(
        "parité entre collèges",
        default=True,
        help_text="Autant de membres votants présents dans le collège employeurs que dans le "
        "collège salariés.",
    )
    membres_min_par_college = models.PositiveSmallIntegerField(
        "membres présents minimum par collège", default=1
    )
    quorum = models.PositiveSmallIntegerField(
        "quorum (membres votants présents)",
        default=2,
        help_text="Un jury est collégial : jamais moins de deux membres.",
    )
    majorite = models.CharField(
        "règle de majorité", max_length=20, choices=Majorite.choices, default="absolue_presents"
    )
    voix_preponderante_president = models.BooleanField(
        "voix prépondérante du président en cas d'égalité", default=True
    )
    part_externes_min = models.PositiveSmallIntegerField(
        "part minimale de membres externes (%)",
        default=50,
        help_text="Membres extérieurs au certificateur et aux organismes de formation des "
        "candidats (préconisation de France compétences : 50 %).",
    )
    double_evaluation = models.BooleanField(
        "accord de deux évaluateurs",
        default=False,
        help_text="Chaque épreuve est évaluée par deux évaluateurs : deux avis favorables, "
        "acquis ; deux défavorables, non acquis ; un désaccord est tranché par le jury.",
    )
    validation_cpne = models.BooleanField(
        "validation CPNE après le jury",
        default=False,
        help_text="Le jury propose, la CPNE(FP) prononce la délivrance.",
    )
    signatures_pv = models.CharField(
        "signatures du PV",
        max_length=20,
        choices=SignaturesPV.choices,
        default=SignaturesPV.PRESIDENT,
        help_text="Chacun signe dans cqpilot avec son propre compte ; le PV est verrouillé à la "
        "dernière signature.",
    )

    class Meta:
        verbose_name = "règles du jury"
        verbose_name_plural = "règles des jurys"

    def __str__(self) -> str:
        return f"Règles du jury — {self.certification}"


class JuryStatus(models.TextChoices):
    PREPARATION = "preparation", "En préparation"
    DELIBERATION = "deliberation", "En délibération"
    CLOS = "clos", "Clos, PV à signer"
    SIGNE = "signe", "PV signé"


class JuryQuerySet(CertifierRecordsQuerySet):
    def visible_to(self, user: User) -> "JuryQuerySet":
        """The certifier's managers: all its juries. A jury member: the juries they sit on,
        from preparation until the PV is signed."""
        if user.is_superuser or user.is_certificateur_manager:
            return super().visible_to(user)
        if not (user.is_certificateur_staff and user.has_role(Role.MEMBRE_JURY)):
            return self.none()
        return self.filter(
            organisation=user.organisation,
            status__in=JURY_IN_PROGRESS,
            pk__in=JuryMembre.objects.filter(intervenant__user=user).values("jury"),
        )


class Jury(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="jurys")
    certification = models.ForeignKey(Certification, on_delete=models.PROTECT, related_name="jurys")
    date = models.DateField()
    lieu = models.CharField("lieu", max_length=250, help_text="Adresse, ou « à distance ».")
    status = models.CharField(
        "statut", max_length=15, choices=JuryStatus.choices, default=JuryStatus.PREPARATION
    )
    date_validation_cpne = models.DateField("date de validation CPNE", null=True, blank=True)
    rectification_en_cours = models.TextField(
        "motif de la rectification en cours",
        blank=True,
        help_text="Renseigné quand un PV signé est rouvert ; la prochaine clôture produit une "
        "nouvelle version du PV.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = JuryQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = "jury"

    def __str__(self) -> str:
        return f"Jury du {self.date:%d/%m/%Y} — {self.certification.intitule}"

    @property
    def is_locked(self) -> bool:
        return self.status == JuryStatus.SIGNE


class JuryTransition(models.Model):
    """One change of a jury's status (workflow.TRANSITIONS): the history nothing rewrites."""

    jury = models.ForeignKey(Jury, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=15, choices=JuryStatus.choices)
    to_status = models.CharField(max_length=15, choices=JuryStatus.choices)
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    motif = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class RoleJury(models.TextChoices):
    PRESIDENT = "president", "Président"
    VICE_PRESIDENT = "vice_president", "Vice-président"
    MEMBRE = "membre", "Membre"
    EXPERT = "expert", "Expert (sans voix délibérative)"


# Role names by civilité (madame, monsieur, not given).
ROLE_LABELS = {
    RoleJury.PRESIDENT: ("présidente", "président", "président(e)"),
    RoleJury.VICE_PRESIDENT: ("vice-présidente", "vice-président", "vice-président(e)"),
    RoleJury.MEMBRE: ("membre", "membre", "membre"),
    RoleJury.EXPERT: ("experte", "expert", "expert(e)"),
}


class JuryMembre(models.Model):
    jury = models.ForeignKey(Jury, on_delete=models.CASCADE, related_name="membres")
    intervenant = models.ForeignKey(Intervenant, on_delete=models.PROTECT, related_name="+")
    college = models.CharField("collège", max_length=12, choices=College.choices)
    role = models.CharField("rôle", max_length=15, choices=RoleJury.choices, default="membre")
    present = models.BooleanField("présent", default=True)
    secretaire = models.BooleanField(
        "secrétaire de séance",
        default=False,
        help_text="Tient la séance et signe le PV quand les règles de la certification le "
        "demandent ; un seul par jury, pas le président.",
    )

    class Meta:
        ordering = ["college", "intervenant__nom"]
        verbose_name = "membre du jury"
        constraints = [
            models.UniqueConstraint(fields=["jury", "intervenant"], name="unique_jury_membre"),
            models.UniqueConstraint(
                fields=["jury"], condition=Q(role="president"), name="one_president_per_jury"
            ),
            models.UniqueConstraint(
                fields=["jury"], condition=Q(secretaire=True), name="one_secretaire_per_jury"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.intervenant} ({self.get_role_display().lower()})"

    @property
    def role_label(self) -> str:
        """« présidente », « président » or « président(e) », from the person's civilité."""
        feminine, masculine, unknown = ROLE_LABELS[self.role]
        return {Civilite.MADAME: feminine, Civilite.MONSIEUR: masculine}.get(
            self.intervenant.civilite, unknown
        )

    @property
    def has_voix_deliberative(self) -> bool:
        # Not named `votes`: Vote's reverse accessor takes that name and would hide it.
        return self.role != RoleJury.EXPERT


class Decision(models.TextChoices):
    TOTALE = "totale", "Validation totale"
    PARTIELLE = "partielle", "Validation partielle"
    NON_VALIDE = "non_valide", "Non validé"


class Deliberation(models.Model):
    """The jury's decision for one candidate's dossier."""

    jury = models.ForeignKey(Jury, on_delete=models.CASCADE, related_name="deliberations")
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="deliberations")
    decision = models.CharField("décision", max_length=12, choices=Decision.choices, blank=True)
    preconisations = models.TextField("préconisations", blank=True)
    motivation = models.TextField(blank=True)
    # Optimistic locking: a save based on an older revision is refused (two users deliberating).
    revision = models.PositiveIntegerField(default=0)
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["dossier__candidat__nom_naissance", "dossier__candidat__prenom1", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["jury", "dossier"], name="unique_deliberation")
        ]

    def __str__(self) -> str:
        return f"{self.dossier.candidat} — {self.get_decision_display() or 'à délibérer'}"


class BlocResultat(models.TextChoices):
    VALIDE = "valide", "Validé"
    NON_VALIDE = "non_valide", "Non validé"


class DecisionBloc(models.Model):
    deliberation = models.ForeignKey(Deliberation, on_delete=models.CASCADE, related_name="blocs")
    bloc = models.ForeignKey(Bloc, on_delete=models.PROTECT, related_name="+")
    resultat = models.CharField("décision", max_length=12, choices=BlocResultat.choices)
    note_jury = models.DecimalField(
        "note retenue par le jury", max_digits=5, decimal_places=2, null=True, blank=True
    )
    justification = models.TextField(
        blank=True, help_text="Obligatoire quand le jury modifie une note (rattrapage)."
    )

    class Meta:
        ordering = ["bloc__ordre", "bloc__code"]
        constraints = [
            models.UniqueConstraint(fields=["deliberation", "bloc"], name="unique_decision_bloc")
        ]

    def __str__(self) -> str:
        return f"{self.bloc_id} : {self.get_resultat_display()}"


class Recusation(models.Model):
    """A member who may not vote for a candidate: a declared conflict of interest, or abstention."""

    deliberation = models.ForeignKey(
        Deliberation, on_delete=models.CASCADE, related_name="recusations"
    )
    membre = models.ForeignKey(JuryMembre, on_delete=models.CASCADE, related_name="recusations")
    motif = models.CharField(max_length=300)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["deliberation", "membre"], name="unique_recusation")
        ]

    def __str__(self) -> str:
        return f"Récusation : {self.motif}"


class VoteChoice(models.TextChoices):
    POUR = "pour", "Pour"
    CONTRE = "contre", "Contre"
    ABSTENTION = "abstention", "Abstention"


class Vote(models.Model):
    deliberation = models.ForeignKey(Deliberation, on_delete=models.CASCADE, related_name="votes")
    membre = models.ForeignKey(JuryMembre, on_delete=models.CASCADE, related_name="votes")
    choix = models.CharField(max_length=12, choices=VoteChoice.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["deliberation", "membre"], name="unique_vote")
        ]

    def __str__(self) -> str:
        return self.get_choix_display()


def pv_path(pv: "ProcesVerbal", filename: str) -> str:
    return f"jurys/{pv.jury_id}/pv-v{pv.numero}.pdf"


class ProcesVerbal(models.Model):
    """One version of the jury's PV: the first, then one per rectification."""

    jury = models.ForeignKey(Jury, on_delete=models.PROTECT, related_name="pvs")
    numero = models.PositiveSmallIntegerField("version")
    fichier = models.FileField(upload_to=pv_path, max_length=300)
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    rectification = models.TextField(
        "motif de la rectification", blank=True, help_text="Vide pour la première version."
    )
    generated_at = models.DateTimeField(auto_now_add=True)
    signed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["jury", "numero"]
        verbose_name = "procès-verbal"
        constraints = [models.UniqueConstraint(fields=["jury", "numero"], name="unique_pv")]

    def __str__(self) -> str:
        return f"PV v{self.numero} — {self.jury}"


class SignaturePV(models.Model):
    """One signer's signature of a PV version, given in cqpilot with his own account."""

    pv = models.ForeignKey(ProcesVerbal, on_delete=models.CASCADE, related_name="signatures")
    membre = models.ForeignKey(JuryMembre, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    qualite = models.CharField(
        "qualité", max_length=60, help_text="Telle qu'imprimée : « présidente du jury »…"
    )
    signed_at = models.DateTimeField("signé le")

    class Meta:
        ordering = ["signed_at", "pk"]
        verbose_name = "signature du PV"
        verbose_name_plural = "signatures des PV"
        constraints = [models.UniqueConstraint(fields=["pv", "membre"], name="unique_signature_pv")]

    def __str__(self) -> str:
        return f"{self.membre.intervenant}, {self.qualite}"


class RecoursStatus(models.TextChoices):
    DEPOSE = "depose", "Déposé, à instruire"
    DECIDE = "decide", "Décidé"


class RecoursIssue(models.TextChoices):
    NOUVELLE_DELIBERATION = "nouvelle_deliberation", "Nouvelle délibération du jury"
    MAINTENUE = "maintenue", "Décision du jury maintenue"
    IRRECEVABLE = "irrecevable", "Recours irrecevable"


class RecoursQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "RecoursQuerySet":
        """The managers of the certifier whose jury decided: a recours is about its PV."""
        if user.is_superuser:
            return self
        if not user.is_certificateur_manager:
            return self.none()
        return self.filter(deliberation__jury__organisation=user.organisation)


class Recours(models.Model):
    """A candidate's appeal against the decision of a signed PV (docs/domaine.md §1.6), filed
    from their espace within the certification's deadline, decided once by the certifier."""

    deliberation = models.ForeignKey(
        Deliberation, on_delete=models.PROTECT, related_name="recours", verbose_name="délibération"
    )
    # The signed version of the PV whose decision is contested: the deadline runs from its
    # signature, and a rectified PV (a new decision) may be contested again.
    pv = models.ForeignKey(
        ProcesVerbal, on_delete=models.PROTECT, related_name="recours", verbose_name="PV contesté"
    )
    motifs = models.TextField("motifs du recours")
    filed_at = models.DateTimeField("déposé le", auto_now_add=True)
    filed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name="déposé par"
    )
    status = models.CharField(
        "statut", max_length=10, choices=RecoursStatus.choices, default=RecoursStatus.DEPOSE
    )
    issue = models.CharField("issue", max_length=25, choices=RecoursIssue.choices, blank=True)
    motivation = models.TextField("motivation de l'issue", blank=True)
    decided_at = models.DateTimeField("décidé le", null=True, blank=True)
    decided_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="décidé par",
    )

    objects = RecoursQuerySet.as_manager()

    class Meta:
        ordering = ["-filed_at", "-pk"]
        verbose_name = "recours"
        verbose_name_plural = "recours"
        constraints = [
            models.UniqueConstraint(
                fields=["deliberation"],
                condition=Q(status="depose"),
                name="one_open_recours_per_deliberation",
            ),
            models.UniqueConstraint(fields=["deliberation", "pv"], name="one_recours_per_pv"),
        ]

    def __str__(self) -> str:
        return f"Recours du {self.filed_at:%d/%m/%Y} — {self.deliberation.dossier.candidat}"

    def save(self, *args, **kwargs) -> None:
        # A decided recours is a legal act: nothing rewrites it (the decision is its last save).
        if self.pk and Recours.objects.filter(pk=self.pk, status=RecoursStatus.DECIDE).exists():
            raise ValidationError("Un recours décidé ne se modifie plus.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if (
            self.is_decided
            or Recours.objects.filter(pk=self.pk, status=RecoursStatus.DECIDE).exists()
        ):
            raise ValidationError("Un recours décidé ne se supprime pas.")
        return super().delete(*args, **kwargs)

    @property
    def is_decided(self) -> bool:
        return self.status == RecoursStatus.DECIDE
