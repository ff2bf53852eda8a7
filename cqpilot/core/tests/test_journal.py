"""The journal (/journal/): never a digit of a NIR, and the reads of personal data (downloads of
pièces justificatives and of files naming holders by their NIR) written with who, when, what."""

import importlib
import re
import time

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.urls import reverse

from cqpilot.accrochage.models import FichierAccrochage, FluxAutonome, SchemaVersion
from cqpilot.core.tests.factories import administrateur, gestionnaire
from cqpilot.dossiers.models import Candidat, Document
from cqpilot.dossiers.tests.factories import CandidatFactory, DossierFactory, HabilitationFactory

pytestmark = pytest.mark.django_db

NIR = "185057800608436"
# Every run of 4 digits of the NIR: none may appear on the page (the masked screen value shows
# the first 3 characters, so the journal must show none at all).
NIR_PIECES = {NIR[i : i + 4] for i in range(len(NIR) - 3)}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def recently_authenticated():
    """Downloads of files with personal data may ask for the password again (core.accounts):
    the session says it was just given."""

    def confirm(client):
        session = client.session
        session["cqpilot_reauthenticated_at"] = time.time()
        session.save()

    return confirm


def journal_of(client, admin) -> str:
    client.force_login(admin)
    return client.get(reverse("audit_log")).text


def digits_shown(page: str) -> set[str]:
    return {piece for piece in NIR_PIECES if piece in page}


def test_a_nir_change_is_journaled_without_any_of_its_characters():
    candidat = CandidatFactory()

    candidat.nir = NIR
    candidat.save()

    entry = LogEntry.objects.get_for_object(candidat).latest("timestamp")
    assert entry.changes_dict["nir"] == ["", "masqué"]


def test_the_journal_page_shows_no_digit_of_a_nir_also_in_entries_written_before(client):
    """Entries written before the NIR was masked entirely kept its last 8 digits."""
    admin = administrateur()
    candidat = CandidatFactory()
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Candidat),
        object_pk=str(candidat.pk),
        object_id=candidat.pk,
        object_repr=str(candidat),
        action=LogEntry.Action.UPDATE,
        changes={"nir": ["None", "*******00608436"], "prenom1": ["Marie", "Maria"]},
        actor=admin,
    )

    page = journal_of(client, admin)

    assert digits_shown(page) == set()
    assert "masqué" in page and "Marie → Maria" in page


def test_the_migration_removes_the_nir_digits_already_in_the_journal():
    candidat = CandidatFactory()
    entry = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Candidat),
        object_pk=str(candidat.pk),
        object_id=candidat.pk,
        object_repr=str(candidat),
        action=LogEntry.Action.UPDATE,
        changes={"nir": ["*******00608436", "*******00608437"], "prenom1": ["Marie", "Maria"]},
    )
    migration = importlib.import_module("cqpilot.dossiers.migrations.0006_journal_without_nir")

    migration.mask_nir_in_journal(apps, None)

    entry.refresh_from_db()
    assert entry.changes == {"nir": ["masqué", "masqué"], "prenom1": ["Marie", "Maria"]}


def test_downloading_a_piece_justificative_is_journaled_as_a_read(client, recently_authenticated):
    habilitation = HabilitationFactory()
    dossier = DossierFactory(
        certification=habilitation.certification, organisme=habilitation.organisme
    )
    document = Document.objects.create(
        dossier=dossier, type="contrat", nom="contrat.pdf", fichier=ContentFile(b"%PDF", "c.pdf")
    )
    organisation = dossier.certification.certificateurs.get()
    reader = gestionnaire(organisation=organisation, last_name="Lecteur")
    client.force_login(reader)
    recently_authenticated(client)

    response = client.get(reverse("dossiers:document_download", args=[document.pk]))

    assert b"".join(response.streaming_content) == b"%PDF"
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS)
    assert (entry.actor, entry.object_id, entry.object_repr) == (
        reader,
        document.pk,
        str(document),
    )
    page = journal_of(client, administrateur(organisation=organisation))
    row = re.search(r"<tr>\s*<td>[^<]*</td>\s*<td>[^<]*Lecteur[^<]*</td>.*?</tr>", page, re.S)
    assert row and "Lecture" in row[0] and "contrat.pdf" in row[0], page


def test_downloading_a_deposit_file_naming_holders_by_their_nir_is_journaled_as_a_read(
    client, recently_authenticated
):
    reader = gestionnaire(last_name="Lecteur")
    fichier = FichierAccrochage.objects.create(
        organisation=reader.organisation,
        id_flux="FLUX-NIR-0001",
        version_schema=SchemaVersion.V2026,
        fichier=ContentFile(b"<flux/>", "flux.xml"),
        nombre=1,
        taille=7,
        by=reader,
    )
    client.force_login(reader)
    recently_authenticated(client)

    response = client.get(reverse("accrochage:fichier", args=[fichier.pk]))

    assert b"".join(response.streaming_content) == b"<flux/>"
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS)
    assert (entry.actor, entry.object_repr) == (reader, "FLUX-NIR-0001")
    assert "NIR" in entry.additional_data["lecture"]
    page = journal_of(client, administrateur(organisation=reader.organisation))
    assert "Lecture" in page and "FLUX-NIR-0001" in page


def test_downloading_a_file_of_the_standalone_tool_is_journaled_as_a_read(
    client, recently_authenticated
):
    reader = gestionnaire(last_name="Lecteur")
    flux = FluxAutonome.objects.create(
        organisation=reader.organisation,
        by=reader,
        source="titulaires.xlsx",
        id_flux="FLUX-AUTONOME-1",
        fichier=ContentFile(b"<flux/>", "flux.xml"),
        passages=1,
    )
    client.force_login(reader)
    recently_authenticated(client)

    response = client.get(reverse("accrochage:standalone_download", args=[flux.pk]))

    assert b"".join(response.streaming_content) == b"<flux/>"
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS)
    assert (entry.actor, entry.content_type.model) == (reader, "fluxautonome")


def test_the_journal_speaks_french_and_shows_an_empty_previous_value_as_a_dash(client):
    admin = administrateur()
    candidat = CandidatFactory(prenom1="Marie")
    LogEntry.objects.filter(object_id=candidat.pk).update(actor=admin)

    page = journal_of(client, admin)

    row = next(r for r in page.split("<tr>") if "— → Marie" in r)
    assert "Création" in row
    assert "<strong>prénom</strong> : — → Marie" in row
    assert "<strong>créé le</strong>" in row
    assert "None" not in row and "created_at" not in row
