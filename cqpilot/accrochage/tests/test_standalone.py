"""The standalone tool: spreadsheet of holders → checked rows → files the CDC accepts."""

import io
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from cqpilot.accrochage.autonome.columns import holders_template
from cqpilot.accrochage.autonome.generation import CdcIds, Generation, generate
from cqpilot.accrochage.flux import read_flux
from cqpilot.accrochage.schema import schema_errors

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


def xlsx(rows: list[dict], headers: list[str] | None = None) -> io.BytesIO:
    headers = headers or HEADERS
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    output = io.BytesIO()
    workbook.save(output)
    output.seek(0)
    return output


def generate_in(directory: Path, source: io.BytesIO, name: str = "titulaires.xlsx", **options):
    options.setdefault("ids", CdcIds("AB123CDE", "2560080000127J"))
    return generate(source, name, directory=directory, **options)


def run(rows: list[dict], headers: list[str] | None = None, **options) -> tuple[Generation, bytes]:
    """The generation, and its single file's content (b"" when none was written)."""
    with tempfile.TemporaryDirectory() as directory:
        result = generate_in(Path(directory), xlsx(rows, headers), **options)
        assert len(result.files) <= 1
        content = result.files[0].path.read_bytes() if result.files else b""
    return result, content


def messages(problems) -> list[str]:
    return [str(p) for p in problems]


def test_every_fault_is_reported_per_row_and_field_and_no_xml_is_written():
    rows = [holder(i) for i in range(20)]
    rows[2]["Jour de naissance"], rows[2]["Mois de naissance"], rows[2]["Année de naissance"] = (
        31,
        2,
        1990,
    )
    rows[7]["Type de VAE"] = "Congé VAE"
    rows[12]["Obtention"] = "Par score"
    result, content = run(rows)
    assert messages(result.errors) == [
        "Ligne 4, Jour de naissance : le 31/02/1990 n'existe pas.",
        "Ligne 9, Type de VAE : le type de VAE ne s'indique que pour la voie d'accès VAE.",
        "Ligne 14, Score : obligatoire pour une obtention par score.",
    ]
    assert content == b""


def test_a_row_reports_every_faulty_cell_not_only_the_first():
    """A bad sex hid the INSEE code, the date of issue and the VAE type of the same row."""
    row = holder(
        0,
        Sexe="X",
        **{
            "Code INSEE de naissance": "6912",
            "Date de délivrance": "15/10/2099",
            "Type de VAE": "Congé VAE",
            "Mois de naissance": 13,
        },
    )
    result, _content = run([row])
    assert messages(result.errors) == [
        "Ligne 2, Sexe : « X » n'est pas une valeur possible (Homme ; Femme).",
        "Ligne 2, Mois de naissance : « 13 » : attendu un nombre entier de 1 à 12.",
        "Ligne 2, Code INSEE de naissance : « 6912 » : 4 chiffres au lieu de 5 : le tableur a "
        "sans doute supprimé le zéro du début (06912). Mettez la colonne au format Texte et "
        "saisissez 06912.",
        "Ligne 2, Date de délivrance : la date de délivrance est dans le futur.",
        "Ligne 2, Type de VAE : le type de VAE ne s'indique que pour la voie d'accès VAE.",
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"Code INSEE de naissance": "99109"},
            "Ligne 2, Pays de naissance : obligatoire pour une naissance à l'étranger (code INSEE en 99).",
        ),
        (
            {"Code INSEE de naissance": "691234"},
            "Ligne 2, Code INSEE de naissance : « 691234 » : 5 caractères attendus (69123, 2A004, ou 99109 pour l'étranger).",
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
    result, _content = run([holder(0, **changes)])
    assert messages(result.errors) == [expected]


def test_a_code_that_lost_its_leading_zero_is_explained():
    """Excel turns 06088 (Nice) into the number 6088."""
    result, _content = run([holder(0, **{"Code INSEE de naissance": 6088})])
    assert messages(result.errors) == [
        "Ligne 2, Code INSEE de naissance : « 6088 » : 4 chiffres au lieu de 5 : le tableur a "
        "sans doute supprimé le zéro du début (06088). Mettez la colonne au format Texte et "
        "saisissez 06088."
    ]


@pytest.mark.parametrize(
    ("postal", "expected"),
    [
        ("6900", "« 6900 » : 4 chiffres au lieu de 5"),
        ("69 00A", "« 69 00A » : un code postal compte 5 chiffres."),
        ("690001", "« 690001 » : un code postal compte 5 chiffres."),
    ],
)
def test_the_birth_postal_code_has_five_digits(postal, expected):
    headers = [*HEADERS, "Code postal de naissance"]
    row = holder(0, **{"Code INSEE de naissance": "", "Code postal de naissance": postal})
    result, _content = run([row], headers)
    [error] = messages(result.errors)
    assert error.startswith(f"Ligne 2, Code postal de naissance : {expected}")


def test_a_single_birth_date_column_is_read_as_the_three_columns():
    headers = [h for h in HEADERS if h not in ("Jour de naissance", "Mois de naissance")]
    headers[headers.index("Année de naissance")] = "Date de naissance"
    rows = [
        holder(0, **{"Date de naissance": date(1990, 4, 2)}),
        holder(1, **{"Date de naissance": "03/1985"}),
        holder(2, **{"Date de naissance": 1970}),
    ]
    result, content = run(rows, headers)
    assert result.errors == []
    births = [
        (t.annee_naissance, t.mois_naissance, t.jour_naissance)
        for _ref, t in ((r, p.titulaire) for r, p in read_flux(io.BytesIO(content)))
    ]
    assert births == [(1990, 4, 2), (1985, 3, None), (1970, None, None)]
    assert "Ligne 3, Date de naissance : date de naissance incomplète" in " ".join(
        messages(result.warnings)
    )


def test_a_birth_date_column_that_contradicts_the_three_columns_is_an_error():
    headers = [*HEADERS, "Date de naissance"]
    result, _content = run([holder(0, **{"Date de naissance": "02/04/1990"})], headers)
    assert messages(result.errors) == [
        "Ligne 2, Date de naissance : ne correspond pas aux colonnes Jour, Mois et Année de "
        "naissance : gardez l'une ou les autres."
    ]


def test_risky_data_is_a_warning_not_an_error():
    rows = [
        holder(0, **{"Nom de naissance": "Dupont épouse Martin"}),
        holder(1, **{"Prénom": "J."}),
        holder(2, **{"Jour de naissance": "", "Mois de naissance": ""}),
    ]
    result, content = run(rows)
    assert result.errors == []
    assert messages(result.warnings) == [
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
    result, content = run(rows)
    assert result.errors == []
    back = list(read_flux(io.BytesIO(content)))
    assert [p.titulaire.nom_naissance for _ref, p in back] == [
        "Lefèvre-N'Diaye0",
        "Lefèvre-N'Diaye1",
        "Lefèvre-N'Diaye2",
        "Lefèvre-N'Diaye3",
    ]
    germany = back[1][1].titulaire
    assert (
        germany.code_insee_naissance,
        germany.code_pays_naissance,
        germany.libelle_pays_naissance,
    ) == ("99109", "109", "Allemagne")
    assert [ref.code for ref, _p in back] == ["RNCP39912"] * 3 + ["RS6117"]
    assert back[0][1].date_debut_validite == date(2026, 10, 15)
    assert (back[2][1].modalite_acces, back[2][1].voie_vae) == ("VAE", "CONGES_VAE")
    assert (back[3][1].obtention, back[3][1].scoring) == ("PAR_SCORING", "87/100")


def test_the_same_row_always_gets_the_same_technical_id():
    ids = []
    for row in (holder(0), holder(0, **{"Commune de naissance": "LYON"})):
        _result, content = run([row])
        [(_ref, passage)] = read_flux(io.BytesIO(content))
        ids.append(passage.id_technique)
    # The formula of the first versions of the tool: files already deposited keep their ids.
    assert ids == ["cqpilot-de32be682976abe54f641b52cd9a3e5d"] * 2


def test_the_identifier_column_is_the_passage_s_id():
    headers = ["Identifiant technique", *HEADERS]
    _result, content = run([holder(0, **{"Identifiant technique": "dossier-2026-0042"})], headers)
    [(_ref, passage)] = read_flux(io.BytesIO(content))
    assert passage.id_technique == "dossier-2026-0042"


def test_the_same_holder_twice_is_reported():
    result, _ = run([holder(0), holder(0)])
    assert messages(result.errors) == [
        "Ligne 3 : même titulaire, même certification et même date de délivrance que la ligne 2."
    ]


def test_wrong_cdc_identifiers_are_explained():
    with tempfile.TemporaryDirectory() as directory:
        result = generate_in(Path(directory), xlsx([holder(0)]), ids=CdcIds("AB12", ""))
    assert messages(result.errors) == [
        "Ligne 0 : L'identifiant client CDC « AB12 » doit comporter 8 caractères (il figure dans votre espace certificateur).",
        "Ligne 0 : Le numéro de contrat CDC comporte de 1 à 20 caractères.",
    ]
    assert result.files == []


def test_the_template_used_untouched_deposits_nobody():
    with tempfile.TemporaryDirectory() as directory:
        result = generate_in(Path(directory), holders_template(), "modele.xlsx")
    assert result.files == []
    assert result.passages == 0
    assert messages(result.errors) == ["Ligne 0 : Aucun titulaire dans le fichier."]


def test_the_example_row_of_an_earlier_template_is_never_deposited():
    """Earlier templates had Lucas Martin on their first row: filled below it, he was sent."""
    example = holder(
        0,
        **{
            "Nom de naissance": "Martin",
            "Prénom": "Lucas",
            "Sexe": "Homme",
            "Jour de naissance": 12,
            "Mois de naissance": 3,
            "Année de naissance": 1998,
        },
    )
    result, content = run([example, holder(1)])
    assert messages(result.errors) == [
        "Ligne 2 : c'est la ligne d'exemple du modèle (Lucas Martin, né le 12/03/1998) : "
        "supprimez-la, elle ne doit pas être déposée."
    ]
    assert content == b""
    _result, content = run([example, holder(1)], valid_rows_only=True)
    assert [p.titulaire.prenom1 for _ref, p in read_flux(io.BytesIO(content))] == ["Élodie"]


def test_the_template_shows_its_example_on_its_own_sheet_and_keeps_codes_as_text():
    workbook = load_workbook(holders_template())
    data = workbook["Données"]
    assert data.max_row == 1  # headers only
    assert workbook.sheetnames[:2] == ["Données", "Exemple"]
    assert [c.value for c in workbook["Exemple"][3]][2:4] == ["Martin", None]
    headers = {cell.value.rstrip(" *"): cell.column_letter for cell in data[1]}
    for code in (
        "Code INSEE de naissance",
        "Code postal de naissance",
        "Code postal du centre d'examen",
        "NIR",
        "Identifiant technique",
    ):
        assert data.column_dimensions[headers[code]].number_format == "@", code
    assert data.column_dimensions[headers["Nom de naissance"]].number_format == "General"


def test_the_command_line_writes_nothing_when_a_row_is_wrong(tmp_path):
    from django.core.management import CommandError, call_command

    source = tmp_path / "titulaires.xlsx"
    source.write_bytes(xlsx([holder(0, Sexe="X")]).getvalue())
    target = tmp_path / "flux.xml"
    arguments = ["--id-client", "AB123CDE", "--id-contrat", "1", "-o", str(target)]
    with pytest.raises(CommandError, match="aucun fichier XML n'a été écrit"):
        call_command("accrochage", "xml", str(source), *arguments)
    assert list(tmp_path.iterdir()) == [source]
    source.write_bytes(xlsx([holder(0)]).getvalue())
    call_command("accrochage", "xml", str(source), *arguments)
    assert schema_errors(target) == []


def test_the_command_line_writes_the_valid_rows_and_gives_back_the_others_annotated(tmp_path):
    from django.core.management import call_command

    source = tmp_path / "titulaires.xlsx"
    rows = [holder(0), holder(1, Sexe="X", **{"Code INSEE de naissance": "6912"}), holder(2)]
    source.write_bytes(xlsx(rows).getvalue())
    target = tmp_path / "flux.xml"
    out = io.StringIO()
    call_command(
        "accrochage", "xml", str(source), "--id-client", "AB123CDE", "--id-contrat", "1",
        "--lignes-valides", "-o", str(target), stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    assert [p.titulaire.nom_naissance for _r, p in read_flux(target)] == [
        "Lefèvre-N'Diaye0",
        "Lefèvre-N'Diaye2",
    ]
    annotated = load_workbook(tmp_path / "flux-lignes-en-erreur.xlsx").active
    assert [c.value for c in annotated[1]] == [*HEADERS, "Erreurs"]
    row = [c.value for c in annotated[2]]
    assert row[1] == "Lefèvre-N'Diaye1"
    assert row[-1].splitlines() == [
        "Ligne 3, Sexe : « X » n'est pas une valeur possible (Homme ; Femme).",
        "Ligne 3, Code INSEE de naissance : « 6912 » : 4 chiffres au lieu de 5 : le tableur a "
        "sans doute supprimé le zéro du début (06912). Mettez la colonne au format Texte et "
        "saisissez 06912.",
    ]
    sexe = annotated.cell(row=2, column=HEADERS.index("Sexe") + 1)
    assert sexe.comment.text.startswith("« X » n'est pas une valeur possible")
    assert sexe.fill.fgColor.rgb.endswith("FFC7CE")
    assert "lignes-en-erreur.xlsx" in out.getvalue()


def test_an_invisible_character_is_given_back_visible_in_the_rows_in_error(tmp_path):
    # Excel writes a control character of a cell as _x0007_; openpyxl cannot write it back.
    rows = [holder(0), holder(1, **{"Nom de naissance": "Dupont_x0007_"})]

    result = generate_in(tmp_path, xlsx(rows), valid_rows_only=True)

    assert messages(result.errors) == [
        "Ligne 3, Nom de naissance : caractère de contrôle invisible (U+0007) : retirez-le "
        "(retapez la cellule)."
    ]
    assert result.passages == 1
    annotated = load_workbook(result.faulty_workbook).active
    assert (
        annotated.cell(row=2, column=HEADERS.index("Nom de naissance") + 1).value == "Dupont\ufffd"
    )


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
    with tempfile.TemporaryDirectory() as directory:
        result = generate_in(Path(directory), source, "x.xlsx")
        if not result.errors:
            assert schema_errors(result.files[0].path) == []


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_the_fast_identity_text_is_the_identity_text_of_the_first_versions(text):
    """idTechniques computed before must stay the same: plain_upper is unaccented_upper."""
    from cqpilot.accrochage.autonome.rows import plain_upper
    from cqpilot.dossiers.identity import unaccented_upper

    assert plain_upper(text) == unaccented_upper(text)


def test_a_boolean_cell_is_not_taken_for_the_number_one():
    """A dict takes True for 1: the cleaned value of 1 must not be given to TRUE."""
    result, _content = run(
        [holder(0, **{"Jour de naissance": 1}), holder(1, **{"Jour de naissance": True})]
    )
    assert messages(result.errors) == ["Ligne 3, Jour de naissance : « True » n'est pas un nombre."]
