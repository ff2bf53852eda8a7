"""One row of the holders sheet: each cell cleaned, each rule checked, and every fault of the row
reported at once, each with its column.

Rules from the CDC's data dictionary that the XSD does not carry are checked here (docs/cdc.md);
data that risks a « no holder matches » rejection is a warning. A row runs once per holder of a
file of hundreds of thousands: a cell's value is cleaned once per distinct value of its column.
"""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from cqpilot.core.cells import (
    FRENCH_DATE,
    CellError,
    as_bool,
    as_date,
    as_integer,
    as_text,
    choice_reader,
    normalise_header,
    refuse_control_characters,
)
from cqpilot.core.french import accorde
from cqpilot.core.tabular import Problem
from cqpilot.core.validators import nir_problems, normalise_nir
from cqpilot.dossiers.identity import MARRIED_NAME_MARKER, normalise_name, unaccented_upper

from ..flux import national_identifier
from .columns import ANNOTATIONS, BY_HEADER, BY_KEY, EXAMPLE, Column, ModaliteAcces, Obtention

REQUIRED = ("code", "nom_naissance", "prenom1", "sexe", "date_debut_validite")
ALL_REQUIRED = frozenset(REQUIRED)
UNCACHED = {"id_technique", "nom_naissance", "nom_usage", "nir", "prenom2", "prenom3"}
CODE = re.compile(r"^(RNCP|RS)\d{1,6}$")
INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
POSTAL = re.compile(r"^\d{5}$")
NIR13 = re.compile(r"^[1-478]\d{4}(2[AB]|\d{2})\d{6}$")
PARTIAL_BIRTH = re.compile(r"(?:(\d{1,2})/)?(\d{4})")
INITIAL = re.compile(r"\w\.?")
BOUNDS = {"jour_naissance": (1, 31), "mois_naissance": (1, 12), "annee_naissance": (1900, 2099)}
DATES = (
    "date_debut_validite",
    "date_fin_validite",
    "date_debut_examen",
    "date_fin_examen",
    "date_inscription",
)
# The identity that names a passage when no idTechnique is given (same formula since the first
# version of the tool, so that ids already deposited stay the same).
KEY_FIELDS = (
    "code",
    "nom_naissance",
    "prenom1",
    "annee_naissance",
    "mois_naissance",
    "jour_naissance",
    "date_debut_validite",
)


@dataclass
class Row:
    line: int
    values: dict
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def holder(self) -> str:
        v = self.values
        return f"{v.get('nom_naissance', '').upper()} {v.get('prenom1', '')}".strip()


def identity_key(values: dict) -> str:
    """The same holder, certification and date of issue always give the same key: the SHA-256
    of plain_upper("|".join(the KEY_FIELDS' values)). plain_upper works character by character
    and « | » stays itself, so each value is made plain apart: the repeated ones once (a code, a
    first name, a date), only the birth name for each holder."""
    get = values.get
    name = get("nom_naissance")
    text = "|".join(
        [
            _plain(get("code")),
            _plain_name(name) if name else "",
            _plain(get("prenom1")),
            _plain(get("annee_naissance")),
            _plain(get("mois_naissance")),
            _plain(get("jour_naissance")),
            _plain(get("date_debut_validite")),
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


_plains: dict[object, str] = {}
_plain_names: dict[str, str] = {}


def _plain_name(name: str) -> str:
    """plain_upper(name), remembered from the row's checks (_risks) to its identity key, which
    is computed when a batch of rows is written."""
    try:
        return _plain_names[name]
    except KeyError:
        if len(_plain_names) > 4096:
            _plain_names.clear()
        plain = _plain_names[name] = plain_upper(name)
        return plain


def _plain(value: object) -> str:
    """plain_upper(str(value or "")), remembered for the values a sheet repeats."""
    try:
        return _plains[value]
    except KeyError:
        if len(_plains) > 20_000:
            _plains.clear()
        text = _plains[value] = plain_upper(str(value or ""))
        return text


# unaccented_upper for each character of Latin-1 and Latin Extended-A: a whole text of these
# gives the same as unaccented_upper, character by character (a decomposition never spans two).
LATIN = {code: unaccented_upper(chr(code)) for code in range(0x80, 0x180)}


def plain_upper(text: str) -> str:
    """unaccented_upper(text), faster for the Latin texts of a holders sheet."""
    if text.isascii():
        return text.upper()
    if max(text) < "\u0180":
        return text.translate(LATIN).upper()
    return unaccented_upper(text)


def _birth(value: object) -> tuple[int, int | None, int | None] | None:
    """A full or partial birth date: 12/03/1998, 03/1998 or 1998."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.year, value.month, value.day
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return int(value), None, None
    refuse_control_characters(value)
    text = str(value).strip()
    if FRENCH_DATE.fullmatch(text) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        born = as_date(text)
        return born.year, born.month, born.day
    if partial := PARTIAL_BIRTH.fullmatch(text):
        month = int(partial[1]) if partial[1] else None
        if month is not None and not 1 <= month <= 12:
            raise CellError(f"« {text} » : le mois {month} n'existe pas.")
        return int(partial[2]), month, None
    raise CellError(
        f"« {as_text(text, 40)} » n'est pas une date de naissance (JJ/MM/AAAA, ou MM/AAAA et "
        "AAAA si le jour ou le mois est inconnu)."
    )


def _cleaner(column: Column):
    if column.choices:
        return choice_reader(column.choices)
    if column.kind == "date":
        return as_date
    if column.kind == "birth":
        return _birth
    if column.kind == "bool":
        return as_bool
    if column.kind == "integer":
        low, high = BOUNDS[column.key]
        return lambda raw: as_integer(raw, low, high)
    limit = column.max_length
    if column.is_code and column.key != "id_technique":
        return lambda raw: as_text(raw, limit).upper()
    return lambda raw: as_text(raw, limit)


class RowReader:
    """Reads the rows of one sheet, its columns found once from its header."""

    def __init__(self, headers: list[str], *, schema: str = "1.1.2", today: date | None = None):
        self.schema, self.today = schema, today or date.today()
        self.errors: list[Problem] = []  # of the header: no row is read when there is one
        self.warnings: list[Problem] = []
        indexes: dict[str, int] = {}
        for index, header in enumerate(headers):
            column = BY_HEADER.get(normalise_header(header))
            if column is None:
                if header and header not in ANNOTATIONS:
                    self.warnings.append(Problem(1, header, "colonne inconnue, ignorée."))
            elif column.key in indexes:
                self.errors.append(
                    Problem(1, header, "colonne présente deux fois : gardez-en une seule.")
                )
            else:
                indexes[column.key] = index
        missing = [BY_KEY[key].header for key in REQUIRED if key not in indexes]
        if "date_naissance" not in indexes and "annee_naissance" not in indexes:
            missing.append("Date de naissance (ou Année de naissance)")
        if missing:
            self.errors.append(
                Problem(
                    1,
                    "",
                    accorde(
                        len(missing),
                        "colonne obligatoire absente : ",
                        "colonnes obligatoires absentes : ",
                    )
                    + ", ".join(missing)
                    + ". Partez du modèle.",
                )
            )
        self.indexes = indexes
        # For each column: its key, position, header, cleaner and the values cleaned already.
        self.plan = [
            (key, index, BY_KEY[key].header, _cleaner(BY_KEY[key]), None if key in UNCACHED else {})
            for key, index in indexes.items()
        ]
        self.year_header = BY_KEY[
            "date_naissance" if "date_naissance" in indexes else "annee_naissance"
        ].header

    def read(self, line: int, cells: list[object]) -> Row:
        values: dict = {}
        row = Row(line, values)
        failed = set()
        width = len(cells)
        for key, index, header, clean, memo in self.plan:
            raw = cells[index] if index < width else None
            if raw is None or raw == "":
                continue
            # True == 1 for a dict: a boolean cell is cleaned on its own.
            if memo is not None and raw.__class__ is not bool:
                try:
                    value = memo[raw]
                except KeyError:
                    try:
                        value = clean(raw)
                    except CellError as error:
                        value = error
                    if len(memo) > 20_000:
                        memo.clear()
                    memo[raw] = value
            else:
                try:
                    value = clean(raw)
                except CellError as error:
                    value = error
            if isinstance(value, CellError):
                row.errors.append(Problem(line, header, str(value)))
                failed.add(key)
            elif value is not None and value != "":
                values[key] = value
        self._rules(row, failed)
        return row

    def _rules(self, row: Row, failed: set[str]) -> None:
        v, line = row.values, row.line
        errors, warnings = row.errors, row.warnings

        def fault(key: str, message: str) -> None:
            errors.append(Problem(line, BY_KEY[key].header if key else "", message))

        if not v.keys() >= ALL_REQUIRED:
            for key in REQUIRED:
                if key not in v and key not in failed:
                    fault(key, "obligatoire.")
        self._birth_rules(row, failed, fault)
        if "code" in v and not CODE.match(v["code"]):
            fault(
                "code", f"« {v['code']} » : attendu RNCP ou RS suivi du numéro (RNCP39912, RS6117)."
            )
        self._place_rules(v, fault)
        self._date_rules(v, fault)
        scored = v.get("obtention") == Obtention.PAR_SCORING
        if scored and "scoring" not in v and "scoring" not in failed:
            fault("scoring", "obligatoire pour une obtention par score.")
        if not scored and "scoring" in v and "obtention" not in failed:
            fault("scoring", "un score n'a de sens que pour une obtention « Par score ».")
        if (
            "voie_vae" in v
            and v.get("modalite_acces") != ModaliteAcces.VAE
            and "modalite_acces" not in failed
        ):
            fault("voie_vae", "le type de VAE ne s'indique que pour la voie d'accès VAE.")
        if "nir" in v:
            self._nir_rules(row, failed, fault)
        if "nom_naissance" in v and "prenom1" in v and self._is_the_example(v):
            errors.append(
                Problem(
                    line,
                    "",
                    "c'est la ligne d'exemple du modèle (Lucas Martin, né le 12/03/1998) : "
                    "supprimez-la, elle ne doit pas être déposée.",
                )
            )
        warnings.extend(self._risks(line, v, failed, self.year_header))
        if not errors:
            v.setdefault("obtention", Obtention.PAR_ADMISSION)
            insee = v.get("code_insee_naissance", "")
            if insee.startswith("99"):
                v["code_pays_naissance"] = insee[2:]

    def _birth_rules(self, row: Row, failed: set[str], fault) -> None:
        v = row.values
        born = v.pop("date_naissance", None)
        if born is not None:
            three = (v.get("annee_naissance"), v.get("mois_naissance"), v.get("jour_naissance"))
            if any(three) and tuple(three) != born:
                fault(
                    "date_naissance",
                    "ne correspond pas aux colonnes Jour, Mois et Année de naissance : gardez "
                    "l'une ou les autres.",
                )
                return
            year, month, day = born
            v["annee_naissance"] = year
            if month is not None:
                v["mois_naissance"] = month
            if day is not None:
                v["jour_naissance"] = day
        if failed and failed & {"date_naissance", "annee_naissance"}:
            return
        year, month, day = (
            v.get("annee_naissance"),
            v.get("mois_naissance"),
            v.get("jour_naissance"),
        )
        key = "date_naissance" if "date_naissance" in self.indexes else "annee_naissance"
        if year is None:
            row.errors.append(Problem(row.line, self.year_header, "obligatoire."))
            return
        if not 1900 <= year <= self.today.year:
            fault(key, f"l'année de naissance {year} n'est pas plausible.")
            return
        if day and not month and "mois_naissance" not in failed:
            fault("jour_naissance", "un jour de naissance sans mois n'a pas de sens.")
        elif day and month:
            try:
                born_on = date(year, month, day)
            except ValueError:
                fault(
                    "jour_naissance" if "jour_naissance" in self.indexes else key,
                    f"le {day:02d}/{month:02d}/{year} n'existe pas.",
                )
            else:
                if born_on > self.today:
                    fault(key, "la date de naissance est dans le futur.")

    def _place_rules(self, v: dict, fault) -> None:
        insee, postal = v.get("code_insee_naissance", ""), v.get("code_postal_naissance", "")
        if insee and not INSEE.match(insee):
            fault(
                "code_insee_naissance",
                _lost_zero(insee)
                or f"« {insee} » : 5 caractères attendus (69123, 2A004, ou 99109 pour l'étranger).",
            )
        if postal and not POSTAL.match(postal):
            fault(
                "code_postal_naissance",
                _lost_zero(postal) or f"« {postal} » : un code postal compte 5 chiffres.",
            )
        if insee and postal:
            fault(
                "code_postal_naissance",
                "indiquez le code INSEE ou le code postal de naissance, pas les deux.",
            )
        if insee.startswith("99") and not v.get("libelle_pays_naissance"):
            fault(
                "libelle_pays_naissance",
                "obligatoire pour une naissance à l'étranger (code INSEE en 99).",
            )
        centre = v.get("code_postal_centre", "")
        if centre and (message := _lost_zero(centre)):
            fault("code_postal_centre", message)

    def _date_rules(self, v: dict, fault) -> None:
        issued = v.get("date_debut_validite")
        if issued and issued > self.today:
            fault("date_debut_validite", "la date de délivrance est dans le futur.")
        if issued and v.get("date_fin_validite") and v["date_fin_validite"] <= issued:
            fault("date_fin_validite", "la fin de validité doit suivre la date de délivrance.")
        start, end = v.get("date_debut_examen"), v.get("date_fin_examen")
        if start and end and end < start:
            fault("date_fin_examen", "la fin de l'examen précède son début.")
        if issued and (end or start) and (end or start) > issued:
            fault("date_debut_validite", "la délivrance précède l'examen.")
        enrolled = v.get("date_inscription")
        if enrolled and (start or issued) and enrolled > (start or issued):
            fault("date_inscription", "l'inscription suit l'examen ou la délivrance.")
        for key in DATES:
            if key in v and not 1900 <= v[key].year <= 2099:
                fault(key, "année hors de la plage 1900–2099 acceptée par la Caisse des Dépôts.")

    def _nir_rules(self, row: Row, failed: set[str], fault) -> None:
        v = row.values
        nir = normalise_nir(v.pop("nir"))
        if len(nir) == 15:
            insee = v.get("code_insee_naissance", "")
            problems = nir_problems(
                nir,
                sexe=v.get("sexe", ""),
                annee_naissance=v.get("annee_naissance"),
                mois_naissance=v.get("mois_naissance"),
                departement_naissance="99" if insee.startswith("99") else insee[:2],
            )
        elif len(nir) == 13 and NIR13.match(nir):
            problems = []
            row.warnings.append(
                Problem(
                    row.line,
                    "NIR",
                    "sans sa clé (2 derniers chiffres), il n'a pas pu être vérifié.",
                )
            )
        else:
            problems = [
                "Le NIR comporte 15 caractères : 13 chiffres (2A ou 2B pour la Corse) et une clé."
            ]
        for problem in problems:
            fault("nir", problem[:1].lower() + problem[1:])
        if problems:
            return
        v["has_nir"] = True
        if self.schema != "2026":
            return  # not sent: the file-level warning says so once
        sent, refusal = national_identifier(nir)
        if sent:
            v["nir13"] = sent
        else:
            row.warnings.append(Problem(row.line, "NIR", refusal))

    @staticmethod
    def _is_the_example(v: dict) -> bool:
        return (
            (v.get("annee_naissance"), v.get("mois_naissance"), v.get("jour_naissance"))
            == (1998, 3, 12)
            and v.get("code_insee_naissance") == EXAMPLE["code_insee_naissance"]
            and normalise_name(v["nom_naissance"]) == "MARTIN"
            and normalise_name(v["prenom1"]) == "LUCAS"
        )

    @staticmethod
    def _risks(line: int, v: dict, failed: set[str], birth_header: str) -> list[Problem]:
        """Data the XSD accepts but that often makes the CDC answer « aucun titulaire ne
        correspond »."""
        risks = []
        name = v.get("nom_naissance", "")
        if name and MARRIED_NAME_MARKER.search(_plain_name(name)):
            risks.append(
                Problem(
                    line,
                    "Nom de naissance",
                    "ressemble à un nom d'épouse : la Caisse des Dépôts cherche le nom de naissance.",
                )
            )
        if v.get("nom_usage") and normalise_header(v["nom_usage"]) == normalise_header(name):
            risks.append(
                Problem(line, "Nom d'usage", "identique au nom de naissance : laissez-le vide.")
            )
        if INITIAL.fullmatch(v.get("prenom1", "")):
            risks.append(
                Problem(
                    line,
                    "Prénom",
                    "une initiale seulement : le titulaire risque de ne pas être retrouvé.",
                )
            )
        incomplete = not (v.get("jour_naissance") and v.get("mois_naissance"))
        if (
            "annee_naissance" in v
            and incomplete
            and not failed & {"jour_naissance", "mois_naissance", "date_naissance"}
        ):
            risks.append(
                Problem(
                    line,
                    "Jour de naissance" if birth_header != "Date de naissance" else birth_header,
                    "date de naissance incomplète : le titulaire sera plus difficile à retrouver.",
                )
            )
        if (
            not v.get("code_insee_naissance")
            and not v.get("code_postal_naissance")
            and not failed & {"code_insee_naissance", "code_postal_naissance"}
        ):
            risks.append(
                Problem(
                    line,
                    "Code INSEE de naissance",
                    "lieu de naissance inconnu : transmis vide (nil).",
                )
            )
        return risks


def _lost_zero(code: str) -> str | None:
    if code.isdigit() and len(code) == 4:
        return (
            f"« {code} » : 4 chiffres au lieu de 5 : le tableur a sans doute supprimé le zéro "
            f"du début (0{code}). Mettez la colonne au format Texte et saisissez 0{code}."
        )
    return None
