"""Blocs a candidate already holds, and which of them count for a référentiel version."""

from dataclasses import dataclass
from datetime import date

from django.db.models import prefetch_related_objects

from cqpilot.referentiels.models import Bloc, ReferentielVersion

from .models import BlocAcquis, Candidat, Dossier


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate_day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def valid_until(acquis: BlocAcquis) -> date | None:
    """The last day the bloc counts, by its certification's validity setting (None: for life)."""
    months = acquis.bloc.version.certification.validite_blocs_mois
    return add_months(acquis.date_obtention, months) if months else None


@dataclass(frozen=True)
class Report:
    bloc: Bloc  # the bloc of the target version
    acquis: BlocAcquis
    valid_until: date | None
    via_correspondance: bool


def carried_over(candidat: Candidat, version: ReferentielVersion, *, on: date) -> list[Report]:
    """The blocs of `version` the candidate already holds, still valid on `on`: the same bloc code
    of the same certification (any version), or a bloc recorded as equivalent."""
    acquis = list(
        BlocAcquis.objects.filter(candidat=candidat).select_related("bloc__version__certification")
    )
    if not acquis:
        return []
    return _matching(acquis, list(version.blocs.prefetch_related("correspondances")), on)


def carried_over_many(
    dossiers: list[Dossier], blocs_by_version: dict[int, list[Bloc]], *, on: date
) -> dict[int, list[Report]]:
    """carried_over for many dossiers at once (dossier pk → reports), in three queries. Blocs a
    dossier obtained itself do not count as held before it."""
    acquis_by_candidat: dict[int, list[BlocAcquis]] = {}
    for held in BlocAcquis.objects.filter(
        candidat__in={d.candidat_id for d in dossiers}
    ).select_related("bloc__version__certification"):
        acquis_by_candidat.setdefault(held.candidat_id, []).append(held)
    if not acquis_by_candidat:
        return {}
    wanted = [bloc for blocs in blocs_by_version.values() for bloc in blocs]
    prefetch_related_objects(wanted, "correspondances")
    reports = {}
    for dossier in dossiers:
        acquis = [
            a for a in acquis_by_candidat.get(dossier.candidat_id, []) if a.dossier_id != dossier.pk
        ]
        if acquis:
            reports[dossier.pk] = _matching(
                acquis, blocs_by_version.get(dossier.version_id, []), on
            )
    return reports


def _matching(acquis: list[BlocAcquis], blocs: list[Bloc], on: date) -> list[Report]:
    reports = []
    for bloc in blocs:
        equivalents = {
            (c.bloc_cible_id, c.fiche_cible, c.code_bloc_cible) for c in bloc.correspondances.all()
        }
        for held in acquis:
            same = (
                held.bloc.version.certification_id == bloc.version.certification_id
                and held.bloc.code == bloc.code
            )
            equivalent = any(
                target_id == held.bloc_id
                or (
                    fiche
                    and fiche == held.bloc.version.certification.code_rncp_rs
                    and code == held.bloc.code
                )
                for target_id, fiche, code in equivalents
            )
            until = valid_until(held)
            held_then = held.date_obtention <= on and (until is None or until >= on)
            if (same or equivalent) and held_then:
                reports.append(Report(bloc, held, until, via_correspondance=not same))
                break
    return reports
