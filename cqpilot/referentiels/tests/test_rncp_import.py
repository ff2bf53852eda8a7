"""Import of France Compétences' export, checked against the real extracts in tests/data."""

import contextlib
import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cqpilot.core.tests.factories import OrganisationFactory, gestionnaire
from cqpilot.referentiels.models import (
    Bloc,
    Certification,
    CorrespondanceBloc,
    ImportStatus,
    ReferentielVersion,
    RncpImport,
    VersionStatus,
)
from cqpilot.referentiels.rncp_import import import_rncp_export
from cqpilot.referentiels.rncp_parser import RncpFormatError, clean_text, iter_fiches
from cqpilot.referentiels.services import publish_version

REFERENCE = Path(__file__).resolve().parent / "data"  # real extracts: data/PROVENANCE.md
RNCP_FILE = REFERENCE / "export_fiches_RNCP_V4_1_extrait.xml"
RS_FILE = REFERENCE / "export_fiches_RS_V4_1_extrait.xml"

# Counted by hand in the file (BLOCS_COMPETENCES/BLOC_COMPETENCES of each FICHE).
BLOCS_PER_FICHE = {
    "RNCP34762": 5,
    "RNCP35809": 4,
    "RNCP35625": 10,
    "RNCP35419": 4,
    "RNCP37488": 2,
    "RNCP40344": 4,
    "RNCP36612": 4,
    "RNCP37674": 2,
    "RNCP36490": 4,
    "RNCP35959": 5,
    "RNCP37873": 3,
    "RNCP39568": 6,
}

pytestmark = pytest.mark.django_db


def _blocs_of(numero: str) -> list[Bloc]:
    return list(Bloc.objects.filter(version__certification__code_rncp_rs=numero).order_by("ordre"))


def test_every_fiche_of_the_real_rncp_extract_gets_its_number_of_blocs():
    report = import_rncp_export(RNCP_FILE)
    assert report.status == ImportStatus.REUSSI, report.errors
    assert report.fiches_importees == 12
    assert report.blocs_importes == sum(BLOCS_PER_FICHE.values())
    assert {numero: len(_blocs_of(numero)) for numero in BLOCS_PER_FICHE} == BLOCS_PER_FICHE


def test_bloc_codes_and_titles_are_those_of_the_file():
    import_rncp_export(RNCP_FILE)
    for fiche in ET.parse(RNCP_FILE).getroot().iter("FICHE"):
        expected = [
            (b.findtext("CODE").strip(), " ".join(b.findtext("LIBELLE").split()))
            for b in fiche.findall("./BLOCS_COMPETENCES/BLOC_COMPETENCES")
        ]
        imported = [(b.code, b.intitule) for b in _blocs_of(fiche.findtext("NUMERO_FICHE"))]
        assert imported == expected


def test_fiche_data_is_mapped_to_the_certification():
    import_rncp_export(RNCP_FILE)
    certification = Certification.objects.get(code_rncp_rs="RNCP37674")
    assert certification.intitule == "Développeur web et web mobile"
    assert certification.niveau == "NIV5"
    assert certification.status == "active"
    assert certification.vae_ouverte is True
    assert certification.date_fin_enregistrement.isoformat() == "2028-09-01"
    assert {(c.kind, c.code) for c in certification.codes.all()} >= {("NSF", "326t")}
    inactive = Certification.objects.get(code_rncp_rs="RNCP34762")
    assert inactive.status == "inactive"


def test_competences_are_split_one_per_line_and_the_text_is_kept():
    import_rncp_export(RNCP_FILE)
    bloc = Bloc.objects.get(code="RNCP37674BC01")
    assert [c.intitule for c in bloc.competences.all()] == [
        "Installer et configurer son environnement de travail en fonction du projet web ou web mobile",
        "Maquetter des interfaces utilisateur web ou web mobile",
        "Réaliser des interfaces utilisateur statiques web ou web mobile",
        "Développer la partie dynamique des interfaces utilisateur web ou web mobile",
    ]
    assert bloc.modalites_texte.startswith(
        "Présentation d'un projet réalisé en amont de la session"
    )


def test_bloc_correspondences_are_recorded_and_fiche_level_ones_ignored():
    import_rncp_export(RNCP_FILE, fiche="RNCP37674")
    links = CorrespondanceBloc.objects.order_by("bloc__code")
    assert [(c.bloc.code, c.fiche_cible, c.code_bloc_cible) for c in links] == [
        ("RNCP37674BC01", "RNCP31114", "RNCP31114BC01"),
        ("RNCP37674BC02", "RNCP31114", "RNCP31114BC02"),
    ]


def test_rs_fiches_have_no_blocs_and_never_open_vae():
    report = import_rncp_export(RS_FILE)
    assert report.status == ImportStatus.REUSSI
    assert report.fiches_importees == 8
    assert Bloc.objects.count() == 0
    assert not Certification.objects.filter(vae_ouverte=True).exists()
    assert Certification.objects.filter(code_rncp_rs__startswith="RS").count() == 8


def test_importing_the_same_file_twice_creates_no_duplicate():
    import_rncp_export(RNCP_FILE)
    second = import_rncp_export(RNCP_FILE)
    assert second.certifications_creees == 0
    assert Certification.objects.count() == 12
    assert ReferentielVersion.objects.count() == 12
    assert Bloc.objects.count() == sum(BLOCS_PER_FICHE.values())


def test_import_after_publication_prepares_a_new_draft_version():
    import_rncp_export(RNCP_FILE, fiche="RNCP40344")
    version = ReferentielVersion.objects.get()
    publish_version(version, by=gestionnaire())
    import_rncp_export(RNCP_FILE, fiche="RNCP40344")
    versions = ReferentielVersion.objects.order_by("numero")
    assert [(v.numero, v.status) for v in versions] == [
        (1, VersionStatus.PUBLIEE),
        (2, VersionStatus.BROUILLON),
    ]
    assert versions[0].blocs.count() == versions[1].blocs.count() == 4


def test_the_fiche_option_imports_only_that_fiche():
    report = import_rncp_export(RNCP_FILE, fiche="rncp36490")
    assert report.fiches_importees == 1
    assert list(Certification.objects.values_list("code_rncp_rs", flat=True)) == ["RNCP36490"]


def test_a_fiche_absent_from_the_file_is_reported():
    report = import_rncp_export(RNCP_FILE, fiche="RNCP1")
    assert report.status == ImportStatus.ECHOUE
    assert report.errors == ["La fiche RNCP1 ne figure pas dans ce fichier."]


def test_the_zip_published_by_france_competences_is_read():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(RNCP_FILE, "export_fiches_RNCP_V4_1_2026-11-20.xml")
    archive.seek(0)
    report = import_rncp_export(archive, file_name="export-fiches-rncp-v4-1-2026-11-20.zip")
    assert report.fiches_importees == 12


def animal_pro_formation_manager():
    """A manager of the certificateur that the real fiche RNCP40344 names (by its SIRET)."""
    return gestionnaire(
        organisation=OrganisationFactory(nom="Animal Pro Formation", siret="52875765100013")
    )


def test_the_importing_organisation_becomes_certificateur():
    user = animal_pro_formation_manager()
    import_rncp_export(RNCP_FILE, fiche="RNCP40344", organisation=user.organisation)
    assert list(Certification.objects.visible_to(user).values_list("code_rncp_rs", flat=True)) == [
        "RNCP40344"
    ]


FAULTY = b"""<?xml version="1.0" encoding="UTF-8"?>
<FICHES>
  <VERSION_FLUX>4.1</VERSION_FLUX>
  <FICHE><NUMERO_FICHE>RNCP11111</NUMERO_FICHE><INTITULE>CQP Tourier</INTITULE><ACTIF>Oui</ACTIF></FICHE>
  <FICHE><NUMERO_FICHE>RNCP22222</NUMERO_FICHE></FICHE>
  <FICHE><NUMERO_FICHE>RNCP33333</NUMERO_FICHE><INTITULE>CQPI Agent logistique</INTITULE>
    <BLOCS_COMPETENCES><BLOC_COMPETENCES><LIBELLE>Sans code</LIBELLE></BLOC_COMPETENCES></BLOCS_COMPETENCES>
  </FICHE>
</FICHES>"""


def test_a_faulty_fiche_is_reported_with_its_line_and_nothing_is_saved():
    report = import_rncp_export(io.BytesIO(FAULTY), file_name="faux.xml")
    assert report.status == ImportStatus.ECHOUE
    assert report.errors == [
        "Ligne 5, fiche RNCP22222 : INTITULE manquant.",
        "Ligne 7, fiche RNCP33333 : un bloc de compétences n'a pas de CODE ou de LIBELLE.",
    ]
    assert Certification.objects.count() == 0


def test_valid_fiches_are_kept_when_the_user_asks_for_it():
    report = import_rncp_export(io.BytesIO(FAULTY), keep_valid=True)
    assert report.status == ImportStatus.PARTIEL
    certification = Certification.objects.get()
    assert (certification.code_rncp_rs, certification.type) == ("RNCP11111", "CQP")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "n'est pas un XML valide"),
        (b"<FICHES><FICHE>", "Ligne 1 : le fichier n'est pas un XML valide"),
        (b"<?xml version='1.0'?><catalogue/>", "l'élément racine <FICHES> est absent"),
        (b"PK\x03\x04 pas vraiment un zip", "n'est pas un XML valide"),
    ],
)
def test_an_unreadable_file_gives_a_clear_french_error(content, message):
    report = import_rncp_export(io.BytesIO(content))
    assert report.status == ImportStatus.ECHOUE
    assert message in report.errors[0]


def test_rich_text_of_older_flux_is_cleaned_to_lines():
    raw = "&lt;p&gt;- Param&amp;eacute;trer le poste&lt;br /&gt;- Contr&ocirc;ler&lt;/p&gt;&#13;"
    assert clean_text(raw) == "- Paramétrer le poste\n- Contrôler"
    assert clean_text("A1C1. Evaluer        A1C2. Apprécier") == "A1C1. Evaluer\nA1C2. Apprécier"
    assert clean_text("met en œuvre les   modalités") == "met en œuvre les modalités"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes_never_raise_anything_but_a_format_error(content):
    with contextlib.suppress(RncpFormatError):
        list(iter_fiches(io.BytesIO(content)))


FRAGMENTS = st.sampled_from(
    [
        "<FICHES>",
        "</FICHES>",
        "<FICHE>",
        "</FICHE>",
        "<NUMERO_FICHE>RNCP1</NUMERO_FICHE>",
        "<INTITULE>CQP é &amp; ’</INTITULE>",
        "<BLOCS_COMPETENCES>",
        "</BLOCS_COMPETENCES>",
        "<BLOC_COMPETENCES><CODE>X</CODE><LIBELLE>Y</LIBELLE></BLOC_COMPETENCES>",
        "<BLOC_COMPETENCES>",
        "<DATE_DECISION>31/02/2024</DATE_DECISION>",
        "<VERSION_FLUX>3.0</VERSION_FLUX>",
        "&bogus;",
        "<![CDATA[<p>texte</p>]]>",
        "<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>",
        "&e;",
    ]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(FRAGMENTS, max_size=25))
def test_malformed_exports_are_reported_never_crash(fragments):
    report = import_rncp_export(io.BytesIO("".join(fragments).encode()), file_name="aleatoire.xml")
    assert report.status in ImportStatus.values
    assert all(
        "/etc/passwd" not in str(error) and "root:" not in str(error) for error in report.errors
    )


def test_the_upload_page_imports_and_shows_the_result(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    user = animal_pro_formation_manager()
    client.force_login(user)
    upload = SimpleUploadedFile("export.xml", RNCP_FILE.read_bytes(), content_type="text/xml")
    preview = client.post(
        reverse("referentiels:rncp_import"), {"fichier": upload, "fiche": "RNCP40344"}, follow=True
    )
    assert "Création de la certification" in preview.text
    report = RncpImport.objects.get()
    response = client.post(
        reverse("referentiels:rncp_import_confirm", args=[report.pk]), follow=True
    )
    assert "Réussi" in response.text
    assert "Voir Auxiliaire spécialisé vétérinaire" in response.text
    assert Certification.objects.visible_to(user).count() == 1


def test_the_upload_page_shows_errors_of_a_bad_file_without_failing(client):
    client.force_login(gestionnaire())
    upload = SimpleUploadedFile("faux.xml", FAULTY)
    response = client.post(reverse("referentiels:rncp_import"), {"fichier": upload}, follow=True)
    assert response.status_code == 200
    assert "rien n&#x27;a été enregistré" in response.text
    assert "Ligne 5, fiche RNCP22222 : INTITULE manquant." in response.text


def test_the_command_line_import(capsys):
    call_command("import_rncp", str(RNCP_FILE), "--fiche", "RNCP35959")
    assert "1 fiche lue, 1 importée, 0 refusée" in capsys.readouterr().out
    with pytest.raises(CommandError, match="Import échoué, rien n'a été enregistré"):
        call_command("import_rncp", str(RS_FILE), "--fiche", "RNCP35959")
