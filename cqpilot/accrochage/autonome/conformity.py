"""Whether any file is what the CDC accepts (the `verifier` command), said in French: streamed
against the schema, then, when invalid, read again passage by passage to name the faulty ones
and their line (schema.py). A file with a DOCTYPE is refused before anything else: the CDC's
files have none, and an entity declared there could differ between readers (libxml2 crashed
with « Internal error in XML Schema validation » on an entity and a schema fault together).
"""

from pathlib import Path
from typing import BinaryIO

from lxml import etree

from ..flux import opened
from ..schema import DOCTYPE, SAFE, Refused, not_well_formed, validate

__all__ = ["DOCTYPE", "Refused", "check_flux", "refuse_doctype"]

MAX_REPORTED = 10  # faulty passages named


def refuse_doctype(source: str | Path | BinaryIO) -> None:
    """Refuse a file with a DOCTYPE; reads its prolog and root start tag only."""
    with opened(source) as stream:
        try:
            for _event, root in etree.iterparse(stream, events=("start",), **SAFE):
                docinfo = root.getroottree().docinfo
                if docinfo.doctype or docinfo.internalDTD is not None:
                    raise Refused(DOCTYPE)
                return
        except etree.XMLSyntaxError as error:
            if b"<!DOCTYPE" in _head(stream):
                raise Refused(DOCTYPE) from error
            raise Refused(not_well_formed(error)) from error


def _head(stream: BinaryIO) -> bytes:
    stream.seek(0)
    return stream.read(64 * 1024)


def check_flux(source: str | Path | BinaryIO, version: str = "1.1.2") -> tuple[list[str], int]:
    """The file's faults against the CDC's schema, in French (empty when it conforms), and its
    number of passages; Refused when it cannot be checked at all."""
    refuse_doctype(source)
    return validate(source, version, limit=MAX_REPORTED)
