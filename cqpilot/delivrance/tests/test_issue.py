"""Issuing from a signed jury: the right document, its mentions, its number, its credential."""

import base64
import gzip
import io
import json
import threading
from datetime import date

import pytest
from django.db import connection
from jwcrypto import jwk, jws
from pypdf import PdfReader

from cqpilot.delivrance.credentials import jwks, status_list
from cqpilot.delivrance.models import DocumentKind, DocumentStatus
from cqpilot.delivrance.numbering import next_number
from cqpilot.delivrance.services import DelivranceRefus, a_delivrer, cancel, issue, issue_all
from cqpilot.referentiels.models import CertificationCode

from .factories import signed_jury

pytestmark = pytest.mark.django_db
ON = date(2026, 11, 25)


def pdf_text(document) -> str:
    with document.pdf.open("rb") as file:
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(file.read())).pages)
    return " ".join(text.split())


def by_name(s):
    return {d.candidat.nom_naissance: d for d in a_delivrer(s.jury)}


def test_a_full_validation_gets_a_parchemin_with_every_mandatory_mention():
    s = signed_jury()
    document = issue(by_name(s)["Benali"], by=s.gestionnaire, on=ON)

    text = pdf_text(document)
    assert document.kind == DocumentKind.PARCHEMIN and document.numero == "CQP-2026-000001"
    for mention in (
        f"enregistrée au Répertoire national des certifications professionnelles ({s.certification.code_rncp_rs})",
        "décision du directeur général de France compétences en date du 27/06/2024",
        "pour une durée de 5 ans",
        "Certificateur : CPNE de la propreté",
        f"Intitulé de la certification : {s.certification.intitule}",
        "Niveau 3 du cadre national des certifications professionnelles, niveau 3 du cadre européen",
        "Code NSF : 343t (Nettoyage)",
        "Marie BENALI, née le 14/05/1990",
        "Délivré à Paris, le 25/11/2026",
        "Claire Fontaine, Présidente de la CPNE",
        "https://cqpilot.exemple.fr/verifier/",
        f"code {document.code}",
    ):
        assert mention in text, mention


def test_a_partial_validation_gets_an_attestation_of_its_blocs_only():
    s = signed_jury()
    document = issue(by_name(s)["Durand"], by=s.gestionnaire, on=ON)

    text = pdf_text(document)
    assert document.kind == DocumentKind.ATTESTATION
    assert sorted(document.blocs.values_list("code", flat=True)) == ["BC01", "BC03"]
    assert "Attestation de blocs de compétences" in text
    assert "porte uniquement sur les blocs de compétences listés" in text
    assert "BC01 — Bloc BC01" in text and "BC02" not in text


def test_a_refusal_gets_no_document_and_nothing_is_issued_twice():
    s = signed_jury()
    nguyen = s.jury.deliberations.get(dossier__candidat__nom_naissance="Nguyen").dossier
    benali = by_name(s)["Benali"]
    issue(benali, by=s.gestionnaire, on=ON)

    with pytest.raises(DelivranceRefus, match="« Non validé » : aucun document à délivrer"):
        issue(nguyen, by=s.gestionnaire)
    with pytest.raises(
        DelivranceRefus, match="Parchemin déjà délivré à BENALI Marie \\(n° CQP-2026-000001\\)"
    ):
        issue(benali, by=s.gestionnaire)


def test_issuing_without_an_nsf_code_is_refused_and_says_so():
    s = signed_jury(nsf=False)

    with pytest.raises(DelivranceRefus) as refusal:
        issue(by_name(s)["Benali"], by=s.gestionnaire, on=ON)

    assert refusal.value.message == (
        "Délivrance impossible, mention obligatoire manquante : le code NSF (fiche de "
        "la certification)."
    )
    CertificationCode.objects.create(certification=s.certification, kind="NSF", code="343t")
    assert issue(by_name(s)["Benali"], by=s.gestionnaire, on=ON).numero == "CQP-2026-000001"


def test_a_batch_issues_every_document_of_the_jury_with_consecutive_numbers():
    s = signed_jury()
    steps = []

    documents, refusals = issue_all(
        a_delivrer(s.jury), by=s.gestionnaire, on=ON, progress=lambda *step: steps.append(step)
    )

    assert refusals == []
    assert steps == [(n, 6) for n in range(1, 7)] + [(6, 6)]
    assert [d.numero for d in documents] == ["CQP-2026-000001", "CQP-2026-000002"]
    assert a_delivrer(s.jury) == []


def verify(token: str) -> dict:
    """Verification with jwcrypto against the published JWKS: not the code that signed."""
    keys = jwk.JWKSet.from_json(json.dumps(jwks()))
    signed = jws.JWS()
    signed.deserialize(token)
    signed.verify(keys.get_key(signed.jose_header["kid"]))
    return json.loads(signed.payload)


def test_the_open_badges_credential_verifies_and_fails_once_altered():
    s = signed_jury()
    document = issue(by_name(s)["Benali"], by=s.gestionnaire, on=ON)

    credential = verify(document.credential)
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["name"] == s.certification.intitule
    assert [a["targetCode"] for a in achievement["alignment"]] == [
        s.certification.code_rncp_rs,
        "BC01",
        "BC02",
        "BC03",
    ]
    header, payload, signature = document.credential.split(".")
    raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raw[10] ^= 0x01  # one byte of the payload changed
    altered = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    with pytest.raises(jws.InvalidJWSSignature):
        verify(f"{header}.{altered}.{signature}")


def revoked(organisation, index: int) -> bool:
    subject = verify(status_list(organisation))["credentialSubject"]
    encoded = subject["encodedList"][1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def test_a_cancelled_document_is_published_as_revoked():
    s = signed_jury()
    benali, durand = issue_all(a_delivrer(s.jury), by=s.gestionnaire, on=ON)[0]
    assert not revoked(s.branche, benali.status_index)

    with pytest.raises(DelivranceRefus, match="Indiquez le motif"):
        cancel(benali, " ", by=s.gestionnaire)
    cancel(benali, "Erreur sur le prénom", by=s.gestionnaire)

    benali.refresh_from_db()
    assert benali.status == DocumentStatus.ANNULE
    assert revoked(s.branche, benali.status_index)
    assert not revoked(s.branche, durand.status_index)


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuers_never_get_the_same_number():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers itself; the row lock matters on PostgreSQL.")
    from cqpilot.core.tests.factories import OrganisationFactory

    organisation = OrganisationFactory()
    numbers, errors = [], []

    def take() -> None:
        from django.db import transaction

        try:
            for _ in range(10):
                with transaction.atomic():
                    numbers.append(next_number(organisation, 2026, "CQP"))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()  # this thread's own connection, or the test database stays busy

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(numbers) == [f"CQP-2026-{n:06d}" for n in range(1, 41)]


def test_a_large_batch_renders_its_pdfs_on_several_processes():
    from cqpilot.core.pdf import Source, render_all

    sources = [Source(f"<p>Document {n}</p>") for n in range(3)]

    rendered = render_all(sources, workers=2, min_parallel=2)

    assert [PdfReader(io.BytesIO(r.pdf)).pages[0].extract_text() for r in rendered] == [
        "Document 0",
        "Document 1",
        "Document 2",
    ]
