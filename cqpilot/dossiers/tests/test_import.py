"""Bulk import of candidates: every faulty cell reported, all or nothing, idempotent, robust."""

import csv
import io
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from cqpilot.core.models import Role
from cqpilot.core.tests.factories import UserFactory, gestionnaire
from cqpilot.dossiers.candidats_import import check_file, import_candidats
from cqpilot.dossiers.import_columns import COLUMNS
from cqpilot.dossiers.import_template import candidats_template
from cqpilot.dossiers.models import Candidat, Dossier, DossierState
from cqpilot.referentiels.models import VersionStatus
from cqpilot.referentiels.tests.factories import BlocFactory, CertificationFactory, VersionFactory

from .factories import HabilitationFactory

pytestmark = pytest.mark.django_db

HEADERS = [
    "Nom de naissance", "Prénom", "Sexe", "Jour de naissance", "Mois de naissance",
    "Année de naissance", "Code INSEE de naissance", "Certification", "Voie d'accès",
    "Date d'inscription", "Blocs visés",
]  # fmt: skip


def person(index: int, code: str, **overrides) -> dict:
    row = {
        "Nom de naissance": f"Durand{'abcdefghijklmnopqrstuvwxyz'[index % 26]}{index}",
        "Prénom": "Léa",
        "Sexe": "F",
        "Jour de naissance": 1 + index % 28,
        "Mois de naissance": 1 + index % 12,
        "Année de naissance": 1980 + index % 20,
        "Code INSEE de naissance": "69123",
        "Certification": code,
        "Voie d'accès": "Formation continue — contrat de professionnalisation",
        "Date d'inscription": "07/09/2026",
        "Blocs visés": "",
    }
    row.update(overrides)
    return row


def xlsx(rows: list[dict], headers: list[str] = HEADERS) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    output = io.BytesIO()
    workbook.save(output)
    output.seek(0)
    return output


def published_habilitation():
    """An OF habilitated for RNCP39912, whose version 1 (blocs BC01 and BC02) is published."""
    habilitation = HabilitationFactory(certification=CertificationFactory(code_rncp_rs="RNCP39912"))
    version = VersionFactory(certification=habilitation.certification, numero=1)
    BlocFactory(version=version, code="RNCP39912BC01")
    BlocFactory(version=version, code="RNCP39912BC02")
    version.status = VersionStatus.PUBLIEE
    version.save()
    return habilitation


@pytest.fixture
def habilitation():
    return published_habilitation()


@pytest.fixture
def of_user(habilitation):
    return UserFactory(organisation=habilitation.organisme, roles=[Role.ORGANISME_FORMATION])


def faulty_file() -> list[dict]:
    rows = [person(i, "RNCP39912") for i in range(30)]
    rows[3]["Sexe"] = "X"
    rows[7]["Date d'inscription"] = "31/02/2026"
    rows[12]["Nom de naissance"] = "Durand épouse Martin"
    rows[20]["Certification"] = "RNCP00001"
    rows[26]["Blocs visés"] = "RNCP39912BC09"
    return rows


def test_every_faulty_row_is_reported_with_its_line_and_column_and_nothing_is_saved(of_user):
    record = import_candidats(xlsx(faulty_file()), "candidats.xlsx", by=of_user)
    assert not record.committed
    assert record.lignes == 30
    assert record.lignes_valides == 25
    assert record.errors == [
        "Ligne 5, Sexe : « X » n'est pas une valeur possible (Homme ; Femme).",
        "Ligne 9, Date d'inscription : le 31/02/2026 n'existe pas.",
        "Ligne 14, Nom de naissance : Le nom de naissance ne doit pas contenir « épouse », « née » ou « veuve » : indiquez le nom de naissance seul, et le nom d'usage à part.",
        "Ligne 22, Certification : « RNCP00001 » : certification inconnue, ou pour laquelle vous n'êtes pas habilité.",
        "Ligne 28, Blocs visés : le bloc RNCP39912BC09 n'existe pas dans le référentiel en vigueur.",
    ]
    assert Candidat.objects.count() == 0
    assert Dossier.objects.count() == 0


def test_the_corrected_file_is_imported_and_a_second_import_creates_nothing(of_user):
    rows = [person(i, "RNCP39912") for i in range(30)]
    rows[0]["Blocs visés"] = "RNCP39912BC01, rncp39912bc02"
    record = import_candidats(xlsx(rows), "candidats.xlsx", by=of_user)
    assert record.committed, record.errors
    assert (record.candidats_crees, record.dossiers_crees) == (30, 30)
    dossier = Dossier.objects.get(candidat__nom_naissance="Duranda0")
    assert dossier.organisme == of_user.organisation
    assert dossier.state == DossierState.INSCRIT
    assert sorted(b.code for b in dossier.blocs_vises.all()) == ["RNCP39912BC01", "RNCP39912BC02"]
    step = dossier.transitions.get()
    assert step.motif == "Import du fichier candidats.xlsx"
    assert abs(step.at - dossier.state_changed_at) < timedelta(seconds=1)
    assert step.at.tzinfo is not None
    again = import_candidats(xlsx(rows), "candidats.xlsx", by=of_user)
    assert (again.candidats_crees, again.dossiers_crees, again.lignes_deja_importees) == (0, 0, 30)
    assert Dossier.objects.count() == 30


def test_only_the_valid_rows_when_the_user_asks_for_it(of_user):
    record = import_candidats(
        xlsx(faulty_file()), "candidats.xlsx", by=of_user, valid_rows_only=True
    )
    assert record.committed
    assert record.dossiers_crees == 25
    assert record.error_count == 5


def test_a_dry_run_writes_nothing(of_user):
    record = import_candidats(xlsx([person(1, "RNCP39912")]), "c.xlsx", by=of_user, dry_run=True)
    assert not record.committed
    assert record.lignes_valides == 1
    assert not Candidat.objects.exists()


def test_a_french_excel_csv_is_read_whatever_its_encoding_and_separator(of_user):
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";")
    writer.writerow(HEADERS)
    writer.writerow([person(0, "RNCP39912", **{"Nom de naissance": "Lefèvre"})[h] for h in HEADERS])
    record = import_candidats(
        io.BytesIO(text.getvalue().encode("cp1252")), "export.csv", by=of_user
    )
    assert record.committed, record.errors
    assert Candidat.objects.get().nom_naissance == "Lefèvre"


def test_missing_required_columns_are_named(of_user):
    record = import_candidats(
        xlsx([person(0, "RNCP39912")], headers=HEADERS[:3]), "c.xlsx", by=of_user
    )
    assert record.errors == [
        "Ligne 1 : colonnes obligatoires absentes : Année de naissance, Certification, "
        "Voie d'accès, Date d'inscription. Partez du modèle à télécharger."
    ]


def test_a_file_that_is_not_a_spreadsheet_gets_a_clear_message(of_user):
    record = import_candidats(io.BytesIO(b"PK\x03\x04 corrompu"), "c.xlsx", by=of_user)
    assert record.errors == [
        "Ligne 0 : Ce classeur ne peut pas être lu : est-ce bien un fichier Excel (.xlsx) non protégé ?"
    ]
    record = import_candidats(io.BytesIO(b"x"), "c.pdf", by=of_user)
    assert "Format non reconnu" in record.errors[0]


def test_an_organisme_cannot_import_a_nir(of_user):
    headers = [*HEADERS, "NIR"]
    record = import_candidats(
        xlsx([person(0, "RNCP39912", NIR="290056912304560")], headers), "c.xlsx", by=of_user
    )
    assert record.errors == [
        "Ligne 2, NIR : seul le certificateur collecte le NIR : videz cette colonne."
    ]


def test_a_certifier_imports_for_a_partner_organisme(habilitation):
    user = gestionnaire(organisation=habilitation.certification.certificateurs.get())
    headers = [*HEADERS, "SIRET de l'organisme de formation"]
    habilitation.organisme.siret = "53204719800017"
    habilitation.organisme.save()
    record = import_candidats(
        xlsx(
            [person(0, "RNCP39912", **{"SIRET de l'organisme de formation": "53204719800017"})],
            headers,
        ),
        "c.xlsx",
        by=user,
    )
    assert record.committed, record.errors
    assert Dossier.objects.get().organisme == habilitation.organisme


def test_the_same_person_twice_in_a_file_is_reported(of_user):
    record = import_candidats(
        xlsx([person(0, "RNCP39912"), person(0, "RNCP39912")]), "c.xlsx", by=of_user
    )
    assert record.errors == [
        "Ligne 3 : même personne, même certification et même date que la ligne 2."
    ]


def test_the_template_has_every_column_lists_and_an_importable_example(of_user):
    template = candidats_template(of_user)
    workbook = load_workbook(template)
    sheet = workbook["Données"]
    headers = [cell.value for cell in sheet[1]]
    assert headers == [c.header + (" *" if c.required else "") for c in COLUMNS]
    assert sheet.data_validations.dataValidation, "drop-down lists"
    assert workbook["Aide"]["A2"].value == "Nom de naissance"
    template.seek(0)
    record = import_candidats(template, "modele.xlsx", by=of_user)
    assert record.committed, record.errors
    assert Dossier.objects.get().date_inscription == date(2026, 9, 7)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(content=st.binary(max_size=300), name=st.sampled_from(["f.xlsx", "f.csv", "f.xls", "f.ods"]))
def test_random_files_never_raise(of_user, content, name):
    outcome = check_file(io.BytesIO(content), name, by=of_user)
    assert outcome.errors or outcome.rows >= 0


CELL = st.one_of(
    st.none(),
    st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=80),  # xlsx cannot hold them
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.sampled_from(["31/02/2026", "RNCP39912", "M", "F", "VAE", "Oui", "2A004", "99109", "=1+1"]),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(st.lists(CELL, min_size=0, max_size=len(HEADERS) + 2), max_size=5))
def test_random_cells_are_reported_never_crash(of_user, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    output.seek(0)
    record = import_candidats(output, "aleatoire.xlsx", by=of_user, valid_rows_only=True)
    assert record.lignes_valides <= record.lignes
