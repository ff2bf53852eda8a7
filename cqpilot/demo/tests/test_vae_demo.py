"""The demo's VAE candidates stand at each step of their demande de recevabilité, and the
gestionnaire's « À faire » home says what waits: the closest decision due in a few days, the
demande still incomplete, the dossier without a demande."""

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cqpilot.core.models import User
from cqpilot.demo import load_demo
from cqpilot.dossiers.models import DossierState
from cqpilot.vae.models import DemandeRecevabilite, StatutDemande

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        yield
        transaction.set_rollback(True)


def test_the_demo_has_a_demande_at_each_step():
    statuts = {
        d.dossier.candidat.nom_naissance: d
        for d in DemandeRecevabilite.objects.select_related("dossier__candidat")
    }
    assert statuts["Benhamou"].statut == StatutDemande.INCOMPLETE
    assert statuts["Benhamou"].complements.count() == 1
    faure = statuts["Faure"]
    assert faure.statut == StatutDemande.COMPLETE
    assert 1 <= faure.jours_restants(timezone.localdate()) <= 7
    bonnet = statuts["Bonnet"]
    assert bonnet.statut == StatutDemande.RECEVABLE and bonnet.ecarts.exists()
    assert bonnet.dossier.state == DossierState.RECEVABLE
    assert "Nguyen" not in statuts


def test_the_gestionnaire_home_says_what_waits_on_the_vae_demandes(client):
    client.force_login(User.objects.get(username="gestionnaire.metallurgie"))
    page = client.get(reverse("home"))
    text = " ".join(page.content.decode().replace("&#x27;", "'").split())
    faure = DemandeRecevabilite.objects.get(dossier__candidat__nom_naissance="Faure")
    left = faure.jours_restants(timezone.localdate())
    assert f"{left} jours pour décider (jusqu'au {faure.date_limite:%d/%m/%Y} inclus)" in text
    assert "1 demande pas encore complète" in text
    assert "2 dossiers sans demande saisie" in text  # Thanh Nguyen's and Lucie Morel's
    demande = client.get(reverse("vae:demande_detail", args=[faure.pk]))
    assert demande.status_code == 200
    assert reverse("vae:demande_decider", args=[faure.pk]) in demande.content.decode()
