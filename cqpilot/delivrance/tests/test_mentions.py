"""Which mentions a document needs, registered or not."""

from datetime import date

import pytest

from cqpilot.core.tests.factories import OrganisationFactory
from cqpilot.delivrance.mentions import mentions, missing_mentions
from cqpilot.delivrance.models import ModeleParchemin
from cqpilot.dossiers.tests.factories import CandidatFactory
from cqpilot.referentiels.tests.factories import CertificationFactory

pytestmark = pytest.mark.django_db


def modele(organisation, **kwargs):
    return ModeleParchemin(
        organisation=organisation,
        signataire_nom="Claire Fontaine",
        signataire_qualite="Présidente",
        lieu_delivrance="Paris",
        **kwargs,
    )


def test_an_unregistered_cqp_prints_the_branch_mentions_and_needs_no_nsf_code():
    branche = OrganisationFactory(nom="CPNE des services", idcc="1516")
    cqp = CertificationFactory(code_rncp_rs="", niveau="", certificateurs=[branche])
    candidat = CandidatFactory(nom_naissance="Roux", prenom1="Manon", prenom2="Anne")

    assert missing_mentions(cqp, candidat, modele(branche), "Paris") == []
    printed = mentions(
        cqp, candidat, modele(branche), date(2026, 11, 25), "Paris", decided_on=date(2026, 11, 20)
    )
    assert printed.enregistrement == (
        "Certificat de qualification professionnelle créé par la commission paritaire nationale "
        "de l'emploi de la branche : CPNE des services (IDCC 1516). Certification non "
        "enregistrée au RNCP ni au Répertoire spécifique."
    )
    assert printed.niveau == "" and printed.nsf == ""
    assert printed.titulaire == "Manon Anne ROUX, née le 14/05/1990"


def test_a_registered_certification_lists_everything_missing_at_once():
    branche = OrganisationFactory()
    cqp = CertificationFactory(niveau="", certificateurs=[branche])
    candidat = CandidatFactory()

    assert missing_mentions(cqp, candidat, None, "") == [
        "la date de la décision de France compétences (fiche de la certification)",
        "le niveau de qualification (fiche de la certification)",
        "le code NSF (fiche de la certification)",
        "le lieu de délivrance (modèle de parchemin)",
        "le nom et la qualité du signataire habilité (modèle de parchemin)",
    ]
