"""Validation of an accrochage file against the CDC's official schema, while streaming it."""

import copy
from functools import cache
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from .flux import CPF, opened, q

SCHEMAS = {
    "1.1.2": Path(__file__).parent / "xsd" / "certifications-cdc-1.1.2.xsd",
    "2026": Path(__file__).parent / "xsd" / "certifications-cdc-1.1.5-cqpilot.xsd",
}


@cache
def schema(version: str = "1.1.2") -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS[version])))


ENVELOPE = f"""<cpf:flux xmlns:cpf="{CPF}"><cpf:idFlux>x</cpf:idFlux>
<cpf:horodatage>2026-01-01T00:00:00+01:00</cpf:horodatage>{{action}}<cpf:emetteur><cpf:idClient>XXXXXXXX</cpf:idClient>
<cpf:certificateurs><cpf:certificateur><cpf:idClient>XXXXXXXX</cpf:idClient><cpf:idContrat>x</cpf:idContrat>
<cpf:certifications><cpf:certification><cpf:type>RNCP</cpf:type><cpf:code>RNCP1</cpf:code>
<cpf:passageCertifications/></cpf:certification></cpf:certifications></cpf:certificateur>
</cpf:certificateurs></cpf:emetteur></cpf:flux>"""


def schema_errors(source: str | Path | BinaryIO, version: str = "1.1.2") -> list[str]:
    """What makes the file invalid against the CDC's schema, in French and located; empty when
    the file is valid.

    Validation streams the file, so memory stays flat whatever its size. libxml2 gives no line for
    a validation error met while streaming: an invalid file is read a second time, each passage
    checked alone in a minimal valid envelope, to name the first faulty passage and its line.
    """
    try:
        with opened(source) as stream:
            for _event, element in etree.iterparse(
                stream,
                events=("end",),
                tag=q("passageCertification"),
                schema=schema(version),
                resolve_entities=False,
                no_network=True,
            ):
                _release(element)
    except etree.XMLSyntaxError as error:
        if error.lineno:  # not well-formed XML: the parser knows where
            return [_not_xml(error)]
        try:
            return [_locate(source, version) or _french(error.msg, "En-tête du fichier")]
        except etree.XMLSyntaxError as parse_error:
            return [_not_xml(parse_error)]
    except OSError as error:
        return [f"Le fichier ne peut pas être lu ({error})."]
    return []


def _not_xml(error: etree.XMLSyntaxError) -> str:
    where = f"Ligne {error.lineno} : le" if error.lineno else "Le"
    return f"{where} fichier n'est pas un XML bien formé ({error.msg})."


def _release(element: etree._Element) -> None:
    element.clear(keep_tail=False)
    parent = element.getparent()
    while element.getprevious() is not None:
        del parent[0]


def _french(message: str, where: str) -> str:
    message = message.replace(f"{{{CPF}}}", "cpf:")
    return f"{where} : non conforme au schéma de la Caisse des Dépôts ({message})."


def _locate(source: str | Path | BinaryIO, version: str) -> str | None:
    action = "<cpf:action>CREATION</cpf:action>" if version == "2026" else ""
    envelope = etree.fromstring(ENVELOPE.format(action=action))
    holder = envelope.find(f".//{q('passageCertifications')}")
    validator = schema(version)
    with opened(source) as stream:
        for _event, element in etree.iterparse(
            stream,
            events=("end",),
            tag=q("passageCertification"),
            resolve_entities=False,
            no_network=True,
        ):
            holder.append(copy.deepcopy(element))
            valid = validator.validate(envelope)
            holder.remove(holder[0])
            if not valid:
                id_technique = element.findtext(q("idTechnique")) or "?"
                error = validator.error_log.last_error
                # The copy keeps its source lines: the error points at the faulty element.
                line = error.line or element.sourceline or 0
                return _french(error.message, f"Ligne {line}, passage « {id_technique} »")
            _release(element)
    return None
