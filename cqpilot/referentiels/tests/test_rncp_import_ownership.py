"""Whose certifications an RNCP import may create or change: an organisation never takes over the
certification of another one, whatever the file it uploads says."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cqpilot.core.tests.factories import OrganisationFactory, gestionnaire
from cqpilot.referentiels.models import (
    Certification,
    CertificationStatus,
    ImportStatus,
    RncpImport,
)
from cqpilot.referentiels.rncp_import import import_rncp_export

from . import factories
from .factories import (
    COMMERCE_SIRET,
    METALLURGIE_SIRET,
    CertificationFactory,
    complete_version,
    rncp_export,
    rncp_fiche,
)

pytestmark = pytest.mark.django_db

REFUSAL = (
    "La fiche RNCP39912 est celle d'une certification de CPNE de la Métallurgie : "
    "vous ne pouvez pas la modifier."
)


def fiche_xml(numero: str, intitule: str = "CQP repris", **kwargs) -> bytes:
    """A one-fiche export; the attack of the issue is the default: no CERTIFICATEURS at all."""
    return rncp_export(rncp_fiche(numero, intitule, **kwargs))


def state_of(certification: Certification) -> tuple:
    certification = Certification.objects.get(pk=certification.pk)
    return (
        certification.intitule,
        certification.status,
        sorted(o.nom for o in certification.certificateurs.all()),
        [
            (v.numero, v.status, [b.code for b in v.blocs.all()])
            for v in certification.versions.order_by("numero")
        ],
    )


@pytest.fixture
def metallurgie():
    return factories.metallurgie()


@pytest.fixture
def commerce():
    return factories.commerce()


@pytest.fixture
def cqp_metallurgie(metallurgie):
    certification = CertificationFactory(
        code_rncp_rs="RNCP39912",
        intitule="CQP Technicien de maintenance industrielle",
        status=CertificationStatus.ACTIVE,
        certificateurs=[metallurgie],
    )
    complete_version(certification=certification)
    return certification


def test_a_fiche_of_another_organisation_certification_is_refused_naming_its_owner(
    cqp_metallurgie, commerce
):
    report = import_rncp_export(io.BytesIO(fiche_xml("RNCP39912")), organisation=commerce)
    assert report.status == ImportStatus.ECHOUE
    assert report.refusals == [REFUSAL + " Vous pouvez l'importer comme modèle."]


def test_nothing_of_the_refused_certification_changes(cqp_metallurgie, commerce):
    before = state_of(cqp_metallurgie)
    import_rncp_export(io.BytesIO(fiche_xml("RNCP39912")), organisation=commerce)
    assert state_of(cqp_metallurgie) == before
    assert not Certification.objects.filter(certificateurs=commerce).exists()


def test_a_fiche_naming_the_importer_does_not_make_it_owner_of_another_certification(
    cqp_metallurgie, commerce
):
    # The uploaded file is not an authority: anybody can write their SIRET in it.
    before = state_of(cqp_metallurgie)
    xml = fiche_xml("RNCP39912", certificateurs=[(COMMERCE_SIRET, "CPNEFP COMMERCE DE GROS")])
    report = import_rncp_export(io.BytesIO(xml), organisation=commerce)
    assert report.status == ImportStatus.ECHOUE
    assert REFUSAL in report.refusals[0]
    assert state_of(cqp_metallurgie) == before


def test_valid_fiches_of_the_same_file_are_imported_without_the_refused_one(
    cqp_metallurgie, commerce
):
    before = state_of(cqp_metallurgie)
    xml = rncp_export(
        rncp_fiche("RNCP39912"),
        rncp_fiche("RNCP40001", "CQP Vendeur conseil", certificateurs=[(COMMERCE_SIRET, "CPNEFP")]),
    )
    report = import_rncp_export(io.BytesIO(xml), organisation=commerce, keep_valid=True)
    assert report.status == ImportStatus.PARTIEL
    assert state_of(cqp_metallurgie) == before
    assert list(
        Certification.objects.filter(certificateurs=commerce).values_list("code_rncp_rs", flat=True)
    ) == ["RNCP40001"]


def test_an_organisation_updates_a_certification_it_certifies(cqp_metallurgie, metallurgie):
    xml = fiche_xml(
        "RNCP39912",
        "CQP Technicien de maintenance",
        certificateurs=[(METALLURGIE_SIRET, "CPNE METALLURGIE")],
    )
    report = import_rncp_export(io.BytesIO(xml), organisation=metallurgie)
    assert report.status == ImportStatus.REUSSI
    cqp_metallurgie.refresh_from_db()
    assert cqp_metallurgie.intitule == "CQP Technicien de maintenance"


def test_a_co_certifier_updates_the_certification_it_shares(cqp_metallurgie, commerce):
    cqp_metallurgie.certificateurs.add(commerce)
    xml = fiche_xml("RNCP39912", "CQPI Maintenance", certificateurs=[(COMMERCE_SIRET, "CPNEFP")])
    report = import_rncp_export(io.BytesIO(xml), organisation=commerce)
    assert report.status == ImportStatus.REUSSI
    cqp_metallurgie.refresh_from_db()
    assert cqp_metallurgie.intitule == "CQPI Maintenance"


def test_a_new_certification_belongs_to_the_importing_organisation_only(metallurgie, commerce):
    # Co-certifiers named in the file are not attached: they would read the importer's dossiers.
    xml = fiche_xml(
        "RNCP40001",
        certificateurs=[(COMMERCE_SIRET, "CPNEFP"), (METALLURGIE_SIRET, "CPNE METALLURGIE")],
    )
    import_rncp_export(io.BytesIO(xml), organisation=commerce)
    certification = Certification.objects.get(code_rncp_rs="RNCP40001")
    assert list(certification.certificateurs.all()) == [commerce]


def test_the_platform_import_without_organisation_updates_any_certification(
    cqp_metallurgie, metallurgie, commerce
):
    # Only the platform operator imports without organisation (command line, or a
    # super-administrateur who belongs to none): it loads the national register as it is.
    xml = fiche_xml("RNCP39912", "CQPI Maintenance", certificateurs=[(COMMERCE_SIRET, "CPNEFP")])
    report = import_rncp_export(io.BytesIO(xml))
    assert report.status == ImportStatus.REUSSI
    assert state_of(cqp_metallurgie)[:3] == (
        "CQPI Maintenance",
        CertificationStatus.INACTIVE,
        ["CPNE de la Métallurgie", "CPNEFP du Commerce de gros"],
    )


def test_a_fiche_twice_in_the_file_is_imported_once(commerce):
    once = rncp_fiche("RNCP40001", certificateurs=[(COMMERCE_SIRET, "CPNEFP")])
    twice = rncp_export(once, once)
    report = import_rncp_export(io.BytesIO(twice), organisation=commerce, keep_valid=True)
    assert report.refusals == [
        "La fiche RNCP40001 figure plusieurs fois dans le fichier : seule la première est importée."
    ]
    assert Certification.objects.filter(code_rncp_rs="RNCP40001").count() == 1


def test_the_command_line_refuses_another_organisation_certification(
    cqp_metallurgie, commerce, tmp_path, capsys
):
    before = state_of(cqp_metallurgie)
    path = tmp_path / "fiche.xml"
    path.write_bytes(fiche_xml("RNCP39912"))
    with pytest.raises(CommandError, match="Import échoué, rien n'a été enregistré"):
        call_command("import_rncp", str(path), "--organisation", COMMERCE_SIRET)
    assert REFUSAL in capsys.readouterr().err
    assert state_of(cqp_metallurgie) == before


def test_the_command_line_imports_for_a_certificateur_only(tmp_path):
    formatech = OrganisationFactory(kind="organisme_formation", siret="53204719800017")
    path = tmp_path / "fiche.xml"
    path.write_bytes(fiche_xml("RNCP40001"))
    with pytest.raises(CommandError, match="n'est pas un certificateur"):
        call_command("import_rncp", str(path), "--organisation", formatech.siret)


def test_the_import_page_refuses_another_organisation_certification(
    client, cqp_metallurgie, commerce
):
    client.force_login(gestionnaire(organisation=commerce))
    before = state_of(cqp_metallurgie)
    upload = SimpleUploadedFile("fiche.xml", fiche_xml("RNCP39912"))
    response = client.post(reverse("referentiels:rncp_import"), {"fichier": upload}, follow=True)
    assert "La fiche RNCP39912 est celle d&#x27;une certification de CPNE de la Métallurgie" in (
        response.text
    )
    assert state_of(cqp_metallurgie) == before


# --- The fiche must name the importing organisation, or become a model ------------------------


def test_a_fiche_that_does_not_name_the_importing_organisation_is_refused(commerce):
    xml = fiche_xml("RNCP40001", certificateurs=[(METALLURGIE_SIRET, "CPNE METALLURGIE")])
    report = import_rncp_export(io.BytesIO(xml), organisation=commerce)
    assert report.status == ImportStatus.ECHOUE
    assert report.refusals == [
        "La fiche RNCP40001 nomme comme certificateur CPNE METALLURGIE (SIRET 78470543600037) ; "
        "CPNEFP du Commerce de gros (SIRET 31852047500027) n'en fait pas partie. "
        "Vous pouvez l'importer comme modèle."
    ]
    assert not Certification.objects.exists()


def test_a_fiche_naming_no_certificateur_is_refused(commerce):
    report = import_rncp_export(io.BytesIO(fiche_xml("RNCP40001")), organisation=commerce)
    assert report.refusals == [
        "La fiche RNCP40001 ne nomme aucun certificateur : rien ne montre que CPNEFP du Commerce "
        "de gros la certifie. Vous pouvez l'importer comme modèle."
    ]


def test_an_organisation_without_siret_cannot_show_it_certifies_a_fiche():
    organisation = OrganisationFactory(nom="CPNE sans SIRET", siret="")
    xml = fiche_xml("RNCP40001", certificateurs=[("", "CPNE SANS SIRET")])
    report = import_rncp_export(io.BytesIO(xml), organisation=organisation)
    assert report.refusals == [
        "CPNE sans SIRET n'a pas de SIRET dans cqpilot : rien ne montre qu'elle certifie la fiche "
        "RNCP40001. Vous pouvez l'importer comme modèle."
    ]


def test_an_organisation_cannot_rewrite_its_certification_from_a_fiche_not_naming_it(commerce):
    own = CertificationFactory(code_rncp_rs="RNCP40001", certificateurs=[commerce])
    before = state_of(own)
    xml = fiche_xml("RNCP40001", certificateurs=[(METALLURGIE_SIRET, "CPNE METALLURGIE")])
    report = import_rncp_export(io.BytesIO(xml), organisation=commerce)
    assert report.status == ImportStatus.ECHOUE
    assert state_of(own) == before


def test_as_a_model_a_fiche_becomes_an_unregistered_certification_of_the_importer_only(
    commerce, metallurgie
):
    xml = fiche_xml(
        "RNCP40001",
        "CQP Agent logistique",
        certificateurs=[(METALLURGIE_SIRET, "CPNE METALLURGIE")],
        actif="Oui",
    )
    report = import_rncp_export(io.BytesIO(xml), organisation=commerce, as_model=True)
    assert report.status == ImportStatus.REUSSI
    model = Certification.objects.get()
    assert (
        model.intitule,
        model.code_rncp_rs,
        model.fiche_modele,
        model.status,
        model.niveau,
        model.vae_ouverte,
    ) == (
        "Modèle — CQP Agent logistique",
        "",
        "RNCP40001",
        CertificationStatus.EN_PROJET,
        "",
        False,
    )
    assert list(model.certificateurs.all()) == [commerce]
    version = model.versions.get()
    assert version.source == "Modèle d'après la fiche RNCP40001"
    assert [b.code for b in version.blocs.all()] == ["BC01"]


def test_as_a_model_another_organisation_certification_is_left_untouched(cqp_metallurgie, commerce):
    before = state_of(cqp_metallurgie)
    xml = fiche_xml("RNCP39912")
    report = import_rncp_export(io.BytesIO(xml), organisation=commerce, as_model=True)
    assert report.status == ImportStatus.REUSSI
    assert report.detail[0]["raison"] == (
        REFUSAL + " Elle est importée comme modèle propre à CPNEFP du Commerce de gros, "
        "sans numéro RNCP ou RS."
    )
    assert state_of(cqp_metallurgie) == before
    model = Certification.objects.get(certificateurs=commerce)
    assert (model.code_rncp_rs, model.fiche_modele) == ("", "RNCP39912")


def test_importing_the_same_model_again_updates_it(commerce):
    for intitule in ("CQP Agent logistique", "CQP Agent logistique polyvalent"):
        xml = fiche_xml("RNCP40001", intitule)
        import_rncp_export(io.BytesIO(xml), organisation=commerce, as_model=True)
    model = Certification.objects.get()
    assert model.intitule == "Modèle — CQP Agent logistique polyvalent"
    assert model.versions.count() == 1


def test_a_model_leaves_the_fiche_number_to_its_certifier(commerce, metallurgie):
    xml = fiche_xml("RNCP40001", certificateurs=[(METALLURGIE_SIRET, "CPNE METALLURGIE")])
    import_rncp_export(io.BytesIO(xml), organisation=commerce, as_model=True)
    report = import_rncp_export(io.BytesIO(xml), organisation=metallurgie)
    assert report.status == ImportStatus.REUSSI
    registered = Certification.objects.get(code_rncp_rs="RNCP40001")
    assert list(registered.certificateurs.all()) == [metallurgie]
    assert Certification.objects.filter(certificateurs=commerce).get().fiche_modele == "RNCP40001"


def test_a_fiche_naming_the_importer_is_imported_as_its_own_even_with_the_model_option(commerce):
    xml = fiche_xml("RNCP40001", certificateurs=[(COMMERCE_SIRET, "CPNEFP")])
    import_rncp_export(io.BytesIO(xml), organisation=commerce, as_model=True)
    assert Certification.objects.get().code_rncp_rs == "RNCP40001"


def test_the_command_line_imports_as_a_model(commerce, tmp_path, capsys):
    path = tmp_path / "fiche.xml"
    path.write_bytes(fiche_xml("RNCP40001"))
    call_command("import_rncp", str(path), "--organisation", COMMERCE_SIRET, "--modele")
    assert Certification.objects.get().fiche_modele == "RNCP40001"


def test_a_model_needs_an_organisation(tmp_path):
    path = tmp_path / "fiche.xml"
    path.write_bytes(fiche_xml("RNCP40001"))
    with pytest.raises(CommandError, match="--modele demande --organisation"):
        call_command("import_rncp", str(path), "--modele")


def test_the_import_page_imports_as_a_model_when_asked(
    client, cqp_metallurgie, commerce, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(gestionnaire(organisation=commerce))
    before = state_of(cqp_metallurgie)
    upload = SimpleUploadedFile("fiche.xml", fiche_xml("RNCP39912"))
    client.post(reverse("referentiels:rncp_import"), {"fichier": upload, "comme_modele": "on"})
    report = RncpImport.objects.get()
    client.post(reverse("referentiels:rncp_import_confirm", args=[report.pk]))
    assert state_of(cqp_metallurgie) == before
    model = Certification.objects.get(certificateurs=commerce)
    assert model.is_modele
    page = client.get(reverse("referentiels:certification_detail", args=[model.pk]))
    assert "Modèle établi d'après la fiche RNCP39912" in page.text


def test_a_super_administrateur_without_organisation_has_no_model_option(client):
    client.force_login(get_user_model().objects.create_superuser("plateforme", "p@exemple.fr"))
    upload = SimpleUploadedFile("fiche.xml", fiche_xml("RNCP39912"))
    response = client.post(
        reverse("referentiels:rncp_import"), {"fichier": upload, "comme_modele": "on"}
    )
    assert "Un modèle appartient à une organisation" in response.text
    assert not Certification.objects.exists()


# --- Whatever the file and the options -------------------------------------------------------

NUMEROS = ["RNCP40001", "RNCP40002", "RNCP40003"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    existing=st.dictionaries(
        st.sampled_from(NUMEROS),
        st.sets(st.sampled_from(["metallurgie", "commerce"])),
    ),
    fiches=st.lists(
        st.tuples(
            st.sampled_from(NUMEROS),
            st.sets(st.sampled_from([METALLURGIE_SIRET, COMMERCE_SIRET, ""])),
        ),
        max_size=5,
    ),
    as_model=st.booleans(),
    keep_valid=st.booleans(),
)
def test_an_import_changes_nothing_the_importer_does_not_certify_and_shares_nothing(
    metallurgie, commerce, existing, fiches, as_model, keep_valid
):
    organisations = {"metallurgie": metallurgie, "commerce": commerce}
    rollback = transaction.savepoint()  # every example starts from an empty register
    try:
        others, own = [], set()
        for numero, owners in existing.items():
            certification = CertificationFactory(code_rncp_rs=numero)
            certification.certificateurs.set([organisations[o] for o in owners])
            if "commerce" in owners:
                own.add(certification.pk)
            else:  # another organisation's, or nobody's (a platform import's orphan)
                others.append(certification)
        before = {c.pk: state_of(c) for c in others}
        xml = rncp_export(
            *(
                rncp_fiche(
                    numero, certificateurs=[(siret, f"CERTIFICATEUR {siret}") for siret in named]
                )
                for numero, named in fiches
            )
        )
        import_rncp_export(
            io.BytesIO(xml), organisation=commerce, as_model=as_model, keep_valid=keep_valid
        )
        assert {c.pk: state_of(c) for c in others} == before
        for certification in Certification.objects.exclude(pk__in=[*own, *before]):
            assert list(certification.certificateurs.all()) == [commerce]
            assert certification.is_modele or certification.code_rncp_rs not in existing
    finally:
        transaction.savepoint_rollback(rollback)
