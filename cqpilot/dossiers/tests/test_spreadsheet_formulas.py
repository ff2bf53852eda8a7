"""The spreadsheets of the dossiers area write what users typed as text, never as a formula that
would run when the file is opened (a title `=HYPERLINK(…)` is a link to anywhere)."""

from datetime import date

import pytest
from openpyxl import load_workbook

from cqpilot.core.models import Role
from cqpilot.core.tests.factories import UserFactory
from cqpilot.dossiers.candidats_import import import_candidats
from cqpilot.dossiers.exports import habilitations_xlsx
from cqpilot.dossiers.import_template import candidats_template
from cqpilot.dossiers.models import Dossier, Habilitation
from cqpilot.referentiels.models import Bloc, Certification, VersionStatus
from cqpilot.referentiels.tests.factories import BlocFactory, CertificationFactory, VersionFactory

from .factories import HabilitationFactory

pytestmark = pytest.mark.django_db

HOSTILE_TITLE = '=HYPERLINK("https://pirate.exemple/vol","Cliquez ici")'


def formula_cells(workbook) -> list[str]:
    return [
        f"{sheet.title}!{cell.coordinate}"
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


def hostile_habilitation():
    """A CQP without RNCP code (its title is then what the template offers), published."""
    certification = CertificationFactory(intitule=HOSTILE_TITLE, code_rncp_rs="")
    version = VersionFactory(certification=certification, numero=1)
    BlocFactory(version=version, code="=1+1")
    version.status = VersionStatus.PUBLIEE
    version.save()
    return HabilitationFactory(certification=certification)


def test_the_import_template_writes_a_certification_title_as_text():
    habilitation = hostile_habilitation()
    of_user = UserFactory(organisation=habilitation.organisme, roles=[Role.ORGANISME_FORMATION])

    workbook = load_workbook(candidats_template(of_user))

    assert formula_cells(workbook) == []
    offered = [cell.value for row in workbook["Listes"].iter_rows() for cell in row]
    example = [cell.value for cell in workbook["Données"][2]]
    assert "'" + HOSTILE_TITLE in offered and "'" + HOSTILE_TITLE in example


def test_the_neutralised_title_still_names_the_certification_on_import():
    habilitation = hostile_habilitation()
    of_user = UserFactory(organisation=habilitation.organisme, roles=[Role.ORGANISME_FORMATION])

    record = import_candidats(candidats_template(of_user), "modele.xlsx", by=of_user)

    assert record.committed, record.errors
    assert Dossier.objects.get().certification == habilitation.certification
    assert Dossier.objects.get().date_inscription == date(2026, 9, 7)


def test_the_habilitations_export_writes_codes_and_titles_as_text():
    habilitation = hostile_habilitation()
    Certification.objects.filter(pk=habilitation.certification_id).update(code_rncp_rs="=2+5")
    habilitation.blocs.set(Bloc.objects.filter(version__certification=habilitation.certification))

    workbook = load_workbook(habilitations_xlsx(Habilitation.objects.all()))

    assert formula_cells(workbook) == []
    row = [cell.value for cell in workbook.active[2]]
    assert row[0] == "'" + HOSTILE_TITLE and row[1] == "'=2+5" and row[7] == "'=1+1"
