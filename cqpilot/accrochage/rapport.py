"""The CDC's processing report (« accusé de traitement ») of a deposited file.

Parsed by local names, case-insensitively: the CDC's prefixes vary and a list may be missing when
empty (docs/cdc.md).
"""

from dataclasses import dataclass, field
from typing import BinaryIO

from lxml import etree

from cqpilot.core.cells import normalise_header

# The passage was accepted earlier: the CDC already holds it, which is what the certifier wanted.
ALREADY_ACCEPTED = "le titulaire existe deja en base"


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

    def check_answers(self, id_flux: str) -> None:
        """Refuse a report of another file (the CDC names the file it answers)."""
        if self.id_flux and self.id_flux != id_flux:
            raise RapportError(
                f"Cet accusé répond au fichier {self.id_flux}, pas à celui-ci ({id_flux})."
            )

    def as_record(self) -> dict:
        """What is kept of the report with the file it answers (a JSONField)."""
        return {
            "id_traitement": self.id_traitement,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "file_errors": self.file_errors,
        }


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname.lower() if isinstance(element.tag, str) else ""


def _child_text(element: etree._Element, name: str) -> str:
    for child in element:
        if _local(child) == name.lower():
            return (child.text or "").strip()
    return ""


def parse_rapport(file: BinaryIO) -> Rapport:
    try:
        root = etree.parse(
            file, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
        ).getroot()
    except etree.XMLSyntaxError as error:
        raise RapportError(f"Ce fichier n'est pas un XML lisible ({error.msg}).") from error
    if _local(root) != "rapport":
        raise RapportError(
            "Ce fichier n'est pas un accusé de traitement de la Caisse des Dépôts "
            f"(élément racine <{etree.QName(root).localname}> au lieu de <rapport>)."
        )
    rapport = Rapport(
        nom_fichier=_child_text(root, "nomFichier"),
        id_flux=_child_text(root, "idFlux"),
        id_traitement=_child_text(root, "idTraitement"),
    )
    for section in root:
        name = _local(section)
        if name == "passagesok":
            rapport.accepted.extend(
                (e.text or "").strip() for e in section if _local(e) == "idtechnique"
            )
        elif name == "passagesko":
            for passage in section:
                if _local(passage) != "passage":
                    continue
                id_technique = _child_text(passage, "idTechnique")
                message = _child_text(passage, "messageErreur")
                if normalise_header(message).startswith(ALREADY_ACCEPTED):
                    rapport.accepted.append(id_technique)
                else:
                    rapport.rejected[id_technique] = message
        elif name == "erreurs":
            for error in section:
                where = ", ".join(
                    f"{label} {value}"
                    for label, value in (
                        ("ligne", _child_text(error, "ligne")),
                        ("colonne", _child_text(error, "colonne")),
                    )
                    if value
                )
                rapport.file_errors.append(
                    f"{_child_text(error, 'type') or 'Erreur'}"
                    + (f" ({where})" if where else "")
                    + f" : {_child_text(error, 'message')}"
                )
    return rapport
