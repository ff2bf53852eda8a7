"""`make demo` loads a data set every demo login can work with."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from cqpilot.core.models import User
from cqpilot.delivrance.models import DocumentDelivre
from cqpilot.demo import DEMO_USERS, load_demo
from cqpilot.demo.calendrier import Calendrier
from cqpilot.evaluations.models import SessionEvaluation
from cqpilot.jurys.models import Jury, JuryStatus
from cqpilot.jurys.workflow import check_transition, today
from cqpilot.pilotage.renouvellement import pack
from cqpilot.referentiels.models import Certification
from cqpilot.vae.models import DemandeRecevabilite

pytestmark = pytest.mark.django_db


def test_the_demo_loads_once_and_every_login_reaches_its_pages(client):
    assert load_demo() is True
    assert load_demo() is False

    for username, *_rest in DEMO_USERS:
        client.force_login(User.objects.get(username=username))
        for item in client.get(reverse("home")).context["nav_items"]:
            assert client.get(item["url"]).status_code == 200, (username, item["url"])


def test_the_demo_covers_every_step_from_the_jury_to_the_renewal_pack(client):
    """One load for several checks: loading the demo renders some twenty PDFs."""
    from cqpilot.accrochage.models import PassageAccrochage

    load_demo()
    client.force_login(User.objects.get(username="gestionnaire.metallurgie"))

    # a jury ready to deliberate
    jury = Jury.objects.get(status="preparation")
    assert jury.deliberations.count() == 3
    assert jury.membres.filter(role="president", intervenant__user__username="jury.metallurgie")
    page = client.get(reverse("jurys:jury_detail", args=[jury.pk]))
    assert "Composition régulière" in page.text

    # the parchemins of the earlier jury, five months ago: one accepted by the CDC, one overdue
    earlier = Calendrier(today()).earlier_jury()
    statuses = dict(
        PassageAccrochage.objects.filter(document__deliberation__jury__date=earlier).values_list(
            "document__dossier__candidat__nom_naissance", "status"
        )
    )
    assert statuses == {"Lambert": "accepte", "Girard": "a_deposer"}
    page = client.get(reverse("accrochage:a_accrocher"))
    assert "en retard de" in page.text

    # two promotions surveyed for the renewal pack
    maintenance = Certification.objects.get(code_rncp_rs="RNCP39912")
    certifies, six_mois, deux_ans, vae = pack(maintenance, today())
    assert certifies.rows[-1] == ["Total", 5, 6, 2, 13]
    # the older promotion: 5 holders asked, 4 answered at each échéance, 3 then 3 in the job
    older = Calendrier(today()).earlier_jury(2).year
    assert six_mois.rows[0] == [older, 5, 5, 4, 80.0, 4, 3, 100.0, 75.0]
    assert deux_ans.rows[0] == [older, 5, 5, 4, 80.0, 4, 3, 100.0, 75.0]
    # the maintenance CQP is open to VAE: its demo demandes (Benhamou, Faure, Bonnet) are counted
    assert (
        sum(row[1] for row in vae.rows)
        == DemandeRecevabilite.objects.filter(dossier__certification=maintenance).count()
    )
    page = client.get(reverse("pilotage:renouvellement"), {"certification": maintenance.pk})
    assert "Insertion à 2 ans" in page.text
    assert "VAE par année" in page.text


@pytest.mark.parametrize("day", [datetime(2029, 2, 14, 9, tzinfo=UTC)], ids=["2029-02-14"])
def test_the_demo_dates_follow_the_day_it_is_loaded(day):
    """Loaded any day, the coming jury sits that day, its session and the earlier juries are
    past, and every document was issued after its decision, registration in force."""
    with time_machine.travel(day):
        load_demo()
        loaded_on = today()

    jury = Jury.objects.get(status="preparation")
    assert jury.date == loaded_on  # deliberated the day the demo is tried
    with time_machine.travel(day):
        check_transition(
            jury,
            JuryStatus.DELIBERATION,
            by=User.objects.get(username="gestionnaire.metallurgie"),
        )
    session = SessionEvaluation.objects.get(certification__code_rncp_rs="RNCP39912")
    assert session.date_debut <= session.date_fin < loaded_on
    coming = SessionEvaluation.objects.get(certification__code_rncp_rs="RNCP38345")
    assert coming.date_debut == loaded_on + timedelta(weeks=3)  # the candidate's convocation
    signed = sorted(Jury.objects.filter(status="signe").values_list("date", flat=True))
    assert [d.year for d in signed] == [2026, 2027, 2028]
    assert loaded_on - timedelta(days=160) < signed[-1] < loaded_on - timedelta(days=140)
    documents = DocumentDelivre.objects.all()
    assert documents.count() == 14
    for document in documents:
        assert document.date_decision <= document.date_delivrance <= loaded_on
        assert document.avertissement == ""
