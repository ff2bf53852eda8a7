"""The columns of the candidate import file: French headers, what each accepts, and the cleaners
that turn a cell (text from a CSV, or a typed value from Excel) into a value or a French error."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from .models import Initiative, Sexe, Situation, VoieAcces, VoieVae


class CellError(ValueError):
    pass


def normalise_header(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", " ", plain.replace("*", "")).strip()


def as_text(value: object, max_length: int = 60) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(str(value).split())
    if len(text) > max_length:
        raise CellError(f"{len(text)} caractères : {max_length} au plus.")
    return text


def as_integer(value: object, low: int, high: int) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = float(str(value).replace(",", ".").strip())
    except ValueError as error:
        raise CellError(f"« {value} » n'est pas un nombre.") from error
    if not number.is_integer() or not low <= number <= high:
        raise CellError(f"« {as_text(value, 40)} » : attendu un nombre entier de {low} à {high}.")
    return int(number)


def as_date(value: object) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text):
        raise CellError(f"le {text} n'existe pas.")
    raise CellError(f"« {as_text(text, 40)} » n'est pas une date (attendu JJ/MM/AAAA).")


def as_bool(value: object) -> bool:
    text = normalise_header(as_text(value, 10))
    if text in ("", "non", "n", "0", "false", "faux"):
        return False
    if text in ("oui", "o", "1", "true", "vrai", "x"):
        return True
    raise CellError(f"« {value} » : attendu Oui ou Non.")


def choice_reader(choices: type) -> "callable":
    """A cleaner accepting a choice's French label or its code, case and accents ignored."""
    known = {}
    for value, label in choices.choices:
        known[normalise_header(value)] = value
        known[normalise_header(label)] = value

    def read(value: object) -> str:
        text = as_text(value, 200)
        if not text:
            return ""
        try:
            return known[normalise_header(text)]
        except KeyError:
            labels = " ; ".join(str(label) for _value, label in choices.choices)
            raise CellError(f"« {text} » n'est pas une valeur possible ({labels}).") from None

    return read


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    help: str
    required: bool = False
    choices: type | None = None


COLUMNS = [
    Column(
        "Nom de naissance",
        "nom_naissance",
        "Nom de naissance, sans « épouse » ni nom d'usage.",
        True,
    ),
    Column("Nom d'usage", "nom_usage", "Nom marital ou d'usage, s'il diffère."),
    Column("Prénom", "prenom1", "Premier prénom, en entier.", True),
    Column("Deuxième prénom", "prenom2", ""),
    Column("Troisième prénom", "prenom3", ""),
    Column("Sexe", "sexe", "M ou F (ou Homme / Femme).", True, Sexe),
    Column("Jour de naissance", "jour_naissance", "1 à 31 ; vide s'il est inconnu."),
    Column("Mois de naissance", "mois_naissance", "1 à 12 ; vide s'il est inconnu."),
    Column("Année de naissance", "annee_naissance", "Quatre chiffres, par exemple 1990.", True),
    Column(
        "Code INSEE de naissance",
        "code_insee_naissance",
        "5 caractères (69123, 2A004) ; né(e) à l'étranger : 99 + code pays (99109).",
    ),
    Column("Code postal de naissance", "code_postal_naissance", "Si le code INSEE est inconnu."),
    Column("Commune de naissance", "commune_naissance", ""),
    Column("Pays de naissance", "pays_naissance", "Pour une naissance à l'étranger."),
    Column("Courriel", "email", ""),
    Column("Téléphone", "telephone", ""),
    Column(
        "Situation",
        "situation",
        "Salarié, Demandeur d'emploi, Jeune en formation initiale, Autre.",
        False,
        Situation,
    ),
    Column("SIRET de l'employeur", "employeur_siret", "14 chiffres."),
    Column("IDCC de l'employeur", "employeur_idcc", "4 chiffres."),
    Column(
        "Certification",
        "certification",
        "Code RNCP ou RS (RNCP39912), ou intitulé exact pour un CQP non enregistré.",
        True,
    ),
    Column("Voie d'accès", "voie_acces", "Voir la liste.", True, VoieAcces),
    Column("Type de VAE", "voie_vae", "Pour la VAE seulement.", False, VoieVae),
    Column(
        "Initiative de l'inscription",
        "initiative",
        "Le candidat, l'organisme de formation, France Travail, l'employeur, autre.",
        False,
        Initiative,
    ),
    Column("Date d'inscription", "date_inscription", "JJ/MM/AAAA.", True),
    Column(
        "Expérience (mois)",
        "experience_mois",
        "Pour la VAE : durée d'expérience en rapport avec la certification.",
    ),
    Column("Financé par le CPF", "cpf", "Oui ou Non."),
    Column(
        "Blocs visés",
        "blocs_vises",
        "Codes des blocs séparés par des virgules ; vide : toute la certification.",
    ),
    Column(
        "SIRET de l'organisme de formation",
        "organisme_siret",
        "Pour un import par le certificateur ; ignoré pour un organisme de formation.",
    ),
    Column("NIR", "nir", "15 caractères ; collecté par le certificateur seulement."),
]
BY_KEY = {column.key: column for column in COLUMNS}
BY_HEADER = {normalise_header(column.header): column for column in COLUMNS}
