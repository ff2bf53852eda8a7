"""The standalone tool remembers, per certifier, what it deposited and what the CDC answered: a
corrected holder keeps his idTechnique, an accepted one is not sent again, every file has its own
idFlux and an answer is never overwritten."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from cqpilot.accrochage.flux import read_flux
from cqpilot.accrochage.models import DepotAutonome, FluxAutonome, PassageAutonome
from cqpilot.core.tests.factories import gestionnaire

from .test_rapport import report_for
from .test_standalone import HEADERS, holder, xlsx

pytestmark = pytest.mark.django_db
NO_MATCH = "Aucun titulaire ne correspond aux critères obligatoires"
CORRECTION = "Corriger un passage accepté"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(client, rows, headers=None, content=None, **form):
    source = content if content is not None else xlsx(rows, headers).getvalue()
    return client.post(
        reverse("accrochage:standalone"),
        {
            "titulaires": SimpleUploadedFile("titulaires.xlsx", source),
            "id_client": "AB123CDE",
            "id_contrat": "2560080000127J",
            "version_schema": "1.1.2",
            **form,
        },
        follow=True,
    )


def passages(flux: FluxAutonome) -> dict[str, str]:
    """Birth name → idTechnique of the file's passages."""
    with flux.fichier.open("rb") as stream:
        return {p.titulaire.nom_naissance: p.id_technique for _ref, p in read_flux(stream)}


def answer(client, flux: FluxAutonome, ok=(), ko=None):
    report = report_for(flux, ok=list(ok), ko=ko or {})
    return client.post(
        reverse("accrochage:standalone_detail", args=[flux.pk]),
        {"accuse": SimpleUploadedFile("accuse.xml", report)},
        follow=True,
    )


def last_file() -> FluxAutonome:
    return FluxAutonome.objects.order_by("-pk").first()


@pytest.mark.parametrize(
    "correction",
    [
        {"Nom de naissance": "Martin"},  # MARTINN → MARTIN
        {"Jour de naissance": 21},  # the birth day
        {"Nom de naissance": "Martin", "Jour de naissance": 21},  # both at once
    ],
)
def test_a_holder_corrected_after_a_rejection_keeps_his_technical_id(client, correction):
    client.force_login(gestionnaire())
    rejected = holder(0, **{"Nom de naissance": "Martinn", "Jour de naissance": 12})
    upload(client, [rejected, holder(1)])
    first = FluxAutonome.objects.get()
    ids = passages(first)
    answer(client, first, ok=[ids["Lefèvre-N'Diaye1"]], ko={ids["Martinn"]: NO_MATCH})

    response = upload(client, [{**rejected, **correction}, holder(1)])

    second = last_file()
    assert second != first
    assert passages(second) == {correction.get("Nom de naissance", "Martinn"): ids["Martinn"]}
    assert (
        f"correction du titulaire rejeté « MARTINN Élodie » ({NO_MATCH}) : il garde son "
        f"identifiant technique {ids['Martinn']}." in response.text.replace("&#x27;", "'")
    )


def test_a_new_holder_close_to_a_rejected_one_of_another_certification_gets_his_own_id(client):
    client.force_login(gestionnaire())
    rejected = holder(0, **{"Nom de naissance": "Martinn"})
    upload(client, [rejected])
    first = FluxAutonome.objects.get()
    answer(client, first, ko={passages(first)["Martinn"]: NO_MATCH})

    upload(
        client, [{**rejected, "Nom de naissance": "Martin", "Code de la certification": "RS6117"}]
    )

    assert passages(last_file())["Martin"] != passages(first)["Martinn"]


def test_the_rejected_holders_workbook_keeps_their_ids_through_the_correction(client):
    client.force_login(gestionnaire())
    upload(client, [holder(0, **{"Nom de naissance": "Martinn"}), holder(1)])
    first = FluxAutonome.objects.get()
    ids = passages(first)
    answer(client, first, ok=[ids["Lefèvre-N'Diaye1"]], ko={ids["Martinn"]: NO_MATCH})

    download = client.get(reverse("accrochage:standalone_rejected", args=[first.pk]))
    workbook = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    sheet = workbook.active
    headers = [c.value for c in sheet[1]]
    assert (
        headers[0] == "Identifiant technique" and headers[-1] == "Message de la Caisse des Dépôts"
    )
    assert [sheet.cell(row=2, column=1).value, sheet.cell(row=2, column=headers.index("Nom de naissance") + 1).value] == [ids["Martinn"], "Martinn"]  # fmt: skip
    assert sheet.max_row == 2  # the accepted holder is not in it
    # The certifier corrects the name and the birth year, and uploads the workbook as it is.
    sheet.cell(row=2, column=headers.index("Nom de naissance") + 1).value = "Dupont"
    sheet.cell(row=2, column=headers.index("Année de naissance") + 1).value = 1979
    corrected = io.BytesIO()
    workbook.save(corrected)

    upload(client, [], content=corrected.getvalue())

    assert passages(last_file()) == {"Dupont": ids["Martinn"]}


def test_uploading_the_same_sheet_after_the_report_deposits_nobody_again(client):
    client.force_login(gestionnaire())
    rows = [holder(i) for i in range(10)]
    upload(client, rows)
    first = FluxAutonome.objects.get()
    answer(client, first, ok=passages(first).values())

    response = upload(client, rows)

    assert FluxAutonome.objects.count() == 1
    assert DepotAutonome.objects.count() == 1
    assert "Aucun nouveau passage à déposer : 10 titulaires déjà acceptés" in response.text
    excluded = response.text.split('<table id="exclus">')[1].split("</table>")[0]
    assert excluded.count("<tr>") == 11 and passages(first)["Lefèvre-N'Diaye3"] in excluded


def test_only_the_new_and_the_rejected_holders_are_deposited_again(client):
    client.force_login(gestionnaire())
    upload(client, [holder(i) for i in range(3)])
    first = FluxAutonome.objects.get()
    ids = passages(first)
    answer(
        client,
        first,
        ok=[ids["Lefèvre-N'Diaye0"], ids["Lefèvre-N'Diaye1"]],
        ko={ids["Lefèvre-N'Diaye2"]: NO_MATCH},
    )

    upload(client, [holder(i) for i in range(5)])

    again = passages(last_file())
    assert set(again) == {"Lefèvre-N'Diaye2", "Lefèvre-N'Diaye3", "Lefèvre-N'Diaye4"}
    assert again["Lefèvre-N'Diaye2"] == ids["Lefèvre-N'Diaye2"]
    depot = DepotAutonome.objects.first()
    assert (depot.passages, depot.nombre_exclus) == (3, 2)


def test_an_accepted_holder_is_deposited_again_when_a_correction_is_asked(client):
    client.force_login(gestionnaire())
    headers = [*HEADERS, CORRECTION]
    upload(client, [holder(0), holder(1)], headers)
    first = FluxAutonome.objects.get()
    ids = passages(first)
    answer(client, first, ok=ids.values())

    upload(
        client,
        [holder(0, **{CORRECTION: "Oui", "Commune de naissance": "Lyon 7e"}), holder(1)],
        headers,
    )

    assert passages(last_file()) == {"Lefèvre-N'Diaye0": ids["Lefèvre-N'Diaye0"]}
    assert DepotAutonome.objects.first().nombre_exclus == 1


def test_every_file_gets_a_new_id_flux(client):
    client.force_login(gestionnaire())
    upload(client, [holder(0)])
    response = upload(client, [holder(0)])

    first, second = FluxAutonome.objects.order_by("pk")
    assert first.id_flux != second.id_flux
    assert passages(first) == passages(second)  # the same passage, not answered yet
    assert (
        "1 titulaire (ligne 2) figure déjà dans un fichier dont l'accusé de traitement "
        "n'est pas enregistré" in response.text.replace("&#x27;", "'")
    )


def test_an_earlier_report_is_never_overwritten(client):
    client.force_login(gestionnaire())
    upload(client, [holder(0)])
    flux = FluxAutonome.objects.get()
    [id_technique] = passages(flux).values()
    answer(client, flux, ok=[id_technique])

    response = answer(client, flux, ko={id_technique: NO_MATCH})

    assert "Un accusé de traitement est déjà enregistré pour ce fichier" in response.text
    flux.refresh_from_db()
    assert (flux.rapport["accepted"], flux.rapport["rejected"]) == ([id_technique], {})
    assert PassageAutonome.objects.get().status == "accepte"


def test_a_certifier_s_history_is_its_own(client):
    client.force_login(gestionnaire())
    upload(client, [holder(0)])
    flux = FluxAutonome.objects.get()
    answer(client, flux, ok=passages(flux).values())

    client.force_login(gestionnaire())  # another certifier, the same holder
    upload(client, [holder(0)])

    assert FluxAutonome.objects.count() == 2


def test_an_accepted_holder_under_a_new_identifier_is_not_sent_again(client):
    client.force_login(gestionnaire())
    upload(client, [holder(0)])
    flux = FluxAutonome.objects.get()
    answer(client, flux, ok=passages(flux).values())

    upload(
        client,
        [holder(0, **{"Identifiant technique": "mon-id-42"})],
        ["Identifiant technique", *HEADERS],
    )

    assert FluxAutonome.objects.count() == 1
