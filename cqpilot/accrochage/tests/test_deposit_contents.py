"""What a deposit file says of each passage: the bloc's end of validity, the proof's address; and
a holder's data the file cannot carry, refused in French before anything is produced."""

from datetime import date

import pytest
from django.conf import settings

from cqpilot.accrochage.depots import DepotRefus, build_files, due
from cqpilot.accrochage.flux import read_flux
from cqpilot.accrochage.models import FichierAccrochage, PassageStatus
from cqpilot.accrochage.schema import schema_errors

from .factories import deposits

pytestmark = pytest.mark.django_db


def written(d) -> dict:
    """idTechnique → (certification code, passage) of the file of everything due, once checked
    against the schema of the certifier's generation."""
    [fichier] = build_files(d.organisation, due(d.organisation), by=d.gestionnaire)
    with fichier.fichier.open("rb") as content:
        assert schema_errors(content, fichier.version_schema) == []
    with fichier.fichier.open("rb") as content:
        return {p.id_technique: (ref.code, p) for ref, p in read_flux(content)}


@pytest.mark.parametrize("version", ["1.1.2", "2026"])
def test_a_bloc_of_limited_validity_is_sent_with_the_end_of_its_validity(version):
    d = deposits(version, validite_blocs_mois=60)

    passages = written(d)

    ends = {code: p.date_fin_validite for code, p in passages.values()}
    # Counted from the jury's decision (20/11/2026), as later dossiers count it.
    assert ends == {
        d.certification.code_rncp_rs: None,  # the whole certification: for life
        "BC01": date(2031, 11, 20),
        "BC03": date(2031, 11, 20),
    }


def test_a_bloc_acquired_for_life_has_no_end_of_validity():
    d = deposits("1.1.2")

    passages = written(d)

    assert {p.date_fin_validite for _code, p in passages.values()} == {None}


@pytest.mark.parametrize("version", ["1.1.2", "2026"])
def test_each_passage_carries_the_public_verification_address_of_its_document(version):
    d = deposits(version)

    passages = written(d)

    proofs = {p.titulaire.nom_naissance: p.url_preuve for _code, p in passages.values()}
    assert proofs == {
        "Benali": f"{settings.PUBLIC_URL}/verifier/{d.parchemin.code}",
        "Durand": f"{settings.PUBLIC_URL}/verifier/{d.attestation.code}",
    }


def test_an_address_beyond_the_cdc_limit_is_left_out_rather_than_refused(settings):
    settings.PUBLIC_URL = "https://" + "certificateur." * 20 + "fr"
    d = deposits("1.1.2")

    passages = written(d)

    assert {p.url_preuve for _code, p in passages.values()} == {""}


def test_a_control_character_in_a_name_is_refused_naming_the_holder_and_the_field():
    d = deposits()
    durand = d.attestation.dossier.candidat
    durand.prenom1, durand.commune_naissance = "Ma\x07rie", "Ly\x1bon"
    durand.save()

    with pytest.raises(DepotRefus) as refused:
        build_files(d.organisation, due(d.organisation), by=d.gestionnaire)

    assert refused.value.message == (
        "Aucun fichier produit : un caractère de contrôle invisible, que le format de la Caisse "
        "des Dépôts interdit, est dans la fiche de DURAND Ma\ufffdrie (prénom : U+0007 ; commune "
        "de naissance : U+001B). Retapez ces champs sur la fiche du candidat, puis produisez "
        "le fichier à nouveau."
    )
    assert not FichierAccrochage.objects.exists()
    assert set(due(d.organisation).values_list("status", flat=True)) == {PassageStatus.A_DEPOSER}


TEMPORARY_NIR = "785039912345663"  # a NIA: 7 (or 8) first, its key right


def test_a_temporary_nir_is_never_sent_the_holder_going_by_his_identity_with_a_warning():
    d = deposits("2026")
    benali = d.parchemin.dossier.candidat
    benali.nir = TEMPORARY_NIR
    benali.save()

    [fichier] = build_files(d.organisation, due(d.organisation), by=d.gestionnaire)

    with fichier.fichier.open("rb") as content:
        data = content.read()
    assert b"identifiantNational" not in data and b"785039912345" not in data
    with fichier.fichier.open("rb") as content:
        assert schema_errors(content, "2026") == []
    with fichier.fichier.open("rb") as content:
        [sent] = [
            p.titulaire for _ref, p in read_flux(content) if p.titulaire.nom_naissance == "Benali"
        ]
    assert (sent.nir13, sent.prenom1, sent.annee_naissance) == (
        "",
        benali.prenom1,
        benali.annee_naissance,
    )
    assert fichier.avertissements == [
        f"{benali} : NIR provisoire (il commence par 7) : la Caisse des Dépôts ne le connaît "
        "pas ; le titulaire est transmis par son identité (nom, prénom, sexe, naissance)."
    ]
