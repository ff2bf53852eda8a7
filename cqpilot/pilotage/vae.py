"""The VAE figures of a certification, per year (docs/vae.md): demandes de recevabilité filed,
decisions (recevables, tacit acceptances among them, non recevables), the VAE dossiers' jury
outcomes, and the average delays of the path (complete demande → decision, livret 2 → jury,
jury → notification of the result).

A demande counts in the year it was filed; a decision in the year it was taken (a tacit
acceptance on the day after the deadline); jury outcomes and the two later delays in the year of
the jury (signed PV), as the dashboard's other tables. Four grouped queries for any number of
years and dossiers.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import ExtractYear

from cqpilot.dossiers.models import VoieAcces
from cqpilot.jurys.models import Decision, Deliberation, JuryStatus
from cqpilot.referentiels.models import Certification
from cqpilot.vae.models import DemandeRecevabilite, NotificationResultatVae, StatutDemande

from .stats import DaysBetween, Table


@dataclass
class Delay:
    count: int = 0
    days: float = 0.0

    def add(self, count: int, days: float | None) -> None:
        self.count += count
        self.days += days or 0

    @property
    def mean(self) -> float | None:
        return round(self.days / self.count, 1) if self.count else None


@dataclass
class VaeYear:
    demandes: int = 0
    recevables: int = 0  # tacit acceptances included
    tacites: int = 0
    non_recevables: int = 0
    totales: int = 0
    partielles: int = 0
    non_valides: int = 0
    decision: Delay = field(default_factory=Delay)  # complete → decision
    jury: Delay = field(default_factory=Delay)  # livret 2 → jury
    notification: Delay = field(default_factory=Delay)  # jury → notification


def _mean_days(end: str, start: str) -> dict:
    """Count and sum of days from `start` to `end`, a row whose end precedes its start left
    out (as stats._average_days)."""
    in_order = Q(**{f"{end}__gte": F(start)})
    return {
        "timed": Count("pk", filter=in_order),
        "days": Sum(DaysBetween(F(end), F(start)), filter=in_order),
    }


def vae_by_year(certification: Certification, years: list[int]) -> dict[int, VaeYear]:
    """The VAE figures of each of `years` (every year asked has its entry, zero when nothing)."""
    figures = {year: VaeYear() for year in years}
    demandes = DemandeRecevabilite.objects.filter(dossier__certification=certification)
    for year, total in (
        demandes.filter(deposee_le__year__in=years)
        .annotate(year=ExtractYear("deposee_le"))
        .values_list("year")
        .annotate(total=Count("pk"))
        .order_by()
    ):
        figures[year].demandes += total
    recevables = (StatutDemande.RECEVABLE, StatutDemande.RECEVABLE_TACITE)
    for row in (
        demandes.filter(decidee_le__year__in=years, statut__in=[*recevables, "non_recevable"])
        .annotate(year=ExtractYear("decidee_le"))
        .values("year")
        .annotate(
            recevables=Count("pk", filter=Q(statut__in=recevables)),
            tacites=Count("pk", filter=Q(statut=StatutDemande.RECEVABLE_TACITE)),
            non_recevables=Count("pk", filter=Q(statut=StatutDemande.NON_RECEVABLE)),
            **_mean_days("decidee_le", "complete_le"),
        )
        .order_by()
    ):
        year = figures[row["year"]]
        year.recevables += row["recevables"]
        year.tacites += row["tacites"]
        year.non_recevables += row["non_recevables"]
        year.decision.add(row["timed"], row["days"])
    decided = Deliberation.objects.filter(
        jury__certification=certification,
        jury__status=JuryStatus.SIGNE,
        jury__date__year__in=years,
        dossier__voie_acces=VoieAcces.VAE,
    ).exclude(decision="")
    outcomes: dict = defaultdict(int)
    for row in (
        decided.annotate(year=ExtractYear("jury__date"))
        .values("year", "decision")
        .annotate(
            total=Count("pk"), **_mean_days("jury__date", "dossier__validation_vae__deposee_le")
        )
        .order_by()
    ):
        outcomes[row["year"], row["decision"]] += row["total"]
        figures[row["year"]].jury.add(row["timed"], row["days"])
    for year, figure in figures.items():
        figure.totales = outcomes[year, Decision.TOTALE]
        figure.partielles = outcomes[year, Decision.PARTIELLE]
        figure.non_valides = outcomes[year, Decision.NON_VALIDE]
    for row in (
        NotificationResultatVae.objects.filter(deliberation__in=decided)
        .annotate(year=ExtractYear("deliberation__jury__date"))
        .values("year")
        .annotate(**_mean_days("notifiee_le", "deliberation__jury__date"))
        .order_by()
    ):
        figures[row["year"]].notification.add(row["timed"], row["days"])
    return figures


DELAYS = [
    ("decision", "Délai demande complète → décision (jours)"),
    ("jury", "Délai dossier de validation (livret 2) → jury (jours)"),
    ("notification", "Délai jury → notification du résultat (jours)"),
]


def vae_table(certification: Certification, year: int) -> Table:
    """The dashboard's VAE table for one year: each figure, and for each delay the number of
    dossiers it is the mean of."""
    f = vae_by_year(certification, [year])[year]
    rows = [
        ["Demandes de recevabilité déposées", f.demandes, None],
        ["Recevables (acceptations tacites comprises)", f.recevables, None],
        ["dont acceptations tacites", f.tacites, None],
        ["Non recevables", f.non_recevables, None],
        ["Validations totales (dossiers VAE)", f.totales, None],
        ["Validations partielles (dossiers VAE)", f.partielles, None],
        ["Non validés (dossiers VAE)", f.non_valides, None],
    ]
    for attribute, label in DELAYS:
        delay = getattr(f, attribute)
        rows.append([label, delay.count, delay.mean])
    return Table(
        "vae",
        "VAE : recevabilité et délais",  # the xlsx sheet's name: 31 characters at most
        ["Indicateur", "Dossiers", "Moyenne (jours)"],
        rows,
    )


def vae_by_year_table(certification: Certification, years: list[int]) -> Table:
    """The renewal pack's VAE table, one row per year."""
    figures = vae_by_year(certification, years)
    rows = [
        [
            year,
            f.demandes,
            f.recevables,
            f.tacites,
            f.non_recevables,
            f.totales,
            f.partielles,
            *(getattr(f, attribute).mean for attribute, _label in DELAYS),
        ]
        for year, f in sorted(figures.items())
    ]
    return Table(
        "vae",
        "VAE par année",
        [
            "Année",
            "Demandes de recevabilité",
            "Recevables",
            "Dont acceptations tacites",
            "Non recevables",
            "Validations totales",
            "Validations partielles",
            "Délai demande complète → décision (jours)",
            "Délai livret 2 → jury (jours)",
            "Délai jury → notification (jours)",
        ],
        rows,
    )
