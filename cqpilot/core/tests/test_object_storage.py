"""Media files in an S3-compatible bucket (S3_BUCKET and its companions), against a local moto
server: pièces, parchemins, PV and logos go to the bucket and come back only through cqpilot's
authorised views; the bucket lends nothing to an unsigned request; the RGPD purge deletes the
objects; a backup carries the objects and a restoration puts them back. Without S3_BUCKET,
the files stay in MEDIA_ROOT as before."""

import io
import tarfile
import urllib.error
import urllib.request
import zipfile
from datetime import date

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from cqpilot.core.backup import BackupError, restore_backup
from cqpilot.core.models import Role
from cqpilot.core.tests.factories import UserFactory, gestionnaire
from cqpilot.delivrance.models import ModeleParchemin
from cqpilot.delivrance.services import a_delivrer, issue
from cqpilot.delivrance.tests.factories import signed_jury
from cqpilot.dossiers.models import Document, DossierState
from cqpilot.dossiers.tests.factories import HabilitationFactory, habilitated_dossier
from cqpilot.rgpd.purge import purge
from cqpilot.rgpd.tests.factories import certifier_and_certification, dossier_at, piece

from .conftest import S3_CREDENTIALS, bucket_storage, new_bucket
from .test_deployment_settings import load_settings

S3_VARIABLES = ["S3_BUCKET", "S3_ENDPOINT_URL", "S3_REGION", "S3_PREFIX", "S3_ADDRESSING_STYLE"]


def downloaded(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def refused_without_signature(url: str) -> int:
    try:
        urllib.request.urlopen(url, timeout=10)
    except urllib.error.HTTPError as error:
        return error.code
    return 200


# --- The settings ------------------------------------------------------------------------------


@pytest.fixture
def env(monkeypatch):
    for name in [*S3_VARIABLES, *S3_CREDENTIALS]:
        monkeypatch.delenv(name, raising=False)
    return lambda **values: load_settings(monkeypatch, DEBUG="1", **values)


def test_without_a_bucket_the_files_stay_in_the_media_folder(env):
    loaded = env(MEDIA_ROOT="/srv/cqpilot/media")
    assert loaded["STORAGES"]["default"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }
    assert str(loaded["MEDIA_ROOT"]) == "/srv/cqpilot/media"


def test_a_bucket_makes_private_objects_never_overwritten_with_short_signed_urls(env):
    storage = env(
        S3_BUCKET="cqpilot-documents",
        S3_ENDPOINT_URL="https://s3.fr-par.scw.cloud",
        S3_REGION="fr-par",
        S3_PREFIX="/production/",
        **S3_CREDENTIALS,
    )["STORAGES"]["default"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"] == {
        "bucket_name": "cqpilot-documents",
        "endpoint_url": "https://s3.fr-par.scw.cloud",
        "region_name": "fr-par",
        "access_key": "cqpilot-tests",
        "secret_key": "cqpilot-tests-cle",
        "location": "production",
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": 60,
        "file_overwrite": False,
        "max_memory_size": 10 * 1024 * 1024,
    }


def test_an_access_key_without_its_secret_is_refused_in_french(env):
    with pytest.raises(ImproperlyConfigured, match="S3_SECRET_ACCESS_KEY"):
        env(S3_BUCKET="cqpilot-documents", S3_ACCESS_KEY_ID="cle-seule")


def test_an_endpoint_that_is_not_an_address_is_refused_in_french(env):
    with pytest.raises(ImproperlyConfigured, match="S3_ENDPOINT_URL"):
        env(S3_BUCKET="cqpilot-documents", S3_ENDPOINT_URL="s3.fr-par.scw.cloud")


# --- Journeys against the bucket ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_piece_lives_in_the_bucket_and_leaves_it_only_through_the_authorised_view(
    s3_bucket, client, settings
):
    dossier = habilitated_dossier()
    of_user = UserFactory(organisation=dossier.organisme, roles=[Role.ORGANISME_FORMATION])
    certifier = gestionnaire(organisation=dossier.certification.certificateurs.get())
    client.force_login(of_user)
    response = client.post(
        reverse("dossiers:document_add", args=[dossier.pk]),
        {"type": "contrat", "fichier": SimpleUploadedFile("contrat.pdf", b"%PDF-1.4 contrat")},
        follow=True,
    )
    assert "Document déposé." in response.text
    document = Document.objects.get()
    assert s3_bucket.names() == {document.fichier.name}
    assert s3_bucket.read(document.fichier.name) == b"%PDF-1.4 contrat"
    assert not settings.MEDIA_ROOT.exists()  # nothing was written on the disk

    client.force_login(certifier)
    url = reverse("dossiers:document_download", args=[document.pk])
    assert downloaded(client.get(url)) == b"%PDF-1.4 contrat"
    stranger = UserFactory(
        organisation=HabilitationFactory().organisme, roles=[Role.ORGANISME_FORMATION]
    )
    client.force_login(stranger)
    assert client.get(url).status_code == 404

    # The bucket itself lends nothing: no grant beyond its owner, no unsigned read, and the
    # storage's own URLs are signed for a minute.
    grants = s3_bucket.client.get_object_acl(Bucket=s3_bucket.name, Key=document.fichier.name)
    assert [grant["Permission"] for grant in grants["Grants"]] == ["FULL_CONTROL"]
    assert grants["Grants"][0]["Grantee"]["Type"] == "CanonicalUser"
    assert refused_without_signature(s3_bucket.public_url(document.fichier.name)) == 403
    signed = default_storage.url(document.fichier.name)
    assert "X-Amz-Signature=" in signed and "X-Amz-Expires=60" in signed


def png(width: int, height: int) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (width, height), (20, 60, 140)).save(output, "PNG")
    return output.getvalue()


@pytest.mark.django_db
def test_a_parchemin_drawn_with_the_logo_of_the_bucket_is_stored_and_served_from_it(
    s3_bucket, client
):
    s = signed_jury()
    client.force_login(s.gestionnaire)
    response = client.post(
        reverse("delivrance:modele"),
        {
            "prefixe": "CQP",
            "signataire_nom": "Claire Fontaine",
            "signataire_qualite": "Présidente de la CPNE",
            "lieu_delivrance": "Paris",
            "texte": "",
            "css": "",
            "logo": SimpleUploadedFile("logo.png", png(317, 113)),
        },
    )
    assert response.status_code == 302
    logo = ModeleParchemin.objects.get(organisation=s.branche).logo.name
    assert logo in s3_bucket.names()

    benali = next(d for d in a_delivrer(s.jury) if d.candidat.nom_naissance == "Benali")
    document = issue(benali, by=s.gestionnaire, on=date(2026, 11, 25))
    pdf = downloaded(client.get(reverse("delivrance:document_pdf", args=[document.pk])))
    assert pdf == s3_bucket.read(document.pdf.name)
    drawn = {image.image.size for page in PdfReader(io.BytesIO(pdf)).pages for image in page.images}
    assert (317, 113) in drawn  # the logo, read from the bucket into the PDF

    batch = zipfile.ZipFile(
        io.BytesIO(client.get(reverse("delivrance:jury_zip", args=[s.jury.pk])).content)
    )
    assert batch.read(f"{document.numero}.pdf") == pdf
    pv = downloaded(client.get(reverse("jurys:pv_download", args=[s.jury.pk, 1])))
    assert pv == s3_bucket.read(f"jurys/{s.jury.pk}/pv-v1.pdf")


@pytest.mark.django_db
def test_the_rgpd_purge_deletes_the_pieces_objects_from_the_bucket(
    s3_bucket, django_capture_on_commit_callbacks
):
    certifier, certification = certifier_and_certification()
    abandoned = dossier_at(certification, DossierState.ABANDON, date(2024, 6, 1))
    name = piece(abandoned).fichier.name
    assert name in s3_bucket.names()

    with django_capture_on_commit_callbacks(execute=True):
        purge(certifier, date(2026, 11, 30))

    assert not Document.objects.exists()
    assert name not in s3_bucket.names()


@pytest.mark.django_db(transaction=True)  # pg_dump reads committed rows only
def test_a_backup_carries_the_buckets_objects_and_a_restoration_puts_them_back(
    s3_bucket, s3_endpoint, fresh_database, settings, monkeypatch, tmp_path
):
    _certifier, certification = certifier_and_certification()
    piece(dossier_at(certification, DossierState.INSCRIT, date(2026, 10, 1)))
    piece(dossier_at(certification, DossierState.INSCRIT, date(2026, 10, 2)), nom="cv.pdf")
    objects = {name: s3_bucket.read(name) for name in s3_bucket.names()}
    assert len(objects) == 2

    archive = tmp_path / "sauvegarde.tar.gz"
    call_command("sauvegarde", "-o", str(archive))
    with tarfile.open(archive) as tar:
        archived = {
            member.name.removeprefix("media/"): tar.extractfile(member).read()
            for member in tar.getmembers()
            if member.name.startswith("media/")
        }
    assert archived == objects

    # The restoration writes into an empty bucket only, as into an empty media folder.
    with pytest.raises(BackupError, match="contient déjà des fichiers"):
        restore_backup(archive, database=fresh_database)
    empty = new_bucket(s3_endpoint)
    settings.STORAGES = {**settings.STORAGES, "default": bucket_storage(monkeypatch, empty)}
    report = restore_backup(archive, database=fresh_database)

    assert report.is_verified, report.problems
    assert {name: empty.read(name) for name in empty.names()} == objects
    assert any("Médias restaurés : 2 fichiers" in line for line in report.summary)
