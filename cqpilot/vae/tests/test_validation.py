"""The dossier de validation (« livret 2 »): filed by the certifier's gestionnaire or the dossier's
OF with the day it was received; from that day the jury must sit before the end of the 3rd month
(calendar months, clamped to the end of a shorter month, the last day included). The dossier's
page shows the deadline and the juries within it; the jury page flags a late jury, which still
takes the dossier; the « À faire » home lists the dossiers whose deadline is near or passed
without a jury."""

from datetime import date

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cqpilot.accueil.todo import sections_for
from cqpilot.core.models import Role
from cqpilot.core.tests.factories import UserFactory
from cqpilot.dossiers.models import DocumentType, DossierState
from cqpilot.dossiers.tests.factories import OrganismeFactory
from cqpilot.jurys.models import Deliberation
from cqpilot.jurys.services import add_dossiers
from cqpilot.jurys.tests.factories import JuryFactory
from cqpilot.vae.models import DossierValidationVae
from cqpilot.vae.recevabilite import VaeRefus
from cqpilot.vae.validation import deposer_validation, jury_avant_le, retards

from .factories import at, vae_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def livret(name: str = "livret2.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 livret 2", content_type="application/pdf")


def world_with_of():
    w = vae_world()
    of = OrganismeFactory(nom="Formapro VAE")
    of_user = UserFactory(organisation=of, roles=[Role.ORGANISME_FORMATION], email="of@exemple.fr")
    dossier = w.dossier(state=DossierState.RECEVABLE)
    dossier.organisme = of
    dossier.save()
    return w, of_user, dossier


def jury(w, day: date, **kwargs):
    return JuryFactory(organisation=w.branche, certification=w.certification, date=day, **kwargs)


@pytest.mark.parametrize(
    ("deposee", "limite"),
    [
        (date(2027, 1, 15), date(2027, 4, 15)),
        (date(2026, 11, 30), date(2027, 2, 28)),  # no 30 February: its last day
        (date(2027, 11, 30), date(2028, 2, 29)),  # a leap year
        (date(2026, 10, 31), date(2027, 1, 31)),
    ],
)
def test_the_jury_must_sit_by_the_same_day_three_calendar_months_later(deposee, limite):
    assert jury_avant_le(deposee) == limite


def test_the_gestionnaire_files_it_with_the_day_it_was_received():
    w, _, dossier = world_with_of()
    with at(date(2026, 12, 4)):
        validation = deposer_validation(dossier, livret(), by=w.gestionnaire, le=date(2026, 11, 30))
    validation = DossierValidationVae.objects.get(pk=validation.pk)
    assert (validation.deposee_le, validation.jury_avant_le) == (
        date(2026, 11, 30),
        date(2027, 2, 28),
    )
    assert validation.document.type == DocumentType.DOSSIER_VALIDATION
    assert validation.document.dossier_id == dossier.pk
    assert validation.deposee_par == w.gestionnaire


def test_the_of_of_the_dossier_files_it_and_the_certifier_is_told(
    django_capture_on_commit_callbacks,
):
    _, of_user, dossier = world_with_of()
    with at(date(2027, 1, 15)), django_capture_on_commit_callbacks(execute=True):
        deposer_validation(dossier, livret(), by=of_user)
    assert DossierValidationVae.objects.get(dossier=dossier).jury_avant_le == date(2027, 4, 15)
    (message,) = mail.outbox
    assert message.to == ["gestion@exemple.fr"]
    assert "au plus tard le 15/04/2027" in message.body


def test_nobody_else_files_it_and_the_upload_is_checked():
    w, of_user, dossier = world_with_of()
    other_of = UserFactory(
        organisation=OrganismeFactory(nom="Autre OF"), roles=[Role.ORGANISME_FORMATION]
    )
    other_certifier = vae_world("CPNE voisine").gestionnaire
    with at(date(2027, 1, 15)):
        for intruder in (other_of, other_certifier, dossier.candidat.compte):
            with pytest.raises(VaeRefus, match="Réservé aux gestionnaires"):
                deposer_validation(dossier, livret(), by=intruder)
        with pytest.raises(VaeRefus, match="Formats acceptés"):
            deposer_validation(dossier, livret("livret.exe"), by=of_user)
        with pytest.raises(VaeRefus, match="à venir"):
            deposer_validation(dossier, livret(), by=of_user, le=date(2027, 1, 16))
        deposer_validation(dossier, livret(), by=of_user)
        with pytest.raises(VaeRefus, match="déjà été déposé le 15/01/2027"):
            deposer_validation(dossier, livret(), by=w.gestionnaire)
    assert DossierValidationVae.objects.count() == 1
    assert dossier.documents.count() == 1


def test_only_a_vae_dossier_past_its_recevabilite_takes_one():
    w = vae_world()
    inscrit = w.dossier()
    with at(date(2027, 1, 15)), pytest.raises(VaeRefus, match="« Inscrit »"):
        deposer_validation(inscrit, livret(), by=w.gestionnaire)
    inscrit.voie_acces = "FORMATION_INITIALE_HORS_APPRENTISSAGE"
    inscrit.state = DossierState.EN_FORMATION
    inscrit.save()
    with at(date(2027, 1, 15)), pytest.raises(VaeRefus, match="Seul un dossier de VAE"):
        deposer_validation(inscrit, livret(), by=w.gestionnaire)


def test_the_dossier_page_files_it_and_then_shows_the_deadline_and_the_juries_within(client):
    w, of_user, dossier = world_with_of()
    within = jury(w, date(2027, 2, 10))
    late = jury(w, date(2027, 3, 15))
    url = reverse("dossiers:dossier_detail", args=[dossier.pk])
    with at(date(2026, 12, 4)):
        client.force_login(of_user)
        page = client.get(url)
        assert reverse("vae:validation_deposer", args=[dossier.pk]) in page.text
        response = client.post(
            reverse("vae:validation_deposer", args=[dossier.pk]),
            {"fichier": livret(), "le": "2026-11-30"},
            follow=True,
        )
    assert "le jury doit siéger au plus tard le 28/02/2027" in response.text
    with at(date(2027, 2, 1)):
        client.force_login(w.gestionnaire)
        page = client.get(url)
    assert "jury au plus tard le 28/02/2027 (27 jours restants)" in page.text
    assert reverse("jurys:jury_detail", args=[within.pk]) in page.text
    assert reverse("jurys:jury_detail", args=[late.pk]) not in page.text
    assert "Déposer le dossier de validation" not in page.text  # filed once


def test_a_late_jury_is_flagged_but_takes_the_dossier(client):
    w, _, dossier = world_with_of()
    with at(date(2026, 11, 30)):
        deposer_validation(dossier, livret(), by=w.gestionnaire)
    dossier.state = DossierState.EN_EVALUATION
    dossier.save()
    late = jury(w, date(2027, 3, 1))
    with at(date(2027, 2, 1)):
        client.force_login(w.gestionnaire)
        page = client.get(reverse("jurys:jury_detail", args=[late.pk]))
        assert "VAE : jury au plus tard le 28/02/2027 <strong>(ce jury est en retard)" in page.text
        response = client.post(
            reverse("jurys:dossiers_add", args=[late.pk]), {"dossiers": [dossier.pk]}, follow=True
        )
    assert Deliberation.objects.filter(jury=late, dossier=dossier).exists()
    assert "siège après la date limite du dossier de validation" in response.text
    assert "au plus tard le 28/02/2027 (fin du 3e mois)" in response.text
    on_time = jury(w, date(2027, 2, 28))
    assert retards(on_time, [dossier]) == []


def _jury_vae_item(user, today):
    (section,) = sections_for(user, today)
    return next(item for item in section.items if item.key == "jury_vae")


def test_the_home_lists_deadlines_within_15_days_or_passed_without_a_jury_in_time(
    django_assert_max_num_queries,
):
    w = vae_world()
    filed = {}
    for deposee in (date(2026, 10, 20), date(2026, 11, 10), date(2026, 11, 25), date(2026, 9, 1)):
        dossier = w.dossier(state=DossierState.EN_EVALUATION)
        with at(deposee):
            deposer_validation(dossier, livret(), by=w.gestionnaire)
        filed[deposee] = dossier
    # Last days 20/01 and 01/12: passed; 10/02: within 15 days of 01/02; 25/02: not yet.
    today = date(2027, 2, 1)
    item = _jury_vae_item(w.gestionnaire, today)
    assert item.count == 3
    assert item.details == ["le plus proche : délai dépassé de 62 jours (fini le 01/12/2026)"]
    # On a jury sitting in time, it is no longer waiting; a late jury does not count.
    add_dossiers(jury(w, date(2027, 1, 20)), [filed[date(2026, 10, 20)]], by=w.gestionnaire)
    add_dossiers(jury(w, date(2027, 3, 1)), [filed[date(2026, 9, 1)]], by=w.gestionnaire)
    item = _jury_vae_item(w.gestionnaire, today)
    assert item.count == 2
    assert _jury_vae_item(w.gestionnaire, date(2027, 1, 26)).details == [
        "le plus proche : délai dépassé de 56 jours (fini le 01/12/2026)"
    ]
    listed = reverse("dossiers:dossier_list") + "?a_faire=jury_vae"
    assert item.url == listed
    with django_assert_max_num_queries(40) as few:
        sections_for(w.gestionnaire, today)
    for _ in range(3):
        dossier = w.dossier(state=DossierState.EN_EVALUATION)
        with at(date(2026, 9, 2)):
            deposer_validation(dossier, livret(), by=w.gestionnaire)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert _jury_vae_item(w.gestionnaire, today).count == 5


def test_the_list_behind_the_item_shows_the_same_dossiers(client):
    w = vae_world()
    due = w.dossier(state=DossierState.EN_EVALUATION)
    later = w.dossier(state=DossierState.EN_EVALUATION)
    with at(date(2026, 10, 20)):
        deposer_validation(due, livret(), by=w.gestionnaire)
    with at(date(2026, 12, 20)):
        deposer_validation(later, livret(), by=w.gestionnaire)
    with at(date(2027, 1, 10)):
        client.force_login(w.gestionnaire)
        page = client.get(reverse("dossiers:dossier_list") + "?a_faire=jury_vae")
    assert reverse("dossiers:dossier_detail", args=[due.pk]) in page.text
    assert reverse("dossiers:dossier_detail", args=[later.pk]) not in page.text
