"""Validation of an accrochage file against the CDC's official schema, while streaming it, with
every fault said in French.

libxml2's messages are English and name elements by their namespace; no user reads them. Each
known kind of fault is told in French with its element, value and limit; any other says where,
without libxml2's words. Validation streams the file, so memory stays flat whatever its size;
libxml2 gives no line for a validation error met while streaming: an invalid file is read
again, each passage checked alone in a minimal valid envelope, to name the faulty ones and
their line.
"""

import copy
import itertools
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from .flux import CPF, opened, q

SCHEMAS = {
    "1.1.2": Path(__file__).parent / "xsd" / "certifications-cdc-1.1.2.xsd",
    "2026": Path(__file__).parent / "xsd" / "certifications-cdc-1.1.5-cqpilot.xsd",
}
# Every parse of a file we are given: no entity expanded, nothing fetched, no DTD, bounded nodes.
SAFE = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}


@cache
def schema(version: str = "1.1.2") -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS[version])))


DOCTYPE = (
    "Le fichier contient une déclaration DOCTYPE (<!DOCTYPE …>) : les fichiers de la Caisse des "
    "Dépôts n'en ont pas, et ses entités pourraient être lues autrement par la Caisse des Dépôts. "
    "Retirez-la (et les entités qu'elle déclare) avant de le déposer."
)


class Refused(Exception):
    """The file cannot be checked at all (not XML, a DOCTYPE): the message says why."""


ELEMENT = re.compile(r"Element '(?:\{[^}]*\})?([^']+)'")
VALUE = re.compile(r"The value '([^']*)'|^(?:Element '[^']*': )?'([^']*)' is not a valid value")
NUMBERS = re.compile(r"'(-?\d+)'")
EXPECTED = re.compile(r"Expected is (?:one of )?\( ([^)]*) \)")
SET = re.compile(r"set \{([^}]*)\}")
ATTRIBUTE = re.compile(r"attribute '([^']+)'")
TYPES = {
    "xs:date": "une date (AAAA-MM-JJ)",
    "xs:dateTime": "une date et heure (AAAA-MM-JJTHH:MM:SS+01:00)",
    "xs:boolean": "true ou false",
    "xs:integer": "un nombre entier",
    "xs:int": "un nombre entier",
    "xs:decimal": "un nombre",
}
NOT_WELL_FORMED = {
    "ERR_TAG_NAME_MISMATCH": "une balise fermante ne correspond pas à la balise ouverte",
    "ERR_TAG_NOT_FINISHED": "le fichier s'arrête avant la fin d'une balise",
    "ERR_DOCUMENT_END": "du contenu suit la fin du document",
    "ERR_DOCUMENT_EMPTY": "le fichier est vide, ou n'est pas du XML",
    "ERR_INVALID_CHAR": "un caractère interdit en XML",
    "ERR_INVALID_ENCODING": "un caractère qui n'est pas en UTF-8",
    "ERR_UNDECLARED_ENTITY": "une entité (&…;) inconnue",
    "ERR_ENTITYREF_SEMICOL_MISSING": "un « & » qui n'est pas écrit &amp;",
    "ERR_NAME_REQUIRED": "un « & » ou un « < » qui n'est pas échappé",
    "ERR_LT_IN_ATTRIBUTE": "un « < » dans la valeur d'un attribut",
    "ERR_GT_REQUIRED": "une balise mal fermée",
    "ERR_ATTRIBUTE_WITHOUT_VALUE": "un attribut sans valeur",
    "ERR_ATTRIBUTE_REDEFINED": "un attribut répété",
    "ERR_DOCUMENT_START": "le fichier ne commence pas par une balise",
}


def french(error) -> str:
    """A libxml2 validation error (lxml's _LogEntry), in French: « <nomNaissance> : … »."""
    message, kind = error.message or "", error.type_name or ""
    name = _element(message)
    where = f"<{name}>" if name else "le fichier"
    value = VALUE.search(message)
    value = next((v for v in value.groups() if v is not None), None) if value else None
    numbers = NUMBERS.findall(message)
    if "ENUMERATION" in kind and value is not None:
        allowed = ", ".join(v.strip(" '") for v in _set(message))
        return f"{where} : « {value} » n'est pas une valeur possible ({allowed})"
    if "PATTERN" in kind and value is not None:
        return f"{where} : « {value} » n'a pas la forme attendue"
    if "MAXLENGTH" in kind and len(numbers) >= 2:
        return f"{where} : {numbers[0]} caractères, {numbers[-1]} au plus"
    if "MINLENGTH" in kind and len(numbers) >= 2:
        if numbers[0] == "0":
            return f"{where} : vide, alors qu'il doit être rempli (ou omis s'il est facultatif)"
        return f"{where} : {numbers[0]} caractères, {numbers[-1]} au moins"
    if "LENGTH" in kind and len(numbers) >= 2:
        return f"{where} : {numbers[0]} caractères au lieu de {numbers[-1]}"
    if "MAXINCLUSIVE" in kind or "MAXEXCLUSIVE" in kind:
        return (
            f"{where} : « {value} » dépasse la valeur maximale ({numbers[-1] if numbers else '?'})"
        )
    if "MININCLUSIVE" in kind or "MINEXCLUSIVE" in kind:
        return (
            f"{where} : « {value} » est sous la valeur minimale ({numbers[-1] if numbers else '?'})"
        )
    if "DATATYPE" in kind and value is not None:
        expected = next((label for t, label in TYPES.items() if f"'{t}'" in message), None)
        return f"{where} : « {value} » n'est pas " + (expected or "une valeur du type attendu")
    if kind == "SCHEMAV_CVC_ELT_1":
        return (
            f"l'élément racine {where} n'est pas celui d'un fichier d'accrochage de la Caisse "
            "des Dépôts (<cpf:flux>)"
        )
    if "Missing child" in message:
        return f"{where} : {_missing(_expected(message))}"
    if "not expected" in message:
        expected = _expected(message)
        return f"{where} : élément inattendu ici" + (
            f" (attendu : {expected})" if expected else " (ou en double)"
        )
    if "Character content" in message:
        return f"{where} : du texte là où seuls des éléments sont attendus"
    if "attribute" in message and "not allowed" in message:
        attribute = ATTRIBUTE.search(message)
        return f"{where} : attribut « {attribute[1] if attribute else '?'} » non autorisé"
    if "nillable" in message or "xsi:nil" in message:
        return f"{where} : ne peut pas être vide (xsi:nil)"
    return f"{where} : non conforme au schéma de la Caisse des Dépôts"


def not_well_formed(error: etree.XMLSyntaxError) -> str:
    """Why the file is not XML, in French, with its line and column when libxml2 knows them."""
    kind = next(
        (label for name, label in NOT_WELL_FORMED.items() if name in _type_name(error)), None
    )
    where = f"Ligne {error.lineno}, colonne {error.offset} : le" if error.lineno else "Le"
    return f"{where} fichier n'est pas un XML bien formé" + (f" ({kind})." if kind else ".")


def _type_name(error: etree.XMLSyntaxError) -> str:
    entry = getattr(error, "error_log", None)
    last = entry.last_error if entry is not None else None
    return last.type_name if last is not None else ""


def _element(message: str) -> str:
    found = ELEMENT.search(message)
    return found[1] if found else ""


def _set(message: str) -> list[str]:
    found = SET.search(message)
    return found[1].split(",") if found else []


def _expected(message: str) -> str:
    found = EXPECTED.search(message)
    if not found:
        return ""
    names = [name.strip().rpartition("}")[2] for name in found[1].split(",")]
    return ", ".join(f"<{name}>" for name in names if name and not name.startswith("##"))


def _missing(expected: str) -> str:
    """libxml2 lists the elements that may come next: one of them is missing."""
    if not expected:
        return "élément manquant"
    *others, last = expected.split(", ")
    if not others:
        return f"élément manquant : {last}"
    return f"élément manquant ; attendu ici : {', '.join(others)} ou {last}"


def located(error, where: str) -> str:
    return f"{where} : non conforme au schéma de la Caisse des Dépôts, {french(error)}."


# --- Validating a file -------------------------------------------------------------------------


def schema_errors(source: str | Path | BinaryIO, version: str = "1.1.2") -> list[str]:
    """What makes the file invalid against the CDC's schema, in French and located (its first
    fault); empty when the file is valid."""
    try:
        return validate(source, version, limit=1)[0]
    except Refused as refusal:
        return [str(refusal)]
    except OSError:
        return ["Le fichier ne peut pas être lu."]


def validate(source: str | Path | BinaryIO, version: str, *, limit: int) -> tuple[list[str], int]:
    """The file's faults against the schema, in French (empty when it conforms; at most `limit`
    faulty passages named), and its number of passages; Refused when it is not XML."""
    count = 0
    try:
        with opened(source) as stream:
            for _event, element in etree.iterparse(
                stream,
                events=("end",),
                tag=q("passageCertification"),
                schema=schema(version),
                **SAFE,
            ):
                count += 1
                release(element)
    except etree.XMLSyntaxError as error:
        if error.lineno:  # not well-formed: the parser knows where
            raise Refused(not_well_formed(error)) from error
        try:
            problems = list(itertools.islice(faulty_passages(source, version), limit))
            # Each passage is valid alone: the fault is in what surrounds them.
            return problems or [envelope_fault(source, version)], count
        except etree.XMLSyntaxError as parse_error:
            raise Refused(not_well_formed(parse_error)) from parse_error
    return [], count


def release(element: etree._Element) -> None:
    """Free a passage read, and what precedes it: memory holds one passage."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    while element.getprevious() is not None:
        del parent[0]


ENVELOPE = f"""<cpf:flux xmlns:cpf="{CPF}"><cpf:idFlux>x</cpf:idFlux>
<cpf:horodatage>2026-01-01T00:00:00+01:00</cpf:horodatage>{{action}}<cpf:emetteur><cpf:idClient>XXXXXXXX</cpf:idClient>
<cpf:certificateurs><cpf:certificateur><cpf:idClient>XXXXXXXX</cpf:idClient><cpf:idContrat>x</cpf:idContrat>
<cpf:certifications><cpf:certification><cpf:type>RNCP</cpf:type><cpf:code>RNCP1</cpf:code>
<cpf:passageCertifications/></cpf:certification></cpf:certifications></cpf:certificateur>
</cpf:certificateurs></cpf:emetteur></cpf:flux>"""


def faulty_passages(source: str | Path | BinaryIO, version: str) -> Iterator[str]:
    """Each faulty passage, checked alone in a minimal valid envelope, said with its line."""
    action = "<cpf:action>CREATION</cpf:action>" if version == "2026" else ""
    envelope = etree.fromstring(ENVELOPE.format(action=action))
    holder = envelope.find(f".//{q('passageCertifications')}")
    validator = schema(version)
    with opened(source) as stream:
        for _event, element in etree.iterparse(
            stream, events=("end",), tag=q("passageCertification"), **SAFE
        ):
            holder.append(copy.deepcopy(element))
            valid = validator.validate(envelope)
            holder.remove(holder[0])
            if not valid:
                id_technique = element.findtext(q("idTechnique")) or "?"
                error = validator.error_log.last_error
                # The copy keeps its source lines: the error points at the faulty element.
                line = error.line or element.sourceline or 0
                yield located(error, f"Ligne {line}, passage « {id_technique} »")
            release(element)


def envelope_fault(source: str | Path | BinaryIO, version: str) -> str:
    """The file with the first passage of each certification only (each passage was found valid
    alone), validated whole: the fault is in what surrounds the passages."""
    root = None
    with opened(source) as stream:
        for event, element in etree.iterparse(stream, events=("start", "end"), **SAFE):
            if root is None:
                root = element
            elif (
                event == "end"
                and element.tag == q("passageCertification")
                and element.getprevious() is not None
            ):
                element.getparent().remove(element)
    validator = schema(version)
    if root is None or validator.validate(root):
        return "Le fichier n'est pas conforme au schéma de la Caisse des Dépôts."
    error = validator.error_log.last_error
    return located(error, f"Ligne {error.line}" if error.line else "En-tête du fichier")
