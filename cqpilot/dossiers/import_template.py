"""The xlsx template of the candidate import: headers, an example row, drop-down lists, help."""

import io

from cqpilot.core.models import User
from cqpilot.core.spreadsheets import template_workbook
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
    certifications = list(
        Certification.objects.visible_to(user).values_list("code_rncp_rs", "intitule")
    ) or list(
        Certification.objects.filter(habilitations__organisme=user.organisation)
        .distinct()
        .values_list("code_rncp_rs", "intitule")
    )
    choices = [code or title for code, title in certifications]
    example = {**EXAMPLE, "certification": choices[0] if choices else ""}
    return template_workbook(COLUMNS, example, {"certification": choices})
