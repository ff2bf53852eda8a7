"""A VAE jury's result is notified to the candidate and the accompanist within 15 days of the
jury: once the PV is signed, the dossier's page says « à notifier avant le … », the gestionnaire
notifies it (e-mails, recorded with the day), and the « À faire » home counts those left, the
late ones apart."""

from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from cqpilot.accueil.todo import sections_for
from cqpilot.core.models import Role
from cqpilot.core.tests.factories import UserFactory
from cqpilot.jurys.deliberation import BlocSaisie, save_decision
from cqpilot.jurys.pv import close, sign
from cqpilot.jurys.services import open_deliberation
from cqpilot.vae.models import DemandeRecevabilite, NotificationResultatVae
from cqpilot.vae.notification import notifier_resultat, texte_notification
from cqpilot.vae.recevabilite import VaeRefus
from cqpilot.vae.tests.factories import at

from .test_composition import decide
from .test_vae_composition import vae_scenario

pytestmark = pytest.mark.django_db
JURY_DAY = date(2026, 11, 20)  # JuryFactory's


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def signed(partial: bool = False):
    """Benali's VAE dossier and Durand's decided by the jury of 20/11/2026, its PV signed."""
    s = vae_scenario()
    candidat = s.dossiers[0].candidat
    candidat.email = "benali@exemple.fr"
    candidat.save()
    with at(JURY_DAY):
        open_deliberation(s.jury, by=s.gestionnaire)
        vae = s.jury.deliberations.get(dossier=s.dossiers[0])
        if partial:
            save_decision(
                vae,
                revision=vae.revision,
                decision="partielle",
                blocs={
                    b.pk: BlocSaisie("valide" if n == 0 else "non_valide")
                    for n, b in enumerate(s.blocs)
                },
                unanimite=True,
                by=s.gestionnaire,
            )
        else:
            decide(s, vae)
        decide(s, s.jury.deliberations.get(dossier=s.dossiers[1]))
        close(s.jury, by=s.gestionnaire)
        sign(s.jury, by=s.president)
    return s, vae


def _item(user, today):
    (section,) = sections_for(user, today)
    return next(item for item in section.items if item.key == "resultat_vae")


def test_the_result_is_to_notify_within_15_days_and_the_notification_is_recorded(
    client, django_capture_on_commit_callbacks
):
    s, vae = signed()
    page_url = reverse("dossiers:dossier_detail", args=[s.dossiers[0].pk])
    with at(date(2026, 12, 1)):
        client.force_login(s.gestionnaire)
        page = client.get(page_url)
        assert "résultat à notifier avant le 05/12/2026 inclus" in page.text
        item = _item(s.gestionnaire, date(2026, 12, 1))
        assert (item.count, item.details) == (1, [])
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("vae:resultat_notifier", args=[s.dossiers[0].pk]),
                {"courriel_accompagnateur": "aap@exemple.fr"},
            )
        page = client.get(page_url)
    notification = NotificationResultatVae.objects.get(deliberation=vae)
    assert notification.notifiee_le == date(2026, 12, 1)
    assert notification.par == s.gestionnaire
    (message,) = mail.outbox
    assert message.to == ["benali@exemple.fr", "aap@exemple.fr"]
    assert message.subject == "Résultat de votre jury VAE du 20/11/2026"
    assert "Le jury vous attribue la certification" in message.body
    assert "résultat notifié le 01/12/2026" in page.text
    assert "Notifier le résultat" not in page.text
    assert _item(s.gestionnaire, date(2026, 12, 1)).count == 0


def test_a_late_notification_is_flagged_on_the_home_and_the_page():
    s, vae = signed()
    item = _item(s.gestionnaire, date(2026, 12, 7))
    assert (item.count, item.details) == (1, ["dont 1 en retard"])
    assert _item(s.gestionnaire, date(2026, 12, 5)).details == []  # the 15th day: not late
    with at(date(2026, 12, 7)):
        notifier_resultat(vae, by=s.gestionnaire, par_courrier=True)
    notification = NotificationResultatVae.objects.get(deliberation=vae)
    assert notification.destinataires == "par courrier"
    assert texte_notification(vae, date(2026, 12, 7)) == (
        "résultat notifié le 07/12/2026, 2 jours après le délai de 15 jours"
    )


def test_a_partial_validation_names_the_blocs_acquired(django_capture_on_commit_callbacks):
    s, vae = signed(partial=True)
    with at(date(2026, 11, 23)), django_capture_on_commit_callbacks(execute=True):
        notifier_resultat(vae, by=s.gestionnaire)
    (message,) = mail.outbox
    assert "les blocs de compétences acquis :\n- BC01 — Bloc BC01" in message.body
    assert "BC02" not in message.body


def test_only_the_certifier_notifies_once_the_pv_is_signed():
    s = vae_scenario()
    with at(JURY_DAY):
        open_deliberation(s.jury, by=s.gestionnaire)
    vae = s.jury.deliberations.get(dossier=s.dossiers[0])
    with pytest.raises(VaeRefus, match="une fois le PV du jury signé"):
        notifier_resultat(vae, by=s.gestionnaire)
    s, vae = signed()
    of_user = UserFactory(organisation=s.of, roles=[Role.ORGANISME_FORMATION])
    with pytest.raises(VaeRefus, match="Réservé aux gestionnaires"):
        notifier_resultat(vae, by=of_user)
    notifier_resultat(vae, by=s.gestionnaire, par_courrier=True)
    with pytest.raises(VaeRefus, match="déjà été notifié"):
        notifier_resultat(vae, by=s.gestionnaire, par_courrier=True)


def test_a_dossier_under_the_old_regime_is_not_tracked():
    s, vae = signed()
    DemandeRecevabilite.objects.filter(dossier=vae.dossier).update(ancien_regime=True)
    assert _item(s.gestionnaire, date(2026, 12, 7)).count == 0
    with pytest.raises(VaeRefus, match="une fois le PV du jury signé"):
        notifier_resultat(vae, by=s.gestionnaire, par_courrier=True)
