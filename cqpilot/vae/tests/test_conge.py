"""An employee's congé VAE: the day his employer received the request, the absence and the
employer's answer, recorded on the VAE dossier by the certifier's gestionnaire or the dossier's
OF. The page shows the notice (the request reaches the employer at least 30 days before the
absence) and the answer period (15 days from the request) with the dates they give, flagging a
short notice or a late answer; a congé accordé makes the dossier's kind of VAE « Congé VAE »."""

import json
import zipfile
from datetime import date

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from cqpilot.core.models import Role
from cqpilot.core.tests.factories import UserFactory
from cqpilot.dossiers.models import Dossier, DossierState, VoieAcces
from cqpilot.dossiers.tests.factories import OrganismeFactory
from cqpilot.rgpd.export import export_zip
from cqpilot.vae.conge import (
    CongeSaisi,
    demande_avant_le,
    enregistrer_conge,
    reponse_avant_le,
    textes_conge,
)
from cqpilot.vae.models import CongeVae
from cqpilot.vae.recevabilite import VaeRefus

from .factories import at, vae_world

pytestmark = pytest.mark.django_db


def world():
    w = vae_world()
    of = OrganismeFactory(nom="Formapro VAE")
    of_user = UserFactory(organisation=of, roles=[Role.ORGANISME_FORMATION])
    dossier = w.dossier(state=DossierState.RECEVABLE)
    dossier.organisme = of
    dossier.save()
    return w, of_user, dossier


def test_the_notice_is_30_days_before_the_absence_and_the_answer_15_days_after_the_request():
    assert demande_avant_le(date(2027, 3, 1)) == date(2027, 1, 30)
    assert reponse_avant_le(date(2027, 1, 20)) == date(2027, 2, 4)


def test_the_gestionnaire_records_it_and_the_page_gives_both_periods_with_their_dates(client):
    w, _, dossier = world()
    url = reverse("dossiers:dossier_detail", args=[dossier.pk])
    with at(date(2027, 1, 25)):
        client.force_login(w.gestionnaire)
        assert "Enregistrer le congé VAE" in client.get(url).text
        client.post(
            reverse("vae:conge_enregistrer", args=[dossier.pk]),
            {"demande_le": "2027-01-20", "debut": "2027-03-01", "fin": "2027-03-05"},
        )
        page = client.get(url).text
    conge = CongeVae.objects.get(dossier=dossier)
    assert (conge.demande_le, conge.debut, conge.fin, conge.saisi_par) == (
        date(2027, 1, 20),
        date(2027, 3, 1),
        date(2027, 3, 5),
        w.gestionnaire,
    )
    assert "Absence du 01/03/2027 au 05/03/2027." in page
    assert (
        "Préavis respecté : demande reçue le 20/01/2027, au plus tard le 30/01/2027 "
        "(30 jours avant l&#x27;absence)." in page
    )
    assert "Réponse de l&#x27;employeur attendue au plus tard le 04/02/2027." in page
    assert LogEntry.objects.get_for_object(conge).exists()


def test_a_short_notice_and_a_late_answer_are_flagged_and_an_accord_makes_it_conges_vae():
    _w, of_user, dossier = world()
    with at(date(2027, 3, 1)):
        conge = enregistrer_conge(
            dossier,
            CongeSaisi(
                demande_le=date(2027, 2, 10),
                debut=date(2027, 3, 1),
                fin=date(2027, 3, 2),
                reponse="accord",
                reponse_le=date(2027, 2, 27),
            ),
            by=of_user,
        )
    assert textes_conge(conge, date(2027, 3, 1)) == [
        "préavis trop court de 11 jours : la demande devait être reçue au plus tard le "
        "30/01/2027 (30 jours avant l'absence)",
        "réponse de l'employeur : accordé le 27/02/2027, 2 jours après le délai de 15 jours",
    ]
    assert Dossier.objects.get(pk=dossier.pk).voie_vae == "CONGES_VAE"
    pending = CongeVae(demande_le=date(2027, 1, 20), debut=date(2027, 3, 1), fin=date(2027, 3, 1))
    assert textes_conge(pending, date(2027, 2, 5))[1] == (
        "réponse de l'employeur attendue au plus tard le 04/02/2027 : délai dépassé de 1 jour"
    )


@pytest.mark.parametrize(
    ("saisie", "message"),
    [
        (
            CongeSaisi(date(2027, 1, 2), date(2027, 3, 5), date(2027, 3, 1)),
            "La fin de l'absence ne peut pas précéder son début.",
        ),
        (
            CongeSaisi(date(2027, 3, 6), date(2027, 3, 5), date(2027, 3, 6)),
            "La demande à l'employeur doit précéder l'absence.",
        ),
        (
            CongeSaisi(date(2027, 1, 2), date(2027, 3, 5), date(2027, 3, 6), reponse="accord"),
            "Indiquez la réponse de l'employeur et le jour où elle a été reçue, ou aucun des deux.",
        ),
        (
            CongeSaisi(
                date(2027, 1, 2), date(2027, 3, 5), date(2027, 3, 6), "refus", date(2027, 1, 1)
            ),
            "La réponse de l'employeur ne peut pas précéder sa demande.",
        ),
    ],
)
def test_incoherent_dates_are_refused_in_french(saisie, message):
    w, _, dossier = world()
    with pytest.raises(VaeRefus, match=message):
        enregistrer_conge(dossier, saisie, by=w.gestionnaire)
    assert not CongeVae.objects.exists()


def test_only_the_certifier_and_the_dossier_s_of_record_it_on_a_vae_dossier(client):
    w, _, dossier = world()
    saisie = CongeSaisi(date(2027, 1, 2), date(2027, 3, 5), date(2027, 3, 6))
    other_of = UserFactory(organisation=OrganismeFactory(), roles=[Role.ORGANISME_FORMATION])
    with pytest.raises(VaeRefus, match="Réservé aux gestionnaires du certificateur"):
        enregistrer_conge(dossier, saisie, by=other_of)
    Dossier.objects.filter(pk=dossier.pk).update(voie_acces=VoieAcces.CANDIDAT_LIBRE)
    with pytest.raises(VaeRefus, match="ne concerne qu'un dossier de VAE"):
        enregistrer_conge(dossier, saisie, by=w.gestionnaire)
    client.force_login(other_of)
    response = client.post(
        reverse("vae:conge_enregistrer", args=[dossier.pk]),
        {"demande_le": "2027-01-02", "debut": "2027-03-05", "fin": "2027-03-06"},
    )
    assert response.status_code in (403, 404)
    assert not CongeVae.objects.exists()


def test_the_access_export_gives_the_conge_and_its_journal(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w, _, dossier = world()
    enregistrer_conge(
        dossier, CongeSaisi(date(2027, 1, 2), date(2027, 3, 5), date(2027, 3, 6)), by=w.gestionnaire
    )
    spool, _name = export_zip(dossier.candidat, by=w.gestionnaire)
    with spool, zipfile.ZipFile(spool) as archive:
        data = json.loads(archive.read("donnees.json"))
    (conge,) = data["dossiers"][0]["congé VAE"]
    assert (conge["demande reçue par l'employeur le"], conge["début de l'absence"]) == (
        "2027-01-02",
        "2027-03-05",
    )
    assert "Congé VAE du 05/03/2027 au 06/03/2027" in [e["objet"] for e in data["journal"]]
