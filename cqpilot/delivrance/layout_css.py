"""The certifier's CSS for its parchemins, rebuilt from what it may change.

The CSS is parsed (tinycss2) and written anew keeping only rules whose selectors and
declarations come from allow-lists; everything else is left out and named, in French, with its
line. What comes out:

- styles only the certifier's own parts of the document: every selector is scoped to
  `.cqp-layout` (logo, heading, free text); the mandatory mentions, the holder, the attested
  blocs, the QR code and the signature are printed outside it, where no selector can reach, and
  html/body cannot be targeted either, so nothing inherited reaches them;
- loads nothing: no @import, no @font-face, no url(), image-set(), var() or any function but
  rgb()/hsl() colours (the logo and the signature are placed by the template, not by CSS);
- cannot leave its <style> element: the output never contains `<`;
- moves nothing out of the flow or the page: no position, float, transform, opacity,
  visibility, content, overflow; lengths are never negative and bounded; display is one of
  block, inline or inline-block; @page takes a paper size and margins up to 50 mm.
"""

import math
from dataclasses import dataclass, field

import tinycss2
from tinycss2 import ast

SCOPE = "cqp-layout"

PROPERTIES = {
    *("font-family", "font-size", "font-style", "font-weight", "font-variant"),
    *("color", "background-color", "line-height", "letter-spacing", "word-spacing"),
    *("text-align", "text-transform", "text-decoration", "text-decoration-line"),
    *("text-decoration-color", "text-decoration-style", "list-style-type"),
    *("width", "height", "min-width", "min-height", "max-width", "max-height", "display"),
    *("margin", "margin-top", "margin-right", "margin-bottom", "margin-left"),
    *("padding", "padding-top", "padding-right", "padding-bottom", "padding-left"),
    *("border", "border-width", "border-style", "border-color", "border-radius"),
    *("border-collapse", "border-spacing"),
    *(f"border-{side}" for side in ("top", "right", "bottom", "left")),
    *(f"border-{side}-{part}" for side in ("top", "right", "bottom", "left")
      for part in ("width", "style", "color")),
}  # fmt: skip
PAGE_PROPERTIES = {"size", "margin", "margin-top", "margin-right", "margin-bottom", "margin-left"}
DISPLAY = {"block", "inline", "inline-block"}
PAGE_SIZES = {"a3", "a4", "a5", "letter", "legal", "portrait", "landscape"}
PAGE_MARGIN_MM = 50
MM = {"mm": 1, "cm": 10, "q": 0.25, "in": 25.4, "pt": 25.4 / 72, "pc": 25.4 / 6, "px": 25.4 / 96}
LIMITS = {unit: 500 / mm for unit, mm in MM.items()} | {
    "em": 50,
    "rem": 50,
    "ex": 100,
    "ch": 100,
}  # no length above half a metre: a document of a few pages whatever the CSS
MAX_NUMBER = 1000  # font-weight 900
MAX_LINE_HEIGHT = 10  # times the font size
MAX_PERCENTAGE = 400
COLOR_FUNCTIONS = {"rgb", "rgba", "hsl", "hsla"}
PSEUDO_CLASSES = {
    *("first-child", "last-child", "only-child", "empty"),
    *("first-of-type", "last-of-type", "only-of-type"),
}
PSEUDO_FUNCTIONS = {"nth-child", "nth-last-child", "nth-of-type", "nth-last-of-type", "not"}
ATTRIBUTE_MATCHERS = {"=", "~=", "|=", "^=", "$=", "*="}
COMBINATORS = {">", "+", "~"}


@dataclass(frozen=True)
class CleanCss:
    css: str  # never contains "<"
    ignored: list[str] = field(default_factory=list)  # in French, one line per thing left out


class _Refused(Exception):
    pass


def clean_layout_css(css: str) -> CleanCss:
    rules, ignored = [], []
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        where = f"ligne {rule.source_line}"
        if rule.type == "error":
            ignored.append(f"{where} : syntaxe non comprise.")
        elif rule.type == "at-rule":
            if rule.lower_at_keyword == "page" and _strip(rule.prelude):
                ignored.append(f"{where} : « @page » sans sélecteur (:first…) seulement.")
            elif rule.lower_at_keyword == "page" and rule.content is not None:
                declarations = _declarations(rule.content, PAGE_PROPERTIES, ignored, page=True)
                if declarations:
                    rules.append(f"@page{{{declarations}}}")
            else:
                ignored.append(f"{where} : « @{rule.at_keyword} » n'est pas autorisé.")
        else:
            try:
                selector = _selector(rule.prelude)
            except _Refused as refused:
                ignored.append(
                    f"{where} : sélecteur « {_excerpt(rule.prelude)} » refusé ({refused})."
                )
                continue
            if declarations := _declarations(rule.content, PROPERTIES, ignored):
                rules.append(f"{selector}{{{declarations}}}")
    return CleanCss("\n".join(rules), ignored)


def _declarations(content, allowed: set[str], ignored: list[str], *, page: bool = False) -> str:
    kept = []
    for item in tinycss2.parse_blocks_contents(content, skip_comments=True, skip_whitespace=True):
        where = f"ligne {item.source_line}"
        if item.type != "declaration":
            ignored.append(f"{where} : règle imbriquée ou syntaxe non comprise.")
            continue
        name = item.lower_name
        if name not in allowed:
            ignored.append(f"{where} : propriété « {item.name} » non autorisée.")
            continue
        if item.important:
            ignored.append(f"{where} : « !important » retiré (propriété « {name} »).")
        try:
            value = _value(name, _strip(item.value), page=page)
        except _Refused as refused:
            ignored.append(f"{where} : valeur de « {name} » refusée ({refused}).")
            continue
        kept.append(f"{name}:{value}")
    return ";".join(kept)


def _value(name: str, tokens: list, *, page: bool) -> str:
    if not tokens:
        raise _Refused("vide")
    for token in tokens:
        _check_value_token(name, token, page=page)
    return _safe(tinycss2.serialize(tokens))


def _check_value_token(name: str, token, *, page: bool) -> None:
    match token:
        case ast.WhitespaceToken():
            pass
        case ast.IdentToken(lower_value=keyword):
            if name == "display" and keyword not in DISPLAY:
                raise _Refused("block, inline ou inline-block seulement")
            if name == "size" and keyword not in PAGE_SIZES:
                raise _Refused("A3, A4, A5, letter ou legal, portrait ou landscape")
        case ast.NumberToken(value=number):
            _bounded(number, MAX_LINE_HEIGHT if name == "line-height" else MAX_NUMBER)
        case ast.PercentageToken(value=number) if not page:
            _bounded(number, MAX_PERCENTAGE)
        case ast.DimensionToken(value=number, lower_unit=unit):
            if page:
                if unit not in MM or number * MM[unit] > PAGE_MARGIN_MM:
                    raise _Refused(f"marge de page de {PAGE_MARGIN_MM} mm au plus")
            elif unit not in LIMITS:
                raise _Refused(f"unité « {unit} » non autorisée")
            _bounded(number, LIMITS.get(unit, 0))
        case ast.HashToken():
            pass  # a colour
        case ast.StringToken() if name == "font-family":
            pass
        case ast.LiteralToken(value="," | "/"):
            pass
        case ast.FunctionBlock(lower_name=function) if function in COLOR_FUNCTIONS:
            for argument in token.arguments:
                if not isinstance(argument, ast.WhitespaceToken | ast.LiteralToken):
                    _check_value_token(name, argument, page=page)
                elif isinstance(argument, ast.LiteralToken) and argument.value not in ",/":
                    raise _Refused(f"« {argument.value} »")
        case ast.FunctionBlock() | ast.URLToken():
            raise _Refused(
                "aucune fonction ni adresse (url, var, calc…) : seulement rgb() et hsl()"
            )
        case _:
            raise _Refused(f"« {_excerpt([token])} »")
    if page and name == "size" and not isinstance(token, ast.IdentToken | ast.WhitespaceToken):
        raise _Refused("un format nommé : A4, A4 landscape…")


def _bounded(number: float, limit: float) -> None:
    if not math.isfinite(number) or number < 0 or number > limit:
        raise _Refused("négative ou trop grande")


# --- Selectors ------------------------------------------------------------------------------


def _selector(prelude: list) -> str:
    """Each selector of the list, checked, then scoped to the certifier's part."""
    parts, current = [], []
    for token in [*prelude, ast.LiteralToken(0, 0, ",")]:
        if isinstance(token, ast.LiteralToken) and token.value == ",":
            part = _strip(current)
            if not part:
                raise _Refused("sélecteur vide")
            if isinstance(part[0], ast.LiteralToken) and part[0].value in COMBINATORS:
                raise _Refused("commence par un combinateur")
            _check_selector(part, combinators=True)
            parts.append(_scoped(part))
            current = []
        else:
            current.append(token)
    return ", ".join(parts)


def _scoped(selector: list) -> str:
    """`h1` → `.cqp-layout h1`. What a certifier writes for the whole page applies to its whole
    part: `body` → `.cqp-layout`, `html body h1` → `.cqp-layout h1`, `body.x` → `.cqp-layout.x`."""
    rest, page = selector, False
    while rest and isinstance(rest[0], ast.IdentToken) and rest[0].lower_value in {"html", "body"}:
        rest, page = rest[1:], True
        if rest and not _descends(rest[0]):
            return f".{SCOPE}" + _safe(tinycss2.serialize(rest))  # body.x, body:first-child
        while rest and _descends(rest[0]):
            rest = rest[1:]
    if page and not rest:
        return f".{SCOPE}"
    return f".{SCOPE} " + _safe(tinycss2.serialize(rest))


def _descends(token) -> bool:
    return isinstance(token, ast.WhitespaceToken) or (
        isinstance(token, ast.LiteralToken) and token.value == ">"
    )


def _check_selector(tokens: list, *, combinators: bool) -> None:
    expect_name = None  # "class" after ".", "pseudo" after ":"
    for token in tokens:
        if expect_name == "class":
            if not isinstance(token, ast.IdentToken):
                raise _Refused("classe attendue après « . »")
            expect_name = None
            continue
        if expect_name == "pseudo":
            expect_name = None
            if isinstance(token, ast.IdentToken) and token.lower_value in PSEUDO_CLASSES:
                continue
            if isinstance(token, ast.FunctionBlock) and token.lower_name in PSEUDO_FUNCTIONS:
                if token.lower_name == "not":
                    _check_selector(_without_commas(token.arguments), combinators=False)
                else:
                    _check_nth(token.arguments)
                continue
            raise _Refused(f"pseudo-classe « {_excerpt([token])} » non autorisée")
        match token:
            case ast.WhitespaceToken() | ast.IdentToken():
                pass
            case ast.HashToken(is_identifier=True):
                pass
            case ast.LiteralToken(value="."):
                expect_name = "class"
            case ast.LiteralToken(value=":"):
                expect_name = "pseudo"
            case ast.LiteralToken(value="*"):
                pass
            case ast.LiteralToken(value=value) if value in COMBINATORS and combinators:
                pass
            case ast.SquareBracketsBlock():
                _check_attribute(token.content)
            case _:
                raise _Refused(f"« {_excerpt([token])} »")
    if expect_name:
        raise _Refused("sélecteur incomplet")


def _without_commas(tokens: list) -> list:
    return [
        ast.WhitespaceToken(0, 0, " ") if isinstance(t, ast.LiteralToken) and t.value == "," else t
        for t in tokens
    ]


def _check_nth(tokens: list) -> None:
    for token in tokens:
        match token:
            case ast.WhitespaceToken() | ast.NumberToken(is_integer=True):
                pass
            case ast.LiteralToken(value="+" | "-"):
                pass
            case ast.IdentToken(lower_value=v) if v in {"odd", "even", "n", "-n"} or _is_an(v):
                pass
            case ast.DimensionToken(is_integer=True, lower_unit=unit) if _is_an(unit):
                pass
            case _:
                raise _Refused("argument de :nth-…() non compris")


def _is_an(text: str) -> bool:
    """`n`, `n-`, `n-1`, `-n-2`: what tinycss2 leaves in one token of an+b."""
    rest = text.removeprefix("-").removeprefix("n")
    return text.lstrip("-").startswith("n") and (rest in {"", "-"} or rest[1:].isdigit())


def _check_attribute(tokens: list) -> None:
    for token in _strip(tokens):
        match token:
            case ast.WhitespaceToken() | ast.IdentToken() | ast.StringToken():
                pass
            case ast.LiteralToken(value=value) if value in ATTRIBUTE_MATCHERS:
                pass
            case _:
                raise _Refused("sélecteur d'attribut non compris")


# --- Helpers ---------------------------------------------------------------------------------


def _strip(tokens: list) -> list:
    tokens = [t for t in tokens if not isinstance(t, ast.Comment)]
    while tokens and isinstance(tokens[0], ast.WhitespaceToken):
        tokens = tokens[1:]
    while tokens and isinstance(tokens[-1], ast.WhitespaceToken):
        tokens = tokens[:-1]
    return tokens


def _safe(serialized: str) -> str:
    """What goes into the <style> element: no `<` (no way out of it), no backslash escape."""
    serialized = " ".join(serialized.split())
    if "<" in serialized or "\\" in serialized or any(ord(c) < 32 for c in serialized):
        raise _Refused("caractère « < », « \\ » ou de contrôle")
    return serialized


def _excerpt(tokens: list) -> str:
    text = " ".join(tinycss2.serialize(tokens).split())
    return text if len(text) <= 40 else text[:39] + "…"
