"""The standalone accrochage page: errors shown, valid file kept and downloadable by its owner."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cqpilot.accrochage.models import DepotAutonome, FluxAutonome
from cqpilot.accrochage.schema import schema_errors
from cqpilot.core.models import Role
from cqpilot.core.tests.factories import OrganismeFormationFactory, UserFactory, gestionnaire

from .test_standalone import holder, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def post(client, rows):
    upload = SimpleUploadedFile("titulaires.xlsx", xlsx(rows).getvalue())
    return client.post(
        reverse("accrochage:standalone"),
        {"titulaires": upload, "id_client": "AB123CDE", "id_contrat": "2560080000127J"},
        follow=True,
    )


def test_errors_are_listed_and_no_file_is_kept(client):
    client.force_login(gestionnaire())
    response = post(client, [holder(0, Sexe="X")])
    assert "aucun fichier XML n'a été produit" in response.text
    assert (
        "Ligne 2, Sexe : « X » n&#x27;est pas une valeur possible (Homme ; Femme)." in response.text
    )
    assert not FluxAutonome.objects.exists()


def test_a_valid_file_is_kept_with_its_warnings_and_downloaded(client):
    user = gestionnaire()
    client.force_login(user)
    response = post(client, [holder(0), holder(1, Prénom="J.")])
    flux = FluxAutonome.objects.get()
    assert (flux.passages, flux.organisation, flux.certifications) == (
        2,
        user.organisation,
        ["RNCP39912"],
    )
    assert "une initiale seulement" in response.text
    download = client.get(reverse("accrochage:standalone_download", args=[flux.pk]))
    content = b"".join(download.streaming_content)
    assert schema_errors(io.BytesIO(content)) == []


def test_another_certifier_cannot_download_the_file(client):
    client.force_login(gestionnaire())
    post(client, [holder(0)])
    flux = FluxAutonome.objects.get()
    client.force_login(gestionnaire())
    assert client.get(reverse("accrochage:standalone_download", args=[flux.pk])).status_code == 404


def test_organismes_de_formation_have_no_access(client):
    client.force_login(
        UserFactory(organisation=OrganismeFormationFactory(), roles=[Role.ORGANISME_FORMATION])
    )
    assert client.get(reverse("accrochage:standalone")).status_code == 403


def test_the_valid_rows_are_deposited_and_the_others_given_back_annotated(client):
    from openpyxl import load_workbook

    client.force_login(gestionnaire())
    upload = SimpleUploadedFile(
        "titulaires.xlsx", xlsx([holder(0), holder(1, Sexe="X")]).getvalue()
    )
    response = client.post(
        reverse("accrochage:standalone"),
        {"titulaires": upload, "id_client": "AB123CDE", "id_contrat": "1", "lignes_valides": "on"},
        follow=True,
    )
    assert "1 passage en 1 fichier conforme au schéma" in response.text
    assert "Ligne 3, Sexe : « X » n&#x27;est pas une valeur possible" in response.text
    depot = DepotAutonome.objects.get()
    download = client.get(reverse("accrochage:standalone_errors", args=[depot.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert [sheet.max_row, sheet["B2"].value] == [2, "Lefèvre-N'Diaye1"]
