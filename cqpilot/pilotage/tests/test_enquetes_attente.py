"""A survey e-mail whose outcome never came back is not left « en attente » for ever."""

from datetime import date

import pytest
from django.core import mail

from cqpilot.pilotage.enquetes import send_due
from cqpilot.pilotage.models import EnqueteInsertion
from cqpilot.referentiels.tests.factories import CertificationFactory

from .test_renouvellement import CONTRAT_PRO, holder

pytestmark = pytest.mark.django_db


def test_an_email_waiting_two_days_is_queued_again_by_the_next_run(
    django_capture_on_commit_callbacks,
):
    document = holder(CertificationFactory(), CONTRAT_PRO, date(2026, 1, 10), "Morel")
    with django_capture_on_commit_callbacks():  # queued, but its outcome is lost
        assert send_due(document.organisation, date(2026, 7, 10)).envoyees == 1
    with django_capture_on_commit_callbacks() as next_day:
        assert send_due(document.organisation, date(2026, 7, 11)).en_attente == 1
    assert next_day == []  # a worker a day behind is still waited for

    with django_capture_on_commit_callbacks(execute=True):
        envoi = send_due(document.organisation, date(2026, 7, 12))

    assert (envoi.envoyees, envoi.en_attente) == (1, 0)
    [message] = mail.outbox
    assert message.to == ["morel@exemple.fr"]
    enquete = EnqueteInsertion.objects.get()
    assert (enquete.envoyee_le, enquete.envoi_en_attente) == (date(2026, 7, 12), False)
