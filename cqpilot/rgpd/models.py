"""Retention periods per certifier, the record of each purge run, and which candidates were
anonymised.

No text fixes retention periods for CQP records (docs/domaine.md §7.2): the defaults below are
the reference points found there, for each certifier to confirm with its DPO.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from cqpilot.core.models import Organisation, User
from cqpilot.dossiers.models import Candidat

# docs/domaine.md §7.2: a concours processing act keeps candidates 2 years in active base;
# unsuccessful or abandoned files are to be kept « for shorter » than proof of certification.
DEFAULT_DOSSIERS_SANS_SUITE_MOIS = 24
# §7.2: evaluation material « about 5 years » (Centre Inffo, Titres professionnels: 5 years
# « considérée comme raisonnable » under GDPR art. 5).
DEFAULT_PIECES_MOIS = 60
# §7.2: attendance sheets and training attestations, 3 years « commonly advised »; the survey
# feeds the RNCP renewal, whose statistics keep the coded answers, not the e-mail or comment.
DEFAULT_ENQUETES_MOIS = 36
# §7.1 and §7.2: the NIR is collected only for the CDC and purged once the accrochage is
# confirmed. §5.3: when the CDC finds an error it has 3 months from its request for corrected
# data, so the NIR is kept 3 months after the acceptance, the time its answer to a correction
# of the same deposit can come back; a later correction asks the holder for it again.
DEFAULT_NIR_MOIS = 3

# The shortest periods a certifier may set: below them the purge would destroy what is still in
# use. A change is also confirmed with the password, after seeing what it would purge.
# A dropped-out candidate often comes back within the training year: 6 months keeps his file
# for a resumed course or a second session.
MIN_DOSSIERS_SANS_SUITE_MOIS = 6
# The pièces back the decision against an appeal. No appeal period is set per certification
# (docs/domaine.md §1.6: each branch's own rules); an appeal to the certifier or the courts is
# brought within 2 months of the decision: 3 months covers it, and its answer.
MIN_PIECES_MOIS = 3
# A survey stays open 183 days (pilotage.enquetes.ANSWER_WINDOW) and its reminders use the
# e-mail: 7 months, not the 1 month that would stop them, keeps it until the survey closes.
MIN_ENQUETES_MOIS = 7
# docs/domaine.md §5.3: the CDC's correction requests are answered within 3 months.
MIN_NIR_MOIS = 3


def _months(
    label: str, default: int, help_text: str, minimum: int, maximum: int = 240
) -> models.Field:
    return models.PositiveSmallIntegerField(
        label,
        default=default,
        validators=[MinValueValidator(minimum), MaxValueValidator(maximum)],
        help_text=help_text,
    )


class RetentionPolicy(models.Model):
    """How long a certifier keeps each kind of personal data (one per certifier)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="retention_policy"
    )
    dossiers_sans_suite_mois = _months(
        "dossiers sans suite (mois sans activité)",
        DEFAULT_DOSSIERS_SANS_SUITE_MOIS,
        "Dossiers abandonnés, non recevables ou restés en brouillon : le candidat est anonymisé "
        "après ce délai sans activité, s'il n'a aucun autre dossier en cours. Repère : 2 ans en "
        "base active pour les examens (docs/domaine.md §7.2). Minimum : 6 mois.",
        MIN_DOSSIERS_SANS_SUITE_MOIS,
    )
    pieces_mois = _months(
        "pièces justificatives (mois après la décision)",
        DEFAULT_PIECES_MOIS,
        "Pièces d'identité, CV, contrats, dossiers VAE : supprimées ce délai après la décision "
        "du jury. Repère : 5 ans « raisonnable » (Centre Inffo, RGPD art. 5). Minimum : 3 mois, "
        "le temps d'un recours contre la décision.",
        MIN_PIECES_MOIS,
    )
    enquetes_mois = _months(
        "réponses aux enquêtes d'insertion (mois)",
        DEFAULT_ENQUETES_MOIS,
        "Le courriel et le commentaire libre sont effacés ce délai après la réponse (ou l'envoi "
        "prévu) ; la situation déclarée reste pour les statistiques du renouvellement RNCP. "
        "Repère : 3 ans. Minimum : 7 mois, le temps que l'enquête reste ouverte.",
        MIN_ENQUETES_MOIS,
    )
    nir_mois = _months(
        "NIR après l'acceptation par la Caisse des Dépôts (mois)",
        DEFAULT_NIR_MOIS,
        "Le NIR n'est collecté que pour l'accrochage (L6113-8) : il est effacé ce délai après "
        "que la Caisse des Dépôts a accepté tous les passages du titulaire. 3 mois : le délai "
        "de réponse à une demande de correction (décret n° 2024-1236) ; c'est aussi le minimum.",
        MIN_NIR_MOIS,
        maximum=36,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "durées de conservation"
        verbose_name_plural = "durées de conservation"

    def __str__(self) -> str:
        return f"Durées de conservation — {self.organisation}"

    def get_additional_data(self) -> dict | None:
        """Written in the journal with a change: what the new periods made due that day (the
        settings page sets it after showing it)."""
        return getattr(self, "dues_when_saved", None)


class PurgeRun(models.Model):
    """One run of the purge for one certifier: counts per category, never a name."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )  # None: the daily command
    counts = models.JSONField("nombres", default=dict)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "purge des données personnelles"

    def __str__(self) -> str:
        return f"Purge du {self.at:%d/%m/%Y %H:%M}"


class Motif(models.TextChoices):
    PURGE = "purge", "Durée de conservation écoulée"
    EFFACEMENT = "effacement", "Demande d'effacement du candidat"


class CandidatAnonymise(models.Model):
    """A candidate whose identity was replaced: the purge leaves him alone afterwards."""

    candidat = models.OneToOneField(Candidat, on_delete=models.CASCADE, related_name="anonymise")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    motif = models.CharField(max_length=12, choices=Motif.choices)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "candidat anonymisé"

    def __str__(self) -> str:
        return f"Candidat n° {self.candidat_id} ({self.get_motif_display().lower()})"
