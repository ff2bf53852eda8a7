"""The CDC's processing report: read leniently, matched to the file it answers, shown per holder."""

import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cqpilot.accrochage.models import FluxAutonome
from cqpilot.accrochage.rapport import RapportError, parse_rapport
from cqpilot.core.tests.factories import gestionnaire

from .test_standalone import holder, xlsx

REFERENCE = Path(__file__).resolve().parent / "data"  # the CDC's own files: data/PROVENANCE.md


def test_the_real_report_lists_accepted_and_rejected_passages():
    rapport = parse_rapport(io.BytesIO((REFERENCE / "accuse-traitement-passages.xml").read_bytes()))
    assert (rapport.id_flux, rapport.id_traitement) == (
        "4df76fd4-0915-46df-8c56-525506af35be",
        "67598",
    )
    # « Le titulaire existe déjà en base »: accepted earlier, so accepted.
    assert rapport.accepted == ["1983189", "1968666", "1964200"]
    assert rapport.rejected == {
        "1979262": "Aucun titulaire ne correspond aux critères obligatoires",
        "1996215": "Aucun titulaire ne correspond aux critères obligatoires enrichis du jour et du mois de naissance",
    }


def test_a_whole_file_rejection_is_read():
    rapport = parse_rapport(
        io.BytesIO((REFERENCE / "accuse-traitement-fichier-rejete.xml").read_bytes())
    )
    assert rapport.file_errors == [
        "XSD (ligne 1, colonne 18) : Un espace est obligatoire entre les données et la cible de l'instruction de traitement."
    ]


def test_case_and_namespaces_do_not_matter():
    content = b"""<ns2:Rapport xmlns:ns2="urn:cdc:cpf:pc5:rapport:schema"><ns2:IDFLUX>x</ns2:IDFLUX>
    <ns2:passagesok><ns2:idtechnique>a</ns2:idtechnique></ns2:passagesok></ns2:Rapport>"""
    rapport = parse_rapport(io.BytesIO(content))
    assert (rapport.id_flux, rapport.accepted) == ("x", ["a"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<pas du xml", "Ligne 1, colonne 8 : le fichier n'est pas un XML bien formé (une balise mal fermée)."),
        (
            b"<rapport><idFlux>x</idFlux><PassagesOK><idTechnique>a</PassagesOK></rapport>",
            "Ligne 1, colonne 66 : le fichier n'est pas un XML bien formé (une balise fermante ne "
            "correspond pas à la balise ouverte).",
        ),
        (b"", "Ce fichier n'est pas un accusé de traitement de la Caisse des Dépôts : le fichier est vide."),
        (b"<flux/>", "(élément racine <flux> au lieu de <rapport>)."),
        # Well-formed, but not what the CDC writes: a passage without its idTechnique.
        (
            b"<rapport><idFlux>x</idFlux><PassagesKO><passage>zz</passage></PassagesKO></rapport>",
            "Ce fichier n'est pas un accusé de traitement de la Caisse des Dépôts : un passage "
            "sans idTechnique.",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE rapport [<!ENTITY e "x">]><rapport><idFlux>&e;'
            b"</idFlux></rapport>",
            "Le fichier contient une déclaration DOCTYPE (<!DOCTYPE …>)",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE rapport [<!ENTITY e SYSTEM "file:///etc/hostname">]>'
            b"<rapport><idFlux>&e;</idFlux></rapport>",
            "Le fichier contient une déclaration DOCTYPE (<!DOCTYPE …>)",
        ),
        (b"<rapport><idFlux>&e;</idFlux></rapport>", "n'est pas un XML bien formé (une entité (&…;) inconnue)"),
    ],
)  # fmt: skip
def test_what_is_not_a_report_is_refused_in_french(content, message):
    with pytest.raises(RapportError) as refused:
        parse_rapport(io.BytesIO(content))
    assert message in str(refused.value)
    assert not re.search(r"\b(?:tag|line|found|entity|Opening|Specification)\b", str(refused.value))


def report_for(flux: FluxAutonome, ok: list[str], ko: dict[str, str]) -> bytes:
    passages_ko = "".join(
        f"<passage><idTechnique>{i}</idTechnique><messageErreur>{m}</messageErreur></passage>"
        for i, m in ko.items()
    )
    passages_ok = "".join(f"<idTechnique>{i}</idTechnique>" for i in ok)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rapport><idFlux>{flux.id_flux}</idFlux>'
        f"<idTraitement>70001</idTraitement><PassagesKO>{passages_ko}</PassagesKO>"
        f"<PassagesOK>{passages_ok}</PassagesOK></rapport>"
    ).encode()


@pytest.mark.django_db
def test_each_holder_gets_its_status_on_the_file_page(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(gestionnaire())
    client.post(
        reverse("accrochage:standalone"),
        {"titulaires": SimpleUploadedFile("t.xlsx", xlsx([holder(0), holder(1), holder(2)]).getvalue()),
         "id_client": "AB123CDE", "id_contrat": "1"},
    )  # fmt: skip
    flux = FluxAutonome.objects.get()
    from cqpilot.accrochage.flux import read_flux

    with flux.fichier.open("rb") as stream:
        ids = [p.id_technique for _ref, p in read_flux(stream)]
    url = reverse("accrochage:standalone_detail", args=[flux.pk])
    report = report_for(
        flux, ok=[ids[0]], ko={ids[1]: "Aucun titulaire ne correspond aux critères obligatoires"}
    )
    response = client.post(url, {"accuse": SimpleUploadedFile("accuse.xml", report)}, follow=True)
    assert "Accusé de traitement enregistré." in response.text
    assert "1 accepté, 1 rejeté" in response.text
    rows = response.text.split('<table id="statuts">')[1]
    assert rows.index("Accepté") < rows.index("Rejeté") < rows.index("Sans réponse")
    assert "Aucun titulaire ne correspond aux critères obligatoires" in rows


@pytest.mark.django_db
def test_a_report_of_another_file_is_refused(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(gestionnaire())
    client.post(
        reverse("accrochage:standalone"),
        {
            "titulaires": SimpleUploadedFile("t.xlsx", xlsx([holder(0)]).getvalue()),
            "id_client": "AB123CDE",
            "id_contrat": "1",
        },
    )
    flux = FluxAutonome.objects.get()
    other = (REFERENCE / "accuse-traitement-passages.xml").read_bytes()
    response = client.post(
        reverse("accrochage:standalone_detail", args=[flux.pk]),
        {"accuse": SimpleUploadedFile("accuse.xml", other)},
        follow=True,
    )
    assert "Cet accusé répond au fichier 4df76fd4-0915-46df-8c56-525506af35be" in response.text
    flux.refresh_from_db()
    assert flux.rapport is None
