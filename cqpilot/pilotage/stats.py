"""The figures a certifier follows and files for its RNCP renewal, per certification and year.

Activity in the year: enrolments dated in the year, jury decisions of the juries (signed) held in
the year, abandons recorded in the year. Every table is computed by grouped queries, so the
dashboard costs the same number of queries at 100 dossiers or 100,000.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Avg, Count, F, FloatField, Func, Max, Min, Q, Sum
from django.db.models.functions import TruncDate

from cqpilot.accrochage.depots import status_counts
from cqpilot.accrochage.models import PassageAccrochage, PassageStatus
from cqpilot.core.models import Organisation
from cqpilot.delivrance.models import DocumentDelivre
from cqpilot.dossiers.models import Dossier, DossierState, DossierTransition, VoieAcces
from cqpilot.jurys.models import DecisionBloc, Deliberation, Jury, JuryStatus
from cqpilot.referentiels.models import Bloc, Certification


@dataclass
class Table:
    slug: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    rate_column: int | None = None  # drawn as bars (a percentage), its value always written


def rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


OUTCOMES = [
    "Présentés",
    "Certifiés",
    "Validations partielles",
    "Non validés",
    "Taux de réussite (%)",
]


class DaysBetween(Func):
    """Days from the first date to the second, in SQL: Django's date arithmetic runs a Python
    function per row on SQLite, ten times slower over 60,000 decisions."""

    arity = 2
    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL: date - date = days
        return super().as_sql(
            compiler,
            connection,
            template="(CAST(%(expressions)s AS date))",
            arg_joiner=" AS date) - CAST(",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler,
            connection,
            template="(julianday(%(expressions)s))",
            arg_joiner=") - julianday(",
            **extra,
        )


def _decisions(juries: dict):
    return Deliberation.objects.filter(jury_id__in=list(juries)).exclude(decision="")


def signed_juries(certification: Certification, year: int) -> dict:
    """Id → date of the juries of the year whose decisions count (signed PV). Filtering on
    these ids spares every other query a join to the jury table."""
    return dict(
        Jury.objects.filter(
            certification=certification, status=JuryStatus.SIGNE, date__year=year
        ).values_list("pk", "date")
    )


OUTCOME_INDEX = {"totale": 1, "partielle": 2, "non_valide": 3}


@dataclass
class Activity:
    """The year's enrolments and decisions, each grouped once by every dimension the tables
    break them down by (two queries for all the breakdowns)."""

    juries: dict  # id → date
    inscrits: list[tuple[str, int | None, int]]  # voie, organisme, count
    # voie, organisme, jury, decision, count enrolled by the jury's day, days from enrolment
    # to jury (their sum), count
    decisions: list[tuple[str, int | None, int, str, int, float, int]]

    @classmethod
    def of(cls, certification: Certification, year: int) -> "Activity":
        juries = signed_juries(certification, year)
        inscrits = (
            Dossier.objects.filter(certification=certification, date_inscription__year=year)
            .values_list("voie_acces", "organisme")
            .annotate(total=Count("pk"))
            .order_by()
        )
        in_order = Q(jury__date__gte=F("dossier__date_inscription"))
        decisions = (
            _decisions(juries)
            .values_list("dossier__voie_acces", "dossier__organisme", "jury", "decision")
            .annotate(
                timed=Count("pk", filter=in_order),
                days=Sum(
                    DaysBetween(F("jury__date"), F("dossier__date_inscription")), filter=in_order
                ),
                total=Count("pk"),
            )
            .order_by()
        )
        return cls(juries, list(inscrits), list(decisions))

    def inscrits_by(self, index: int) -> dict:
        counts: dict = defaultdict(int)
        for row in self.inscrits:
            counts[row[index]] += row[-1]
        return counts

    def outcomes_by(self, index: int | None) -> dict:
        counts: dict = defaultdict(lambda: [0, 0, 0, 0])
        for row in self.decisions:
            outcome = counts[None if index is None else row[index]]
            outcome[0] += row[-1]
            outcome[OUTCOME_INDEX[row[3]]] += row[-1]
        return counts


def _outcome_row(counts: list[int]) -> list:
    presentes, certifies, partielles, non_valides = counts
    return [presentes, certifies, partielles, non_valides, rate(certifies, presentes)]


def summary(certification: Certification, year: int, activity: Activity) -> Table:
    abandons = DossierTransition.objects.filter(
        dossier__certification=certification, to_state=DossierState.ABANDON, at__year=year
    ).count()
    presentes, certifies, partielles, non_valides, taux = _outcome_row(
        activity.outcomes_by(None)[None]
    )
    return Table(
        "synthese",
        f"Synthèse {year}",
        ["Indicateur", "Valeur"],
        [
            ["Inscrits", sum(row[-1] for row in activity.inscrits)],
            ["Présentés au jury", presentes],
            ["Certifiés (validation totale)", certifies],
            ["Validations partielles", partielles],
            ["Non validés", non_valides],
            ["Abandons", abandons],
            ["Taux de réussite (%)", taux],
        ],
    )


def by_voie(activity: Activity) -> Table:
    inscrits, counts = activity.inscrits_by(0), activity.outcomes_by(0)
    labels = dict(VoieAcces.choices)
    rows = [
        [labels.get(voie, voie), inscrits.get(voie, 0), *_outcome_row(counts.get(voie, [0] * 4))]
        for voie in sorted(set(inscrits) | set(counts), key=lambda v: labels.get(v, v))
    ]
    return Table("voies", "Par voie d'accès", ["Voie d'accès", "Inscrits", *OUTCOMES], rows, 6)


def by_organisme(activity: Activity) -> Table:
    inscrits, counts = activity.inscrits_by(1), activity.outcomes_by(1)
    keys = set(inscrits) | set(counts)
    names = dict(Organisation.objects.filter(pk__in=keys - {None}).values_list("pk", "nom"))
    rows = sorted(
        (
            [
                names.get(key, "Sans organisme (candidat libre, VAE…)"),
                inscrits.get(key, 0),
                *_outcome_row(counts.get(key, [0] * 4)),
            ]
            for key in keys
        ),
        key=lambda row: row[0],
    )
    return Table(
        "organismes", "Par organisme de formation", ["Organisme", "Inscrits", *OUTCOMES], rows, 6
    )


def by_jury(activity: Activity) -> Table:
    counts = activity.outcomes_by(2)
    rows = [
        [f"Jury du {activity.juries[jury]:%d/%m/%Y}", *_outcome_row(counts[jury])]
        for jury in sorted(counts, key=lambda jury: (activity.juries[jury], jury))
    ]
    return Table("jurys", "Par session de jury", ["Session", *OUTCOMES], rows, 5)


def by_bloc(activity: Activity) -> Table:
    counts: dict = defaultdict(lambda: [0, 0])
    for bloc, resultat, total in (
        # an IN (subquery), not a join: SQLite then walks the decisions' index, twice as fast
        DecisionBloc.objects.filter(
            deliberation__in=Deliberation.objects.filter(jury_id__in=list(activity.juries))
        )
        .values_list("bloc", "resultat")
        .annotate(total=Count("pk"))
        .order_by()
    ):
        counts[bloc][0] += total
        counts[bloc][1] += total if resultat == "valide" else 0
    rows = [
        [code, intitule, *counts[pk], rate(counts[pk][1], counts[pk][0])]
        for pk, code, intitule in Bloc.objects.filter(pk__in=list(counts))
        .order_by("code", "pk")
        .values_list("pk", "code", "intitule")
    ]
    return Table(
        "blocs",
        "Réussite par bloc de compétences",
        ["Bloc", "Intitulé", "Décisions", "Validés", "Taux (%)"],
        rows,
        4,
    )


def _average_days(queryset, start: str, end: str) -> tuple[int, float | None]:
    """How many, and the mean number of days from `start` to `end`, computed by the database.
    A row whose `end` precedes its `start` (dates entered before the rules kept them in order)
    is left out rather than shown as a negative delay."""
    figures = queryset.filter(**{f"{end}__gte": F(start)}).aggregate(
        count=Count("pk"), mean=Avg(DaysBetween(F(end), F(start)))
    )
    mean = figures["mean"]
    return figures["count"], None if mean is None else round(mean, 1)


def delays(activity: Activity) -> Table:
    decided = sum(row[-3] for row in activity.decisions)  # enrolled by the jury's day
    enrolment_days = sum(row[-2] or 0 for row in activity.decisions)
    documents = DocumentDelivre.objects.filter(deliberation__jury_id__in=list(activity.juries))
    accepted = PassageAccrochage.objects.filter(
        document__in=documents, status=PassageStatus.ACCEPTE, bloc=None
    ).exclude(last_file=None)
    return Table(
        "delais",
        "Délais moyens (jours)",
        ["Étape", "Dossiers", "Moyenne"],
        [
            [
                "Inscription → jury",
                decided,
                round(enrolment_days / decided, 1) if decided else None,
            ],
            [
                "Jury → délivrance",
                *_average_days(documents, "deliberation__jury__date", "date_delivrance"),
            ],
            [
                "Délivrance → dépôt accepté par la Caisse des Dépôts",
                *_average_days(
                    accepted.annotate(sent=TruncDate("last_file__created_at")),
                    "document__date_delivrance",
                    "sent",
                ),
            ],
        ],
    )


def accrochage(certification: Certification, year: int) -> Table:
    # The documents cancelled since count too: their passages to withdraw are counted as on
    # « À accrocher », by the same function.
    counts = status_counts(
        PassageAccrochage.objects.filter(
            document__certification=certification, document__date_delivrance__year=year
        )
    )
    return Table(
        "accrochage",
        "Accrochage des titulaires de l'année",
        ["Statut", "Passages"],
        [[label, counts[value]] for value, label in PassageStatus.choices],
    )


def dashboard(certification: Certification, year: int) -> list[Table]:
    from .vae import vae_table  # built on this module's Table and DaysBetween

    activity = Activity.of(certification, year)
    return [
        summary(certification, year, activity),
        by_voie(activity),
        by_organisme(activity),
        by_jury(activity),
        by_bloc(activity),
        delays(activity),
        *([vae_table(certification, year)] if certification.vae_ouverte else []),
        accrochage(certification, year),
    ]


def years(certification: Certification) -> list[int]:
    """From the first enrolment to the latest jury, newest first."""
    span = Dossier.objects.filter(certification=certification).aggregate(
        first=Min("date_inscription"), last=Max("date_inscription")
    )
    last_jury = Deliberation.objects.filter(jury__certification=certification).aggregate(
        last=Max("jury__date")
    )["last"]
    if span["first"] is None:
        return []
    last = max(d for d in (span["last"], last_jury) if d)
    return list(range(last.year, span["first"].year - 1, -1))
