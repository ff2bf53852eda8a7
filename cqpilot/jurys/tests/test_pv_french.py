"""The PV names each candidate as the person they are: « née en 1990 », « né en 1988 », from
the sex recorded on their fiche, never « né(e) »."""

import pytest

from cqpilot.dossiers.models import Sexe
from cqpilot.jurys.deliberation import BlocSaisie, save_decision
from cqpilot.jurys.models import BlocResultat, Decision
from cqpilot.jurys.pv import close
from cqpilot.jurys.services import open_deliberation

from .factories import pdf_text, scenario

pytestmark = pytest.mark.django_db


def test_the_pv_agrees_born_with_each_candidates_sex():
    s = scenario()  # Benali, Durand, Nguyen: women unless told otherwise
    open_deliberation(s.jury, by=s.gestionnaire)
    deliberations = list(s.jury.deliberations.order_by("dossier__candidat__nom_naissance"))
    nguyen = deliberations[2].dossier.candidat
    nguyen.sexe = Sexe.M
    nguyen.save()
    for deliberation in deliberations:
        save_decision(
            deliberation,
            revision=0,
            decision=Decision.TOTALE,
            blocs={bloc.pk: BlocSaisie(BlocResultat.VALIDE) for bloc in s.blocs},
            unanimite=True,
            by=s.gestionnaire,
        )
    text = pdf_text(close(s.jury, by=s.gestionnaire))
    assert text.count("née en") == 2
    assert text.count("né en") == 1
    assert "né(e)" not in text
