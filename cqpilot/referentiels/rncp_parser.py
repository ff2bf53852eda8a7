"""Streaming reader of France Compétences' RNCP / RS open-data export (XML flux v4.1).

The real export is several hundred megabytes: fiches are read one at a time with lxml's iterparse
and cleared as soon as they are read, so memory stays flat. The format notes behind every rule
here are in docs/rncp.md (sections 2 and 5).
"""

import html
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from lxml import etree

from cqpilot.core.uploads import UploadRefused, check_zip, megabytes

SUPPORTED_FLUX_VERSION = "4.1"
NUMERO_FICHE = re.compile(r"^(RNCP|RS)\d{1,6}$")
# The largest real fiche is about 200 KB (tests/data); one far larger would stay whole in memory.
MAX_FICHE_SIZE = 5 * 1024 * 1024
CHUNK_SIZE = 64 * 1024


class RncpFormatError(Exception):
    """The file cannot be read as an RNCP/RS export at all."""


@dataclass
class RncpBloc:
    code: str
    libelle: str
    competences_texte: str
    modalites_texte: str
    facultatif: bool


@dataclass
class RncpCorrespondance:
    blocs_source: list[str]
    fiche_cible: str
    blocs_cible: list[str]


@dataclass
class RncpFiche:
    line: int
    numero: str
    intitule: str
    abrege: str
    niveau: str
    actif: bool
    date_decision: date | None
    date_fin_enregistrement: date | None
    vae_ouverte: bool
    nsf: list[tuple[str, str]]
    rome: list[tuple[str, str]]
    formacodes: list[tuple[str, str]]
    certificateurs: list[tuple[str, str]]
    blocs: list[RncpBloc]
    correspondances: list[RncpCorrespondance]
    warnings: list[str] = field(default_factory=list)


@dataclass
class FicheError:
    line: int
    numero: str
    message: str

    def __str__(self) -> str:
        where = f"Ligne {self.line}" + (f", fiche {self.numero}" if self.numero else "")
        return f"{where} : {self.message}"


@dataclass
class FluxWarning:
    line: int
    message: str

    def __str__(self) -> str:
        return f"Ligne {self.line} : {self.message}"


# --- Text ---------------------------------------------------------------------------------------

_BREAKS = re.compile(r"(?i)<br\s*/?>|</p\s*>|</li\s*>|</div\s*>|</h\d\s*>")
_LIST_ITEM = re.compile(r"(?i)<li[^>]*>")
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
# v4.1 turned line breaks into runs of spaces; runs also come from wrapped lines inside a sentence,
# so a run is a break only when what follows starts a new item (capital, digit or bullet).
_SPACE_RUN_AS_BREAK = re.compile(r"[ \t]{2,}(?=[A-ZÀ-ÖØ-Þ0-9•*·▪–-])")
_SPACES = re.compile(r"[ \t]+")
_BULLET = re.compile(r"^\s*(?:[-*•·▪◦–]|\d+\s*[-)]\s)\s*")


def clean_text(raw: str | None) -> str:
    """Plain text from an RNCP rich-text field, whatever its period's escaping.

    Older flux carry escaped HTML with entity-encoded accents; v4.1 has plain text where line breaks
    became runs of spaces. Both end up as one item per line.
    """
    if not raw:
        return ""
    text = raw
    for _ in range(3 if "&" in text else 0):
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    if "<" in text:
        text = _BREAKS.sub("\n", text)
        text = _LIST_ITEM.sub("\n- ", text)
        text = _TAG.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    text = _SPACE_RUN_AS_BREAK.sub("\n", text)
    text = _SPACES.sub(" ", text)
    lines = [line.strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def split_items(text: str) -> list[str]:
    """One competence per line, bullets removed (the split is a heuristic: see docs/rncp.md §2.3)."""
    items = []
    for line in text.split("\n"):
        item = _BULLET.sub("", line).strip()
        if item:
            items.append(item)
    return items


# --- Values -------------------------------------------------------------------------------------


def _text(element: etree._Element, path: str) -> str:
    found = element.find(path)
    if found is None or found.text is None:
        return ""
    return " ".join(found.text.split())


def _oui(element: etree._Element, path: str) -> bool:
    return _text(element, path).lower() == "oui"


def _date(element: etree._Element, path: str, label: str, warnings: list[str]) -> date | None:
    raw = _text(element, path)
    if not raw:
        return None
    try:
        return datetime.strptime(raw, "%d/%m/%Y").date()
    except ValueError:
        warnings.append(f"{label} « {raw} » illisible (attendu JJ/MM/AAAA) : ignorée.")
        return None


def _codes(element: etree._Element, path: str) -> list[tuple[str, str]]:
    codes = []
    for item in element.findall(path):
        code = _text(item, "CODE")
        if code:
            # LIBELLE since v2, INTITULE before (docs/rncp.md §2.5).
            codes.append((code, _text(item, "LIBELLE") or _text(item, "INTITULE")))
    return codes


def _vae_ouverte(fiche: etree._Element) -> bool:
    voie = fiche.find("SI_JURY_VAE")
    if voie is None:
        return False
    if len(voie):  # v4: container with ACTIF
        return _oui(voie, "ACTIF")
    return (voie.text or "").strip().lower() == "oui"  # ≈2020 flux: plain Oui/Non


def read_fiche(element: etree._Element) -> RncpFiche | FicheError:
    line = element.sourceline or 0
    numero = _text(element, "NUMERO_FICHE").upper()
    if not numero:
        return FicheError(line, "", "NUMERO_FICHE manquant : fiche ignorée.")
    if not NUMERO_FICHE.match(numero):
        return FicheError(line, numero, "NUMERO_FICHE n'a pas la forme RNCP12345 ou RS1234.")
    intitule = _text(element, "INTITULE")
    if not intitule:
        return FicheError(line, numero, "INTITULE manquant.")
    warnings: list[str] = []
    blocs: list[RncpBloc] = []
    seen_codes: set[str] = set()
    # Direct children only: CORRESPONDANCE reuses the BLOC_COMPETENCES tag (docs/rncp.md §2.3).
    for bloc in element.findall("./BLOCS_COMPETENCES/BLOC_COMPETENCES"):
        code, libelle = _text(bloc, "CODE"), _text(bloc, "LIBELLE")
        if not code or not libelle:
            return FicheError(
                bloc.sourceline or line,
                numero,
                "un bloc de compétences n'a pas de CODE ou de LIBELLE.",
            )
        if code in seen_codes:
            return FicheError(
                bloc.sourceline or line, numero, f"le bloc {code} apparaît deux fois."
            )
        seen_codes.add(code)
        blocs.append(
            RncpBloc(
                code=code,
                libelle=libelle,
                competences_texte=clean_text(bloc.findtext("LISTE_COMPETENCES")),
                modalites_texte=clean_text(bloc.findtext("MODALITES_EVALUATION")),
                facultatif=_oui(bloc, "FACULTATIF"),
            )
        )
    correspondances = []
    for correspondance in element.findall("./CORRESPONDANCES/CORRESPONDANCE"):
        fiche_cible = _text(correspondance, "DESTINATION/NUMERO_FICHE")
        if fiche_cible:
            correspondances.append(
                RncpCorrespondance(
                    blocs_source=[
                        _text(b, "CODE")
                        for b in correspondance.findall("SOURCE/BLOC_COMPETENCES")
                        if _text(b, "CODE")
                    ],
                    fiche_cible=fiche_cible,
                    blocs_cible=[
                        _text(b, "CODE")
                        for b in correspondance.findall("DESTINATION/BLOC_COMPETENCES")
                        if _text(b, "CODE")
                    ],
                )
            )
    niveau = _text(element, "NOMENCLATURE_EUROPE/NIVEAU")
    return RncpFiche(
        line=line,
        numero=numero,
        intitule=intitule,
        abrege=_text(element, "ABREGE/CODE"),
        niveau=niveau if re.fullmatch(r"NIV[3-8]", niveau) else "",
        actif=_oui(element, "ACTIF"),
        date_decision=_date(element, "DATE_DECISION", "DATE_DECISION", warnings),
        date_fin_enregistrement=_date(
            element, "DATE_FIN_ENREGISTREMENT", "DATE_FIN_ENREGISTREMENT", warnings
        ),
        vae_ouverte=_vae_ouverte(element),
        nsf=_codes(element, "CODES_NSF/NSF"),
        rome=_codes(element, "CODES_ROME/ROME"),
        formacodes=_codes(element, "FORMACODES/FORMACODE"),
        certificateurs=[
            (_text(c, "SIRET_CERTIFICATEUR"), _text(c, "NOM_CERTIFICATEUR"))
            for c in element.findall("CERTIFICATEURS/CERTIFICATEUR")
        ],
        blocs=blocs,
        correspondances=correspondances,
        warnings=warnings,
    )


# --- File ---------------------------------------------------------------------------------------


def _open_xml(source: str | Path | BinaryIO) -> tuple[BinaryIO, list]:
    """The XML stream of `source`, which may be the XML itself or the zip France Compétences
    publishes. Returns the stream and the objects to close afterwards."""
    stream = open(source, "rb") if isinstance(source, str | Path) else source  # noqa: SIM115
    to_close = [stream] if isinstance(source, str | Path) else []
    if zipfile.is_zipfile(stream):
        stream.seek(0)
        archive = zipfile.ZipFile(stream)
        try:  # Python's zipfile then never reads past the sizes declared
            check_zip(
                archive,
                max_size=settings.RNCP_MAX_UNZIPPED_SIZE,
                max_ratio=settings.RNCP_MAX_ZIP_RATIO,
            )
        except UploadRefused as refusal:
            raise RncpFormatError(str(refusal)) from refusal
        members = [
            info
            for info in archive.infolist()
            if unicodedata.normalize("NFC", info.filename).lower().endswith(".xml")
        ]
        if len(members) != 1:
            raise RncpFormatError(
                "L'archive zip doit contenir exactement un fichier XML d'export RNCP ou RS "
                f"(elle en contient {len(members)})."
            )
        member = archive.open(members[0])
        to_close = [member, archive, *to_close]
        return member, to_close
    stream.seek(0)
    return stream, to_close


def iter_fiches(
    source: str | Path | BinaryIO,
) -> Iterator[RncpFiche | FicheError | FluxWarning]:
    """Yield each fiche of the export (or the reason it cannot be used), in file order.

    Raises RncpFormatError, with a French message, when the file is not a readable export.
    """
    stream, to_close = _open_xml(source)
    seen_root = False
    # Fed a chunk at a time, the tree is pruned between two: an element bomb outside the fiches
    # (millions of <a/>) would otherwise stay in memory, the tag filter hiding it from the loop.
    parser = etree.XMLPullParser(
        events=("start", "end"),
        tag=("FICHES", "FICHE", "VERSION_FLUX"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
    )
    root, fed, fiche_since = None, 0, None
    try:
        for chunk in itertools.chain(iter(lambda: stream.read(CHUNK_SIZE), b""), [b""]):
            if chunk:
                parser.feed(chunk)
                fed += len(chunk)
            else:  # the end: what the parser held back comes out
                parser.close()
            for event, element in parser.read_events():
                if root is None:
                    root = element.getroottree().getroot()
                if event == "start":
                    if element.tag == "FICHES" and element.getparent() is None:
                        seen_root = True
                    elif element.tag == "FICHE":
                        fiche_since = fed
                    continue
                if not seen_root:
                    continue
                if element.tag == "VERSION_FLUX":
                    version = (element.text or "").strip()
                    if version != SUPPORTED_FLUX_VERSION:
                        yield FluxWarning(
                            element.sourceline or 0,
                            f"version du flux {version or 'absente'} : cqpilot lit la version "
                            f"{SUPPORTED_FLUX_VERSION}, les écarts éventuels sont signalés fiche par fiche.",
                        )
                elif element.tag == "FICHE":
                    fiche_since = None
                    yield read_fiche(element)
                    element.clear(keep_tail=False)
                    parent = element.getparent()
                    if parent is not None:
                        while element.getprevious() is not None:
                            del parent[0]
            if not seen_root and (root is not None or fed > CHUNK_SIZE):
                break  # the root is not <FICHES>: refused below, without reading further
            if fiche_since is not None and fed - fiche_since > MAX_FICHE_SIZE:
                raise RncpFormatError(
                    f"Une fiche dépasse {megabytes(MAX_FICHE_SIZE)} : ce n'est pas un export de "
                    "France compétences."
                )
            _prune(root)
    except etree.XMLSyntaxError as error:
        line = getattr(error, "lineno", None) or 0
        raise RncpFormatError(
            f"Ligne {line} : le fichier n'est pas un XML valide ({error.msg})."
            if line
            else f"Le fichier n'est pas un XML valide ({error.msg})."
        ) from error
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise RncpFormatError(f"Le fichier ne peut pas être lu ({error}).") from error
    finally:
        for item in to_close:
            item.close()
    if not seen_root:
        raise RncpFormatError(
            "Ce fichier n'est pas un export RNCP ou RS de France compétences : l'élément racine "
            "<FICHES> est absent."
        )


def _prune(root: etree._Element | None) -> None:
    """Delete what is read and done with: at each depth every element but the last (the one
    being read), down to a FICHE being read, kept whole for read_fiche."""
    node = root
    while node is not None and len(node) and node.tag != "FICHE":
        del node[:-1]
        node = node[-1]
