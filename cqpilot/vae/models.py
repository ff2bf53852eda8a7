"""VAE: the demande de recevabilité and what the certifier decides on it (docs/vae.md).

One demande per VAE dossier: what the candidate declares (perimeter, experiences, training,
certifications held, the accompanist's opinion), the requests for missing pièces, the date it was
complete (from which the decision period runs, its last day stored then), and the decision with
its gap analysis against the référentiel. A decided demande never changes (services refuse it).
"""

from datetime import date

from django.db import models
from django.db.models import Q

from cqpilot.core.models import Organisation, User
from cqpilot.core.permissions import is_accompagnateur_vae
from cqpilot.dossiers.models import Dossier
from cqpilot.referentiels.models import Bloc, Certification, Competence


class StatutDemande(models.TextChoices):
    A_INSTRUIRE = "a_instruire", "À instruire"
    INCOMPLETE = "incomplete", "Incomplète : pièces demandées"
    COMPLETE = "complete", "Complète : décision attendue"
    RECEVABLE = "recevable", "Recevable"
    RECEVABLE_TACITE = "recevable_tacite", "Recevable (acceptation tacite)"
    NON_RECEVABLE = "non_recevable", "Non recevable"


OUVERTS = (StatutDemande.A_INSTRUIRE, StatutDemande.INCOMPLETE, StatutDemande.COMPLETE)
DECIDES = (
    StatutDemande.RECEVABLE,
    StatutDemande.RECEVABLE_TACITE,
    StatutDemande.NON_RECEVABLE,
)


class DemandeQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "DemandeQuerySet":
        """The certifier instructing the demande: its gestionnaires and administrateurs; the
        candidate: their own; the VAE accompanist (AAP) of the dossier: those of the dossiers it
        accompanies (Dossier.visible_to). Nobody else (an OF, an évaluateur, a jury member)."""
        if user.is_superuser:
            return self
        if user.organisation is None:
            return self.filter(dossier__candidat__compte=user)
        if user.is_certificateur_manager:
            return self.filter(organisation=user.organisation)
        if is_accompagnateur_vae(user):
            return self.filter(
                dossier__in=Dossier.objects.visible_to(user).filter(
                    accompagnateur=user.organisation
                )
            )
        return self.none()


class DemandeRecevabilite(models.Model):
    dossier = models.OneToOneField(
        Dossier, on_delete=models.PROTECT, related_name="demande_recevabilite"
    )
    # The certifier that instructs and decides it: the limits per year count its demandes only.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name="certificateur"
    )
    blocs = models.ManyToManyField(
        Bloc,
        blank=True,
        related_name="+",
        verbose_name="blocs de compétences visés",
        help_text="Aucun : toute la certification.",
    )
    formations = models.TextField("formations suivies", blank=True)
    certifications_detenues = models.TextField("diplômes et certifications obtenus", blank=True)
    accompagnateur = models.CharField(
        "accompagnateur (architecte accompagnateur de parcours)", max_length=200, blank=True
    )
    avis_accompagnateur = models.TextField("avis de l'accompagnateur", blank=True)
    reference_france_vae = models.CharField(
        "référence de la candidature France VAE", max_length=60, blank=True
    )
    ancien_regime = models.BooleanField(
        "formulaire Cerfa 12818 (certification absente de France VAE)", default=False
    )
    declaration_honneur_le = models.DateField(
        "déclaration sur l'honneur des autres demandes de l'année, faite le"
    )
    deposee_le = models.DateField("déposée le")
    deposee_par = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="saisie par"
    )
    statut = models.CharField(
        max_length=20, choices=StatutDemande.choices, default=StatutDemande.A_INSTRUIRE
    )
    complete_le = models.DateField("complète le", null=True, blank=True)
    date_limite = models.DateField(
        "dernier jour pour décider",
        null=True,
        blank=True,
        help_text="Fixé quand la demande est complète, d'après le délai de la certification.",
    )
    decidee_le = models.DateField("décidée le", null=True, blank=True)
    decidee_par = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    motivation = models.TextField(blank=True)
    recommande_formation = models.BooleanField("formation complémentaire", default=False)
    recommande_pmsmp = models.BooleanField(
        "période de mise en situation en milieu professionnel (PMSMP)", default=False
    )
    recommandations = models.TextField("recommandations", blank=True)
    validite_mois = models.PositiveSmallIntegerField(null=True, blank=True)
    valide_jusquau = models.DateField("recevabilité valable jusqu'au", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DemandeQuerySet.as_manager()

    class Meta:
        ordering = ["date_limite", "deposee_le", "pk"]
        indexes = [models.Index(fields=["statut", "date_limite"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(reference_france_vae="") | Q(ancien_regime=False),
                name="vae_demande_portail_ou_cerfa",
            )
        ]

    def __str__(self) -> str:
        return f"Demande de recevabilité VAE de {self.dossier.candidat}"

    @property
    def is_decided(self) -> bool:
        return self.statut in DECIDES

    @property
    def is_recevable(self) -> bool:
        return self.statut in (StatutDemande.RECEVABLE, StatutDemande.RECEVABLE_TACITE)

    def jours_restants(self, today: date) -> int | None:
        """Days left to decide, the last day counting (0: decide today; negative: overdue)."""
        if self.date_limite is None or self.is_decided:
            return None
        return (self.date_limite - today).days


class NatureExperience(models.TextChoices):
    SALARIEE = "salariee", "Salariée"
    NON_SALARIEE = "non_salariee", "Non salariée (indépendant, chef d'entreprise…)"
    BENEVOLE = "benevole", "Bénévole ou volontaire"
    PMSMP = "pmsmp", "Période de mise en situation en milieu professionnel"
    STAGE = "stage", "Stage ou période de formation en entreprise"
    AUTRE = "autre", "Autre (mandat électif, sportif de haut niveau…)"


class ExperienceVae(models.Model):
    demande = models.ForeignKey(
        DemandeRecevabilite, on_delete=models.CASCADE, related_name="experiences"
    )
    intitule = models.CharField("emploi ou fonction", max_length=200)
    structure = models.CharField("employeur ou structure", max_length=200, blank=True)
    nature = models.CharField(max_length=20, choices=NatureExperience.choices)
    activites = models.TextField("activités exercées", blank=True)
    duree_mois = models.PositiveSmallIntegerField("durée (mois)")
    ordre = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["ordre", "pk"]

    def __str__(self) -> str:
        return f"{self.intitule} ({self.duree_mois} mois)"


class ComplementDemande(models.Model):
    """The certifier asks for missing pièces: the candidate is told which ones."""

    demande = models.ForeignKey(
        DemandeRecevabilite, on_delete=models.CASCADE, related_name="complements"
    )
    pieces = models.TextField("pièces manquantes")
    demande_le = models.DateField("demandées le")
    par = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Pièces demandées le {self.demande_le:%d/%m/%Y}"

    @property
    def liste(self) -> list[str]:
        return [line.strip(" -•\t") for line in self.pieces.splitlines() if line.strip(" -•\t")]


class NiveauEcart(models.TextChoices):
    ACQUIS = "acquis", "Acquis"
    A_DEVELOPPER = "a_developper", "À développer"
    NON_EVALUE = "non_evalue", "Non évalué"


class AnalyseEcart(models.Model):
    """One line of the gap analysis: a bloc of the dossier's référentiel, or one of its
    compétences, against the declared activities."""

    demande = models.ForeignKey(
        DemandeRecevabilite, on_delete=models.CASCADE, related_name="ecarts"
    )
    bloc = models.ForeignKey(Bloc, on_delete=models.PROTECT, related_name="+")
    competence = models.ForeignKey(
        Competence, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    niveau = models.CharField(max_length=20, choices=NiveauEcart.choices)
    commentaire = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.competence or self.bloc} : {self.get_niveau_display()}"


class DossierValidationVae(models.Model):
    """The dossier de validation (« livret 2 ») of a VAE dossier: its document, the day it was
    filed, and the last day the jury may sit (end of the 3rd month, validation.py), stored then
    so that a later reading of the rule moves no running deadline."""

    dossier = models.OneToOneField(Dossier, on_delete=models.PROTECT, related_name="validation_vae")
    # Emptied when the pièces go (RGPD purge or anonymisation): the deposit's dates stay.
    document = models.ForeignKey(
        "dossiers.Document", on_delete=models.PROTECT, null=True, related_name="+"
    )
    deposee_le = models.DateField("déposé le")
    deposee_par = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="déposé par"
    )
    jury_avant_le = models.DateField("jury au plus tard le")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["jury_avant_le", "pk"]
        verbose_name = "dossier de validation VAE"
        verbose_name_plural = "dossiers de validation VAE"

    def __str__(self) -> str:
        return f"Dossier de validation VAE déposé le {self.deposee_le:%d/%m/%Y}"


class ReglesJuryVae(models.Model):
    """What a certification asks of a jury deliberating on a VAE dossier (D6412-6, docs/vae.md),
    on top of its jury rules (jurys.ReglesJury). The accompanist's exclusion is the law, not a
    setting (vae/jury.py)."""

    certification = models.OneToOneField(
        Certification, on_delete=models.CASCADE, related_name="regles_jury_vae"
    )
    parite_femmes_hommes = models.BooleanField(
        "autant de femmes que d'hommes parmi les membres votants", default=True
    )
    membres_min = models.PositiveSmallIntegerField(
        "membres votants au moins", default=2, help_text="Le code du travail en demande 2."
    )
    qualifies_min = models.PositiveSmallIntegerField(
        "personnes qualifiées pour la certification au moins",
        default=1,
        help_text="Le code du travail en demande une.",
    )
    professionnels_min = models.PositiveSmallIntegerField(
        "professionnels du métier au moins",
        default=0,
        help_text="Aucun par défaut : l'ancienne règle (un quart de professionnels) n'est plus "
        "dans le code.",
    )

    class Meta:
        verbose_name = "règles du jury VAE"
        verbose_name_plural = "règles du jury VAE"

    def __str__(self) -> str:
        return f"Règles du jury VAE — {self.certification}"


class NotificationResultatVae(models.Model):
    """The jury's result notified to a VAE candidate (and the accompanist), which the code asks
    within 15 days of the jury (notification.py): when, by whom, to whom."""

    deliberation = models.OneToOneField(
        "jurys.Deliberation", on_delete=models.PROTECT, related_name="notification_vae"
    )
    notifiee_le = models.DateField("notifié le")
    par = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    destinataires = models.TextField("destinataires")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["notifiee_le", "pk"]
        verbose_name = "notification du résultat VAE"
        verbose_name_plural = "notifications du résultat VAE"

    def __str__(self) -> str:
        return f"Résultat VAE notifié le {self.notifiee_le:%d/%m/%Y}"


class ReponseEmployeur(models.TextChoices):
    ACCORD = "accord", "Accordé"
    REFUS = "refus", "Refusé"
    REPORT = "report", "Reporté"


class CongeVae(models.Model):
    """An employee's congé VAE (conge.py): when his employer received the request, the absence
    asked, and the employer's answer. The notice (30 days before the absence) and the answer
    period (15 days from the request) are computed from these dates, not stored."""

    dossier = models.OneToOneField(Dossier, on_delete=models.PROTECT, related_name="conge_vae")
    demande_le = models.DateField("demande reçue par l'employeur le")
    debut = models.DateField("début de l'absence")
    fin = models.DateField("fin de l'absence")
    reponse = models.CharField(
        "réponse de l'employeur", max_length=10, choices=ReponseEmployeur.choices, blank=True
    )
    reponse_le = models.DateField("réponse reçue le", null=True, blank=True)
    # the day `cqpilot vae-rappels-conge` reminded that the answer is awaited (once per request)
    rappel_envoye_le = models.DateField("rappel de la réponse envoyé le", null=True, blank=True)
    saisi_par = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "congé VAE"
        verbose_name_plural = "congés VAE"

    def __str__(self) -> str:
        return f"Congé VAE du {self.debut:%d/%m/%Y} au {self.fin:%d/%m/%Y}"


class ReferencementQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "ReferencementQuerySet":
        """A certifier's own list of accompanists, for its gestionnaires and administrateurs."""
        if user.is_superuser:
            return self
        if not user.is_certificateur_manager:
            return self.none()
        return self.filter(certificateur=user.organisation)


class Referencement(models.Model):
    """A VAE accompanist (AAP) a certifier works with: the structure (an organisation of its own
    kind) with its Qualiopi certification as this certifier checked it and, when the branch gives
    one, its label. The certifier names it on its candidates' VAE dossiers and invites its
    accounts."""

    certificateur = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="accompagnateurs_vae"
    )
    structure = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="referencements_vae",
        limit_choices_to={"kind": "accompagnateur_vae"},
        verbose_name="accompagnateur VAE",
    )
    # What this certifier checked (each certifier keeps its own: another one listing the same
    # structure never rewrites it)
    qualiopi = models.BooleanField("certifié Qualiopi pour les actions de VAE", default=False)
    qualiopi_date_fin = models.DateField("fin de validité Qualiopi", null=True, blank=True)
    label_branche = models.CharField(
        "label ou habilitation de la branche",
        max_length=200,
        blank=True,
        help_text="Par exemple « Accompagnateur VAE labellisé CPNE 2026 ». Vide s'il n'y en a pas.",
    )
    label_date_fin = models.DateField("label valable jusqu'au", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="référencé par"
    )

    objects = ReferencementQuerySet.as_manager()

    class Meta:
        ordering = ["structure__nom", "pk"]
        verbose_name = "accompagnateur VAE référencé"
        constraints = [
            models.UniqueConstraint(
                fields=["certificateur", "structure"], name="vae_referencement_unique"
            )
        ]

    def __str__(self) -> str:
        return str(self.structure)
