"""The passages to deposit are written where documents are issued and cancelled, in the same
transaction as the document and its journal row: the pages and the API that list them only
read."""

from datetime import date

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cqpilot.accrochage.models import PassageAccrochage, PassageStatus
from cqpilot.api.tests.factories import ApiClient
from cqpilot.delivrance.models import DocumentKind
from cqpilot.delivrance.services import a_delivrer, cancel, issue_all
from cqpilot.delivrance.tests.factories import DocumentDelivreFactory, signed_jury
from cqpilot.dossiers.tests.factories import DossierFactory

from .factories import deposits

pytestmark = pytest.mark.django_db
ON = date(2026, 11, 25)


def writes(queries) -> list[str]:
    """The queries that write, but the API's rate counter (each request counts)."""
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
        and "core_ratecounter" not in q["sql"]
    ]


def test_the_pages_and_the_api_listing_the_passages_write_nothing(client):
    d = deposits()
    cancel(d.parchemin, "Erreur de titulaire", by=d.gestionnaire)
    client.force_login(d.gestionnaire)
    api = ApiClient(d.gestionnaire)
    api.get("/accrochage/passages")  # the token's first use is recorded once

    for get in (
        lambda: client.get(reverse("accrochage:a_accrocher")),
        lambda: client.get(reverse("pilotage:tableau_de_bord")),
        lambda: api.get("/accrochage/passages"),
    ):
        with CaptureQueriesContext(connection) as queries:
            assert get().status_code == 200
        assert writes(queries) == []


def test_issuing_writes_the_passages_and_cancelling_settles_them_with_the_journal():
    s = signed_jury()

    documents, _refusals = issue_all(a_delivrer(s.jury), by=s.gestionnaire, on=ON)

    passages = PassageAccrochage.objects.filter(organisation=s.branche)
    prefix = f"cqpilot-{s.branche.pk}-CQP-2026"
    assert sorted(passages.values_list("id_technique", flat=True)) == [
        f"{prefix}-000001",
        f"{prefix}-000002-BC01",
        f"{prefix}-000002-BC03",
    ]
    parchemin = next(doc for doc in documents if doc.kind == DocumentKind.PARCHEMIN)
    journal = LogEntry.objects.count()

    cancel(parchemin, "Erreur de titulaire", by=s.gestionnaire)

    assert passages.get(document=parchemin).status == PassageStatus.SANS_OBJET
    assert LogEntry.objects.count() > journal


def test_a_passage_is_written_once_and_the_command_catches_up_older_documents():
    d = deposits()
    older = DocumentDelivreFactory(  # issued before the passages were written on issue
        dossier=DossierFactory(certification=d.certification, version=d.parchemin.version),
        organisation=d.organisation,
        kind=DocumentKind.PARCHEMIN,
        date_decision=d.parchemin.date_decision,
        date_delivrance=d.parchemin.date_delivrance,
        created_by=d.gestionnaire,
    )

    call_command("accrochage_passages", stdout=None)
    call_command("accrochage_passages", stdout=None)

    assert PassageAccrochage.objects.filter(document=older).count() == 1
    assert PassageAccrochage.objects.filter(organisation=d.organisation).count() == 4
