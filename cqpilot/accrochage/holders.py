"""The standalone tool's spreadsheet: one row per holder, read into passages with every fault
reported per row and column in French, before any XML is written.

Rules from the CDC's data dictionary that the XSD does not carry are checked here (see
docs/cdc.md); data that risks a « no holder matches » rejection is a warning.
"""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from django.db import models

from cqpilot.core.cells import (
    CellError,
    as_date,
    as_integer,
    as_text,
    choice_reader,
    normalise_header,
)
from cqpilot.core.tabular import Problem, TabularFileError, map_columns, read_table
from cqpilot.dossiers.identity import MARRIED_NAME_MARKER, unaccented_upper
from cqpilot.dossiers.models import Initiative, Sexe, VoieVae

from .flux import CertificationRef, Passage, Titulaire


class Obtention(models.TextChoices):
    PAR_ADMISSION = "PAR_ADMISSION", "Par admission"
    PAR_SCORING = "PAR_SCORING", "Par score"


class Mention(models.TextChoices):
    SANS_MENTION = "SANS_MENTION", "Sans mention"
    MENTION_ASSEZ_BIEN = "MENTION_ASSEZ_BIEN", "Assez bien"
    MENTION_BIEN = "MENTION_BIEN", "Bien"
    MENTION_TRES_BIEN = "MENTION_TRES_BIEN", "Très bien"
    MENTION_TRES_BIEN_AVEC_FELICITATIONS_DU_JURY = (
        "MENTION_TRES_BIEN_AVEC_FELICITATIONS_DU_JURY",
        "Très bien avec félicitations du jury",
    )


class ModaliteExamen(models.TextChoices):
    EN_PRESENTIEL = "EN_PRESENTIEL", "Présentiel"
    A_DISTANCE = "A_DISTANCE", "À distance"
    MIXTE = "MIXTE", "Mixte"


class ModaliteAcces(models.TextChoices):
    FORMATION_INITIALE_HORS_APPRENTISSAGE = (
        "FORMATION_INITIALE_HORS_APPRENTISSAGE",
        "Formation initiale hors apprentissage",
    )
    FORMATION_INITIALE_APPRENTISSAGE = "FORMATION_INITIALE_APPRENTISSAGE", "Apprentissage"
    FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION = (
        "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION",
        "Formation continue hors contrat de professionnalisation",
    )
    FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION = (
        "FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION",
        "Formation continue en contrat de professionnalisation",
    )
    VAE = "VAE", "VAE"
    EQUIVALENCE_DIPLOME_ETRANGER = "EQUIVALENCE_DIPLOME_ETRANGER", "Équivalence diplôme étranger"
    CANDIDAT_LIBRE = "CANDIDAT_LIBRE", "Candidat libre"


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    help: str
    required: bool = False
    choices: type | None = None
    kind: str = "text"  # text, date, integer
    max_length: int = 60


COLUMNS = [
    Column("Code de la certification", "code", "RNCP ou RS suivi du numéro, par exemple RNCP39912.", True, max_length=12),
    Column("Identifiant technique", "id_technique", "Facultatif : identifiant stable du passage chez vous. Vide : cqpilot en calcule un, toujours le même pour la même ligne.", max_length=255),
    Column("Nom de naissance", "nom_naissance", "Nom de naissance, sans « épouse » ni nom d'usage.", True),
    Column("Nom d'usage", "nom_usage", "Nom d'usage ou marital, s'il diffère."),
    Column("Prénom", "prenom1", "Premier prénom, en entier.", True),
    Column("Deuxième prénom", "prenom2", ""),
    Column("Troisième prénom", "prenom3", ""),
    Column("Sexe", "sexe", "Homme ou Femme (M ou F).", True, Sexe),
    Column("Jour de naissance", "jour_naissance", "1 à 31 ; vide s'il est inconnu.", kind="integer"),
    Column("Mois de naissance", "mois_naissance", "1 à 12 ; vide s'il est inconnu.", kind="integer"),
    Column("Année de naissance", "annee_naissance", "Quatre chiffres.", True, kind="integer"),
    Column("Code INSEE de naissance", "code_insee_naissance", "5 caractères (69123, 2A004) ; né(e) à l'étranger : 99 + code pays INSEE (99109).", max_length=5),
    Column("Code postal de naissance", "code_postal_naissance", "Seulement si le code INSEE est inconnu.", max_length=9),
    Column("Commune de naissance", "libelle_commune_naissance", ""),
    Column("Pays de naissance", "libelle_pays_naissance", "Obligatoire pour une naissance à l'étranger."),
    Column("Date de délivrance", "date_debut_validite", "Date de délivrance de la certification (JJ/MM/AAAA).", True, kind="date"),
    Column("Date de fin de validité", "date_fin_validite", "Vide : sans limite de validité.", kind="date"),
    Column("Obtention", "obtention", "Par admission, ou Par score.", False, Obtention),
    Column("Score", "scoring", "Seulement pour une obtention par score.", max_length=255),
    Column("Mention", "mention", "Seulement si la certification donne une mention.", False, Mention),
    Column("Début de l'examen", "date_debut_examen", "JJ/MM/AAAA.", kind="date"),
    Column("Fin de l'examen", "date_fin_examen", "JJ/MM/AAAA.", kind="date"),
    Column("Modalité de l'examen", "modalite_examen", "Présentiel, À distance ou Mixte.", False, ModaliteExamen),
    Column("Code postal du centre d'examen", "code_postal_centre", "", max_length=9),
    Column("Voie d'accès", "modalite_acces", "Voir la liste.", False, ModaliteAcces),
    Column("Type de VAE", "voie_vae", "Seulement pour la voie d'accès VAE.", False, VoieVae),
    Column("Initiative de l'inscription", "initiative", "", False, Initiative),
    Column("Date d'inscription", "date_inscription", "JJ/MM/AAAA.", kind="date"),
    Column("Option", "libelle_option", "Option ou spécialité, le cas échéant.", max_length=255),
]  # fmt: skip
BY_HEADER = {normalise_header(c.header): c for c in COLUMNS}
BY_KEY = {c.key: c for c in COLUMNS}
READERS = {c.key: choice_reader(c.choices) for c in COLUMNS if c.choices}
TITULAIRE_FIELDS = {
    "nom_naissance", "nom_usage", "prenom1", "prenom2", "prenom3", "sexe", "jour_naissance",
    "mois_naissance", "annee_naissance", "code_insee_naissance", "code_postal_naissance",
    "libelle_commune_naissance", "libelle_pays_naissance",
}  # fmt: skip
CODE = re.compile(r"^(RNCP|RS)\d{1,6}$")
INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


@dataclass
class Holders:
    rows: int = 0
    passages: list[tuple[CertificationRef, Passage]] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    id_flux: str = ""  # set once the file is written

    def by_certification(self) -> list[tuple[CertificationRef, list[Passage]]]:
        grouped: dict[CertificationRef, list[Passage]] = {}
        for ref, passage in self.passages:
            grouped.setdefault(ref, []).append(passage)
        return list(grouped.items())


def _clean(column: Column, raw: object) -> object:
    if column.choices:
        return READERS[column.key](raw)
    if column.kind == "date":
        return as_date(raw)
    if column.kind == "integer":
        bounds = {
            "jour_naissance": (1, 31),
            "mois_naissance": (1, 12),
            "annee_naissance": (1900, 2099),
        }
        return as_integer(raw, *bounds[column.key])
    text = as_text(raw, column.max_length)
    return text.upper() if column.key in ("code", "code_insee_naissance") else text


def stable_id(values: dict) -> str:
    """The same holder, certification and date of issue always give the same idTechnique, so that
    re-generating a file never makes the CDC see a new passage."""
    key = "|".join(
        str(values.get(k) or "")
        for k in (
            "code",
            "nom_naissance",
            "prenom1",
            "annee_naissance",
            "mois_naissance",
            "jour_naissance",
            "date_debut_validite",
        )
    )
    return "cqpilot-" + hashlib.sha256(unaccented_upper(key).encode()).hexdigest()[:32]


def read_holders(file: BinaryIO, filename: str, *, today: date | None = None) -> Holders:
    today = today or date.today()
    holders = Holders()
    try:
        table = read_table(file, filename)
    except TabularFileError as error:
        holders.errors.append(Problem(0, "", str(error)))
        return holders
    # A duplicated column is ignored here: the first one is read.
    mapped = map_columns(table.headers, COLUMNS, BY_HEADER)
    columns, missing = mapped.indexes, mapped.missing
    holders.warnings.extend(Problem(1, h, "colonne inconnue, ignorée.") for h in mapped.unknown)
    if missing:
        holders.errors.append(
            Problem(
                1,
                "",
                "colonne(s) obligatoire(s) absente(s) : "
                + ", ".join(missing)
                + ". Partez du modèle.",
            )
        )
        return holders
    seen: dict[str, int] = {}
    for line, cells in table.rows:
        holders.rows += 1
        values, errors = {}, []
        for key, index in columns.items():
            column = BY_KEY[key]
            try:
                values[key] = _clean(column, cells[index] if index < len(cells) else None)
            except CellError as error:
                errors.append(Problem(line, column.header, str(error)))
        for column in COLUMNS:
            if (
                column.required
                and values.get(column.key) in (None, "")
                and not any(e.column == column.header for e in errors)
            ):
                errors.append(Problem(line, column.header, "obligatoire."))
        if not errors:
            errors.extend(_dictionary_rules(line, values, today))
            holders.warnings.extend(_risks(line, values))
        if errors:
            holders.errors.extend(errors)
            continue
        passage = _passage(values)
        if passage.id_technique in seen:
            holders.errors.append(
                Problem(
                    line,
                    "",
                    f"même titulaire, même certification et même date de délivrance que la ligne {seen[passage.id_technique]}.",
                )
            )
            continue
        seen[passage.id_technique] = line
        code = values["code"]
        holders.passages.append(
            (CertificationRef("RNCP" if code.startswith("RNCP") else "RS", code), passage)
        )
    return holders


def _dictionary_rules(line: int, v: dict, today: date) -> list[Problem]:
    problems = []

    def fault(key: str, message: str) -> None:
        problems.append(Problem(line, BY_KEY[key].header if key else "", message))

    if not CODE.match(v["code"]):
        fault("code", f"« {v['code']} » : attendu RNCP ou RS suivi du numéro (RNCP39912, RS6117).")
    year, month, day = v["annee_naissance"], v.get("mois_naissance"), v.get("jour_naissance")
    if day and not month:
        fault("jour_naissance", "un jour de naissance sans mois n'a pas de sens.")
    elif day and month:
        try:
            date(year, month, day)
        except ValueError:
            fault("jour_naissance", f"le {day:02d}/{month:02d}/{year} n'existe pas.")
    insee, postal = v.get("code_insee_naissance", ""), v.get("code_postal_naissance", "")
    if insee and not INSEE.match(insee):
        fault(
            "code_insee_naissance",
            f"« {insee} » : 5 caractères attendus (69123, 2A004, ou 99109 pour l'étranger).",
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
    issued = v["date_debut_validite"]
    if issued > today:
        fault("date_debut_validite", "la date de délivrance est dans le futur.")
    if v.get("date_fin_validite") and v["date_fin_validite"] <= issued:
        fault("date_fin_validite", "la fin de validité doit suivre la date de délivrance.")
    start, end = v.get("date_debut_examen"), v.get("date_fin_examen")
    if start and end and end < start:
        fault("date_fin_examen", "la fin de l'examen précède son début.")
    if (end or start) and (end or start) > issued:
        fault("date_debut_validite", "la délivrance précède l'examen.")
    if v.get("date_inscription") and v["date_inscription"] > (start or issued):
        fault("date_inscription", "l'inscription suit l'examen ou la délivrance.")
    for key in (
        "date_debut_validite",
        "date_fin_validite",
        "date_debut_examen",
        "date_fin_examen",
        "date_inscription",
    ):
        if v.get(key) and not 1900 <= v[key].year <= 2099:
            fault(key, "année hors de la plage 1900–2099 acceptée par la Caisse des Dépôts.")
    scored = v.get("obtention") == Obtention.PAR_SCORING
    if scored and not v.get("scoring"):
        fault("scoring", "obligatoire pour une obtention par score.")
    if not scored and v.get("scoring"):
        fault("scoring", "un score n'a de sens que pour une obtention « Par score ».")
    if v.get("voie_vae") and v.get("modalite_acces") != ModaliteAcces.VAE:
        fault("voie_vae", "le type de VAE ne s'indique que pour la voie d'accès VAE.")
    return problems


def _risks(line: int, v: dict) -> list[Problem]:
    """Data the XSD accepts but that often makes the CDC answer « aucun titulaire ne correspond »."""
    risks = []
    if MARRIED_NAME_MARKER.search(unaccented_upper(v["nom_naissance"])):
        risks.append(
            Problem(
                line,
                "Nom de naissance",
                "ressemble à un nom d'épouse : la Caisse des Dépôts cherche le nom de naissance.",
            )
        )
    if v.get("nom_usage") and normalise_header(v["nom_usage"]) == normalise_header(
        v["nom_naissance"]
    ):
        risks.append(
            Problem(line, "Nom d'usage", "identique au nom de naissance : laissez-le vide.")
        )
    if re.fullmatch(r"\w\.?", v["prenom1"]):
        risks.append(
            Problem(
                line,
                "Prénom",
                "une initiale seulement : le titulaire risque de ne pas être retrouvé.",
            )
        )
    if not v.get("jour_naissance") or not v.get("mois_naissance"):
        risks.append(
            Problem(
                line,
                "Jour de naissance",
                "date de naissance incomplète : le titulaire sera plus difficile à retrouver.",
            )
        )
    if not v.get("code_insee_naissance") and not v.get("code_postal_naissance"):
        risks.append(
            Problem(
                line, "Code INSEE de naissance", "lieu de naissance inconnu : transmis vide (nil)."
            )
        )
    return risks


def _passage(v: dict) -> Passage:
    insee = v.get("code_insee_naissance", "")
    titulaire = Titulaire(**{k: v[k] for k in TITULAIRE_FIELDS if v.get(k) not in (None, "")})
    if insee.startswith("99"):
        titulaire.code_pays_naissance = insee[2:]
    other = {
        k: v[k] for k in v if k not in TITULAIRE_FIELDS and k != "code" and v[k] not in (None, "")
    }
    other.setdefault("obtention", Obtention.PAR_ADMISSION)
    other["id_technique"] = other.get("id_technique") or stable_id(v)
    return Passage(titulaire=titulaire, **other)
