"""Identity checks that spare a rejection by the Caisse des Dépôts, and duplicate detection."""

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from cqpilot.core.validators import nir_problems, normalise_nir, siret_problem

from .models import Candidat, CandidatQuerySet

# Matched on the unaccented upper-case name: « épouse », « ép. », « veuve », « née »…
MARRIED_NAME_MARKER = re.compile(r"\b(EPOUSE|EP|VEUVE|VVE|NEE?)\b")
INSEE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
POSTAL_CODE = re.compile(r"^\d{5}$")


@dataclass(frozen=True)
class Probleme:
    field: str
    message: str
    blocking: bool = True

    def __str__(self) -> str:
        return self.message


def identity_problems(candidat: Candidat, *, today: date | None = None) -> list[Probleme]:
    """Errors (blocking) and warnings (not blocking) on a candidate's identity."""
    today = today or date.today()
    problems = []
    if not candidat.nom_naissance.strip():
        problems.append(Probleme("nom_naissance", "Le nom de naissance est obligatoire."))
    elif MARRIED_NAME_MARKER.search(unaccented_upper(candidat.nom_naissance)):
        problems.append(
            Probleme(
                "nom_naissance",
                "Le nom de naissance ne doit pas contenir « épouse », « née » ou « veuve » : "
                "indiquez le nom de naissance seul, et le nom d'usage à part.",
            )
        )
    if not candidat.prenom1.strip():
        problems.append(Probleme("prenom1", "Le prénom est obligatoire."))
    elif re.fullmatch(r"\w\.?", candidat.prenom1.strip()):
        problems.append(
            Probleme(
                "prenom1",
                "Le prénom n'est qu'une initiale : la Caisse des Dépôts risque de ne pas "
                "retrouver le titulaire.",
                blocking=False,
            )
        )
    problems.extend(_birth_date_problems(candidat, today))
    problems.extend(_birth_place_problems(candidat))
    if candidat.nir:
        nir = normalise_nir(candidat.nir)
        department = "99" if candidat.is_born_abroad else candidat.code_insee_naissance[:2]
        problems.extend(
            Probleme("nir", message)
            for message in nir_problems(
                nir,
                sexe=candidat.sexe,
                annee_naissance=candidat.annee_naissance,
                mois_naissance=candidat.mois_naissance,
                departement_naissance=department,
            )
        )
    if candidat.employeur_siret and (problem := siret_problem(candidat.employeur_siret)):
        problems.append(Probleme("employeur_siret", problem))
    return problems


def _birth_date_problems(candidat: Candidat, today: date) -> list[Probleme]:
    year, month, day = candidat.annee_naissance, candidat.mois_naissance, candidat.jour_naissance
    if not year or not 1900 <= year <= today.year:
        return [Probleme("annee_naissance", f"L'année de naissance {year} n'est pas plausible.")]
    if month is not None and not 1 <= month <= 12:
        return [Probleme("mois_naissance", f"Le mois de naissance {month} n'existe pas.")]
    if day is not None:
        if month is None:
            return [Probleme("jour_naissance", "Un jour de naissance sans mois n'a pas de sens.")]
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            return [
                Probleme(
                    "jour_naissance",
                    f"Le {day:02d}/{month:02d}/{year} n'existe pas.",
                )
            ]
    if date(year, month or 1, day or 1) > today:
        return [Probleme("annee_naissance", "La date de naissance est dans le futur.")]
    if month is None or day is None:
        return [
            Probleme(
                "jour_naissance",
                "Date de naissance incomplète : elle sera transmise ainsi, mais la Caisse des "
                "Dépôts retrouve moins bien les titulaires sans jour ni mois.",
                blocking=False,
            )
        ]
    return []


def _birth_place_problems(candidat: Candidat) -> list[Probleme]:
    problems = []
    code = candidat.code_insee_naissance.strip().upper()
    if code and not INSEE_CODE.match(code):
        problems.append(
            Probleme(
                "code_insee_naissance",
                f"Le code INSEE « {code} » n'a pas le bon format : 5 caractères, "
                "par exemple 69123, 2A004, ou 99109 pour une naissance à l'étranger.",
            )
        )
    elif code.startswith("99") and not candidat.pays_naissance.strip():
        problems.append(
            Probleme("pays_naissance", "Indiquez le pays de naissance (né(e) à l'étranger).")
        )
    postal = candidat.code_postal_naissance.strip()
    if postal and not POSTAL_CODE.match(postal):
        problems.append(Probleme("code_postal_naissance", "Le code postal comporte 5 chiffres."))
    return problems


def unaccented_upper(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def normalise_name(name: str) -> str:
    return re.sub(r"[^A-Z]", "", unaccented_upper(name))


def find_duplicates(candidat: Candidat, among: CandidatQuerySet) -> list[Candidat]:
    """Candidates of `among` who are probably the same person (birth name, first name, birth
    date), ignoring accents, case, hyphens and spaces."""
    possible = among.filter(annee_naissance=candidat.annee_naissance)
    if candidat.pk:
        possible = possible.exclude(pk=candidat.pk)
    if candidat.mois_naissance:
        possible = possible.filter(
            Q(mois_naissance__isnull=True) | Q(mois_naissance=candidat.mois_naissance)
        )
    name, first = normalise_name(candidat.nom_naissance), normalise_name(candidat.prenom1)
    return [
        other
        for other in possible.only(
            "pk", "nom_naissance", "prenom1", "annee_naissance", "mois_naissance", "jour_naissance"
        )
        if normalise_name(other.nom_naissance) == name
        and normalise_name(other.prenom1) == first
        and (not candidat.jour_naissance or other.jour_naissance in (None, candidat.jour_naissance))
    ]
