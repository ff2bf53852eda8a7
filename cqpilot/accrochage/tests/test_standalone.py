"""The standalone tool: spreadsheet of holders → checked rows → a file the CDC accepts."""

import io
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from cqpilot.accrochage.flux import read_flux
from cqpilot.accrochage.schema import schema_errors
from cqpilot.accrochage.standalone import holders_template, holders_to_xml

HEADERS = [
    "Code de la certification", "Nom de naissance", "Nom d'usage", "Prénom", "Sexe", "Jour de naissance",
    "Mois de naissance", "Année de naissance", "Code INSEE de naissance", "Commune de naissance",
    "Pays de naissance", "Date de délivrance", "Obtention", "Score", "Voie d'accès", "Type de VAE",
]  # fmt: skip


def holder(i: int, **changes) -> dict:
    row = {
        "Code de la certification": "RNCP39912", "Nom de naissance": f"Lefèvre-N'Diaye{i}", "Nom d'usage": "",
        "Prénom": "Élodie", "Sexe": "Femme", "Jour de naissance": 1 + i % 28, "Mois de naissance": 1 + i % 12,
        "Année de naissance": 1980 + i % 20, "Code INSEE de naissance": "69123", "Commune de naissance": "Lyon",
        "Pays de naissance": "", "Date de délivrance": "15/10/2026", "Obtention": "Par admission", "Score": "",
        "Voie d'accès": "Formation continue en contrat de professionnalisation", "Type de VAE": "",
    }  # fmt: skip
    row.update(changes)
    return row


def xlsx(rows: list[dict]) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([row.get(h, "") for h in HEADERS])
    output = io.BytesIO()
    workbook.save(output)
    output.seek(0)
    return output


def generate(rows: list[dict]):
    output = io.BytesIO()
    holders = holders_to_xml(
        xlsx(rows),
        "titulaires.xlsx",
        output=output,
        id_client="AB123CDE",
        id_contrat="2560080000127J",
    )
    return holders, output.getvalue()


def test_every_fault_is_reported_per_row_and_field_and_no_xml_is_written():
    rows = [holder(i) for i in range(20)]
    rows[2]["Jour de naissance"], rows[2]["Mois de naissance"], rows[2]["Année de naissance"] = (
        31,
        2,
        1990,
    )
    rows[7]["Type de VAE"] = "Congé VAE"
    rows[12]["Obtention"] = "Par score"
    holders, content = generate(rows)
    assert [str(e) for e in holders.errors] == [
        "Ligne 4, Jour de naissance : le 31/02/1990 n'existe pas.",
        "Ligne 9, Type de VAE : le type de VAE ne s'indique que pour la voie d'accès VAE.",
        "Ligne 14, Score : obligatoire pour une obtention par score.",
    ]
    assert content == b""


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"Code INSEE de naissance": "99109"},
            "Ligne 2, Pays de naissance : obligatoire pour une naissance à l'étranger (code INSEE en 99).",
        ),
        (
            {"Code INSEE de naissance": "6912"},
            "Ligne 2, Code INSEE de naissance : « 6912 » : 5 caractères attendus (69123, 2A004, ou 99109 pour l'étranger).",
        ),
        (
            {"Date de délivrance": "15/10/2099"},
            "Ligne 2, Date de délivrance : la date de délivrance est dans le futur.",
        ),
        (
            {"Score": "15/20"},
            "Ligne 2, Score : un score n'a de sens que pour une obtention « Par score ».",
        ),
        (
            {"Code de la certification": "CQP123"},
            "Ligne 2, Code de la certification : « CQP123 » : attendu RNCP ou RS suivi du numéro (RNCP39912, RS6117).",
        ),
        ({"Nom de naissance": "N" * 61}, "Ligne 2, Nom de naissance : 61 caractères : 60 au plus."),
        ({"Sexe": ""}, "Ligne 2, Sexe : obligatoire."),
    ],
)
def test_dictionary_rules_beyond_the_schema(changes, expected):
    holders, _content = generate([holder(0, **changes)])
    assert [str(e) for e in holders.errors] == [expected]


def test_risky_data_is_a_warning_not_an_error():
    rows = [
        holder(0, **{"Nom de naissance": "Dupont épouse Martin"}),
        holder(1, **{"Prénom": "J."}),
        holder(2, **{"Jour de naissance": "", "Mois de naissance": ""}),
    ]
    holders, content = generate(rows)
    assert holders.errors == []
    assert [str(w) for w in holders.warnings] == [
        "Ligne 2, Nom de naissance : ressemble à un nom d'épouse : la Caisse des Dépôts cherche le nom de naissance.",
        "Ligne 3, Prénom : une initiale seulement : le titulaire risque de ne pas être retrouvé.",
        "Ligne 4, Jour de naissance : date de naissance incomplète : le titulaire sera plus difficile à retrouver.",
    ]
    assert schema_errors(io.BytesIO(content)) == []


def test_round_trip_spreadsheet_to_xml_and_back():
    rows = [
        holder(0),
        holder(
            1,
            **{
                "Code INSEE de naissance": "99109",
                "Pays de naissance": "Allemagne",
                "Commune de naissance": "Berlin",
            },
        ),
        holder(
            2, **{"Voie d'accès": "VAE", "Type de VAE": "Congé VAE", "Nom d'usage": "D'Artagnan"}
        ),
        holder(
            3, **{"Code de la certification": "RS6117", "Obtention": "Par score", "Score": "87/100"}
        ),
    ]
    holders, content = generate(rows)
    assert holders.errors == []
    back = list(read_flux(io.BytesIO(content)))
    assert back == holders.passages
    germany = back[1][1].titulaire
    assert (
        germany.code_insee_naissance,
        germany.code_pays_naissance,
        germany.libelle_pays_naissance,
    ) == ("99109", "109", "Allemagne")
    assert [ref.code for ref, _p in back] == ["RNCP39912"] * 3 + ["RS6117"]
    assert back[0][1].date_debut_validite == date(2026, 10, 15)


def test_the_same_row_always_gets_the_same_technical_id():
    first, _ = generate([holder(0)])
    again, _ = generate([holder(0, **{"Commune de naissance": "LYON"})])
    assert first.passages[0][1].id_technique == again.passages[0][1].id_technique


def test_the_same_holder_twice_is_reported():
    holders, _ = generate([holder(0), holder(0)])
    assert [str(e) for e in holders.errors] == [
        "Ligne 3 : même titulaire, même certification et même date de délivrance que la ligne 2."
    ]


def test_wrong_cdc_identifiers_are_explained():
    output = io.BytesIO()
    holders = holders_to_xml(
        xlsx([holder(0)]), "t.xlsx", output=output, id_client="AB12", id_contrat=""
    )
    assert [str(e) for e in holders.errors] == [
        "Ligne 0 : L'identifiant client CDC « AB12 » doit comporter 8 caractères (il figure dans votre espace certificateur).",
        "Ligne 0 : Le numéro de contrat CDC comporte de 1 à 20 caractères.",
    ]


def test_the_template_example_produces_a_valid_file():
    output = io.BytesIO()
    holders = holders_to_xml(
        holders_template(), "modele.xlsx", output=output, id_client="AB123CDE", id_contrat="1"
    )
    assert holders.errors == []
    assert schema_errors(io.BytesIO(output.getvalue())) == []


def test_the_command_line_writes_nothing_when_a_row_is_wrong(tmp_path):
    from django.core.management import CommandError, call_command

    source = tmp_path / "titulaires.xlsx"
    source.write_bytes(xlsx([holder(0, Sexe="X")]).getvalue())
    target = tmp_path / "flux.xml"
    with pytest.raises(CommandError, match="aucun fichier XML n'a été écrit"):
        call_command(
            "accrochage",
            "xml",
            str(source),
            "--id-client",
            "AB123CDE",
            "--id-contrat",
            "1",
            "-o",
            str(target),
        )
    assert not target.exists()
    source.write_bytes(xlsx([holder(0)]).getvalue())
    call_command(
        "accrochage",
        "xml",
        str(source),
        "--id-client",
        "AB123CDE",
        "--id-contrat",
        "1",
        "-o",
        str(target),
    )
    assert schema_errors(target) == []


CELL = st.one_of(
    st.none(),
    st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=70),
    st.integers(-100, 3000),
    st.dates(min_value=date(1850, 1, 1), max_value=date(2150, 1, 1)),
    st.sampled_from(
        ["RNCP39912", "RS6117", "Femme", "M", "99109", "2A004", "Par score", "VAE", "Congé VAE"]
    ),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(CELL, max_size=len(HEADERS) + 1), max_size=4))
def test_whatever_the_cells_the_result_is_errors_or_a_valid_file(rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    source = io.BytesIO()
    workbook.save(source)
    source.seek(0)
    output = io.BytesIO()
    holders = holders_to_xml(source, "x.xlsx", output=output, id_client="AB123CDE", id_contrat="1")
    if not holders.errors:
        assert schema_errors(io.BytesIO(output.getvalue())) == []
