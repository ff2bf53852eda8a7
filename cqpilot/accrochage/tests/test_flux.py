"""Every file cqpilot writes validates against the CDC's schema, and reads back identically."""

import io
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from cqpilot.accrochage.flux import (
    CertificationRef,
    Entete,
    Passage,
    Titulaire,
    forbidden_characters,
    read_flux,
    write_flux,
)
from cqpilot.accrochage.schema import schema, schema_errors

REFERENCE = Path(__file__).resolve().parent / "data"  # the CDC's own files: data/PROVENANCE.md
PARIS = ZoneInfo("Europe/Paris")

BASE = Passage(
    id_technique="cqpilot-000001",
    titulaire=Titulaire(
        nom_naissance="Martin", prenom1="Lucas", sexe="M", annee_naissance=1998, mois_naissance=3,
        jour_naissance=12, code_insee_naissance="69123", libelle_commune_naissance="Lyon",
    ),
    date_debut_validite=date(2026, 10, 15),
    date_debut_examen=date(2026, 9, 28),
    date_fin_examen=date(2026, 9, 30),
    modalite_examen="EN_PRESENTIEL",
    code_postal_centre="69007",
    modalite_acces="FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION",
    initiative="EMPLOYEUR",
    date_inscription=date(2025, 9, 7),
)  # fmt: skip


def titulaire(**changes) -> Titulaire:
    return replace(BASE.titulaire, **changes)


CASES = {
    "accents et apostrophes": replace(BASE, titulaire=titulaire(nom_naissance="N'Guessan-Lefèvre", prenom1="Élodie", prenom2="Anaïs", sexe="F", nom_usage="D'Artagnan")),
    "noms de 60 caractères": replace(BASE, titulaire=titulaire(nom_naissance="A" * 60, prenom1="B" * 60, nom_usage="C" * 60, libelle_commune_naissance="D" * 60)),
    "né à l'étranger": replace(BASE, titulaire=titulaire(code_insee_naissance="99109", code_pays_naissance="109", libelle_pays_naissance="Allemagne", libelle_commune_naissance="Berlin")),
    "jour et mois inconnus": replace(BASE, titulaire=titulaire(mois_naissance=None, jour_naissance=None)),
    "seulement le code postal": replace(BASE, titulaire=titulaire(code_insee_naissance="", code_postal_naissance="2A000")),
    "commune inconnue": replace(BASE, titulaire=titulaire(code_insee_naissance="", libelle_commune_naissance="")),
    "VAE": replace(BASE, modalite_acces="VAE", voie_vae="CONGES_VAE", initiative="CERTIFIE"),
    "RS avec score": replace(BASE, obtention="PAR_SCORING", scoring="87/100", mention="MENTION_BIEN", date_fin_validite=date(2029, 10, 14)),
    "à distance, sans dates d'examen": replace(BASE, modalite_examen="A_DISTANCE", date_debut_examen=None, date_fin_examen=None, code_postal_centre=""),
    "voie d'accès inconnue": replace(BASE, modalite_acces="", initiative="", date_inscription=None),
    "caractères à échapper": replace(BASE, libelle_option="Option « maintenance » & <sécurité>"),
}  # fmt: skip


def flux(certifications, **changes) -> bytes:
    output = io.BytesIO()
    entete = Entete(
        id_flux="cqpilot-2026-11-23-0001",
        horodatage=datetime(2026, 11, 23, 10, 15, 42, 123456, tzinfo=PARIS),
        id_client_emetteur="AB123CDE",
        id_client_certificateur="AB123CDE",
        id_contrat="2560080000127J",
        certifications=certifications,
        **changes,
    )
    write_flux(output, entete)
    return output.getvalue()


@pytest.mark.parametrize("case", CASES)
def test_each_case_validates_against_the_official_schema(case):
    content = flux([(CertificationRef("RNCP", "RNCP39912"), [CASES[case]])])
    schema().assertValid(etree.fromstring(content))
    assert schema_errors(io.BytesIO(content)) == []


def test_several_certifications_in_one_file_read_back_identically():
    rncp = [replace(p, id_technique=f"p{i}") for i, p in enumerate(CASES.values())]
    rs = [replace(CASES["RS avec score"], id_technique="rs-1")]
    content = flux(
        [(CertificationRef("RNCP", "RNCP39912"), rncp), (CertificationRef("RS", "RS6117"), rs)]
    )
    assert schema_errors(io.BytesIO(content)) == []
    back = list(read_flux(io.BytesIO(content)))
    assert [p for _ref, p in back] == [*rncp, *rs]
    assert [ref.code for ref, _p in back] == ["RNCP39912"] * len(rncp) + ["RS6117"]


def test_control_characters_are_refused_before_writing():
    passage = replace(BASE, titulaire=titulaire(nom_naissance="Martin\x0b"))
    with pytest.raises(ValueError, match="nomNaissance contient un caractère de contrôle"):
        flux([(CertificationRef("RNCP", "RNCP39912"), [passage])])


def test_the_fields_the_writer_would_refuse_are_named_beforehand():
    passage = replace(
        BASE,
        code_postal_centre="69\x00007",
        titulaire=titulaire(prenom1="Lu\x1bcas", libelle_commune_naissance="Ly\ud800on"),
    )

    assert forbidden_characters(passage) == {
        "code_postal_centre": "\x00",
        "titulaire.prenom1": "\x1b",
        "titulaire.libelle_commune_naissance": "\ud800",
    }
    assert forbidden_characters(BASE) == {}


def test_the_timestamp_has_seconds_and_an_offset():
    content = flux([(CertificationRef("RNCP", "RNCP39912"), [BASE])]).decode()
    assert "<cpf:horodatage>2026-11-23T10:15:42+01:00</cpf:horodatage>" in content


def test_unknown_values_are_nil_never_empty():
    content = flux(
        [(CertificationRef("RNCP", "RNCP39912"), [CASES["jour et mois inconnus"]])]
    ).decode()
    assert '<cpf:moisNaissance xsi:nil="true"/>' in content
    assert '<cpf:dateFinValidite xsi:nil="true"/>' in content
    assert content.count('xmlns:cpf="') == 1  # declared once, on the root
    assert "<cpf:prenom2>" not in content and "<cpf:prenom2/>" not in content


def test_the_cdc_example_is_valid_and_a_broken_one_is_explained_with_its_line():
    example = (REFERENCE / "exemple-flux-1.1.2.xml").read_bytes()
    assert schema_errors(io.BytesIO(example)) == []
    broken = example.replace(b"<cpf:sexe>M</cpf:sexe>", b"<cpf:sexe>X</cpf:sexe>", 1)
    [error] = schema_errors(io.BytesIO(broken))
    assert error == (
        "Ligne 65, passage « db855769-bcd6-4253-93cf-e666db666c0a » : non conforme au schéma de "
        "la Caisse des Dépôts, <sexe> : « X » n'est pas une valeur possible (M, F)."
    )


def test_an_error_in_the_header_is_said_to_be_there():
    example = (REFERENCE / "exemple-flux-1.1.2.xml").read_bytes()
    broken = example.replace(
        b"<cpf:idClient>AB123CDE</cpf:idClient>", b"<cpf:idClient>AB1</cpf:idClient>"
    )
    [error] = schema_errors(io.BytesIO(broken))
    assert error == (
        "Ligne 6 : non conforme au schéma de la Caisse des Dépôts, <idClient> : 3 caractères au "
        "lieu de 8."
    )


def test_a_file_that_is_not_xml_is_explained():
    [error] = schema_errors(io.BytesIO(b"PK\x03\x04 un zip"))
    assert error == (
        "Ligne 1, colonne 0 : le fichier n'est pas un XML bien formé (le fichier est vide, ou "
        "n'est pas du XML)."
    )
    [error] = schema_errors(io.BytesIO(b""))
    assert error.startswith("Le fichier n'est pas un XML bien formé")


NAMES = st.text(
    st.characters(whitelist_categories=("Lu", "Ll"), whitelist_characters=" '-"),
    min_size=1,
    max_size=60,
).filter(lambda s: s.strip() == s and s.strip())


@settings(max_examples=80, deadline=None)
@given(
    nom=NAMES,
    prenom=NAMES,
    annee=st.integers(1900, 2010),
    mois=st.none() | st.integers(1, 12),
    sexe=st.sampled_from("MF"),
)
def test_any_valid_identity_gives_a_valid_file_that_reads_back(nom, prenom, annee, mois, sexe):
    passage = replace(
        BASE,
        titulaire=titulaire(
            nom_naissance=nom,
            prenom1=prenom,
            annee_naissance=annee,
            mois_naissance=mois,
            jour_naissance=None,
            sexe=sexe,
        ),
    )
    content = flux([(CertificationRef("RNCP", "RNCP39912"), [passage])])
    assert schema_errors(io.BytesIO(content)) == []
    assert [p for _ref, p in read_flux(io.BytesIO(content))] == [passage]


def test_the_command_line_checker(tmp_path, capsys):
    from django.core.management import CommandError, call_command

    valid = tmp_path / "flux.xml"
    valid.write_bytes(
        flux([(CertificationRef("RNCP", "RNCP39912"), [BASE, replace(BASE, id_technique="2")])])
    )
    call_command("accrochage", "verifier", str(valid))
    assert (
        "est conforme au schéma 1.1.2 de la Caisse des Dépôts (2 passages)"
        in capsys.readouterr().out
    )
    invalid = tmp_path / "faux.xml"
    invalid.write_bytes(valid.read_bytes().replace(b"<cpf:sexe>M</cpf:sexe>", b"<cpf:sexe/>", 1))
    with pytest.raises(CommandError, match="passage « cqpilot-000001 » : non conforme"):
        call_command("accrochage", "verifier", str(invalid))
