"""Checks on French identifiers: SIRET (Luhn key) and NIR (key and coherence with identity)."""

import re

# La Poste's establishments share one SIREN whose SIRETs do not follow the Luhn key (INSEE rule).
LA_POSTE_SIREN = "356000000"


def luhn_is_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def siret_problem(siret: str) -> str | None:
    """Why this SIRET is wrong, in French, or None."""
    if not re.fullmatch(r"\d{14}", siret):
        return "Le SIRET comporte exactement 14 chiffres."
    if siret.startswith(LA_POSTE_SIREN):
        return None if sum(int(c) for c in siret) % 5 == 0 else "La clé du SIRET est fausse."
    if not luhn_is_valid(siret[:9]):
        return "La clé du SIREN (9 premiers chiffres du SIRET) est fausse."
    if not luhn_is_valid(siret):
        return "La clé du SIRET est fausse."
    return None


NIR_PATTERN = re.compile(r"^([1-478])(\d{2})(\d{2})(\d{2}|2A|2B)(\d{3})(\d{3})(\d{2})$")


def normalise_nir(raw: str) -> str:
    return re.sub(r"[\s.\-]", "", raw or "").upper()


def nir_problems(
    nir: str,
    *,
    sexe: str = "",
    annee_naissance: int | None = None,
    mois_naissance: int | None = None,
    departement_naissance: str = "",
) -> list[str]:
    """What is wrong with a 15-character NIR, alone and against the person's identity.

    Digits 1 (sex), 2–3 (year), 4–5 (month; 20 and above, or 99, when unknown), 6–7
    (department, 2A/2B for Corsica, 99 for born abroad) and the 97-modulo key.
    """
    match = NIR_PATTERN.match(nir)
    if not match:
        return ["Le NIR comporte 15 caractères : 13 chiffres (2A ou 2B pour la Corse) et une clé."]
    sex_digit, year, month, department, _commune, _order, key = match.groups()
    numeric = nir[:13].replace("2A", "19").replace("2B", "18")
    if 97 - int(numeric) % 97 != int(key):
        return ["La clé du NIR est fausse : vérifiez chaque chiffre."]
    problems = []
    # 1 = man, 2 = woman; 3, 4, 7, 8 are temporary numbers (foreign-born people) of either sex.
    if sexe and sex_digit in "12" and {"M": "1", "F": "2"}.get(sexe) != sex_digit:
        problems.append("Le NIR ne correspond pas au sexe indiqué (1er chiffre).")
    if annee_naissance and int(year) != annee_naissance % 100:
        problems.append("Le NIR ne correspond pas à l'année de naissance (2e et 3e chiffres).")
    if mois_naissance and int(month) <= 12 and int(month) != mois_naissance:
        problems.append("Le NIR ne correspond pas au mois de naissance (4e et 5e chiffres).")
    if departement_naissance and department != departement_naissance[: len(department)]:
        problems.append(
            "Le NIR ne correspond pas au département de naissance (6e et 7e caractères)."
        )
    return problems
