"""« À accrocher »: one row per passage naming its bloc, counts that agree with pilotage, and the
CDC's answers told in French."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lxml import html

from cqpilot.accrochage.depots import build_files, due, ensure_passages, record_report
from cqpilot.accrochage.models import PassageStatus
from cqpilot.accrochage.rapport import parse_rapport
from cqpilot.delivrance.services import cancel
from cqpilot.delivrance.tests.factories import DocumentDelivreFactory
from cqpilot.dossiers.tests.factories import DossierFactory

from .factories import deposits, report

pytestmark = pytest.mark.django_db
PAGE = reverse("accrochage:a_accrocher")


def rows(response) -> list[str]:
    tree = html.fromstring(response.content)
    return [
        " ".join(row.text_content().split())
        for row in tree.xpath("//table[@id='passages']/tbody/tr")
    ]


def upload(client, fichier, content: bytes):
    return client.post(
        reverse("accrochage:fichier_rapport", args=[fichier.pk]),
        {"accuse": SimpleUploadedFile("accuse.xml", content)},
        follow=True,
    )


def test_each_row_names_the_bloc_it_is_about(client):
    d = deposits()
    client.force_login(d.gestionnaire)

    shown = rows(client.get(PAGE))

    durand = [row for row in shown if "DURAND" in row]
    assert len(durand) == 2
    assert "BC01 Bloc BC01" in durand[0] and "BC03 Bloc BC03" in durand[1]
    assert len(set(shown)) == len(shown)


def test_the_page_costs_the_same_queries_whatever_the_number_of_passages(client):
    d = deposits()
    client.force_login(d.gestionnaire)
    client.get(PAGE)  # the passages of the documents issued since the last visit

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PAGE).status_code == 200
        return len(queries)

    before = count()
    for _ in range(4):
        document = DocumentDelivreFactory(
            dossier=DossierFactory(certification=d.certification),
            organisation=d.organisation,
            kind="attestation",
        )
        document.blocs.set(d.blocs)
    ensure_passages(d.organisation)
    assert count() == before


def test_the_count_to_withdraw_is_the_number_of_passages_listed_to_withdraw(client):
    d = deposits()
    [fichier] = build_files(d.organisation, due(d.organisation), by=d.gestionnaire)
    ids = list(fichier.passages.values_list("id_technique", flat=True))
    record_report(fichier, parse_rapport(report(fichier, ok=ids)))
    cancel(d.parchemin, "Erreur de titulaire", by=d.gestionnaire)
    cancel(d.attestation, "Erreur de titulaire", by=d.gestionnaire)
    client.force_login(d.gestionnaire)

    page = client.get(PAGE)
    listed = rows(client.get(PAGE, {"statut": PassageStatus.A_RETIRER}))

    assert page.context["counts"]["a_retirer"] == len(listed) == 3
    assert "3 à retirer" in " ".join(html.fromstring(page.content).text_content().split())


def test_a_control_character_typed_in_a_name_is_a_message_at_deposit_time(client):
    d = deposits()
    benali = d.parchemin.dossier.candidat
    benali.nom_naissance = "Ben\x07ali"
    benali.save()
    client.force_login(d.gestionnaire)

    response = client.post(reverse("accrochage:deposer"), {"quoi": "dus"}, follow=True)

    assert response.status_code == 200
    assert "dans la fiche de BEN\ufffdALI Marie (nom de naissance : U+0007)" in response.text


def test_a_refused_withdrawal_shows_the_cdc_message_and_what_to_do(client):
    d = deposits()
    [fichier] = build_files(d.organisation, due(d.organisation), by=d.gestionnaire)
    ids = list(fichier.passages.values_list("id_technique", flat=True))
    record_report(fichier, parse_rapport(report(fichier, ok=ids)))
    cancel(d.parchemin, "Erreur de titulaire", by=d.gestionnaire)
    client.force_login(d.gestionnaire)
    client.post(reverse("accrochage:deposer"), {"quoi": "a_retirer"})
    suppression = d.passage(d.parchemin).last_file
    benali = d.passage(d.parchemin).id_technique

    response = upload(
        client, suppression, report(suppression, ko={benali: "Passage inconnu"}).getvalue()
    )

    assert "Accusé enregistré : 0 retrait accepté, 1 retrait refusé." in response.text
    [row] = [row for row in rows(response) if "BENALI" in row]
    assert "Retrait refusé : Passage inconnu" in row
    assert "ne figure pas au passeport de compétences" in row


def test_a_report_of_another_file_is_refused_in_french_on_the_page(client):
    d = deposits()
    [fichier] = build_files(d.organisation, due(d.organisation), by=d.gestionnaire)
    client.force_login(d.gestionnaire)

    response = upload(
        client, fichier, report(nom_fichier="autre.xml", file_errors=["Balise"]).getvalue()
    )

    assert (
        f"Cet accusé répond au fichier autre.xml, pas à celui-ci ({fichier.download_name})."
        in response.text.replace("&#x27;", "'")
    )
    assert set(fichier.passages.values_list("status", flat=True)) == {PassageStatus.DEPOSE}


def test_a_temporary_nir_is_a_warning_on_the_page_and_in_the_files_list(client):
    d = deposits()
    benali = d.parchemin.dossier.candidat
    benali.nir = "785039912345663"
    benali.save()
    client.force_login(d.gestionnaire)

    response = client.post(reverse("accrochage:deposer"), {"quoi": "dus"}, follow=True)

    text = " ".join(html.fromstring(response.content).text_content().split())
    assert "1 fichier prêt à déposer" in text
    warning = f"{benali} : NIR provisoire (il commence par 7)"
    assert warning in text
    [listed] = html.fromstring(response.content).xpath("//table[@id='fichiers']/tbody/tr")
    assert warning in " ".join(listed.text_content().split())
