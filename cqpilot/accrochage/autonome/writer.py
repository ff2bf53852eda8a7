"""The standalone tool's CDC files: written passage by passage, split under the CDC's limits
(200,000 passages and 200 MB a file), each passage checked against the schema while the next
rows are read.

A passage is one line of text, written from a row's cleaned values (flux.py's `passage_xml`
writes the same elements from a Passage; this writer skips building one per row). Passages are
spooled per certification, since a file groups them by certification and a sheet mixes them,
then copied into the files. Every passage is validated against the XSD as it is spooled: in
batches, each a document made of the file's own header, the passages' certification and the
passages, parsed and validated by lxml in a thread while the main one reads the next rows
(libxml2 runs there without Python's lock). The XSD has no constraint across passages, so
validating the batches validates the passages; each file's own envelope is validated too.
The parts passages share (the certification's data, a birth place) are validated with the first
passage that has them; of the others, what is left (their idTechnique and identificationTitulaire)
is validated against its own declaration in the schema (validation.holder_schema): a third of
the bytes.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from lxml import etree

from ..flux import CPF, MAX_BYTES, MAX_PASSAGES, XSI, format_horodatage
from ..schema import located, schema
from .validation import HOLDERS_HEAD, HOLDERS_TAIL, Validator

BATCH = 400  # passages validated together: about 6 Mo of tree
HOLDER_BATCH = 1500  # the part left of passages validated together: about 5 Mo of tree
CERTIFICATION_END = b"</cpf:passageCertifications></cpf:certification>\n"
TAIL = b"</cpf:certifications></cpf:certificateur></cpf:certificateurs></cpf:emetteur></cpf:flux>\n"


@dataclass(frozen=True)
class Head:
    """What every file of a deposit starts with."""

    horodatage: datetime
    id_client_emetteur: str
    id_client_certificateur: str
    id_contrat: str
    schema: str = "1.1.2"  # "2026": with flux/action and the holders' NIR


@dataclass
class WrittenFile:
    path: Path
    id_flux: str
    passages: int
    size: int
    certifications: list[str] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)  # passages of each certification, in order


def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _text(value: object) -> str:
    # Cleaned rows hold no character XML refuses (core.cells refuses control characters); the
    # validation of every passage would tell one.
    if isinstance(value, str):
        return _escape(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _element(name: str, value: object) -> str:
    return f"<cpf:{name}>{_text(value)}</cpf:{name}>"


def _optional(name: str, value: object) -> str:
    return "" if value is None or value == "" else f"<cpf:{name}>{_text(value)}</cpf:{name}>"


def _nillable(name: str, value: object) -> str:
    if value is None or value == "":
        return f'<cpf:{name} xsi:nil="true"/>'
    return f"<cpf:{name}>{_text(value)}</cpf:{name}>"


# A sheet repeats its certification's data on every row: the elements between idTechnique and
# identificationTitulaire, and the birth place, are built once for each distinct set of values.
MIDDLE = (
    "libelle_option",
    "obtention",
    "date_debut_examen",
    "date_fin_examen",
    "modalite_examen",
    "code_postal_centre",
    "date_debut_validite",
    "date_fin_validite",
    "scoring",
    "mention",
    "modalite_acces",
    "voie_vae",
    "initiative",
    "date_inscription",
)
PLACE = (
    "code_insee_naissance",
    "code_postal_naissance",
    "libelle_commune_naissance",
    "code_pays_naissance",
    "libelle_pays_naissance",
)
_middles: dict[tuple, str] = {}
_places: dict[tuple, str] = {}


def _middle(values: tuple) -> str:
    (option, obtention, debut, fin, modalite, centre, validite, fin_validite, scoring, mention,
     acces, vae, initiative, inscription) = values  # fmt: skip
    return "".join(
        [
            _optional("libelleOption", option),
            _element("obtentionCertification", obtention),
            "<cpf:donneeCertifiee>true</cpf:donneeCertifiee>",
            _optional("dateDebutExamen", debut),
            _optional("dateFinExamen", fin),
            _optional("modalitePassageExamen", modalite),
            _optional("codePostalCentreExamen", centre),
            _element("dateDebutValidite", validite),
            _nillable("dateFinValidite", fin_validite),
            "<cpf:presenceNiveauLangueEuro>false</cpf:presenceNiveauLangueEuro>",
            "<cpf:presenceNiveauNumeriqueEuro>false</cpf:presenceNiveauNumeriqueEuro>",
            _nillable("scoring", scoring),
            _nillable("mentionValidee", mention),
            "<cpf:modalitesInscription>",
            _nillable("modaliteAcces", acces),
            _optional("voieAccessVAE", vae),
            _optional("initiativeInscription", initiative),
            _optional("dateInscription", inscription),
            "</cpf:modalitesInscription>",
        ]
    )


def _place(values: tuple) -> str:
    insee, postal, commune, pays, libelle_pays = values
    if insee:
        code = f"<cpf:codeInseeNaissance>{_element('codeInsee', insee)}</cpf:codeInseeNaissance>"
    else:
        code = (
            f"<cpf:codePostalNaissance>{_nillable('codePostal', postal)}</cpf:codePostalNaissance>"
        )
    return (
        f"<cpf:codeCommuneNaissance>{code}</cpf:codeCommuneNaissance>"
        + _optional("libelleCommuneNaissance", commune)
        + _optional("codePaysNaissance", pays)
        + _optional("libellePaysNaissance", libelle_pays)
    )


def _birth_and_sex(values: tuple) -> str:
    year, month, day, sexe = values
    return (
        f"<cpf:anneeNaissance>{year}</cpf:anneeNaissance>"
        + _nillable("moisNaissance", month)
        + _nillable("jourNaissance", day)
        + f"<cpf:sexe>{sexe}</cpf:sexe>"
    )


BIRTH_AND_SEX = ("annee_naissance", "mois_naissance", "jour_naissance", "sexe")
_births: dict[tuple, bytes] = {}


def _cached(cache: dict, build, values: tuple) -> bytes:
    """A part repeated by many passages, built and encoded once (the same bytes object each
    time: its hash is computed once too)."""
    text = cache.get(values)
    if text is None:
        if len(cache) > 10_000:
            cache.clear()
        text = cache[values] = build(values).encode()
    return text


@dataclass(frozen=True, slots=True)
class PassageText:
    """A passage as written, and what is left to validate of it once the parts it shares with
    other passages (its certification data, its holder's birth place) were validated with one
    of them: its idTechnique and its identificationTitulaire, each against its own type in the
    schema (validation.holder_schema). A passage's elements are an xs:all of independent
    elements: each part is valid in one passage if it is in another."""

    written: bytes
    checked: bytes  # a <l:passageCertification> of holder_schema
    parts: tuple[bytes, ...]


PASSAGE_START = b"<cpf:passageCertification><cpf:idTechnique>"
PASSAGE_ID_END = b"</cpf:idTechnique>"
HOLDER_START = b"<cpf:identificationTitulaire>"
PASSAGE_END = b"</cpf:identificationTitulaire></cpf:passageCertification>\n"
CHECKED_START = b"<l:passageCertification><l:idTechnique>"
CHECKED_ID_END = b"</l:idTechnique><l:identificationTitulaire>"
CHECKED_END = b"</l:identificationTitulaire></l:passageCertification>\n"
TITULAIRE_END = b"</cpf:titulaire>"


def passage_text(id_technique: str, v: dict) -> PassageText:
    """One passageCertification, on one line, from a row's cleaned values. Optional elements are
    omitted when unknown, required ones sent as xsi:nil (docs/cdc.md). Built from encoded parts:
    what passages share is encoded once, not for each passage."""
    get = v.get
    middle = _cached(_middles, _middle, tuple([get(key) for key in MIDDLE]))
    id_bytes = _escape(id_technique).encode()
    if get("nir13"):
        holder = (
            "<cpf:identifiantNational>"
            + _element("nir", v["nir13"])
            + _element("nomNaissance", v["nom_naissance"])
            + "</cpf:identifiantNational>"
        ).encode()
        parts = (middle,)
    else:
        place = _cached(_places, _place, tuple([get(key) for key in PLACE]))
        nom_usage, prenom2, prenom3 = get("nom_usage"), get("prenom2"), get("prenom3")
        holder = b"".join(
            [
                (
                    "<cpf:titulaire><cpf:nomNaissance>"
                    + _escape(v["nom_naissance"])
                    + "</cpf:nomNaissance>"
                    + _nillable("nomUsage", nom_usage)
                    + "<cpf:prenom1>"
                    + _escape(v["prenom1"])
                    + "</cpf:prenom1>"
                    + (_optional("prenom2", prenom2) if prenom2 else "")
                    + (_optional("prenom3", prenom3) if prenom3 else "")
                ).encode(),
                _cached(_births, _birth_and_sex, tuple([get(key) for key in BIRTH_AND_SEX])),
                place,
                TITULAIRE_END,
            ]
        )
        parts = (middle, place)
    return PassageText(
        b"".join(
            [PASSAGE_START, id_bytes, PASSAGE_ID_END, middle, HOLDER_START, holder, PASSAGE_END]
        ),
        b"".join([CHECKED_START, id_bytes, CHECKED_ID_END, holder, CHECKED_END]),
        parts,
    )


def passage_line(id_technique: str, v: dict) -> bytes:
    return passage_text(id_technique, v).written


def file_head(head: Head, id_flux: str) -> bytes:
    action = "<cpf:action>CREATION</cpf:action>" if head.schema == "2026" else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<cpf:flux xmlns:cpf="{CPF}" xmlns:xsi="{XSI}"><cpf:idFlux>{_text(id_flux)}</cpf:idFlux>'
        f"<cpf:horodatage>{format_horodatage(head.horodatage)}</cpf:horodatage>{action}"
        f"<cpf:emetteur><cpf:idClient>{_text(head.id_client_emetteur)}</cpf:idClient>"
        "<cpf:certificateurs><cpf:certificateur>"
        f"<cpf:idClient>{_text(head.id_client_certificateur)}</cpf:idClient>"
        f"<cpf:idContrat>{_text(head.id_contrat)}</cpf:idContrat><cpf:certifications>\n"
    ).encode()


def certification_start(code: str) -> bytes:
    kind = "RNCP" if code.startswith("RNCP") else "RS"
    return (
        f"<cpf:certification><cpf:type>{kind}</cpf:type><cpf:code>{_text(code)}</cpf:code>"
        "<cpf:natureDeposant>CERTIFICATEUR</cpf:natureDeposant><cpf:passageCertifications>\n"
    ).encode()


class FluxFiles:
    """The files of one deposit, written as passages are added: the first certification's go
    straight into the files, the others' wait in a spool each until it ends."""

    def __init__(
        self,
        directory: Path,
        head: Head,
        *,
        id_flux: str,
        stem: str = "flux",
        max_passages: int = MAX_PASSAGES,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self.directory, self.head, self.id_flux, self.stem = directory, head, id_flux, stem
        self.max_passages, self.max_bytes = max_passages, max_bytes
        self.first: str | None = None  # the certification written straight into the files
        self.spools: dict[str, object] = {}  # the others' spool files
        self.files: list[WrittenFile] = []
        self.envelopes: list[list[bytes]] = []  # each file without its passages but the firsts
        self.output = None
        self.open_code: str | None = None  # the certification open in the current file
        self.count = 0
        self.pending: dict[str, list[tuple[int, str, bytes]]] = {}
        self.pending_count = 0
        self.holders: list[tuple[int, str, bytes]] = []  # passages whose shared parts are checked
        self.checked_parts: set[bytes] = set()  # shared parts validated with a whole passage
        self.validator = Validator(head.schema)
        self.sample_head = file_head(head, f"{id_flux}-1")

    def add(self, code: str, line: int, id_technique: str, text: PassageText) -> None:
        passage = text.written
        if self.first is None:
            self.first = code
        if code == self.first:
            self._put(code, passage)
        else:
            spool = self.spools.get(code)
            if spool is None:
                name = f".{self.stem}-{len(self.spools)}.spool"
                spool = self.spools[code] = (self.directory / name).open("w+b", buffering=1 << 20)
            spool.write(passage)
        self.count += 1
        checked = self.checked_parts
        if all(part in checked for part in text.parts):
            self.holders.append((line, id_technique, text.checked))
            if len(self.holders) >= HOLDER_BATCH:
                self._submit_holders()
            return
        checked.update(text.parts)  # the first passage with these parts: validated whole
        self.pending.setdefault(code, []).append((line, id_technique, passage))
        self.pending_count += 1
        if self.pending_count >= BATCH:
            self._submit()

    def _submit(self) -> None:
        parts, lines, document_line = [self.sample_head], [], self.sample_head.count(b"\n") + 1
        for code, passages in self.pending.items():
            parts.append(certification_start(code))
            document_line += 1
            for line, id_technique, passage in passages:
                parts.append(passage)
                lines.append((document_line, line, id_technique))
                document_line += 1
            parts.append(CERTIFICATION_END)
            document_line += 1
        parts.append(TAIL)
        self.validator.submit(b"".join(parts), lines)
        self.pending, self.pending_count = {}, 0

    def _submit_holders(self) -> None:
        lines = [(number, line, id_) for number, (line, id_, _) in enumerate(self.holders, 2)]
        document = b"".join([HOLDERS_HEAD, *[entry for _, _, entry in self.holders], HOLDERS_TAIL])
        self.validator.submit(document, lines, holders=True)
        self.holders = []

    def _put(self, code: str, passage: bytes) -> None:
        written = self.files[-1] if self.files else None
        if written is None or self._full(written, code, len(passage)):
            self._next_file()
            written = self.files[-1]
        if code != self.open_code:
            self._end_certification()
            start = certification_start(code)
            self._write(start)
            written.certifications.append(code)
            written.counts.append(0)
            self.envelopes[-1].extend([start, passage, CERTIFICATION_END])
            self.open_code = code
        self._write(passage)
        written.passages += 1
        written.counts[-1] += 1

    def _write(self, data: bytes) -> None:
        self.output.write(data)
        self.files[-1].size += len(data)

    def _end_certification(self) -> None:
        if self.open_code is not None:
            self._write(CERTIFICATION_END)
            self.open_code = None

    def _full(self, written: WrittenFile, code: str, size: int) -> bool:
        """Whether the passage, with what it opens and what will close the file, exceeds it."""
        if not written.passages:
            return False
        if written.passages >= self.max_passages:
            return True
        if code != self.open_code:  # closes the open certification, opens its own
            size += len(certification_start(code))
            size += len(CERTIFICATION_END) if self.open_code is not None else 0
        return written.size + size + len(CERTIFICATION_END) + len(TAIL) > self.max_bytes

    def _next_file(self) -> None:
        self._end_file()
        number = len(self.files) + 1
        id_flux = f"{self.id_flux}-{number}"
        path = self.directory / f"{self.stem}-{number}.xml"
        self.output = path.open("wb", buffering=1 << 20)
        head = file_head(self.head, id_flux)
        self.files.append(WrittenFile(path, id_flux, 0, 0))
        self.envelopes.append([head])
        self._write(head)

    def _end_file(self) -> None:
        if self.output is not None:
            self._end_certification()
            self._write(TAIL)
            self.envelopes[-1].append(TAIL)
            self.output.close()
            self.output = None

    def close(self) -> tuple[list[WrittenFile], list[tuple[int, str]]]:
        """The files, once every passage is found valid; else no file and the faults."""
        if self.pending_count:
            self._submit()
        if self.holders:
            self._submit_holders()
        faults = self.validator.close()
        if faults or not self.count:
            self.discard()
            return [], faults
        try:
            for code, spool in self.spools.items():
                spool.flush()
                spool.seek(0)
                for passage in spool:
                    self._put(code, passage)
            self._end_file()
        finally:
            self._drop_spools()
        faults = [
            (0, fault)
            for written, envelope in zip(self.files, self.envelopes, strict=True)
            for fault in _envelope_faults(written.path.name, b"".join(envelope), self.head.schema)
        ]
        if faults:
            self._remove_files()
            return [], faults
        if len(self.files) == 1:  # one file: the plain name
            single = self.files[0]
            single.path = single.path.rename(self.directory / f"{self.stem}.xml")
        return self.files, []

    def discard(self) -> None:
        """Stop: nothing is kept (the validator is drained first)."""
        if self.validator.thread.is_alive():
            self.pending, self.holders = {}, []
            self.validator.close()
        if self.output is not None:
            self.output.close()
            self.output = None
        self._drop_spools()
        self._remove_files()

    def _remove_files(self) -> None:
        for written in self.files:
            written.path.unlink(missing_ok=True)
        self.files = []

    def _drop_spools(self) -> None:
        for spool in self.spools.values():
            spool.close()
            Path(spool.name).unlink(missing_ok=True)
        self.spools = {}


def _envelope_faults(name: str, document: bytes, version: str) -> Iterator[str]:
    root = etree.fromstring(document, etree.XMLParser(resolve_entities=False, no_network=True))
    validator = schema(version)
    if not validator.validate(root):
        for error in validator.error_log:
            yield located(error, f"Fichier {name}")
