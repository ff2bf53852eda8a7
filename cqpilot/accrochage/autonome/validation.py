"""Validating the standalone tool's passages against the CDC's schema while they are written
(writer.py): in a thread, where libxml2 runs without Python's lock; the faults in French, each
with the line of its holder in the sheet."""

import copy
import queue
import threading

from lxml import etree

from ..flux import CPF, XSI
from ..schema import SCHEMAS, french

XS = "http://www.w3.org/2001/XMLSchema"
HOLDER_NAMESPACE = "urn:cqpilot:validation"


def holder_schema(version: str) -> etree.XMLSchema:
    """What is left to validate of a passage whose other parts were validated with another: its
    idTechnique and its identificationTitulaire, each against its own declaration in the CDC's
    schema. The schema imports the CDC's for the type cpf:identificationTitulaire; idTechnique's
    declaration (a type of its own, inside passageCertification) is copied from it. A document
    is a <l:lot> of <l:passageCertification>, each one line: half the bytes of the passage to
    parse and validate, and none of what its certification repeats."""
    official = etree.parse(str(SCHEMAS[version]))
    declaration = official.find(
        f"{{{XS}}}complexType[@name='passageCertification']/{{{XS}}}all/"
        f"{{{XS}}}element[@name='idTechnique']"
    )
    wrapper = etree.fromstring(
        f'<xsd:schema xmlns:xsd="{XS}" xmlns:cpf="{CPF}" targetNamespace="{HOLDER_NAMESPACE}" '
        'elementFormDefault="qualified">'
        f'<xsd:import namespace="{CPF}" schemaLocation="{SCHEMAS[version].resolve().as_uri()}"/>'
        '<xsd:element name="lot"><xsd:complexType><xsd:sequence>'
        '<xsd:element name="passageCertification" minOccurs="0" maxOccurs="unbounded">'
        "<xsd:complexType><xsd:sequence>"
        '<xsd:element name="identificationTitulaire" type="cpf:identificationTitulaire"/>'
        "</xsd:sequence></xsd:complexType></xsd:element>"
        "</xsd:sequence></xsd:complexType></xsd:element></xsd:schema>"
    )
    wrapper.find(f".//{{{XS}}}sequence/*/*/{{{XS}}}sequence").insert(0, copy.deepcopy(declaration))
    return etree.XMLSchema(wrapper)


HOLDERS_HEAD = (
    f'<l:lot xmlns:l="{HOLDER_NAMESPACE}" xmlns:cpf="{CPF}" xmlns:xsi="{XSI}">\n'.encode()
)
HOLDERS_TAIL = b"</l:lot>\n"


class Validator:
    """Validates documents against the CDC's schema in a thread; collects French faults."""

    def __init__(self, version: str) -> None:
        self.version = version
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.faults: list[tuple[int, str]] = []  # (line of the sheet, message)
        self.thread = threading.Thread(target=self._run, name="validation-xsd", daemon=True)
        self.thread.start()

    def submit(
        self, document: bytes, lines: list[tuple[int, int, str]], *, holders: bool = False
    ) -> None:
        """`lines`: for each passage, its line in the document, its line in the sheet and its
        idTechnique. `holders`: a document of HolderSchema, else a CDC file."""
        self.queue.put((document, lines, holders))

    def close(self) -> list[tuple[int, str]]:
        self.queue.put(None)
        self.thread.join()
        return self.faults

    def _run(self) -> None:
        # lxml's schema and parser objects stay in the thread that made them.
        validators = {
            False: etree.XMLSchema(etree.parse(str(SCHEMAS[self.version]))),
            True: holder_schema(self.version),
        }
        parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True
        )
        while (item := self.queue.get()) is not None:
            if len(self.faults) < 100:  # enough to tell what is wrong; the queue is drained
                document, lines, holders = item
                try:
                    self._check(validators[holders], parser, document, lines)
                except Exception:  # a bug here must not block the writer on a full queue
                    self.faults.append((0, "le fichier n'a pas pu être vérifié."))

    def _check(self, validator, parser, document: bytes, lines) -> None:
        try:
            tree = etree.fromstring(document, parser)
        except etree.XMLSyntaxError:
            self.faults.append((lines[0][1] if lines else 0, "fichier XML mal écrit."))
            return
        if validator.validate(tree):
            return
        by_line = {document_line: (line, id_) for document_line, line, id_ in lines}
        for error in validator.error_log:
            line, id_technique = by_line.get(error.line, (0, "?"))
            self.faults.append(
                (
                    line,
                    f"le passage « {id_technique} » n'est pas conforme au schéma de la Caisse "
                    f"des Dépôts : {french(error)}.",
                )
            )
