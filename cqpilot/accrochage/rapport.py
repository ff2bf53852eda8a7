"""The CDC's processing report (« accusé de traitement ») of a deposited file.

Parsed by local names, case-insensitively: the CDC's prefixes vary and a list may be missing when
empty (docs/cdc.md). Read as it streams, each part deleted once read: memory holds the report's
lists, never its XML tree, which millions of small elements would make gigabytes.
"""

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from django.conf import settings
from lxml import etree

from cqpilot.core.cells import normalise_header
from cqpilot.core.uploads import size_problem

from .schema import DOCTYPE, not_well_formed

# The passage was accepted earlier: the CDC already holds it, which is what the certifier wanted.
ALREADY_ACCEPTED = "le titulaire existe deja en base"
HEADER = {"nomfichier": "nom_fichier", "idflux": "id_flux", "idtraitement": "id_traitement"}
MAX_PASSAGE_FIELDS = 100  # a passage or an error has a handful
CHUNK_SIZE = 64 * 1024
NOT_A_REPORT = "Ce fichier n'est pas un accusé de traitement de la Caisse des Dépôts"
# Elements are picked by lxml, case aside, so that Python never loops over what is not read.
_NAME = "translate(local-name(), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"


def _named(*names: str) -> etree.XPath:
    return etree.XPath("*[" + " or ".join(f"{_NAME} = '{name}'" for name in names) + "]")


PARTS = _named(*HEADER, "passagesok", "passagesko", "erreurs")
ITEMS = {
    "passagesok": _named("idtechnique"),
    "passagesko": _named("passage"),
    "erreurs": _named("erreur"),
}


class RapportError(Exception):
    pass


@dataclass
class Rapport:
    nom_fichier: str = ""
    id_flux: str = ""
    id_traitement: str = ""
    accepted: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)  # idTechnique → CDC message
    file_errors: list[str] = field(default_factory=list)

    def check_answers(self, id_flux: str, *, file_name: str = "") -> None:
        """Refuse a report of another file. The CDC names the file it answers by its idFlux; a
        file it rejected whole (unreadable, invalid) has no idFlux read, only its name
        (nomFichier): given the name the file was deposited under, such a report must name it,
        and a report naming no file at all is refused."""
        if self.id_flux:
            if self.id_flux != id_flux:
                raise RapportError(
                    f"Cet accusé répond au fichier {self.id_flux}, pas à celui-ci ({id_flux})."
                )
            return
        if not file_name:
            return
        if not self.nom_fichier:
            raise RapportError(
                "Cet accusé ne nomme pas le fichier auquel il répond (ni idFlux ni nomFichier) : "
                "impossible de savoir à quels passages il s'applique."
            )
        if _stem(self.nom_fichier) != _stem(file_name):
            raise RapportError(
                f"Cet accusé répond au fichier {self.nom_fichier}, pas à celui-ci ({file_name})."
            )

    def as_record(self) -> dict:
        """What is kept of the report with the file it answers (a JSONField)."""
        return {
            "nom_fichier": self.nom_fichier,
            "id_traitement": self.id_traitement,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "file_errors": self.file_errors,
        }


# A browser saving a second download of the same name adds " (1)" to it.
_COPY_SUFFIX = re.compile(r"\s*\(\d+\)$")


def _stem(file_name: str) -> str:
    """A file's name as the certifier may have kept it: without folder, extension, browser's copy
    number or case."""
    name = re.split(r"[\\/]", file_name.strip())[-1]
    stem = name[:-4] if name.lower().endswith(".xml") else name
    return _COPY_SUFFIX.sub("", stem).strip().lower()


def _local(element: etree._Element) -> str:
    tag = element.tag
    return tag.rpartition("}")[2].lower() if isinstance(tag, str) else ""


def _child_text(element: etree._Element, name: str) -> str:
    for child in element:
        if _local(child) == name.lower():
            return (child.text or "").strip()
    return ""


def parse_rapport(file: BinaryIO) -> Rapport:
    if problem := size_problem(file, settings.ACCUSE_MAX_SIZE):
        raise RapportError(f"{problem} Est-ce bien un accusé de traitement de la CDC ?")
    chunks = iter(lambda: file.read(CHUNK_SIZE), b"")
    rapport, head = Rapport(), []
    try:
        # Only the report's own start is an event: the rest is read from the tree, in bulk.
        parser = etree.XMLPullParser(
            events=("start",),
            tag=_root_tag(chunks, head),
            resolve_entities=False,
            no_network=True,
            remove_comments=True,
            remove_pis=True,
        )
        root = None
        for chunk in itertools.chain(head, chunks, [b""]):
            if chunk:
                parser.feed(chunk)
            else:  # the end: what the parser held back comes out
                parser.close()
            for _event, element in parser.read_events():
                root = element if root is None else root
            if root is not None:
                _harvest(rapport, root, done=not chunk)
    except etree.XMLSyntaxError as error:
        raise RapportError(not_well_formed(error)) from error
    return rapport


def _root_tag(chunks: Iterator[bytes], head: list[bytes]) -> str:
    """The report's tag as written (prefix, case), read from the first chunks, kept in `head`."""
    parser = etree.XMLPullParser(events=("start",), resolve_entities=False, no_network=True)
    for chunk in chunks:
        head.append(chunk)
        parser.feed(chunk)
        for _event, element in parser.read_events():
            docinfo = element.getroottree().docinfo
            if docinfo.doctype or docinfo.internalDTD is not None:
                raise RapportError(DOCTYPE)  # the CDC writes none: its entities are not read
            if _local(element) != "rapport":
                raise RapportError(
                    f"{NOT_A_REPORT} (élément racine <{etree.QName(element).localname}> au lieu "
                    "de <rapport>)."
                )
            return element.tag
        if len(head) * CHUNK_SIZE > 1024 * 1024:
            break
    if not head:
        raise RapportError(f"{NOT_A_REPORT} : le fichier est vide.")
    parser.close()  # an empty or unreadable file stops here
    raise RapportError(f"{NOT_A_REPORT}.")


def _harvest(rapport: Rapport, root: etree._Element, *, done: bool) -> None:
    """Read what the parser has completed and delete it, with whatever else it found: every part
    of the report but the last one, which may still be open (all of them once `done`), and within
    that open part, every item but the last one."""
    last = None if done or not len(root) else root[-1]
    for part in PARTS(root):
        if part is not last:
            _read_part(rapport, part, _local(part))
    del root[: len(root) if last is None else -1]
    if last is None:
        return
    if (name := _local(last)) in ITEMS and len(last):
        item = last[-1]  # may still be open
        for done_item in ITEMS[name](last):
            if done_item is not item:
                _read_item(rapport, name, done_item)
        del last[:-1]
        if len(item) > MAX_PASSAGE_FIELDS:
            raise RapportError(
                f"{NOT_A_REPORT} : un de ses passages compte plus de {MAX_PASSAGE_FIELDS} éléments."
            )
        for field_done in item[:-1]:
            del field_done[:]  # only a field's text is read
        last = item[-1] if len(item) else None
    while last is not None and len(last):  # below what is read: only the open path stays
        del last[:-1]
        last = last[-1]


def _read_part(rapport: Rapport, part: etree._Element, name: str) -> None:
    if name in HEADER:
        if not getattr(rapport, HEADER[name]):  # the first one, as before
            setattr(rapport, HEADER[name], (part.text or "").strip())
    else:
        for item in ITEMS[name](part):
            _read_item(rapport, name, item)


def _read_item(rapport: Rapport, section: str, element: etree._Element) -> None:
    if section == "passagesok":
        rapport.accepted.append(_id_technique((element.text or "").strip()))
    elif section == "passagesko":
        id_technique = _id_technique(_child_text(element, "idTechnique"))
        message = _child_text(element, "messageErreur")
        if normalise_header(message).startswith(ALREADY_ACCEPTED):
            rapport.accepted.append(id_technique)
        else:
            rapport.rejected[id_technique] = message
    elif section == "erreurs":
        where = ", ".join(
            f"{label} {value}"
            for label, value in (
                ("ligne", _child_text(element, "ligne")),
                ("colonne", _child_text(element, "colonne")),
            )
            if value
        )
        rapport.file_errors.append(
            f"{_child_text(element, 'type') or 'Erreur'}"
            + (f" ({where})" if where else "")
            + f" : {_child_text(element, 'message')}"
        )


def _id_technique(text: str) -> str:
    if not text:
        raise RapportError(f"{NOT_A_REPORT} : un passage sans idTechnique.")
    return text
