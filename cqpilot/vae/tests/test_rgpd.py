"""A candidate's demande de recevabilité is his personal data: the RGPD access export gives it
(experiences, training, the accompanist's opinion, the pièces asked, the decision and its
letter), and anonymisation erases what he and the certifier wrote about him in it, its journal
included, keeping the legal act's facts (dates, statut, durations) for the statistics."""

import json
import zipfile
from datetime import date

import pytest
from auditlog.models import LogEntry

from cqpilot.core.pdf import pdf_text
from cqpilot.rgpd.anonymisation import anonymise
from cqpilot.rgpd.export import export_zip
from cqpilot.vae.models import ComplementDemande, DemandeRecevabilite, ExperienceVae, NiveauEcart
from cqpilot.vae.recevabilite import (
    EcartSaisi,
    decider,
    declarer_complete,
    demander_pieces,
    deposer,
)

from .factories import at, saisie, vae_world

pytestmark = pytest.mark.django_db
DAY = date(2026, 10, 5)
SECRETS = [
    "Net Services",
    "Entretien de bureaux",
    "Habilitation électrique",
    "CAP propreté 2012",
    "Claire Accompagne",
    "Parcours solide, très autonome",
    "Bulletins de salaire 2024",
    "Expérience probante",
    "Maîtrise la monobrosse",
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def decided():
    w = vae_world()
    dossier = w.dossier()
    bloc = w.blocs[0]
    with at(DAY):
        demande = deposer(
            dossier,
            saisie(
                blocs=[bloc],
                certifications_detenues="CAP propreté 2012",
                accompagnateur="Claire Accompagne",
                avis_accompagnateur="Parcours solide, très autonome",
            ),
            by=w.gestionnaire,
        )
        demander_pieces(demande, "Bulletins de salaire 2024", by=w.gestionnaire)
        declarer_complete(demande, by=w.gestionnaire)
        decider(
            demande,
            recevable=True,
            motivation="Expérience probante",
            ecarts=[EcartSaisi(bloc, NiveauEcart.ACQUIS, commentaire="Maîtrise la monobrosse")],
            recommandations="Maîtrise la monobrosse",
            by=w.gestionnaire,
        )
    return w, DemandeRecevabilite.objects.get(pk=demande.pk)


def test_the_access_export_gives_the_demande_and_its_letter(decided):
    w, demande = decided
    spool, _name = export_zip(demande.dossier.candidat, by=w.gestionnaire)
    with spool, zipfile.ZipFile(spool) as archive:
        data = json.loads(archive.read("donnees.json"))
        text = json.dumps(data, ensure_ascii=False)
        for secret in SECRETS:
            assert secret in text, secret
        dossier = data["dossiers"][0]
        vae = dossier["demande de recevabilité VAE"][0]
        assert vae["statut"] == "Recevable"
        assert dossier["expériences déclarées (VAE)"][0]["durée (mois)"] == 30
        assert vae["dans l'archive"] == f"vae/lettre-recevabilite-{demande.pk}.pdf"
        letter = pdf_text(archive.read(vae["dans l'archive"]))
        assert "Expérience probante" in letter
        assert "Demande de recevabilité VAE" in archive.read("resume.html").decode()
    assert any("Demande de recevabilité" in entry["objet"] for entry in data["journal"])


def test_anonymisation_erases_what_the_demande_says_of_him_and_its_journal(decided):
    w, demande = decided
    anonymise(demande.dossier.candidat, organisation=w.branche, motif="effacement", by=None)
    demande = DemandeRecevabilite.objects.get(pk=demande.pk)
    experience = ExperienceVae.objects.get(demande=demande)
    kept = (demande.statut, demande.complete_le, demande.decidee_le, experience.duree_mois)
    assert kept == ("recevable", DAY, DAY, 30)
    rows = [
        *DemandeRecevabilite.objects.filter(pk=demande.pk).values(),
        *ExperienceVae.objects.filter(demande=demande).values(),
        *ComplementDemande.objects.filter(demande=demande).values(),
        *demande.ecarts.values(),
    ]
    journal = LogEntry.objects.filter(content_type__app_label="vae").values_list(
        "object_repr", "changes"
    )
    stored = json.dumps([rows, list(journal)], default=str, ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in stored, secret
    assert demande.dossier.candidat.nom_naissance == "ANONYME"
