"""A spreadsheet of holders in, the CDC files out: read → check each row → name each passage →
write and validate, one row at a time (200,000 rows in a few seconds and a flat memory).

Every fault is reported, each row with all its faulty cells. By default no file is written
while a row is faulty; with `valid_rows_only` the valid rows are written and the others given
back, annotated, in a workbook to correct and upload again.
"""

import contextlib
import gc
import json
import secrets
from array import array
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from cqpilot.core.french import accorde, compte
from cqpilot.core.tabular import Problem

from . import writer
from .history import ACCEPTE, DEPOSE, NO_HISTORY, History, Known, corrected_passage, identite
from .rows import Row, RowReader, identity_key
from .sheet import Limits, SheetRefused, opened_sheet
from .writer import FluxFiles, Head, WrittenFile, passage_text

MAX_REPORTED = 1000  # problems kept to show; all are counted (and in the annotated workbook)
LOOKUP_BATCH = 1000
PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class CdcIds:
    id_client: str
    id_contrat: str
    id_client_emetteur: str = ""

    def problems(self) -> list[str]:
        problems = []
        if len(self.id_client) != 8:
            problems.append(
                f"L'identifiant client CDC « {self.id_client} » doit comporter 8 caractères (il "
                "figure dans votre espace certificateur)."
            )
        if self.id_client_emetteur and len(self.id_client_emetteur) != 8:
            problems.append(
                f"L'identifiant client du déposant « {self.id_client_emetteur} » doit comporter "
                "8 caractères."
            )
        if not 1 <= len(self.id_contrat) <= 20:
            problems.append("Le numéro de contrat CDC comporte de 1 à 20 caractères.")
        return problems


@dataclass
class Excluded:
    """A holder the CDC already accepted, left out of the files."""

    line: int
    id_technique: str
    titulaire: str


@dataclass
class Generation:
    rows: int = 0
    passages: int = 0
    id_flux: str = ""
    files: list[WrittenFile] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    error_count: int = 0
    faulty_rows: int = 0  # rows with an error
    warnings: list[Problem] = field(default_factory=list)
    warning_count: int = 0
    excluded: list[Excluded] = field(default_factory=list)
    excluded_count: int = 0
    faulty_workbook: Path | None = None  # the rows in error, annotated (valid rows only)
    records: Path | None = None  # the passages written, for the history: one JSON a line
    has_nir: bool = False  # the sheet holds NIRs

    def error(self, problem: Problem) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(problem)

    def warning(self, problem: Problem) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_REPORTED:
            self.warnings.append(problem)

    @property
    def is_written(self) -> bool:
        return bool(self.files)


def new_id_flux(moment: datetime) -> str:
    """A new idFlux for every file: the CDC answers each file by it."""
    return f"cqpilot-{moment:%Y%m%d-%H%M%S}-{secrets.token_hex(4)}"


def generate(
    file: BinaryIO,
    filename: str,
    *,
    directory: Path,
    ids: CdcIds,
    schema: str = "1.1.2",
    valid_rows_only: bool = False,
    history: History = NO_HISTORY,
    stem: str = "flux",
    today: date | None = None,
    limits: Limits | None = None,
    max_passages: int | None = None,
    max_bytes: int | None = None,
) -> Generation:
    """Read the holders and write their CDC files in `directory` (`stem`.xml, or `stem`-1.xml,
    `stem`-2.xml… beyond the CDC's limits), each validated against the schema."""
    now = datetime.now(PARIS)
    result = Generation(id_flux=new_id_flux(now))
    for problem in ids.problems():
        result.error(Problem(0, "", problem))
    head = Head(
        horodatage=now,
        id_client_emetteur=ids.id_client_emetteur or ids.id_client,
        id_client_certificateur=ids.id_client,
        id_contrat=ids.id_contrat,
        schema=schema,
    )
    run = _Run(
        result,
        directory,
        head,
        stem,
        valid_rows_only,
        history,
        max_passages or writer.MAX_PASSAGES,
        max_bytes or writer.MAX_BYTES,
    )
    try:
        with _fewer_collections(), opened_sheet(file, filename, limits) as sheet:
            reader = RowReader(sheet.headers, schema=schema, today=today)
            for problem in reader.errors:
                result.error(problem)
            for problem in reader.warnings:
                result.warning(problem)
            if reader.errors:
                run.discard()
                return result
            run.headers = sheet.headers
            for line, cells in sheet.rows:
                run.read(reader.read(line, cells), cells)
            run.flush()
    except SheetRefused as refusal:
        result.error(Problem(0, "", str(refusal)))
        run.discard()
        return result
    except BaseException:
        run.discard()
        raise
    run.finish()
    return result


@contextlib.contextmanager
def _fewer_collections():
    """The cyclic garbage collector run a hundred times less often while the rows are read:
    each row makes and drops a few dicts and lists (their memory is freed as they are dropped,
    none is in a cycle), and each collection would look at them and at everything the process
    holds: an eighth of the time of a generation."""
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], 70_000), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


class _Run:
    """One generation under way."""

    def __init__(
        self, result, directory, head, stem, valid_rows_only, history, max_passages, max_bytes
    ):
        self.result, self.history, self.valid_rows_only = result, history, valid_rows_only
        self.writer = FluxFiles(
            directory,
            head,
            id_flux=result.id_flux,
            stem=stem,
            max_passages=max_passages,
            max_bytes=max_bytes,
        )
        self.directory, self.stem = directory, stem
        self.headers: list[str] = []
        self.faulty = None  # the rows in error (workbooks.FaultyRows), with valid rows only
        self.batch: list[tuple[Row, list[object] | None]] = []
        self.seen = _Seen()
        self.taken: set[str] = set()  # ids of rejected passages a row of this file corrects
        self.pending: list[int] = []  # lines of holders in a file not answered yet
        self.records = None
        if history.keeps_records:
            result.records = directory / f".{stem}-passages.jsonl"
            self.records = result.records.open("w", encoding="utf-8", buffering=1024 * 1024)

    @property
    def writing(self) -> bool:
        return self.valid_rows_only or not self.result.error_count

    def read(self, row: Row, cells: list[object]) -> None:
        result = self.result
        result.rows += 1
        if row.values.get("has_nir"):
            result.has_nir = True
        for problem in row.warnings:
            result.warning(problem)
        if row.errors:
            result.faulty_rows += 1
            for problem in row.errors:
                result.error(problem)
            if self.valid_rows_only:
                self._faulty().add(cells, row.errors)
            return
        if self.writing:
            self.batch.append((row, cells if self.valid_rows_only else None))
            if len(self.batch) >= LOOKUP_BATCH:
                self.flush()

    def flush(self) -> None:
        """Name the passages of the rows read, and write them."""
        batch, self.batch = self.batch, []
        if not batch or not self.writing:
            return
        keys = [identity_key(row.values) for row, _cells in batch]
        if self.history is NO_HISTORY:
            by_id, by_key = {}, {}
        else:
            given = {row.values["id_technique"] for row, _ in batch if "id_technique" in row.values}
            by_id, by_key = self.history.lookup(given, set(keys))
        for (row, cells), key in zip(batch, keys, strict=True):
            self._write(row, cells, key, by_id, by_key)

    def _write(self, row: Row, cells, key: str, by_id: dict, by_key: dict) -> None:
        v, result = row.values, self.result
        given = v.get("id_technique")
        # The same holder, certification and date of issue under another id is the same
        # passage: accepted, it is not sent again under a new id either.
        known: Known | None = (by_id.get(given) if given else None) or by_key.get(key)
        if not given and known is None:
            known = corrected_passage(
                v, self.history.rejected(v["code"], v["date_debut_validite"]), self.taken
            )
            if known is not None:
                self.taken.add(known.id_technique)
                result.warning(
                    Problem(
                        row.line,
                        "",
                        f"correction du titulaire rejeté « {known.titulaire} » "
                        f"({known.message or 'rejeté'}) : il garde son identifiant technique "
                        f"{known.id_technique}.",
                    )
                )
        id_technique = given or (known.id_technique if known else f"cqpilot-{key}")
        if known is not None and known.status == ACCEPTE and not v.get("correction"):
            result.excluded_count += 1
            if len(result.excluded) < MAX_REPORTED:
                result.excluded.append(Excluded(row.line, id_technique, row.holder))
            return
        if known is not None and known.status == DEPOSE:
            self.pending.append(row.line)
        first = self.seen.add(id_technique, row.line)
        if first is not None:
            result.faulty_rows += 1
            problem = Problem(
                row.line,
                "",
                f"même titulaire, même certification et même date de délivrance que la ligne "
                f"{first}."
                if not given
                else f"identifiant technique déjà utilisé ligne {first}.",
            )
            result.error(problem)
            if self.valid_rows_only:
                self._faulty().add(cells or [], [problem])
            return
        self.writer.add(v["code"], row.line, id_technique, passage_text(id_technique, v))
        result.passages += 1
        if self.records is not None:
            self.records.write(
                json.dumps(
                    [
                        id_technique,
                        key,
                        v["code"],
                        v["date_debut_validite"].isoformat(),
                        row.holder[:200],
                        identite(v),
                    ],
                    ensure_ascii=False,
                )
                + "\n"
            )

    def _faulty(self):
        if self.faulty is None:
            from .workbooks import FaultyRows  # openpyxl, only when a row is faulty

            path = self.directory / f"{self.stem}-lignes-en-erreur.xlsx"
            self.faulty = FaultyRows(path, self.headers)
        return self.faulty

    def finish(self) -> None:
        result = self.result
        if result.has_nir and self.writer.head.schema != "2026":
            result.warning(
                Problem(
                    1,
                    "NIR",
                    "les NIR ne sont transmis qu'avec le schéma 2026 : ce fichier au schéma "
                    "1.1.2 identifie les titulaires par leur nom, leur prénom et leur naissance.",
                )
            )
        if self.pending:
            lines = ", ".join(str(line) for line in self.pending[:10])
            result.warning(
                Problem(
                    0,
                    "",
                    f"{compte(len(self.pending), 'titulaire')} "
                    f"({accorde(len(self.pending), 'ligne', 'lignes')} {lines}"
                    f"{'…' if len(self.pending) > 10 else ''}) "
                    f"{accorde(len(self.pending), 'figure', 'figurent')} déjà dans un fichier dont "
                    "l'accusé de traitement n'est pas enregistré : s'il a été déposé, enregistrez "
                    "son accusé, sinon ne déposez que ce nouveau fichier.",
                )
            )
        if self.records is not None:
            self.records.close()
        if self.faulty is not None:
            result.faulty_workbook = self.faulty.close()
        if result.error_count and not self.valid_rows_only:
            self.discard()
            return
        files, faults = self.writer.close()
        for line, message in faults:
            result.error(Problem(line, "", message))
        result.files = files
        if result.passages == 0 and not result.error_count and not result.excluded_count:
            result.error(Problem(0, "", "Aucun titulaire dans le fichier."))

    def discard(self) -> None:
        self.writer.discard()
        if self.faulty is not None and (written := self.faulty.close()) is not None:
            written.unlink()  # openpyxl's write-only sheet must be saved to be closed
        self.result.faulty_workbook = None
        if self.records is not None:
            self.records.close()
            Path(self.records.name).unlink(missing_ok=True)
            self.result.records = None


class _Seen:
    """The idTechniques written so far, with their line: a table of their 64-bit hashes (6 Mo
    for 200,000, against 25 as a dict of strings); two ids of a file sharing a hash is a chance
    of one in 10^9 for 200,000 rows."""

    def __init__(self) -> None:
        self.size = 1 << 12
        self.hashes = array("q", bytes(8 * self.size))
        self.lines = array("I", bytes(4 * self.size))
        self.count = 0

    def add(self, id_technique: str, line: int) -> int | None:
        """None, or the line that used this id first."""
        value = hash(id_technique) or 1
        mask = self.size - 1
        slot = value & mask
        hashes = self.hashes
        while hashes[slot]:
            if hashes[slot] == value:
                return self.lines[slot]
            slot = (slot + 1) & mask
        hashes[slot], self.lines[slot] = value, line
        self.count += 1
        if self.count * 2 > self.size:
            self._grow()
        return None

    def _grow(self) -> None:
        old_hashes, old_lines = self.hashes, self.lines
        self.size *= 2
        self.hashes = array("q", bytes(8 * self.size))
        self.lines = array("I", bytes(4 * self.size))
        mask = self.size - 1
        for value, line in zip(old_hashes, old_lines, strict=True):
            if not value:
                continue
            slot = value & mask
            while self.hashes[slot]:
                slot = (slot + 1) & mask
            self.hashes[slot], self.lines[slot] = value, line
