"""The standalone tool's spreadsheet: its columns, and the template certifiers fill in.

Rules from the CDC's data dictionary that the XSD does not carry are in docs/cdc.md; the column
« Identifiant technique » keeps a passage's idTechnique across corrections (the CDC recognises a
corrected passage by it).
"""

import io
from dataclasses import dataclass

from django.db import models

from cqpilot.core.cells import normalise_header
from cqpilot.dossiers.models import Initiative, Sexe, VoieVae

TEXT = "@"  # Excel's « Texte » format: a code typed as 06088 keeps its zero


# The CDC's codes (docs/cdc.md), with the labels a certifier picks in the template's lists.
class Obtention(models.TextChoices):
    PAR_ADMISSION = "PAR_ADMISSION", "Par admission"
    PAR_SCORING = "PAR_SCORING", "Par score"


class Mention(models.TextChoices):
    SANS_MENTION = "SANS_MENTION", "Sans mention"
    MENTION_ASSEZ_BIEN = "MENTION_ASSEZ_BIEN", "Assez bien"
    MENTION_BIEN = "MENTION_BIEN", "Bien"
    MENTION_TRES_BIEN = "MENTION_TRES_BIEN", "Très bien"
    MENTION_TRES_BIEN_AVEC_FELICITATIONS_DU_JURY = (
        "MENTION_TRES_BIEN_AVEC_FELICITATIONS_DU_JURY",
        "Très bien avec félicitations du jury",
    )


class ModaliteExamen(models.TextChoices):
    EN_PRESENTIEL = "EN_PRESENTIEL", "Présentiel"
    A_DISTANCE = "A_DISTANCE", "À distance"
    MIXTE = "MIXTE", "Mixte"


class ModaliteAcces(models.TextChoices):
    FORMATION_INITIALE_HORS_APPRENTISSAGE = (
        "FORMATION_INITIALE_HORS_APPRENTISSAGE",
        "Formation initiale hors apprentissage",
    )
    FORMATION_INITIALE_APPRENTISSAGE = "FORMATION_INITIALE_APPRENTISSAGE", "Apprentissage"
    FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION = (
        "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION",
        "Formation continue hors contrat de professionnalisation",
    )
    FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION = (
        "FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION",
        "Formation continue en contrat de professionnalisation",
    )
    VAE = "VAE", "VAE"
    EQUIVALENCE_DIPLOME_ETRANGER = "EQUIVALENCE_DIPLOME_ETRANGER", "Équivalence diplôme étranger"
    CANDIDAT_LIBRE = "CANDIDAT_LIBRE", "Candidat libre"


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    help: str
    required: bool = False
    choices: type | None = None
    kind: str = "text"  # text, date, birth (a full or partial date), integer, bool
    max_length: int = 60
    is_code: bool = False  # written as text in the template: digits that must keep their zeros


COLUMNS = [
    Column("Identifiant technique", "id_technique", "Laissez vide la première fois : cqpilot le calcule. Pour corriger un titulaire déjà déposé, gardez son identifiant (il figure dans le fichier des titulaires rejetés) : la Caisse des Dépôts reconnaît ainsi la correction.", max_length=255, is_code=True),
    Column("Code de la certification", "code", "RNCP ou RS suivi du numéro, par exemple RNCP39912.", True, max_length=12, is_code=True),
    Column("Nom de naissance", "nom_naissance", "Nom de naissance, sans « épouse » ni nom d'usage.", True),
    Column("Nom d'usage", "nom_usage", "Nom d'usage ou marital, s'il diffère."),
    Column("Prénom", "prenom1", "Premier prénom, en entier.", True),
    Column("Deuxième prénom", "prenom2", ""),
    Column("Troisième prénom", "prenom3", ""),
    Column("Sexe", "sexe", "Homme ou Femme (M ou F).", True, Sexe),
    Column("Date de naissance", "date_naissance", "JJ/MM/AAAA ; MM/AAAA ou AAAA si le jour ou le mois est inconnu. Ou bien les trois colonnes Jour, Mois et Année de naissance.", kind="birth"),
    Column("Jour de naissance", "jour_naissance", "1 à 31 ; vide s'il est inconnu.", kind="integer"),
    Column("Mois de naissance", "mois_naissance", "1 à 12 ; vide s'il est inconnu.", kind="integer"),
    Column("Année de naissance", "annee_naissance", "Quatre chiffres.", kind="integer"),
    Column("NIR", "nir", "Numéro de sécurité sociale, 15 caractères clé comprise. Transmis seulement avec le schéma 2026 ; un NIR provisoire (qui commence par 7 ou 8) n'est jamais transmis.", max_length=30, is_code=True),
    Column("Code INSEE de naissance", "code_insee_naissance", "5 caractères (69123, 2A004) ; né(e) à l'étranger : 99 + code pays INSEE (99109).", max_length=12, is_code=True),
    Column("Code postal de naissance", "code_postal_naissance", "5 chiffres, seulement si le code INSEE est inconnu.", max_length=12, is_code=True),
    Column("Commune de naissance", "libelle_commune_naissance", ""),
    Column("Pays de naissance", "libelle_pays_naissance", "Obligatoire pour une naissance à l'étranger."),
    Column("Date de délivrance", "date_debut_validite", "Date de délivrance de la certification (JJ/MM/AAAA).", True, kind="date"),
    Column("Date de fin de validité", "date_fin_validite", "Vide : sans limite de validité.", kind="date"),
    Column("Obtention", "obtention", "Par admission, ou Par score.", False, Obtention),
    Column("Score", "scoring", "Seulement pour une obtention par score.", max_length=255),
    Column("Mention", "mention", "Seulement si la certification donne une mention.", False, Mention),
    Column("Début de l'examen", "date_debut_examen", "JJ/MM/AAAA.", kind="date"),
    Column("Fin de l'examen", "date_fin_examen", "JJ/MM/AAAA.", kind="date"),
    Column("Modalité de l'examen", "modalite_examen", "Présentiel, À distance ou Mixte.", False, ModaliteExamen),
    Column("Code postal du centre d'examen", "code_postal_centre", "", max_length=12, is_code=True),
    Column("Voie d'accès", "modalite_acces", "Voir la liste.", False, ModaliteAcces),
    Column("Type de VAE", "voie_vae", "Seulement pour la voie d'accès VAE.", False, VoieVae),
    Column("Initiative de l'inscription", "initiative", "", False, Initiative),
    Column("Date d'inscription", "date_inscription", "JJ/MM/AAAA.", kind="date"),
    Column("Option", "libelle_option", "Option ou spécialité, le cas échéant.", max_length=255),
    Column("Corriger un passage accepté", "correction", "Oui pour déposer de nouveau un titulaire que la Caisse des Dépôts a déjà accepté, avec ses données corrigées : gardez son identifiant technique.", kind="bool"),
]  # fmt: skip
BY_HEADER = {normalise_header(c.header): c for c in COLUMNS}
BY_KEY = {c.key: c for c in COLUMNS}
# Written by cqpilot in the workbooks it gives back (rows in error, rejected holders): read back
# without a warning when the user uploads them again.
ANNOTATIONS = ("Erreurs", "Message de la Caisse des Dépôts")
BIRTH_COLUMNS = ("Date de naissance", "Année de naissance")

# The example the template shows on its « Exemple » sheet. Earlier templates had it on their
# first data row: a row with this identity is refused, so that it is never deposited.
EXAMPLE = {
    "code": "RNCP39912",
    "nom_naissance": "Martin",
    "prenom1": "Lucas",
    "sexe": "Homme",
    "date_naissance": "12/03/1998",
    "jour_naissance": 12,
    "mois_naissance": 3,
    "annee_naissance": 1998,
    "code_insee_naissance": "69123",
    "libelle_commune_naissance": "Lyon",
    "date_debut_validite": "15/10/2026",
    "obtention": "Par admission",
    "date_debut_examen": "28/09/2026",
    "date_fin_examen": "30/09/2026",
    "modalite_examen": "Présentiel",
    "code_postal_centre": "69007",
    "modalite_acces": "Formation continue en contrat de professionnalisation",
    "initiative": "L'employeur",
    "date_inscription": "07/09/2025",
}
# The example written with the three birth columns, as earlier templates did.
TEMPLATE_EXAMPLE = {k: v for k, v in EXAMPLE.items() if k != "date_naissance"}


def holders_template() -> io.BytesIO:
    """The template: an empty « Données » sheet (codes formatted as text, required columns
    starred, help in comments, drop-down lists), the « Exemple » sheet and the « Aide » sheet."""
    # openpyxl is imported when a workbook is written: 8 Mo less for the command that reads one.
    from openpyxl import load_workbook
    from openpyxl.styles import Font

    from cqpilot.core.spreadsheets import template_workbook

    columns = [c for c in COLUMNS if c.key != "date_naissance"]
    built = template_workbook(columns, {}, lists={"correction": ["Oui", "Non"]})
    workbook = load_workbook(built)
    data = workbook["Données"]
    data.delete_rows(2)  # the shared builder writes the example there: it goes on its own sheet
    example = workbook.create_sheet("Exemple", 1)
    example.append(["Une ligne remplie, pour exemple : ne la recopiez pas dans « Données »."])
    example["A1"].font = Font(italic=True)
    example.append([c.header for c in columns])
    example.append([TEMPLATE_EXAMPLE.get(c.key, "") for c in columns])
    for cell in example[2]:
        cell.font = Font(bold=True)
    for index, column in enumerate(columns, start=1):
        letter = data.cell(row=1, column=index).column_letter
        width = data.column_dimensions[letter].width
        example.column_dimensions[letter].width = width
        if column.is_code:
            data.column_dimensions[letter].number_format = TEXT
            example.column_dimensions[letter].number_format = TEXT
    output = io.BytesIO()
    workbook.save(output)
    output.seek(0)
    return output
