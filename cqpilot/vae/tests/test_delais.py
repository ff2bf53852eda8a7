"""Completeness and the decision period: the certifier asks for missing pièces (the candidate
is told which), then records the day the demande is complete; the period (2 months by
default, a setting of the certification) runs from that day on calendar dates, the last day
included, clamped to the end of the month; pages and the « À faire » home show the days left."""

from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from cqpilot.accueil.todo import sections_for
from cqpilot.vae.models import StatutDemande
from cqpilot.vae.recevabilite import VaeRefus, declarer_complete, demander_pieces

from .factories import at, reload, vae_world

pytestmark = pytest.mark.django_db


def test_complete_on_31_december_gives_until_the_last_day_of_february():
    w = vae_world()
    demande = w.demande(on=date(2026, 12, 10))
    with at(date(2026, 12, 31)):
        declarer_complete(demande, by=w.gestionnaire)
    demande = reload(demande)
    assert w.certification.delai_recevabilite_vae_mois == 2
    assert (demande.statut, demande.complete_le) == (StatutDemande.COMPLETE, date(2026, 12, 31))
    assert demande.date_limite == date(2027, 2, 28)
    assert demande.jours_restants(date(2027, 2, 28)) == 0
    assert demande.jours_restants(date(2027, 3, 1)) == -1


def test_the_period_is_a_setting_of_the_certification_read_at_completeness():
    w = vae_world()
    w.certification.delai_recevabilite_vae_mois = 3
    w.certification.save()
    demande = w.demande(on=date(2027, 11, 2))
    with at(date(2027, 11, 30)):
        declarer_complete(demande, by=w.gestionnaire)
    w.certification.delai_recevabilite_vae_mois = 1  # a later change moves no running period
    w.certification.save()
    assert reload(demande).date_limite == date(2028, 2, 29)  # a leap year


def test_the_completeness_date_may_be_earlier_than_today_but_not_before_the_filing():
    w = vae_world()
    demande = w.demande(on=date(2026, 10, 5))
    with at(date(2026, 10, 20)):
        with pytest.raises(VaeRefus, match="déposée le 05/10/2026"):
            declarer_complete(demande, by=w.gestionnaire, le=date(2026, 10, 1))
        with pytest.raises(VaeRefus, match="à venir"):
            declarer_complete(demande, by=w.gestionnaire, le=date(2026, 10, 21))
        declarer_complete(demande, by=w.gestionnaire, le=date(2026, 10, 12))
    assert reload(demande).date_limite == date(2026, 12, 12)


def test_missing_pieces_are_listed_to_the_candidate_and_stop_nothing_yet(
    django_capture_on_commit_callbacks,
):
    w = vae_world()
    demande = w.demande(on=date(2026, 10, 5))
    mail.outbox.clear()
    with at(date(2026, 10, 8)), django_capture_on_commit_callbacks(execute=True):
        demander_pieces(
            demande, "Attestations d'emploi\n- Avis de l'accompagnateur", by=w.gestionnaire
        )
    demande = reload(demande)
    assert demande.statut == StatutDemande.INCOMPLETE
    assert demande.date_limite is None  # the period has not started
    assert demande.complements.get().liste == ["Attestations d'emploi", "Avis de l'accompagnateur"]
    (message,) = mail.outbox
    assert message.to == [demande.dossier.candidat.compte.email]
    assert "incomplète" in message.subject
    assert "- Attestations d'emploi\n- Avis de l'accompagnateur" in message.body
    with at(date(2026, 10, 20)), django_capture_on_commit_callbacks(execute=True):
        declarer_complete(demande, by=w.gestionnaire)
    assert reload(demande).date_limite == date(2026, 12, 20)
    assert "au plus tard le 20/12/2026" in mail.outbox[-1].body
    assert "sans réponse de sa part à cette date, votre demande sera recevable" in (
        mail.outbox[-1].body
    )


def test_once_complete_the_certifier_may_no_longer_ask_for_pieces_to_stop_the_clock():
    w = vae_world()
    demande = w.demande(on=date(2026, 10, 5))
    with at(date(2026, 10, 6)):
        declarer_complete(demande, by=w.gestionnaire)
        with pytest.raises(VaeRefus, match="le délai de décision court"):
            demander_pieces(demande, "Encore une pièce", by=w.gestionnaire)


def test_another_certifier_cannot_touch_the_demande():
    w = vae_world()
    other = vae_world("CPNE voisine")
    demande = w.demande(on=date(2026, 10, 5))
    with pytest.raises(VaeRefus, match="Réservé aux gestionnaires"):
        declarer_complete(demande, by=other.gestionnaire)
    with pytest.raises(VaeRefus, match="Réservé aux gestionnaires"):
        demander_pieces(demande, "x", by=other.gestionnaire)


def _vae_item(user, today):
    (section,) = sections_for(user, today)
    return next(item for item in section.items if item.key == "recevabilite_vae")


def test_the_home_counts_the_days_left_from_completeness_not_from_the_inscription():
    w = vae_world()
    dossier = w.dossier()
    dossier.date_inscription = date(2026, 1, 15)  # long ago: not where the period starts
    dossier.save()
    demande = w.demande(dossier, on=date(2026, 11, 2))
    with at(date(2026, 11, 20)):
        declarer_complete(demande, by=w.gestionnaire)
    w.demande(on=date(2026, 11, 25))  # filed, not yet complete: its period does not run
    w.dossier()  # inscrit, no demande yet

    item = _vae_item(w.gestionnaire, date(2026, 12, 1))
    assert item.count == 3
    assert item.details == [
        "la plus proche : 50 jours pour décider (jusqu'au 20/01/2027 inclus)",
        "1 demande pas encore complète : son délai ne court pas",
        "1 dossier sans demande saisie",
    ]
    assert _vae_item(w.gestionnaire, date(2027, 1, 20)).details[0] == (
        "la plus proche : dernier jour pour décider (le 20/01/2027)"
    )


def test_the_request_page_shows_the_days_left(client):
    w = vae_world()
    demande = w.demande(on=date(2026, 11, 2))
    with at(date(2026, 11, 20)):
        declarer_complete(demande, by=w.gestionnaire)
    with at(date(2026, 12, 1)):
        client.force_login(w.gestionnaire)
        page = client.get(reverse("vae:demande_detail", args=[demande.pk]))
        listed = client.get(reverse("vae:demande_list"))
    assert "50 jours pour décider (jusqu&#x27;au 20/01/2027 inclus)" in page.text
    assert "50 jours pour décider" in listed.text
