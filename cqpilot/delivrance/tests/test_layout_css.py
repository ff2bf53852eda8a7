"""The certifier's CSS, rebuilt from allow-lists: scoped to its part of the page, loading
nothing, unable to leave its <style> element."""

import re

import tinycss2
from hypothesis import given
from hypothesis import strategies as st
from tinycss2 import ast

from cqpilot.delivrance.forms import ModeleForm
from cqpilot.delivrance.layout_css import (
    COLOR_FUNCTIONS,
    PAGE_PROPERTIES,
    PROPERTIES,
    clean_layout_css,
)


def test_a_plain_layout_is_kept_and_scoped_to_the_certifiers_part():
    cleaned = clean_layout_css(
        "h1 { color: #7a1f1f; font-family: 'DejaVu Serif', serif }\n"
        "img.logo, .emetteur > span:first-child { max-height: 30mm; margin: 0 2mm }\n"
        "@page { size: A4 landscape; margin: 10mm 12mm }"
    )

    assert cleaned.ignored == []
    assert cleaned.css == (
        '.cqp-layout h1{color:#7a1f1f;font-family:"DejaVu Serif", serif}\n'
        ".cqp-layout img.logo, .cqp-layout .emetteur > span:first-child{max-height:30mm;margin:0 2mm}\n"
        "@page{size:A4 landscape;margin:10mm 12mm}"
    )


def test_css_loads_nothing():
    cleaned = clean_layout_css(
        "@import url(http://127.0.0.1/a.css);\n"
        "@font-face { font-family: x; src: url(file:///etc/passwd) }\n"
        "h1 { background-color: image-set('x.png' 1x); color: var(--x); width: calc(1mm) }\n"
        "h2 { border-color: rgb(1, 2, 3) }"
    )

    assert cleaned.css == ".cqp-layout h2{border-color:rgb(1, 2, 3)}"
    assert cleaned.ignored == [
        "ligne 1 : « @import » n'est pas autorisé.",
        "ligne 2 : « @font-face » n'est pas autorisé.",
        "ligne 3 : valeur de « background-color » refusée (aucune fonction ni adresse (url, var, calc…) : seulement rgb() et hsl()).",
        "ligne 3 : valeur de « color » refusée (aucune fonction ni adresse (url, var, calc…) : seulement rgb() et hsl()).",
        "ligne 3 : valeur de « width » refusée (aucune fonction ni adresse (url, var, calc…) : seulement rgb() et hsl()).",
    ]


def test_css_cannot_leave_its_style_element():
    cleaned = clean_layout_css(
        "h1 { color: red } <<//style><img src=x>\n"
        "h2 { font-family: '</style><script>alert(1)</script>' }\n"
        "\\3c /style\\3e { color: red }"
    )

    assert "<" not in cleaned.css
    assert cleaned.css == ".cqp-layout h1{color:red}"


def test_what_is_written_for_the_whole_page_applies_to_the_certifiers_part():
    cleaned = clean_layout_css(
        "body { font-family: serif } html body h1 { color: red } body.x, body:first-child { margin: 0 }"
    )

    assert cleaned.css == (
        ".cqp-layout{font-family:serif}\n.cqp-layout h1{color:red}\n"
        ".cqp-layout.x, .cqp-layout:first-child{margin:0}"
    )


def test_selectors_cannot_reach_outside_the_certifiers_part():
    cleaned = clean_layout_css(
        "~ p { color: red } > p { color: red } + p { color: red }\n"
        "p::before { color: red } div:has(p) { color: red } | p { color: red }\n"
        "html, body, * { color: blue } :not(h1) { color: green }"
    )

    assert cleaned.css == (
        ".cqp-layout, .cqp-layout, .cqp-layout *{color:blue}\n.cqp-layout :not(h1){color:green}"
    )
    assert len(cleaned.ignored) == 6


def test_nothing_leaves_the_flow_the_page_or_the_eye():
    cleaned = clean_layout_css(
        "h1 { position: absolute; float: left; transform: scale(0); opacity: 0;"
        " visibility: hidden; content: 'x'; overflow: hidden; display: none;"
        " margin-top: -20mm; font-size: 9000pt; display: inline-block; font-size: 30pt }\n"
        "@page { size: 1mm 1mm; margin: 120mm; margin-left: 20mm }"
    )

    assert cleaned.css == (
        ".cqp-layout h1{display:inline-block;font-size:30pt}\n@page{margin-left:20mm}"
    )
    assert len(cleaned.ignored) == 12


def test_important_is_taken_off():
    cleaned = clean_layout_css("h1 { color: red !important }")

    assert cleaned.css == ".cqp-layout h1{color:red}"
    assert cleaned.ignored == ["ligne 1 : « !important » retiré (propriété « color »)."]


def test_the_form_names_each_line_left_out():
    form = ModeleForm({"prefixe": "CQP", "css": "h1 { color: red }\n.mentions { display: none }"})

    assert not form.is_valid()
    assert form.errors["css"] == [
        "ligne 2 : valeur de « display » refusée (block, inline ou inline-block seulement)."
    ]


# --- Property: whatever is thrown at it ---------------------------------------------------------

FRAGMENTS = [
    *("</style>", "<<//style>", "</", "<", ">", "<!--", "-->", "\\3c ", "\\", "\\0", "\x00"),
    *("@import ", "@font-face", "@page", "@media print", "@namespace", "url(", "url('x')"),
    *("image-set(", "var(--x)", "calc(", "attr(x)", "expression(", "rgb(", "hsl("),
    *("{", "}", ";", ":", ",", "(", ")", "[", "]", "'", '"', "/*", "*/", "!important", "\n"),
    *("h1", "p", "*", ".mentions", "#x", "::before", ":not(", ":has(", "~", "+", "|", "&"),
    *("color", "display", "none", "position", "absolute", "content", "font-size", "margin"),
    *("-5mm", "9e99pt", "10mm", "A4", "landscape", "red", "#fff", "file:///etc/passwd"),
    *(" ", "http://127.0.0.1/x", "javascript:", "behavior", "-moz-binding"),
]

noise = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=40).map(
    "".join
)
# Each slot half harmless, half hostile: much of it comes out, and is checked.
SELECTORS = (
    [
        "h1",
        "*",
        ".logo",
        "#x",
        "h1 > p",
        "td:first-child",
        ":not(.a, b)",
        "a[href='x']",
        "li:nth-child(2n+1)",
    ],
    ["body", "p::before", "~ p", "h1:has(p)", "\\3c h1", "@media print", "p |", "&"],
)
NAMES = (
    ["color", "display", "margin", "font-family", "width", "border", "line-height", "size"],
    ["position", "content", "background", "-moz-binding", "behavior", "src", "--x"],
)
VALUES = (["red", "#fff", "rgb(1, 2, 3)", "10mm", "block", "A4 landscape", "inline-block", "hsl(1, 2%, 3%)", "'a', serif", "2 !important"],
          ["url(x)", "-1mm", "none", "'</style>'", "\\3c", "var(--x)", "1e999pt", "calc(1px)", "expression(alert(1))", "rgb(url(x))"])  # fmt: skip


def half_hostile(pools):
    return st.one_of(*(st.sampled_from(pool) for pool in pools))


declaration = st.builds("{}:{}".format, half_hostile(NAMES), half_hostile(VALUES))


def rules(declarations):
    block = st.lists(declarations, min_size=1, max_size=5).map(";".join)
    selector = st.one_of(half_hostile(SELECTORS), st.just("@page"))
    return st.builds("{} {{ {} }}".format, selector, block)


# Well-formed rules of harmless and hostile parts, or the same torn by noise (an unclosed
# bracket swallows what follows, so that much of it is refused whole).
hostile_css = st.one_of(
    st.lists(rules(declaration), min_size=1, max_size=6).map("\n".join),
    st.lists(st.one_of(rules(st.one_of(declaration, noise)), noise), max_size=6).map("\n".join),
)


def functions_and_urls(tokens) -> set[str]:
    found = set()
    for token in tokens:
        if isinstance(token, ast.URLToken):
            found.add("url")
        if isinstance(token, ast.FunctionBlock):
            found.add(token.lower_name)
            found |= functions_and_urls(token.arguments)
        if isinstance(token, ast.SquareBracketsBlock | ast.ParenthesesBlock):
            found |= functions_and_urls(token.content)
    return found


def top_level_selectors(prelude) -> list[str]:
    """`a, b:not(c, d)` → `a`, `b:not(c, d)`: commas inside functions do not split."""
    selectors, current = [], []
    for token in prelude:
        if isinstance(token, ast.LiteralToken) and token.value == ",":
            selectors.append(tinycss2.serialize(current).strip())
            current = []
        else:
            current.append(token)
    return [*selectors, tinycss2.serialize(current).strip()]


@given(hostile_css)
def test_whatever_css_comes_in_what_comes_out_is_harmless(css):
    cleaned = clean_layout_css(css).css

    assert "<" not in cleaned and "\\" not in cleaned
    assert "@import" not in cleaned.lower() and "url(" not in cleaned.lower()
    for rule in tinycss2.parse_stylesheet(cleaned, skip_whitespace=True):
        assert rule.type in {"qualified-rule", "at-rule"}, rule  # it re-parses
        if rule.type == "at-rule":
            assert rule.lower_at_keyword == "page" and not rule.prelude
            allowed = PAGE_PROPERTIES
        else:
            selectors = top_level_selectors(rule.prelude)
            assert all(re.match(r"\.cqp-layout($|[ .:#\[])", s) for s in selectors), selectors
            allowed = PROPERTIES
        declarations = tinycss2.parse_blocks_contents(rule.content, skip_whitespace=True)
        for declaration in declarations:
            assert declaration.type == "declaration" and declaration.lower_name in allowed
            assert not declaration.important
            assert functions_and_urls(declaration.value) <= COLOR_FUNCTIONS
