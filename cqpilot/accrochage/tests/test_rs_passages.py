"""An RS certification has no blocs (docs/rncp.md §5.8): nothing of it reaches the CDC as a bloc."""

from datetime import date

import pytest

from cqpilot.accrochage.depots import ensure_passages
from cqpilot.accrochage.models import PassageAccrochage
from cqpilot.delivrance.models import DocumentKind
from cqpilot.delivrance.services import a_delivrer, issue_all
from cqpilot.delivrance.tests.factories import signed_jury
from cqpilot.referentiels.models import Certification

pytestmark = pytest.mark.django_db


def test_no_bloc_passage_is_prepared_for_an_rs_certification():
    s = signed_jury()  # a full validation and a partial one, with its bloc attestation
    # registered at the RS since the jury (its blocs kept from before): the attestation issued
    # now is not deposited
    Certification.objects.filter(pk=s.certification.pk).update(code_rncp_rs="RS6117")

    documents, _refusals = issue_all(a_delivrer(s.jury), by=s.gestionnaire, on=date(2026, 11, 25))
    ensure_passages(s.branche)  # nor by the command catching up older documents

    assert {document.kind for document in documents} == set(DocumentKind)

    kinds = PassageAccrochage.objects.values_list("document__kind", "bloc")
    assert sorted(kinds) == [(DocumentKind.PARCHEMIN, None)]
