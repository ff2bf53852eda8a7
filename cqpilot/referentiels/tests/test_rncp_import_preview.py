"""The import page first shows what the import will do, fiche by fiche, and saves nothing until the
user confirms; the confirmation decides everything again."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from cqpilot.core.models import Role
from cqpilot.core.tests.factories import UserFactory, gestionnaire
from cqpilot.referentiels.models import (
    Certification,
    CertificationStatus,
    ImportStatus,
    RncpImport,
)

from . import factories
from .factories import (
    COMMERCE_SIRET,
    METALLURGIE_SIRET,
    CertificationFactory,
    rncp_export,
    rncp_fiche,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def commerce():
    return factories.commerce()


@pytest.fixture
def manager(client, commerce):
    user = gestionnaire(organisation=commerce)
    client.force_login(user)
    return user


def named_commerce(numero: str, intitule: str = "CQP repris") -> str:
    return rncp_fiche(numero, intitule, certificateurs=[(COMMERCE_SIRET, "CPNEFP COMMERCE")])


def upload(client, content: bytes, name: str = "export.xml", **options):
    return client.post(
        reverse("referentiels:rncp_import"),
        {"fichier": SimpleUploadedFile(name, content), **options},
        follow=True,
    )


def confirm(client, report: RncpImport, **kwargs):
    return client.post(reverse("referentiels:rncp_import_confirm", args=[report.pk]), **kwargs)


@pytest.fixture
def three_fiches(commerce):
    """A new fiche of Commerce, one of its certifications, and a fiche of the Métallurgie's."""
    CertificationFactory(code_rncp_rs="RNCP40002", intitule="CQP Ancien", certificateurs=[commerce])
    CertificationFactory(
        code_rncp_rs="RNCP39912",
        intitule="CQP Maintenance",
        certificateurs=[factories.metallurgie()],
    )
    return rncp_export(
        named_commerce("RNCP40001", "CQP Vendeur conseil"),
        named_commerce("RNCP40002", "CQP Préparateur de commandes"),
        rncp_fiche("RNCP39912"),
    )


def test_uploading_shows_what_each_fiche_will_become_and_saves_nothing(
    client, manager, three_fiches
):
    response = upload(client, three_fiches, importer_valides="on")
    lines = [
        " ".join(row.split())
        for row in response.text.split('<tr class="fiche-')[1:]
        for row in [row.split("</tr>")[0]]
    ]
    assert [line.split('"')[0] for line in lines] == ["creation", "mise_a_jour", "refus"]
    assert "Création de la certification" in lines[0]
    assert "Mise à jour de la certification" in lines[1]
    assert "est celle d&#x27;une certification de CPNE de la Métallurgie" in lines[2]
    assert "Confirmer l'import" in response.text
    assert not Certification.objects.filter(code_rncp_rs="RNCP40001").exists()
    assert Certification.objects.get(code_rncp_rs="RNCP40002").intitule == "CQP Ancien"
    report = RncpImport.objects.get()
    assert report.status == ImportStatus.APERCU
    with report.fichier_depose.open("rb") as stored:
        assert stored.read() == three_fiches


def test_confirming_applies_the_preview_and_forgets_the_file(
    client, manager, three_fiches, media, django_capture_on_commit_callbacks
):
    upload(client, three_fiches, importer_valides="on")
    report = RncpImport.objects.get()
    stored = media / report.fichier_depose.name
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(client, report, follow=True)
    assert "Réussi en partie" in response.text
    assert Certification.objects.get(code_rncp_rs="RNCP40001").intitule == "CQP Vendeur conseil"
    assert (
        Certification.objects.get(code_rncp_rs="RNCP40002").intitule
        == "CQP Préparateur de commandes"
    )
    assert Certification.objects.get(code_rncp_rs="RNCP39912").intitule == "CQP Maintenance"
    report.refresh_from_db()
    assert (report.status, report.fichier_depose.name) == (ImportStatus.PARTIEL, "")
    assert not stored.exists()


def test_the_confirmation_decides_again_who_certifies_what(client, manager, commerce):
    upload(client, rncp_export(named_commerce("RNCP40001")))
    report = RncpImport.objects.get()
    # Meanwhile the Métallurgie registers RNCP40001 in cqpilot.
    metallurgie = factories.metallurgie()
    theirs = CertificationFactory(
        code_rncp_rs="RNCP40001", intitule="CQP de la Métallurgie", certificateurs=[metallurgie]
    )
    response = confirm(client, report, follow=True)
    assert "Échoué, rien n&#x27;a été enregistré" in response.text
    assert "La fiche RNCP40001 est celle d&#x27;une certification de CPNE de la Métallurgie" in (
        response.text
    )
    theirs.refresh_from_db()
    assert theirs.intitule == "CQP de la Métallurgie"
    assert list(theirs.certificateurs.all()) == [metallurgie]


def test_a_preview_is_applied_once(client, manager):
    upload(client, rncp_export(named_commerce("RNCP40001")))
    report = RncpImport.objects.get()
    confirm(client, report)
    response = confirm(client, report, follow=True)
    assert "Cet import n&#x27;est plus en attente de confirmation." in response.text
    assert Certification.objects.get().versions.count() == 1


def test_cancelling_a_preview_saves_nothing_and_forgets_the_file(
    client, manager, media, django_capture_on_commit_callbacks
):
    upload(client, rncp_export(named_commerce("RNCP40001")))
    report = RncpImport.objects.get()
    stored = media / report.fichier_depose.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("referentiels:rncp_import_cancel", args=[report.pk]), follow=True
        )
    assert "annulé : rien n&#x27;a été enregistré" in response.text
    report.refresh_from_db()
    assert report.status == ImportStatus.ANNULE
    assert not stored.exists()
    confirm(client, report)
    assert not Certification.objects.exists()


def test_a_file_with_nothing_to_import_offers_no_confirmation_and_is_not_kept(
    client, manager, media
):
    CertificationFactory(code_rncp_rs="RNCP39912", certificateurs=[factories.metallurgie()])
    response = upload(client, rncp_export(rncp_fiche("RNCP39912")))
    assert "Échoué, rien n&#x27;a été enregistré" in response.text
    assert "Confirmer" not in response.text
    report = RncpImport.objects.get()
    assert (report.status, report.fichier_depose.name) == (ImportStatus.ECHOUE, "")
    assert not any(media.rglob("*.xml"))


def test_the_zip_of_france_competences_is_kept_and_read_again_on_confirmation(client, manager):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("export_fiches_RNCP_V4_1.xml", rncp_export(named_commerce("RNCP40001")))
    upload(client, archive.getvalue(), name="export.zip")
    confirm(client, RncpImport.objects.get())
    assert Certification.objects.get().code_rncp_rs == "RNCP40001"


def test_another_organisation_never_reaches_a_preview(client, manager):
    upload(client, rncp_export(named_commerce("RNCP40001")))
    report = RncpImport.objects.get()
    client.force_login(gestionnaire(organisation=factories.metallurgie()))
    for url in ("rncp_import_detail", "rncp_import_confirm", "rncp_import_cancel"):
        method = client.get if url == "rncp_import_detail" else client.post
        assert method(reverse(f"referentiels:{url}", args=[report.pk])).status_code == 404, url
    assert "export.xml" not in client.get(reverse("referentiels:rncp_import")).text
    report.refresh_from_db()
    assert report.status == ImportStatus.APERCU
    assert not Certification.objects.exists()


def test_an_evaluateur_of_the_organisation_cannot_confirm(client, manager, commerce):
    upload(client, rncp_export(named_commerce("RNCP40001")))
    report = RncpImport.objects.get()
    client.force_login(UserFactory(organisation=commerce, roles=[Role.EVALUATEUR]))
    assert confirm(client, report).status_code == 403
    assert not Certification.objects.exists()


def test_a_colleague_of_the_same_organisation_confirms(client, manager, commerce):
    upload(client, rncp_export(named_commerce("RNCP40001")))
    client.force_login(gestionnaire(organisation=commerce))
    confirm(client, RncpImport.objects.get())
    assert list(Certification.objects.get().certificateurs.all()) == [commerce]


def test_the_import_page_runs_a_constant_number_of_queries(
    client, manager, django_assert_num_queries
):
    url = reverse("referentiels:rncp_import")
    upload(client, rncp_export(named_commerce("RNCP40001")))
    # session, user, organisation, roles, imports with their authors
    with django_assert_num_queries(5):
        client.get(url)
    for numero in ("RNCP40002", "RNCP40003", "RNCP40004"):
        client.force_login(gestionnaire(organisation=manager.organisation))
        upload(client, rncp_export(named_commerce(numero)))
    client.force_login(manager)
    with django_assert_num_queries(5):
        client.get(url)


def test_the_command_line_check_writes_nothing(commerce, tmp_path, capsys):
    path = tmp_path / "export.xml"
    metallurgie = factories.metallurgie()
    CertificationFactory(code_rncp_rs="RNCP39912", certificateurs=[metallurgie])
    path.write_bytes(
        rncp_export(
            named_commerce("RNCP40001"),
            rncp_fiche(
                "RNCP39912", "CQP repris", certificateurs=[(METALLURGIE_SIRET, "CPNE")], actif="Oui"
            ),
        )
    )
    call_command(
        "import_rncp",
        str(path),
        "--organisation",
        COMMERCE_SIRET,
        "--importer-valides",
        "--verifier",
    )
    output = capsys.readouterr()
    assert "Vérification : 2 fiches lues, 1 à créer, 0 à mettre à jour, 1 refusée" in (output.out)
    assert "Rien n'a été enregistré." in output.out
    assert "est celle d'une certification de CPNE de la Métallurgie" in output.err
    assert not Certification.objects.filter(code_rncp_rs="RNCP40001").exists()
    assert (
        Certification.objects.get(code_rncp_rs="RNCP39912").status == CertificationStatus.EN_PROJET
    )
    assert not RncpImport.objects.exists()
