"""A certifier's layout (ModeleParchemin) styles its parchemins; it is neither a way into the
server (files, addresses) nor a way around the mandatory mentions (issue « Contenus hostiles »)."""

import io
from datetime import date

import pytest
from django.urls import reverse
from pypdf import PdfReader

from cqpilot.core.pdf import layout
from cqpilot.core.tests.test_pdf import SECRET_FILE, listener  # noqa: F401 (fixture)
from cqpilot.delivrance import services
from cqpilot.delivrance.documents import document_source
from cqpilot.delivrance.mentions import mentions
from cqpilot.delivrance.models import Compteur, DocumentDelivre, ModeleParchemin
from cqpilot.delivrance.services import DelivranceRefus, a_delivrer, issue, issue_all

from .factories import signed_jury

pytestmark = pytest.mark.django_db
ON = date(2026, 11, 25)


def squeezed(text: str) -> str:
    return "".join(text.split())


def pdf_of(document) -> bytes:
    with document.pdf.open("rb") as file:
        return file.read()


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def with_css(css: str):
    s = signed_jury()
    ModeleParchemin.objects.filter(organisation=s.branche).update(css=css)
    return s


def benali(s):
    return next(d for d in a_delivrer(s.jury) if d.candidat.nom_naissance == "Benali")


def expected_mentions(s, dossier) -> list[str]:
    printed = mentions(
        s.certification,
        dossier.candidat,
        ModeleParchemin.objects.get(),
        ON,
        "Paris",
        decided_on=s.jury.date,
    )
    return [
        printed.enregistrement,
        printed.intitule,
        printed.niveau,
        printed.nsf,
        printed.certificateurs,
        printed.titulaire,
        printed.delivrance,
        printed.signataire,
    ]


def test_the_layout_css_cannot_close_its_style_element():
    s = with_css(
        f"h1 {{ color: #7a1f1f }} <<//style><link rel=attachment href='{SECRET_FILE.as_uri()}'>"
        "<p>Texte injecté</p><style>"
    )

    document = issue(benali(s), by=s.gestionnaire, on=ON)

    content = pdf_of(document)
    assert PdfReader(io.BytesIO(content)).attachments == {}
    assert "injecté" not in pdf_text(content)


def test_the_layout_css_cannot_make_the_server_request_an_address(listener):  # noqa: F811
    url, requested = listener
    s = with_css(
        f"@import url({url}/import.css); h1 {{ background: url({url}/fond.png) }} "
        f"@font-face {{ font-family: x; src: url('{url}/police.woff') }} "
        f'<<//style><img src="{url}/image.png"><link rel=stylesheet href="{url}/lien.css">'
    )

    issue(benali(s), by=s.gestionnaire, on=ON)

    assert requested == []


HIDING = [
    ".mentions { display: none }",
    "* { display: none }",
    "body * { visibility: hidden }",
    "div, p, td { font-size: 0 }",
    ":not(h1) { display: none !important }",
    "html { display: none }",
    ".titulaire, .signature, .mentions { position: absolute; left: -500mm }",
    "p, td { transform: scale(0) } div { opacity: 0 }",
    "body { color: #fff } p, td { color: #fff !important }",
    ".mentions::before { content: 'Faux texte' } .mentions p { text-transform: lowercase }",
    "p { letter-spacing: -3mm; line-height: 0 } .mentions { height: 0; overflow: hidden }",
]


@pytest.mark.parametrize("css", HIDING)
def test_the_layout_css_cannot_hide_a_mandatory_mention(css):
    s = with_css(css)
    dossier = benali(s)

    document = issue(dossier, by=s.gestionnaire, on=ON)

    text = squeezed(pdf_text(pdf_of(document)))
    for mention in expected_mentions(s, dossier):
        assert squeezed(mention) in text, mention


def drawn_outside_the_layout(source) -> list[tuple]:
    """How each line of cqpilot's part of the page is drawn (everything outside .cqp-layout):
    its text, colour, size, spacing, visibility, the opacity and transforms above it, and
    whether it lies within the page."""
    from weasyprint.formatting_structure.boxes import TextBox

    lines = []

    def walk(box, page, in_layout: bool, opacity: float, transformed: bool) -> None:
        element = getattr(box, "element", None)
        classes = (element.get("class") or "").split() if element is not None else []
        in_layout = in_layout or "cqp-layout" in classes
        opacity *= box.style["opacity"]
        transformed = transformed or bool(box.style["transform"])
        if isinstance(box, TextBox) and not in_layout:
            style = box.style
            on_page = box.position_x >= 0 and box.position_x + box.width <= page.width
            on_page = on_page and 0 <= box.position_y <= page.height
            font = (repr(style["color"]), style["font_size"], style["visibility"])
            spacing = (style["letter_spacing"], style["line_height"], style["text_transform"])
            lines.append((box.text, *font, *spacing, opacity, transformed, on_page))
        for child in getattr(box, "children", ()):
            walk(child, page, in_layout, opacity, transformed)

    for page in layout(source).pages:
        walk(page._page_box, page, False, 1.0, False)
    return lines


@pytest.mark.parametrize("css", HIDING)
def test_the_layout_css_cannot_restyle_or_move_cqpilots_part_of_the_page(css):
    s = signed_jury()
    dossier = benali(s)
    modele = ModeleParchemin.objects.get()
    printed = mentions(
        s.certification, dossier.candidat, modele, ON, "Paris", decided_on=s.jury.date
    )
    page = dict(kind="parchemin", mentions=printed, blocs=[], numero="CQP-2026-000001", code="ABCDEFGH23")  # fmt: skip
    plain = drawn_outside_the_layout(document_source(modele=modele, **page))

    modele.css = css
    styled = drawn_outside_the_layout(document_source(modele=modele, **page))

    assert styled == plain
    assert all(line[-1] for line in plain)  # and all of it on the page


def without_registration(html_of):
    """The layout as a template bug would print it: the registration mention left out."""

    def rendered(**kwargs):
        printed = html_of(**kwargs)
        return printed.__class__(
            printed.html.replace("Certification enregistrée", "Certification"), printed.files
        )

    return rendered


def test_issuing_refuses_a_pdf_whose_text_lacks_a_mention_and_takes_no_number(monkeypatch):
    s = signed_jury()
    monkeypatch.setattr(services, "document_source", without_registration(services.document_source))

    with pytest.raises(DelivranceRefus) as refusal:
        issue(benali(s), by=s.gestionnaire, on=ON)

    assert "la mention d'enregistrement" in refusal.value.message
    assert "Certification enregistrée au Répertoire national" in refusal.value.message
    assert DocumentDelivre.objects.count() == 0
    assert not Compteur.objects.filter(dernier__gt=0).exists()
    monkeypatch.undo()
    assert issue(benali(s), by=s.gestionnaire, on=ON).numero == "CQP-2026-000001"


def test_a_batch_issues_the_others_with_consecutive_numbers_when_one_pdf_lacks_a_mention(
    monkeypatch,
):
    s = signed_jury()
    html_of = services.document_source

    def benali_unnamed(**kwargs):
        printed = html_of(**kwargs)
        return printed.__class__(printed.html.replace("BENALI", "B."), printed.files)

    monkeypatch.setattr(services, "document_source", benali_unnamed)

    documents, refusals = issue_all(a_delivrer(s.jury), by=s.gestionnaire, on=ON)

    assert [d.dossier.candidat.nom_naissance for d in documents] == ["Durand"]
    assert [d.numero for d in documents] == ["CQP-2026-000001"]
    assert len(refusals) == 1 and refusals[0].startswith("BENALI Marie : ")
    assert "le nom du titulaire" in refusals[0]


def test_the_text_check_reads_apostrophes_accents_and_long_wrapped_lines():
    """No false refusal: an unregistered CQP (the branch mention, with its apostrophes), an
    intitulé long enough to wrap, a holder's name with an apostrophe and accents."""
    s = signed_jury()
    s.certification.code_rncp_rs = ""
    s.certification.intitule = "CQP " + "Agent d'entretien et de rénovation des locaux " * 4
    s.certification.save()
    s.branche.idcc = "3043"
    s.branche.save()
    dossier = benali(s)
    dossier.candidat.nom_naissance = "N'Diaye-Œuvray"
    dossier.candidat.prenom1 = "Maëlle-Françoise"
    dossier.candidat.save()

    document = issue(dossier, by=s.gestionnaire, on=ON)

    assert document.numero == "CQP-2026-000001"
    assert "N'DIAYE-ŒUVRAY" in pdf_text(pdf_of(document))


def test_the_layout_text_fields_are_printed_as_text():
    s = signed_jury()
    ModeleParchemin.objects.filter(organisation=s.branche).update(
        signataire_nom="<b>Claire</b> Fontaine", texte="<img src=x> & <script>alert(1)</script>"
    )

    document = issue(benali(s), by=s.gestionnaire, on=ON)

    text = pdf_text(pdf_of(document))
    assert "<b>Claire</b> Fontaine" in text
    assert "<img src=x> & <script>alert(1)</script>" in text


def test_the_preview_of_the_layout_runs_no_script(client):
    s = with_css("h1 { color: red } <<//style><script>parent.alert(1)</script>")
    client.force_login(s.gestionnaire)

    page = client.get(reverse("delivrance:modele"))

    assert '<iframe sandbox=""' in page.text
    assert "&lt;script" not in page.text.split("srcdoc=", 1)[1]
