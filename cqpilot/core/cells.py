"""Cleaning one spreadsheet cell — text from a CSV or a typed value from Excel — into a value,
or a CellError whose message the user reads (in French) next to the row and column."""

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache

FRENCH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
# What XML 1.0 refuses (lxml writing the CDC file, a PDF) and PostgreSQL too (NUL): a control
# character is invisible in the cell, and would break a later export rather than the import.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class CellError(ValueError):
    pass


@lru_cache(maxsize=4096)  # a file repeats the same few choice labels on every row
def normalise_header(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", " ", plain.replace("*", "")).strip()


def printable(text: str) -> str:
    """`text` with its control characters shown as U+FFFD, for a message or a header."""
    return CONTROL_CHARACTERS.sub("\ufffd", text)


def refuse_control_characters(value: object) -> None:
    if isinstance(value, str) and (found := CONTROL_CHARACTERS.search(value)):
        raise CellError(
            f"caractère de contrôle invisible (U+{ord(found[0]):04X}) : retirez-le "
            "(retapez la cellule)."
        )


def as_text(value: object, max_length: int = 60) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    refuse_control_characters(value)
    text = " ".join(str(value).split())
    if len(text) > max_length:
        raise CellError(f"{len(text)} caractères : {max_length} au plus.")
    return text


def as_integer(value: object, low: int, high: int) -> int | None:
    if value in (None, ""):
        return None
    refuse_control_characters(value)
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
    refuse_control_characters(value)
    text = str(value).strip()
    if french := FRENCH_DATE.fullmatch(text):
        day, month, year = (int(part) for part in french.groups())
        try:
            return date(year, month, day)
        except ValueError:
            raise CellError(f"le {text} n'existe pas.") from None
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError(f"« {as_text(text, 40)} » n'est pas une date (attendu JJ/MM/AAAA).")


def as_bool(value: object) -> bool:
    text = normalise_header(as_text(value, 10))
    if text in ("", "non", "n", "0", "false", "faux"):
        return False
    if text in ("oui", "o", "1", "true", "vrai", "x"):
        return True
    raise CellError(f"« {value} » : attendu Oui ou Non.")


def choice_reader(choices: type) -> Callable[[object], str]:
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
