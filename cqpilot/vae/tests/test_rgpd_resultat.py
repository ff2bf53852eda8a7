"""The dossier de validation (« livret 2 ») and the notification of the jury's result are the
candidate's personal data too: the RGPD access export gives the deposit (its day, the jury's
deadline) and the notification (its day, its addressees, the accompanist's address among them),
with their journal; anonymisation deletes the livret 2 like any pièce while keeping the deposit's
dates for the statistics, and erases the addresses the result went to, its journal included."""

import json
import zipfile
from datetime import date

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cqpilot.dossiers.models import Document, Dossier, DossierState
from cqpilot.jurys.pv import close, sign
from cqpilot.jurys.services import open_deliberation
from cqpilot.jurys.tests.test_composition import decide
from cqpilot.jurys.tests.test_vae_composition import vae_scenario
from cqpilot.rgpd.anonymisation import anonymise
from cqpilot.rgpd.export import export_zip
from cqpilot.vae.models import DossierValidationVae, NotificationResultatVae
from cqpilot.vae.notification import notifier_resultat
from cqpilot.vae.validation import deposer_validation

from .factories import at

pytestmark = pytest.mark.django_db
SECRETS = ["livret-benali-2026", "benali@exemple.fr", "claire.aap@exemple.fr", "BENALI"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def notified():
    """Benali's livret 2 received on 02/11/2026, the jury of 20/11/2026 signed, its result
    e-mailed to him and his accompanist on 24/11/2026."""
    s = vae_scenario()
    dossier = s.dossiers[0]
    candidat = dossier.candidat
    candidat.email = "benali@exemple.fr"
    candidat.save()
    Dossier.objects.filter(pk=dossier.pk).update(state=DossierState.EN_EVALUATION)
    upload = SimpleUploadedFile(
        "livret-benali-2026.pdf", b"%PDF-1.4 livret 2", content_type="application/pdf"
    )
    with at(date(2026, 11, 4)):
        deposer_validation(dossier, upload, by=s.gestionnaire, le=date(2026, 11, 2))
    Dossier.objects.filter(pk=dossier.pk).update(state=DossierState.PRESENTE_JURY)
    with at(date(2026, 11, 20)):
        open_deliberation(s.jury, by=s.gestionnaire)
        for deliberation in s.jury.deliberations.all():
            decide(s, deliberation)
        close(s.jury, by=s.gestionnaire)
        sign(s.jury, by=s.president)
    vae = s.jury.deliberations.get(dossier=dossier)
    with at(date(2026, 11, 24)):
        notifier_resultat(vae, by=s.gestionnaire, courriel_accompagnateur="claire.aap@exemple.fr")
    return s, dossier


def test_the_access_export_gives_the_livret_2_deposit_and_the_result_notification(notified):
    s, dossier = notified
    spool, _name = export_zip(dossier.candidat, by=s.gestionnaire)
    with spool, zipfile.ZipFile(spool) as archive:
        data = json.loads(archive.read("donnees.json"))
        summary = archive.read("resume.html").decode()
    exported = next(d for d in data["dossiers"] if d["numero"] == dossier.pk)
    (depot,) = exported["dossier de validation VAE (livret 2)"]
    assert (depot["déposé le"], depot["jury au plus tard le"]) == ("2026-11-02", "2027-02-02")
    assert depot["dans l'archive"].startswith("pieces/")
    assert depot["dans l'archive"].endswith("-livret-benali-2026.pdf")
    (notification,) = exported["notification du résultat VAE"]
    assert notification["notifié le"] == "2026-11-24"
    assert notification["destinataires"] == "benali@exemple.fr, claire.aap@exemple.fr"
    assert "Notification du résultat VAE" in summary
    objets = [entry["objet"] for entry in data["journal"]]
    assert "Dossier de validation VAE déposé le 02/11/2026" in objets
    assert "Résultat VAE notifié le 24/11/2026" in objets


def test_anonymisation_deletes_the_livret_2_and_erases_the_addresses_keeping_the_dates(
    notified, client
):
    s, dossier = notified
    anonymise(dossier.candidat, organisation=s.branche, motif="effacement", by=None)
    depot = DossierValidationVae.objects.get(dossier=dossier)
    assert (depot.deposee_le, depot.jury_avant_le, depot.document) == (
        date(2026, 11, 2),
        date(2027, 2, 2),
        None,
    )
    assert not Document.objects.filter(dossier=dossier).exists()
    client.force_login(s.gestionnaire)
    page = client.get(reverse("dossiers:dossier_detail", args=[dossier.pk]))
    assert "Fichier supprimé avec les pièces du dossier, déposé le 02/11/2026" in page.text
    notification = NotificationResultatVae.objects.get(deliberation__dossier=dossier)
    assert notification.notifiee_le == date(2026, 11, 24)
    rows = [
        *DossierValidationVae.objects.filter(dossier=dossier).values(),
        *NotificationResultatVae.objects.filter(deliberation__dossier=dossier).values(),
    ]
    journal = LogEntry.objects.filter(content_type__app_label="vae").values_list(
        "object_repr", "changes", "serialized_data"
    )
    stored = json.dumps([rows, list(journal)], default=str, ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in stored, secret
