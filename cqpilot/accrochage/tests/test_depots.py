"""Depositing cqpilot's own holders: due passages, split files valid against the schema, the
CDC's reports, corrections and withdrawals."""

import io
from datetime import date

import pytest

from cqpilot.accrochage.depots import (
    DepotRefus,
    build_files,
    correct,
    due,
    ensure_passages,
    record_report,
)
from cqpilot.accrochage.flux import read_flux
from cqpilot.accrochage.models import PassageAccrochage, PassageStatus, ReglagesAccrochage
from cqpilot.accrochage.rapport import RapportError, parse_rapport
from cqpilot.accrochage.schema import schema_errors
from cqpilot.delivrance.services import a_delivrer, cancel, issue_all
from cqpilot.delivrance.tests.factories import signed_jury

pytestmark = pytest.mark.django_db
ON = date(2026, 11, 25)


def issued(version="1.1.2"):
    s = signed_jury()
    ReglagesAccrochage.objects.create(
        organisation=s.branche, id_client="CPNE0001", id_contrat="MCFCER000123",
        version_schema=version,
    )  # fmt: skip
    documents, _ = issue_all(a_delivrer(s.jury), by=s.gestionnaire, on=ON)
    ensure_passages(s.branche)
    return s, documents


def report(id_flux: str, ok: list[str], ko: dict[str, str]) -> io.BytesIO:
    kos = "".join(
        f"<passage><idTechnique>{i}</idTechnique><messageErreur>{m}</messageErreur></passage>"
        for i, m in ko.items()
    )
    oks = "".join(f"<idTechnique>{i}</idTechnique>" for i in ok)
    return io.BytesIO(
        f'<?xml version="1.0" encoding="UTF-8"?><rapport xmlns:ns2="urn:cdc:cpf:pc5:rapport:schema">'
        f"<idFlux>{id_flux}</idFlux><idTraitement>1</idTraitement><PassagesKO>{kos}</PassagesKO>"
        f"<PassagesOK>{oks}</PassagesOK></rapport>".encode()
    )


def test_each_document_issued_is_due_within_three_months_with_a_stable_id():
    s, _ = issued()

    passages = list(due(s.branche).order_by("id_technique"))

    prefix = f"cqpilot-{s.branche.pk}-CQP-2026"
    # Durand's attestation is deposited bloc by bloc, never as the whole certification.
    assert [p.id_technique for p in passages] == [
        f"{prefix}-000001",
        f"{prefix}-000002-BC01",
        f"{prefix}-000002-BC03",
    ]
    assert {p.date_limite for p in passages} == {date(2027, 2, 25)}
    assert ensure_passages(s.branche) == 0  # nothing twice


def test_the_deposit_file_is_valid_and_carries_the_holders_data():
    s, _ = issued()

    [fichier] = build_files(s.branche, due(s.branche), by=s.gestionnaire)

    with fichier.fichier.open("rb") as content:
        data = content.read()
    assert schema_errors(io.BytesIO(data)) == []
    read = sorted((ref.code, p.titulaire.nom_naissance) for ref, p in read_flux(io.BytesIO(data)))
    assert read == sorted(
        [
            (s.certification.code_rncp_rs, "Benali"),
            ("BC01", "Durand"),
            ("BC03", "Durand"),
        ]
    )
    [(_ref, benali)] = [
        (r, p) for r, p in read_flux(io.BytesIO(data)) if p.titulaire.nom_naissance == "Benali"
    ]
    assert benali.date_debut_validite == ON
    assert benali.modalite_acces == "FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION"
    assert set(due(s.branche)) == set()
    assert PassageAccrochage.objects.filter(status=PassageStatus.DEPOSE).count() == 3


def test_files_are_split_to_the_limits():
    s, _ = issued()

    files = build_files(s.branche, due(s.branche), by=s.gestionnaire, max_passages=1)

    assert [f.nombre for f in files] == [1, 1, 1]
    assert [f.id_flux[-2:] for f in files] == ["-1", "-2", "-3"]
    for f in files:
        with f.fichier.open("rb") as content:
            assert schema_errors(io.BytesIO(content.read())) == []


def test_the_report_sets_each_status_and_only_the_rejected_are_deposited_again():
    s, _ = issued()
    [fichier] = build_files(s.branche, due(s.branche), by=s.gestionnaire)
    benali, durand, _durand_bc03 = PassageAccrochage.objects.order_by("id_technique")

    counts = record_report(
        fichier,
        parse_rapport(report(fichier.id_flux, [benali.id_technique],
                             {durand.id_technique: "Aucun titulaire ne correspond aux critères obligatoires"})),
    )  # fmt: skip

    assert counts == {"acceptes": 1, "rejetes": 1, "inchanges": 0}  # Durand's BC03: awaiting
    durand.refresh_from_db()
    assert (durand.status, durand.message_cdc) == (
        PassageStatus.REJETE,
        "Aucun titulaire ne correspond aux critères obligatoires",
    )
    with pytest.raises(DepotRefus, match="Un passage accepté ne se redépose qu'après « Corriger »"):
        build_files(s.branche, [benali, durand], by=s.gestionnaire)
    [again] = build_files(s.branche, [durand], by=s.gestionnaire)
    assert list(again.passages.all()) == [durand]  # same idTechnique, new file


def test_a_report_of_another_file_is_refused():
    s, _ = issued()
    [fichier] = build_files(s.branche, due(s.branche), by=s.gestionnaire)

    with pytest.raises(RapportError, match=r"Cet accusé répond au fichier AUTRE, pas à celui-ci"):
        record_report(fichier, parse_rapport(report("AUTRE", [], {})))


def test_an_accepted_passage_is_sent_again_only_once_corrected():
    s, _ = issued()
    [fichier] = build_files(s.branche, due(s.branche), by=s.gestionnaire)
    ids = list(PassageAccrochage.objects.values_list("id_technique", flat=True))
    record_report(fichier, parse_rapport(report(fichier.id_flux, ids, {})))
    benali = PassageAccrochage.objects.order_by("id_technique").first()

    correct(benali)

    [again] = build_files(s.branche, due(s.branche), by=s.gestionnaire)
    assert list(again.passages.all()) == [benali]


def test_the_2026_schema_names_the_holder_by_the_nir_and_can_withdraw():
    s, documents = issued(version="2026")
    benali = documents[0].dossier.candidat
    benali.nir = "290056912300566"
    benali.save()

    [fichier] = build_files(s.branche, due(s.branche), by=s.gestionnaire)
    with fichier.fichier.open("rb") as content:
        data = content.read()
    assert schema_errors(io.BytesIO(data), "2026") == []
    assert b"<cpf:action>CREATION</cpf:action>" in data
    assert b"<cpf:nir>2900569123005</cpf:nir>" in data

    cancel(documents[0], "Erreur de titulaire", by=s.gestionnaire)
    ensure_passages(s.branche)
    [withdrawn] = PassageAccrochage.objects.filter(status=PassageStatus.A_RETIRER)
    [suppression] = build_files(s.branche, [withdrawn], by=s.gestionnaire, action="SUPPRESSION")
    with suppression.fichier.open("rb") as content:
        data = content.read()
    assert schema_errors(io.BytesIO(data), "2026") == []
    assert b"<cpf:action>SUPPRESSION</cpf:action>" in data
    withdrawn.refresh_from_db()
    assert withdrawn.status == PassageStatus.RETRAIT_DEPOSE  # until the CDC accepts it


def test_the_1_1_schema_has_no_withdrawal_and_says_what_to_do():
    s, documents = issued()
    build_files(s.branche, due(s.branche), by=s.gestionnaire)
    cancel(documents[0], "Erreur", by=s.gestionnaire)
    ensure_passages(s.branche)

    with pytest.raises(DepotRefus, match="n'existe que dans le schéma 2026"):
        build_files(
            s.branche,
            PassageAccrochage.objects.filter(status=PassageStatus.A_RETIRER),
            by=s.gestionnaire,
            action="SUPPRESSION",
        )


def test_the_page_shows_deadlines_and_builds_the_file_of_all_due(client):
    from django.urls import reverse

    s, _ = issued()
    client.force_login(s.gestionnaire)

    page = client.get(reverse("accrochage:a_accrocher"))
    assert "25/02/2027" in page.text and "BENALI Marie" in page.text
    response = client.post(reverse("accrochage:deposer"), {"quoi": "dus"}, follow=True)
    assert "1 fichier prêt à déposer (3 passages)" in response.text
    fichier = PassageAccrochage.objects.first().last_file
    download = client.get(reverse("accrochage:fichier", args=[fichier.pk]))
    assert b"<cpf:idFlux>" + fichier.id_flux.encode() in b"".join(download.streaming_content)


def test_files_are_split_by_size_too():
    s, _ = issued()
    limit = 3000  # bytes: the envelope and one passage fit, not two

    files = build_files(s.branche, due(s.branche), by=s.gestionnaire, max_bytes=limit)

    assert len(files) == 3
    for f in files:
        assert f.taille <= limit and f.fichier.size == f.taille
        with f.fichier.open("rb") as content:
            assert schema_errors(io.BytesIO(content.read())) == []
