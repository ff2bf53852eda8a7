"""A salaried VAE candidate records his congé VAE from his espace: the day his employer received
the request, the absence, later the employer's answer and its day — the same rules as the
certifier's gestionnaire (vae/conge.py). He reads the notice and the answer period with their
dates, the certifier sees the congé on the dossier's page, and the write is journaled. Never on
another candidate's dossier, never on a dossier outside VAE."""

from datetime import date

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from cqpilot.dossiers.models import Situation, VoieAcces, VoieVae
from cqpilot.vae.conge import CongeSaisi, enregistrer_conge, refus_conge
from cqpilot.vae.models import CongeVae
from cqpilot.vae.recevabilite import VaeRefus
from cqpilot.vae.tests.factories import at, candidate, vae_world

pytestmark = pytest.mark.django_db
DAY = date(2027, 1, 25)
ABSENCE = {"demande_le": "2027-01-20", "debut": "2027-03-01", "fin": "2027-03-05"}


@pytest.fixture
def w():
    return vae_world()


def salaried_dossier(w):
    return w.dossier(candidate(situation=Situation.SALARIE))


def home(client, dossier) -> str:
    client.force_login(dossier.candidat.compte)
    page = client.get("/espace/")
    assert page.status_code == 200
    return page.text


def test_the_salaried_candidate_records_his_conge_and_the_certifier_sees_it(client, w):
    dossier = salaried_dossier(w)
    url = reverse("espace:vae_conge", args=[dossier.pk])
    with at(DAY):
        text = home(client, dossier)
        assert "Votre congé VAE" in text and url in text
        answer = client.post(url, ABSENCE)
        assert answer.status_code == 302 and answer["Location"].startswith("/espace/")
        text = home(client, dossier)
    conge = CongeVae.objects.get(dossier=dossier)
    assert (conge.demande_le, conge.debut, conge.fin, conge.saisi_par) == (
        date(2027, 1, 20),
        date(2027, 3, 1),
        date(2027, 3, 5),
        dossier.candidat.compte,
    )
    assert "Absence du 01/03/2027 au 05/03/2027." in text
    assert "au plus tard le 30/01/2027" in text  # the notice: 30 days before the absence
    assert "Réponse de l&#x27;employeur attendue au plus tard le 04/02/2027." in text
    entry = LogEntry.objects.get_for_object(conge).get()
    assert entry.actor == dossier.candidat.compte
    with at(DAY):
        client.force_login(w.gestionnaire)
        page = client.get(reverse("dossiers:dossier_detail", args=[dossier.pk])).text
    assert "Absence du 01/03/2027 au 05/03/2027." in page
    assert "Saisi par le candidat depuis son espace." in page


def test_he_records_the_employer_s_answer_later(client, w):
    dossier = salaried_dossier(w)
    url = reverse("espace:vae_conge", args=[dossier.pk])
    with at(DAY):
        home(client, dossier)
        client.post(url, ABSENCE)
        client.post(url, {**ABSENCE, "reponse": "accord", "reponse_le": "2027-01-28"})
        text = home(client, dossier)
    conge = CongeVae.objects.get(dossier=dossier)
    assert (conge.reponse, conge.reponse_le) == ("accord", date(2027, 1, 28))
    assert "Réponse de l&#x27;employeur : accordé le 28/01/2027." in text
    dossier.refresh_from_db()
    assert dossier.voie_vae == VoieVae.CONGES_VAE


def test_incoherent_dates_are_refused_in_french_and_nothing_is_recorded(client, w):
    dossier = salaried_dossier(w)
    with at(DAY):
        home(client, dossier)
        answer = client.post(
            reverse("espace:vae_conge", args=[dossier.pk]),
            {**ABSENCE, "fin": "2027-02-27"},
            follow=True,
        )
    assert "La fin de l&#x27;absence ne peut pas précéder son début." in answer.text
    assert not CongeVae.objects.exists()


def test_never_on_another_candidate_s_dossier_nor_outside_vae(client, w):
    mine, theirs = salaried_dossier(w), salaried_dossier(w)
    not_vae = w.dossier(mine.candidat, *w.certification_bis("CQP hors VAE"))
    not_vae.voie_acces = VoieAcces.CANDIDAT_LIBRE
    not_vae.save()
    with at(DAY):
        text = home(client, mine)
        for dossier in (theirs, not_vae):
            url = reverse("espace:vae_conge", args=[dossier.pk])
            assert url not in text
            assert client.post(url, ABSENCE).status_code == 404
    assert not CongeVae.objects.exists()
    with pytest.raises(VaeRefus, match="Réservé"):
        enregistrer_conge(theirs, CongeSaisi(date(2027, 1, 20), DAY, DAY), by=mine.candidat.compte)


def test_a_candidate_not_recorded_as_salaried_is_not_offered_the_form(client, w):
    dossier = w.dossier()  # situation « autre »
    url = reverse("espace:vae_conge", args=[dossier.pk])
    with at(DAY):
        assert url not in home(client, dossier)
        client.post(url, ABSENCE)
    assert not CongeVae.objects.exists()
    assert "salarié" in refus_conge(dossier, dossier.candidat.compte)
