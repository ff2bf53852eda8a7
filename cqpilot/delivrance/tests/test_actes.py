"""What a document states and when it may be issued: only the blocs obtained, « né » or « née »,
the RNCP registration only while in force, nothing issued before its decision."""

import html
import io
from datetime import UTC, date, datetime

import jwt
import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from cqpilot.delivrance.mentions import mentions
from cqpilot.delivrance.models import ModeleParchemin
from cqpilot.delivrance.services import DelivranceRefus, a_delivrer, issue, issue_all
from cqpilot.dossiers.models import AcquisSource, BlocAcquis
from cqpilot.dossiers.tests.factories import CandidatFactory
from cqpilot.jurys.models import BlocResultat, ReglesJury
from cqpilot.jurys.pv import validate_cpne

from .factories import signed_jury

pytestmark = pytest.mark.django_db
V, NV = BlocResultat.VALIDE, BlocResultat.NON_VALIDE
ON = date(2026, 11, 25)  # the factory's jury sits on 20/11/2026


def pdf_text(document) -> str:
    with document.pdf.open("rb") as file:
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(file.read())).pages)
    return " ".join(text.split())


def dossier_of(s, nom):
    return next(d for d in a_delivrer(s.jury) if d.candidat.nom_naissance == nom)


def badge_bloc_codes(document) -> set[str]:
    claims = jwt.decode(document.credential, options={"verify_signature": False})
    alignments = claims["credentialSubject"]["achievement"]["alignment"]
    return {a["targetCode"] for a in alignments} - {document.certification.code_rncp_rs}


# --- Only the blocs obtained ----------------------------------------------------------------


def test_a_parchemin_records_and_badges_only_the_blocs_obtained(client):
    s = signed_jury(optionnels=("BC03",), results=[[V, V, NV], [V, NV, V], [NV, NV, NV]])

    document = issue(dossier_of(s, "Benali"), by=s.gestionnaire, on=ON)

    assert list(document.blocs.values_list("code", flat=True)) == ["BC01", "BC02"]
    assert badge_bloc_codes(document) == {"BC01", "BC02"}
    page = client.get(reverse("delivrance:verifier", args=[document.code]))
    assert "BC01" in page.text and "BC03" not in page.text


def test_a_parchemin_counts_a_bloc_held_before_the_jury():
    s = signed_jury(optionnels=("BC03",), results=[[V, V, NV], [V, NV, V], [NV, NV, NV]])
    benali = dossier_of(s, "Benali")
    BlocAcquis.objects.create(
        candidat=benali.candidat,
        bloc=s.blocs[2],
        source=AcquisSource.EQUIVALENCE,
        date_obtention=date(2025, 6, 1),
    )

    document = issue(benali, by=s.gestionnaire, on=ON)

    assert list(document.blocs.values_list("code", flat=True)) == ["BC01", "BC02", "BC03"]
    assert badge_bloc_codes(document) == {"BC01", "BC02", "BC03"}


def test_an_attestation_prints_and_badges_only_the_blocs_validated():
    s = signed_jury()

    document = issue(dossier_of(s, "Durand"), by=s.gestionnaire, on=ON)

    assert badge_bloc_codes(document) == {"BC01", "BC03"}
    assert "BC02" not in pdf_text(document)


# --- « né le », « née le » --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sexe", "expected"), [("F", "née le 14/05/1990"), ("M", "né le 14/05/1990"), ("", "né(e) le")]
)
def test_the_holder_is_born_in_the_grammar_of_their_sex(sexe, expected):
    s = signed_jury()
    candidat = CandidatFactory.build(nom_naissance="Roux", prenom1="Camille", sexe=sexe)
    modele = ModeleParchemin.objects.get(organisation=s.branche)

    printed = mentions(s.certification, candidat, modele, ON, "Paris", decided_on=s.jury.date)

    assert printed.titulaire.startswith(f"Camille ROUX, {expected}")


def test_a_parchemin_says_nee_for_a_woman():
    s = signed_jury()

    document = issue(dossier_of(s, "Benali"), by=s.gestionnaire, on=ON)

    assert "Marie BENALI, née le 14/05/1990" in pdf_text(document)


# --- The RNCP registration, only while in force -------------------------------------------


@pytest.mark.parametrize(
    ("debut", "fin", "why"),
    [
        (
            date(2024, 6, 27),
            date(2026, 11, 19),
            "l'enregistrement au RNCP a pris fin le 19/11/2026",
        ),
        (date(2026, 11, 21), date(2031, 11, 21), "l'enregistrement au RNCP date du 21/11/2026"),
    ],
    ids=["ended", "not_yet"],
)
def test_the_registration_is_printed_only_when_in_force_on_the_decision_date(debut, fin, why):
    s = signed_jury()
    s.certification.date_decision, s.certification.date_fin_enregistrement = debut, fin
    s.certification.save()

    document = issue(dossier_of(s, "Benali"), by=s.gestionnaire, on=ON)

    text = pdf_text(document)
    assert "Répertoire national" not in text and "Niveau 3" not in text
    assert "non enregistrée au RNCP ni au Répertoire spécifique à la date de la décision" in text
    assert document.avertissement == (
        f"Décision du 20/11/2026 : {why}. Le niveau et la mention d'enregistrement au RNCP ne "
        "sont pas imprimés."
    )


def test_the_issuer_is_told_why_the_registration_is_not_printed(client):
    s = signed_jury()
    s.certification.date_fin_enregistrement = date(2026, 11, 19)
    s.certification.save()
    client.force_login(s.gestionnaire)

    page = client.get(reverse("delivrance:jury_documents", args=[s.jury.pk]))
    assert "l'enregistrement au RNCP a pris fin le 19/11/2026" in html.unescape(page.text)

    documents, _refusals = issue_all(a_delivrer(s.jury), by=s.gestionnaire, on=ON, workers=1)
    page = client.get(reverse("delivrance:document_detail", args=[documents[0].pk]))
    assert "ne sont pas imprimés" in page.text


def test_a_registration_in_force_is_printed_without_warning():
    s = signed_jury()

    document = issue(dossier_of(s, "Benali"), by=s.gestionnaire, on=ON)

    assert "Répertoire national des certifications professionnelles" in pdf_text(document)
    assert document.avertissement == ""


# --- Nothing issued before its decision ---------------------------------------------------


def test_no_document_is_issued_before_the_jury():
    s = signed_jury()

    with pytest.raises(DelivranceRefus) as refusal:
        issue(dossier_of(s, "Benali"), by=s.gestionnaire, on=date(2026, 11, 19))

    assert refusal.value.message == (
        "Un document ne peut pas être délivré le 19/11/2026, avant la décision du jury du "
        "20/11/2026."
    )
    assert issue(dossier_of(s, "Benali"), by=s.gestionnaire, on=s.jury.date).numero


def test_a_batch_dated_before_the_jury_issues_nothing_and_says_why():
    s = signed_jury()

    documents, refusals = issue_all(
        a_delivrer(s.jury), by=s.gestionnaire, on=date(2026, 11, 1), workers=1
    )

    assert documents == []
    assert refusals[0] == (
        "BENALI Marie : Un document ne peut pas être délivré le 01/11/2026, avant la décision du "
        "jury du 20/11/2026."
    )


def test_no_document_is_issued_before_the_cpne_validates_when_the_rules_require_it():
    s = signed_jury()
    ReglesJury.objects.filter(certification=s.certification).update(validation_cpne=True)
    with time_machine.travel(datetime(2026, 11, 27, 12, tzinfo=UTC)):
        validate_cpne(s.jury, date(2026, 11, 27), by=s.gestionnaire)

    with pytest.raises(DelivranceRefus) as refusal:
        issue(dossier_of(s, "Benali"), by=s.gestionnaire, on=ON)

    assert refusal.value.message == (
        "Un document ne peut pas être délivré le 25/11/2026, avant la validation de la CPNE du "
        "27/11/2026."
    )
    assert issue(dossier_of(s, "Benali"), by=s.gestionnaire, on=date(2026, 11, 27)).numero


def test_the_issuance_page_says_the_cpne_has_not_validated_and_offers_no_button(client):
    s = signed_jury()
    ReglesJury.objects.filter(certification=s.certification).update(validation_cpne=True)
    client.force_login(s.gestionnaire)

    page = client.get(reverse("delivrance:jury_documents", args=[s.jury.pk]))

    assert "La CPNE n'a pas encore validé la décision du jury." in html.unescape(page.text)
    assert "Délivrer les" not in page.text
