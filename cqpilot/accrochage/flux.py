"""The CDC accrochage file (namespace urn:cdc:cpf:pc5:schema:1.0.0, schema 1.1.2): the data of a
passage, a streaming writer and a reader.

The writer streams one passage at a time to the file: a file of 200,000 passages never sits in
memory. Rules from the CDC's data dictionary that the XSD does not
carry are in docs/cdc.md: optional elements are omitted when unknown (never sent
empty), required-but-unknown ones are sent with xsi:nil.
"""

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape

from lxml import etree

CPF = "urn:cdc:cpf:pc5:schema:1.0.0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def q(name: str) -> str:
    return f"{{{CPF}}}{name}"


@dataclass
class Titulaire:
    nom_naissance: str
    prenom1: str
    sexe: str  # "M" or "F"
    annee_naissance: int
    mois_naissance: int | None = None
    jour_naissance: int | None = None
    nom_usage: str = ""
    prenom2: str = ""
    prenom3: str = ""
    code_insee_naissance: str = ""  # born abroad: "99" + INSEE country code
    code_postal_naissance: str = ""
    libelle_commune_naissance: str = ""
    code_pays_naissance: str = ""  # the 3 digits after "99"
    libelle_pays_naissance: str = ""
    # Schema 2026 only: the 13 first characters of the NIR; the holder is then identified by it.
    nir13: str = ""


def national_identifier(nir: str) -> tuple[str, str]:
    """What a 2026 file's identifiantNational carries of a checked 15- or 13-character NIR (its
    13 first characters), or "" with the reason in French: a temporary number (NIA: 7 or 8; 3
    and 4 earlier) is unknown to the CDC, whose schema takes 1 or 2 first only; the holder is
    then sent by his identity."""
    if not nir or nir[0] in "12":
        return nir[:13], ""
    return "", (
        f"NIR provisoire (il commence par {nir[0]}) : la Caisse des Dépôts ne le connaît pas ; "
        "le titulaire est transmis par son identité (nom, prénom, sexe, naissance)."
    )


@dataclass
class Passage:
    id_technique: str
    titulaire: Titulaire
    date_debut_validite: date  # the date of issue
    obtention: str = "PAR_ADMISSION"
    donnee_certifiee: bool = True
    date_fin_validite: date | None = None
    date_debut_examen: date | None = None
    date_fin_examen: date | None = None
    modalite_examen: str = ""  # A_DISTANCE, EN_PRESENTIEL or MIXTE
    code_postal_centre: str = ""
    niveau_langue: str = ""
    scoring: str = ""
    mention: str = ""
    modalite_acces: str = ""
    voie_vae: str = ""
    initiative: str = ""
    date_inscription: date | None = None
    libelle_option: str = ""
    url_preuve: str = ""


@dataclass(frozen=True)
class CertificationRef:
    type: str  # "RNCP" or "RS"
    code: str  # e.g. RNCP39912
    nature_deposant: str = "CERTIFICATEUR"


@dataclass
class Entete:
    id_flux: str
    horodatage: datetime  # timezone-aware
    id_client_emetteur: str
    id_client_certificateur: str
    id_contrat: str
    certifications: list[tuple[CertificationRef, Iterable[Passage]]] = field(default_factory=list)
    action: str = ""  # schema 2026: CREATION or SUPPRESSION; absent from 1.1.x files


def format_horodatage(moment: datetime) -> str:
    # The schema wants seconds and an explicit offset: no "Z", no fraction of a second.
    if moment.tzinfo is None:
        raise ValueError("horodatage sans fuseau horaire")
    return moment.replace(microsecond=0).isoformat()


# The file is written as text: building each passage as lxml elements cost 58 µs against 4 µs
# for escaped fragments (benchmarks/accrochage.py), and every file is then checked against the
# XSD by a streaming parse (schema.py), which also catches any writing mistake.
# What XML 1.0 forbids, and a lone surrogate (UTF-8 cannot encode it), is refused before writing.
FORBIDDEN_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text_of(name: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if FORBIDDEN_CHARACTERS.search(text):
        raise ValueError(f"{name} contient un caractère de contrôle interdit en XML.")
    return escape(text)


def forbidden_characters(passage: Passage) -> dict[str, str]:
    """The passage's fields (`titulaire.…` for the holder's) holding a character XML forbids,
    with the first such character: the writer would refuse them, so callers check first and
    name them all in French."""
    found = {}
    for prefix, data in (("", passage), ("titulaire.", passage.titulaire)):
        for item in fields(data):
            value = getattr(data, item.name)
            if isinstance(value, str) and (match := FORBIDDEN_CHARACTERS.search(value)):
                found[prefix + item.name] = match[0]
    return found


def _el(parts: list[str], name: str, value: object) -> None:
    parts.append(f"<cpf:{name}>{_text_of(name, value)}</cpf:{name}>")


def _optional(parts: list[str], name: str, value: object) -> None:
    if value not in (None, ""):
        _el(parts, name, value)


def _nillable(parts: list[str], name: str, value: object) -> None:
    if value in (None, ""):
        parts.append(f'<cpf:{name} xsi:nil="true"/>')
    else:
        _el(parts, name, value)


def passage_xml(passage: Passage) -> str:
    """One passageCertification, for a file whose root declares the cpf and xsi prefixes."""
    parts = ["<cpf:passageCertification>"]
    _el(parts, "idTechnique", passage.id_technique)
    _optional(parts, "urlPreuve", passage.url_preuve)
    _optional(parts, "libelleOption", passage.libelle_option)
    _el(parts, "obtentionCertification", passage.obtention)
    _el(parts, "donneeCertifiee", passage.donnee_certifiee)
    _optional(parts, "dateDebutExamen", passage.date_debut_examen)
    _optional(parts, "dateFinExamen", passage.date_fin_examen)
    _optional(parts, "modalitePassageExamen", passage.modalite_examen)
    _optional(parts, "codePostalCentreExamen", passage.code_postal_centre)
    _el(parts, "dateDebutValidite", passage.date_debut_validite)
    _nillable(parts, "dateFinValidite", passage.date_fin_validite)
    _el(parts, "presenceNiveauLangueEuro", bool(passage.niveau_langue))
    _optional(parts, "niveauLangueEuropeen", passage.niveau_langue)
    _el(parts, "presenceNiveauNumeriqueEuro", False)
    _nillable(parts, "scoring", passage.scoring)
    _nillable(parts, "mentionValidee", passage.mention)
    parts.append("<cpf:modalitesInscription>")
    _nillable(parts, "modaliteAcces", passage.modalite_acces)
    _optional(parts, "voieAccessVAE", passage.voie_vae)
    _optional(parts, "initiativeInscription", passage.initiative)
    _optional(parts, "dateInscription", passage.date_inscription)
    parts.append("</cpf:modalitesInscription><cpf:identificationTitulaire>")
    t = passage.titulaire
    if t.nir13:
        parts.append("<cpf:identifiantNational>")
        _el(parts, "nir", t.nir13)
        _el(parts, "nomNaissance", t.nom_naissance)
        parts.append(
            "</cpf:identifiantNational></cpf:identificationTitulaire></cpf:passageCertification>\n"
        )
        return "".join(parts)
    parts.append("<cpf:titulaire>")
    _el(parts, "nomNaissance", t.nom_naissance)
    _nillable(parts, "nomUsage", t.nom_usage)
    _el(parts, "prenom1", t.prenom1)
    _optional(parts, "prenom2", t.prenom2)
    _optional(parts, "prenom3", t.prenom3)
    _el(parts, "anneeNaissance", t.annee_naissance)
    _nillable(parts, "moisNaissance", t.mois_naissance)
    _nillable(parts, "jourNaissance", t.jour_naissance)
    _el(parts, "sexe", t.sexe)
    parts.append("<cpf:codeCommuneNaissance>")
    if t.code_insee_naissance:
        parts.append("<cpf:codeInseeNaissance>")
        _el(parts, "codeInsee", t.code_insee_naissance)
        parts.append("</cpf:codeInseeNaissance>")
    else:
        parts.append("<cpf:codePostalNaissance>")
        _nillable(parts, "codePostal", t.code_postal_naissance)
        parts.append("</cpf:codePostalNaissance>")
    parts.append("</cpf:codeCommuneNaissance>")
    _optional(parts, "libelleCommuneNaissance", t.libelle_commune_naissance)
    _optional(parts, "codePaysNaissance", t.code_pays_naissance)
    _optional(parts, "libellePaysNaissance", t.libelle_pays_naissance)
    parts.append("</cpf:titulaire></cpf:identificationTitulaire></cpf:passageCertification>\n")
    return "".join(parts)


MAX_PASSAGES = 200_000  # per file, as the CDC requires
MAX_BYTES = 200 * 1000 * 1000


@dataclass(frozen=True)
class Written:
    id_flux: str
    passages: int
    size: int


def write_flux(output: str | Path | BinaryIO, entete: Entete) -> int:
    """Stream the file to `output`; returns the number of passages written."""
    with _writable(output) as stream:
        [written] = _Splitter(entete, lambda n: stream, lambda n: entete.id_flux).write()
    return written.passages


def write_files(
    entete: Entete,
    open_file,
    *,
    max_passages: int = MAX_PASSAGES,
    max_bytes: int = MAX_BYTES,
) -> list[Written]:
    """Stream the passages into as many files as the CDC's limits need: `open_file(n)` gives the
    n-th file (from 1) as a binary stream, closed by the caller; file n's idFlux is
    « {entete.id_flux}-{n} »."""
    return _Splitter(
        entete,
        open_file,
        lambda n: f"{entete.id_flux}-{n}",
        max_passages=max_passages,
        max_bytes=max_bytes,
    ).write()


@contextmanager
def _writable(output: str | Path | BinaryIO) -> Iterator[BinaryIO]:
    if isinstance(output, str | Path):
        with open(output, "wb", buffering=1 << 20) as stream:
            yield stream
    else:
        yield output


TAIL = b"</cpf:certifications></cpf:certificateur></cpf:certificateurs></cpf:emetteur></cpf:flux>\n"
CERTIFICATION_END = b"</cpf:passageCertifications></cpf:certification>\n"


class _Splitter:
    def __init__(
        self,
        entete: Entete,
        open_file,
        id_of,
        *,
        max_passages: int | None = None,
        max_bytes: int | None = None,
    ) -> None:
        self.entete, self.open_file, self.id_of = entete, open_file, id_of
        self.max_passages, self.max_bytes = max_passages, max_bytes
        self.written: list[Written] = []
        self.stream: BinaryIO | None = None

    def write(self) -> list[Written]:
        self._open()
        for ref, passages in self.entete.certifications:
            self.ref, self.in_certification = ref, False
            for passage in passages:
                data = passage_xml(passage).encode()
                if self._full(len(data)):
                    self._end_certification()
                    self._close()
                    self._open()
                if not self.in_certification:  # opened at its first passage in each file
                    self._begin_certification()
                self._put(data)
                self.count += 1
            self._end_certification()
        self._close()
        return self.written

    def _full(self, size: int) -> bool:
        if not self.count:
            return False
        if self.max_passages is not None and self.count >= self.max_passages:
            return True
        ending = len(CERTIFICATION_END) + len(TAIL)
        return self.max_bytes is not None and self.size + size + ending > self.max_bytes

    def _put(self, data: bytes) -> None:
        self.stream.write(data)
        self.size += len(data)

    def _open(self) -> None:
        number = len(self.written) + 1
        self.stream, self.count, self.size = self.open_file(number), 0, 0
        self.id_flux = self.id_of(number)
        head: list[str] = []
        _el(head, "idFlux", self.id_flux)
        _el(head, "horodatage", format_horodatage(self.entete.horodatage))
        _optional(head, "action", self.entete.action)
        emetteur: list[str] = []
        _el(emetteur, "idClient", self.entete.id_client_emetteur)
        ids: list[str] = []
        _el(ids, "idClient", self.entete.id_client_certificateur)
        _el(ids, "idContrat", self.entete.id_contrat)
        self._put(
            (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<cpf:flux xmlns:cpf="{CPF}" xmlns:xsi="{XSI}">{"".join(head)}'
                f"<cpf:emetteur>{emetteur[0]}<cpf:certificateurs><cpf:certificateur>"
                f"{''.join(ids)}<cpf:certifications>\n"
            ).encode()
        )

    def _begin_certification(self) -> None:
        header: list[str] = []
        _el(header, "type", self.ref.type)
        _el(header, "code", self.ref.code)
        _optional(header, "natureDeposant", self.ref.nature_deposant)
        self._put(f"<cpf:certification>{''.join(header)}<cpf:passageCertifications>\n".encode())
        self.in_certification = True

    def _end_certification(self) -> None:
        if self.in_certification:
            self._put(CERTIFICATION_END)
            self.in_certification = False

    def _close(self) -> None:
        self._put(TAIL)
        self.written.append(Written(self.id_flux, self.count, self.size))


@contextmanager
def opened(source: str | Path | BinaryIO) -> Iterator[BinaryIO]:
    """The file as a binary stream from its start, closed afterwards if we opened it (lxml leaves
    a file it opened itself open when parsing fails half-way)."""
    if isinstance(source, str | Path):
        with open(source, "rb") as stream:
            yield stream
    else:
        source.seek(0)
        yield source


# --- Reading a file back ------------------------------------------------------------------------


def _text(element: etree._Element, name: str) -> str:
    child = element.find(q(name))
    return "" if child is None or child.text is None else child.text


def _int(element: etree._Element, name: str) -> int | None:
    text = _text(element, name)
    return int(text) if text else None


def _date(element: etree._Element, name: str) -> date | None:
    text = _text(element, name)
    return date.fromisoformat(text) if text else None


def read_passage(element: etree._Element) -> Passage:
    inscription = element.find(q("modalitesInscription"))
    national = element.find(f"{q('identificationTitulaire')}/{q('identifiantNational')}")
    t = element.find(f"{q('identificationTitulaire')}/{q('titulaire')}")
    if t is None and national is not None:
        t = national  # the holder is named by the NIR: birth name and NIR only
    if t is None:  # identified by an EDOF dossier number: cqpilot always sends the identity
        raise ValueError(
            f"Le passage {_text(element, 'idTechnique')} identifie le titulaire par un dossier "
            "de formation CPF, que cqpilot ne relit pas."
        )
    commune = t.find(q("codeCommuneNaissance"))
    insee = None if commune is None else commune.find(f"{q('codeInseeNaissance')}/{q('codeInsee')}")
    postal = (
        None if commune is None else commune.find(f"{q('codePostalNaissance')}/{q('codePostal')}")
    )
    return Passage(
        id_technique=_text(element, "idTechnique"),
        url_preuve=_text(element, "urlPreuve"),
        libelle_option=_text(element, "libelleOption"),
        obtention=_text(element, "obtentionCertification"),
        donnee_certifiee=_text(element, "donneeCertifiee") == "true",
        date_debut_examen=_date(element, "dateDebutExamen"),
        date_fin_examen=_date(element, "dateFinExamen"),
        modalite_examen=_text(element, "modalitePassageExamen"),
        code_postal_centre=_text(element, "codePostalCentreExamen"),
        date_debut_validite=_date(element, "dateDebutValidite"),
        date_fin_validite=_date(element, "dateFinValidite"),
        niveau_langue=_text(element, "niveauLangueEuropeen"),
        scoring=_text(element, "scoring"),
        mention=_text(element, "mentionValidee"),
        modalite_acces=_text(inscription, "modaliteAcces"),
        voie_vae=_text(inscription, "voieAccessVAE"),
        initiative=_text(inscription, "initiativeInscription"),
        date_inscription=_date(inscription, "dateInscription"),
        titulaire=Titulaire(
            nom_naissance=_text(t, "nomNaissance"),
            nom_usage=_text(t, "nomUsage"),
            prenom1=_text(t, "prenom1"),
            prenom2=_text(t, "prenom2"),
            prenom3=_text(t, "prenom3"),
            annee_naissance=_int(t, "anneeNaissance") or 0,
            mois_naissance=_int(t, "moisNaissance"),
            jour_naissance=_int(t, "jourNaissance"),
            sexe=_text(t, "sexe"),
            code_insee_naissance="" if insee is None else insee.text or "",
            code_postal_naissance="" if postal is None else postal.text or "",
            libelle_commune_naissance=_text(t, "libelleCommuneNaissance"),
            code_pays_naissance=_text(t, "codePaysNaissance"),
            libelle_pays_naissance=_text(t, "libellePaysNaissance"),
            nir13=_text(t, "nir"),
        ),
    )


def read_flux(source: str | Path | BinaryIO) -> Iterator[tuple[CertificationRef, Passage]]:
    """Each passage of a file with its certification, streamed."""
    with opened(source) as stream:
        yield from _read_stream(stream)


def _read_stream(stream: BinaryIO) -> Iterator[tuple[CertificationRef, Passage]]:
    ref = None
    for event, element in etree.iterparse(
        stream,
        events=("start", "end"),
        tag=(q("certification"), q("passageCertification")),
        resolve_entities=False,
        no_network=True,
    ):
        if element.tag == q("certification") and event == "end":
            element.clear()
        elif element.tag == q("passageCertification") and event == "end":
            if ref is None:
                parent = element.getparent().getparent()
                ref = CertificationRef(
                    _text(parent, "type"), _text(parent, "code"), _text(parent, "natureDeposant")
                )
            yield ref, read_passage(element)
            element.clear(keep_tail=False)
        elif element.tag == q("certification") and event == "start":
            ref = None


def count_passages(source: str | Path | BinaryIO) -> int:
    count = 0
    with opened(source) as stream:
        for _event, element in etree.iterparse(
            stream,
            events=("end",),
            tag=q("passageCertification"),
            resolve_entities=False,
            no_network=True,
        ):
            count += 1
            element.clear(keep_tail=False)
    return count
