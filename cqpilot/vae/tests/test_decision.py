"""The decision: recevable or non recevable, motivated, with the gap analysis of each bloc of
the demande (and its compétences if the certifier wishes), the recommendations and the validity
period (a setting of the certification, 12 months by default); the dossier's state moves in the
same transaction, journaled; the candidate gets the notification letter; it never changes."""

from datetime import date

import pytest
from auditlog.models import LogEntry
from django.core import mail

from cqpilot.core.pdf import pdf_text
from cqpilot.dossiers.models import DossierState
from cqpilot.vae.lettre import lettre_pdf
from cqpilot.vae.models import DemandeRecevabilite, NiveauEcart, StatutDemande
from cqpilot.vae.recevabilite import (
    EcartSaisi,
    VaeRefus,
    decider,
    declarer_complete,
    demander_pieces,
)

from .factories import at, reload, vae_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def complete_demande(w, *, blocs=()):
    demande = w.demande(on=date(2026, 10, 1), blocs=blocs)
    with at(date(2026, 10, 5)):
        declarer_complete(demande, by=w.gestionnaire)
    return reload(demande)


def analyse(w, *, niveau=NiveauEcart.ACQUIS):
    c1 = w.blocs[0].competences.get(code="C1")
    return [
        EcartSaisi(w.blocs[0], niveau, commentaire="Dix ans de bionettoyage"),
        EcartSaisi(w.blocs[0], NiveauEcart.A_DEVELOPPER, competence=c1, commentaire="Dosages"),
        EcartSaisi(w.blocs[1], NiveauEcart.NON_EVALUE),
    ]


def test_recevable_moves_the_dossier_records_the_analysis_and_sends_the_letter(
    django_capture_on_commit_callbacks,
):
    w = vae_world()
    demande = complete_demande(w)
    mail.outbox.clear()
    with at(date(2026, 11, 16)), django_capture_on_commit_callbacks(execute=True):
        decider(
            demande,
            recevable=True,
            motivation="Expérience en rapport direct avec le référentiel.",
            ecarts=analyse(w),
            recommande_formation=True,
            recommande_pmsmp=True,
            recommandations="Module produits d'entretien",
            by=w.gestionnaire,
        )
    demande = reload(demande)
    assert demande.statut == StatutDemande.RECEVABLE
    assert (demande.decidee_le, demande.decidee_par) == (date(2026, 11, 16), w.gestionnaire)
    assert (demande.validite_mois, demande.valide_jusquau) == (12, date(2027, 11, 16))
    assert demande.ecarts.count() == 3
    dossier = demande.dossier
    assert dossier.state == DossierState.RECEVABLE
    last = dossier.transitions.last()
    assert (last.to_state, last.by, last.motif) == (
        DossierState.RECEVABLE,
        w.gestionnaire,
        "Expérience en rapport direct avec le référentiel.",
    )
    journal = LogEntry.objects.get_for_object(demande).filter(action=LogEntry.Action.UPDATE)
    assert ["complete", "recevable"] in [e.changes_dict.get("statut") for e in journal]
    (message,) = mail.outbox
    assert message.to == [dossier.candidat.compte.email]
    assert "est recevable. Cette recevabilité est valable jusqu'au 16/11/2027" in message.body
    ((filename, content, mimetype),) = message.attachments
    assert (filename, mimetype) == ("recevabilite-vae.pdf", "application/pdf")
    text = " ".join(pdf_text(content).split())
    for expected in (
        "Votre demande est recevable",
        "jusqu'au 16/11/2027",
        "RNCP1BC01 — Nettoyer les locaux Acquis Dix ans de bionettoyage",
        "C1 — Choisir les produits À développer Dosages",
        "Non évalué",
        "(PMSMP)",
        "Module produits d'entretien",
    ):
        assert expected in text, expected


def test_the_validity_period_is_a_setting_of_the_certification():
    w = vae_world()
    w.certification.validite_recevabilite_vae_mois = 6
    w.certification.save()
    demande = complete_demande(w)
    with at(date(2026, 12, 31)):
        decider(demande, recevable=True, motivation="Oui", ecarts=analyse(w), by=w.gestionnaire)
    assert reload(demande).valide_jusquau == date(2027, 6, 30)


def test_non_recevable_is_motivated_and_closes_the_dossier():
    w = vae_world()
    demande = complete_demande(w, blocs=[w.blocs[1]])
    with pytest.raises(VaeRefus, match="Motivez la décision"):
        decider(demande, recevable=False, motivation=" ", ecarts=[], by=w.gestionnaire)
    ecarts = [EcartSaisi(w.blocs[1], NiveauEcart.A_DEVELOPPER, commentaire="Aucun accueil")]
    decider(
        demande,
        recevable=False,
        motivation="Activités sans accueil",
        ecarts=ecarts,
        by=w.gestionnaire,
    )
    demande = reload(demande)
    assert (demande.statut, demande.valide_jusquau) == (StatutDemande.NON_RECEVABLE, None)
    assert demande.dossier.state == DossierState.NON_RECEVABLE
    assert "Votre demande n'est pas recevable" in pdf_text(lettre_pdf(demande))


def test_each_bloc_of_the_demande_is_analysed_and_nothing_outside_it():
    w = vae_world()
    demande = complete_demande(w, blocs=[w.blocs[0]])
    with pytest.raises(VaeRefus, match="il manque RNCP1BC01"):
        decider(demande, recevable=True, motivation="Oui", ecarts=[], by=w.gestionnaire)
    outside = [
        EcartSaisi(w.blocs[0], NiveauEcart.ACQUIS),
        EcartSaisi(w.blocs[1], NiveauEcart.ACQUIS),
    ]
    with pytest.raises(VaeRefus, match="RNCP1BC02 n'est pas dans le périmètre"):
        decider(demande, recevable=True, motivation="Oui", ecarts=outside, by=w.gestionnaire)
    assert reload(demande).dossier.state == DossierState.INSCRIT


def test_a_demande_is_decided_once_complete_and_never_again():
    w = vae_world()
    demande = w.demande(on=date(2026, 10, 1))
    with pytest.raises(VaeRefus, match="Déclarez d'abord la demande complète"):
        decider(demande, recevable=True, motivation="Oui", ecarts=analyse(w), by=w.gestionnaire)
    with at(date(2026, 10, 5)):
        declarer_complete(demande, by=w.gestionnaire)
        decider(demande, recevable=True, motivation="Oui", ecarts=analyse(w), by=w.gestionnaire)
        for attempt in (
            lambda: decider(
                demande, recevable=False, motivation="Non", ecarts=analyse(w), by=w.gestionnaire
            ),
            lambda: demander_pieces(demande, "Une pièce", by=w.gestionnaire),
            lambda: declarer_complete(demande, by=w.gestionnaire),
        ):
            with pytest.raises(VaeRefus, match="la demande ne change plus"):
                attempt()
    assert reload(demande).statut == StatutDemande.RECEVABLE


def test_another_certifier_cannot_decide():
    w, other = vae_world(), vae_world("CPNE voisine")
    demande = complete_demande(w)
    with pytest.raises(VaeRefus, match="Réservé aux gestionnaires"):
        decider(demande, recevable=True, motivation="Oui", ecarts=analyse(w), by=other.gestionnaire)
    assert DemandeRecevabilite.objects.visible_to(other.gestionnaire).count() == 0
    assert DemandeRecevabilite.objects.visible_to(w.gestionnaire).get() == demande
