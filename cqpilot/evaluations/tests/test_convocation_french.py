"""A convocation speaks to the candidate as the person they are: « Vous êtes convoquée »,
« munie », from the sex recorded on their fiche, never « convoqué(e) »."""

import pytest
from django.template.loader import render_to_string

from cqpilot.dossiers.models import Sexe
from cqpilot.evaluations.convocations import convocation_context
from cqpilot.evaluations.services import enrol

from .factories import evaluation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("sexe", "convoque", "muni"), [(Sexe.F, "convoquée", "munie"), (Sexe.M, "convoqué", "muni")]
)
@pytest.mark.parametrize(
    "template", ["evaluations/convocation_candidat.txt", "evaluations/convocation_pdf.html"]
)
def test_the_convocation_agrees_with_the_candidates_sex(template, sexe, convoque, muni):
    e = evaluation(candidats=1)
    candidat = e.dossiers[0].candidat
    candidat.sexe = sexe
    candidat.save()
    enrol(e.session, e.dossiers, by=e.gestionnaire)
    text = render_to_string(template, convocation_context(e.session.inscriptions.get()))
    assert f"Vous êtes {convoque} aux évaluations" in text
    assert f"Présentez-vous {muni} d" in text
    assert "(e)" not in text
