"""The tables a certifier files with France compétences to renew a registration.

A promotion is the year of the certification decision (jury, or CPNE when it validates); its
holders are the valid parchemins of the register. Insertion rates are computed on the holders
who answered the survey, always shown beside the response rate they rest on.
"""

from collections import defaultdict
from datetime import date

from django.db.models import Count, Q
from django.db.models.functions import ExtractYear

from cqpilot.delivrance.models import DocumentDelivre, DocumentKind, DocumentStatus
from cqpilot.dossiers.models import VoieAcces
from cqpilot.referentiels.models import Certification

from .models import IN_EMPLOYMENT, Echeance, EnqueteInsertion, SituationPro
from .stats import Table, rate
from .vae import vae_by_year_table

PROMOTIONS_AT_LEAST = 2


def _holders(certification: Certification):
    return DocumentDelivre.objects.filter(
        certification=certification, kind=DocumentKind.PARCHEMIN, status=DocumentStatus.VALIDE
    )


def holders_by_voie_and_year(certification: Certification) -> dict[tuple[str, int], int]:
    """The one count every table reads: holders per voie d'accès and promotion."""
    counts: dict = defaultdict(int)
    for voie, year, total in (
        _holders(certification)
        .annotate(year=ExtractYear("date_decision"))
        .values_list("dossier__voie_acces", "year")
        .annotate(total=Count("pk"))
        .order_by()
    ):
        counts[voie, year] += total
    return counts


def promotions(counts: dict[tuple[str, int], int], today: date) -> list[int]:
    """Every year with holders, and at least the last two years, oldest first."""
    years = {year for _voie, year in counts}
    years |= {today.year - n for n in range(1, PROMOTIONS_AT_LEAST + 1)}
    return sorted(years)


def certified_by_voie(counts: dict[tuple[str, int], int], years: list[int]) -> Table:
    labels = dict(VoieAcces.choices)
    voies = sorted({voie for voie, _ in counts}, key=lambda v: labels.get(v, v))
    rows = [
        [
            labels.get(voie, voie),
            *(counts.get((voie, year), 0) for year in years),
            sum(counts.get((voie, year), 0) for year in years),
        ]
        for voie in voies
    ]
    rows.append(
        [
            "Total",
            *(sum(counts.get((v, year), 0) for v in voies) for year in years),
            sum(counts.values()),
        ]
    )
    return Table(
        "certifies",
        "Certifiés par voie d'accès",
        ["Voie d'accès", *(f"Promotion {year}" for year in years), "Total"],
        rows,
    )


INSERTION_HEADERS = [
    "Promotion",
    "Titulaires",
    "Interrogés",
    "Répondants",
    "Taux de réponse (%)",
    "En emploi",
    "Dont dans le métier visé",
    "Taux d'insertion globale (%)",
    "Taux d'insertion dans le métier visé (%)",
]


def insertion(
    certification: Certification, echeance: str, years: list[int], holders: dict[int, int]
) -> Table:
    answered = Q(repondue_le__isnull=False)
    surveys = {
        row["year"]: row
        for row in EnqueteInsertion.objects.filter(
            document__in=_holders(certification), echeance=echeance
        )
        .annotate(year=ExtractYear("document__date_decision"))
        .values("year")
        .annotate(
            asked=Count("pk", filter=Q(envoyee_le__isnull=False) | answered),
            answered=Count("pk", filter=answered),
            employed=Count("pk", filter=answered & Q(situation__in=IN_EMPLOYMENT)),
            in_job=Count("pk", filter=answered & Q(situation=SituationPro.METIER_VISE)),
        )
        .order_by()
    }
    rows = []
    for year in years:
        s = surveys.get(year, {"asked": 0, "answered": 0, "employed": 0, "in_job": 0})
        rows.append(
            [
                year,
                holders.get(year, 0),
                s["asked"],
                s["answered"],
                rate(s["answered"], s["asked"]),
                s["employed"],
                s["in_job"],
                rate(s["employed"], s["answered"]),
                rate(s["in_job"], s["answered"]),
            ]
        )
    label = Echeance(echeance).label
    return Table(f"insertion-{echeance}", f"Insertion {label}", INSERTION_HEADERS, rows, 8)


def pack(certification: Certification, today: date) -> list[Table]:
    counts = holders_by_voie_and_year(certification)
    years = promotions(counts, today)
    by_year: dict[int, int] = defaultdict(int)
    for (_voie, year), total in counts.items():
        by_year[year] += total
    return [
        certified_by_voie(counts, years),
        insertion(certification, Echeance.SIX_MOIS, years, by_year),
        insertion(certification, Echeance.DEUX_ANS, years, by_year),
        *([vae_by_year_table(certification, years)] if certification.vae_ouverte else []),
    ]


def survey_progress(certification: Certification) -> list[dict]:
    """Per échéance: opened, e-mailed, reminded, answered, and holders without an address."""
    rows = (
        EnqueteInsertion.objects.filter(document__certification=certification)
        .values("echeance")
        .annotate(
            ouvertes=Count("pk"),
            envoyees=Count("pk", filter=Q(envoyee_le__isnull=False)),
            relancees=Count("pk", filter=Q(relances__gt=0)),
            repondues=Count("pk", filter=Q(repondue_le__isnull=False)),
            sans_courriel=Count("pk", filter=Q(email="")),
        )
        .order_by()
    )
    found = {row["echeance"]: row for row in rows}
    nothing = dict.fromkeys(["ouvertes", "envoyees", "relancees", "repondues", "sans_courriel"], 0)
    return [{"label": label, **found.get(value, nothing)} for value, label in Echeance.choices]
