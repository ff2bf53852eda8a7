"""The xlsx template of the candidate import: headers, an example row, drop-down lists, help."""

import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from cqpilot.core.models import User
from cqpilot.referentiels.models import Certification

from .import_columns import COLUMNS

EXAMPLE = {
    "nom_naissance": "Martin",
    "prenom1": "Lucas",
    "sexe": "Homme",
    "jour_naissance": 12,
    "mois_naissance": 3,
    "annee_naissance": 1998,
    "code_insee_naissance": "69123",
    "commune_naissance": "Lyon",
    "email": "lucas.martin@exemple.fr",
    "situation": "Salarié",
    "voie_acces": "Formation continue — contrat de professionnalisation",
    "initiative": "L'employeur",
    "date_inscription": "07/09/2026",
    "cpf": "Non",
}


def candidats_template(user: User) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Candidats"
    lists = workbook.create_sheet("Listes")
    lists.sheet_state = "hidden"
    help_sheet = workbook.create_sheet("Aide")
    help_sheet.append(["Colonne", "Obligatoire", "Contenu attendu"])
    certifications = list(
        Certification.objects.visible_to(user).values_list("code_rncp_rs", "intitule")
    ) or list(
        Certification.objects.filter(habilitations__organisme=user.organisation)
        .distinct()
        .values_list("code_rncp_rs", "intitule")
    )
    example = {
        **EXAMPLE,
        "certification": (certifications[0][0] or certifications[0][1]) if certifications else "",
    }
    required_fill = PatternFill("solid", fgColor="DDE5FF")
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(
            row=1, column=index, value=column.header + (" *" if column.required else "")
        )
        cell.font = Font(bold=True)
        if column.required:
            cell.fill = required_fill
        if column.help:
            cell.comment = Comment(column.help, "cqpilot")
        sheet.cell(row=2, column=index, value=example.get(column.key, ""))
        sheet.column_dimensions[letter].width = max(14, min(40, len(column.header) + 4))
        help_sheet.append([column.header, "oui" if column.required else "", column.help])
        values = [label for _value, label in column.choices.choices] if column.choices else None
        if column.key == "certification":
            values = [code or title for code, title in certifications]
        if values:
            for row, value in enumerate(values, start=1):
                lists.cell(row=row, column=index, value=value)
            validation = DataValidation(
                type="list",
                formula1=f"{quote_sheetname('Listes')}!${letter}$1:${letter}${len(values)}",
                allow_blank=not column.required,
                showErrorMessage=column.key != "certification",
                errorTitle="Valeur non prévue",
                error="Choisissez une valeur de la liste.",
            )
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}5000")
    help_sheet.column_dimensions["A"].width = 34
    help_sheet.column_dimensions["C"].width = 100
    sheet.freeze_panes = "A2"
    output = io.BytesIO()
    workbook.save(output)
    output.seek(0)
    return output
