"""Every page sends a Content-Security-Policy that runs only cqpilot's own script files: an HTML
injection that slipped through escaping would still run nothing."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from cqpilot.delivrance.tests.factories import signed_jury

pytestmark = pytest.mark.django_db
CQPILOT = Path(__file__).resolve().parents[2]


def policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return dict(
        (directive.strip() + " ").split(" ", 1)
        for directive in header.split(";")
        if directive.strip()
    )


def test_every_page_runs_only_the_projects_own_script_files(client):
    directives = policy(client.get(reverse("login")))

    assert directives["default-src"].strip() == "'self'"
    assert directives["script-src"].strip() == "'self'"
    assert directives["style-src"].strip() == "'self'"
    assert directives["object-src"].strip() == "'none'"
    assert directives["base-uri"].strip() == "'none'"
    assert directives["frame-ancestors"].strip() == "'none'"
    assert directives["form-action"].strip() == "'self'"


def test_the_public_verification_page_has_the_same_policy(client):
    response = client.get(reverse("delivrance:verifier_form"))

    assert policy(response)["script-src"].strip() == "'self'"


def test_only_the_layout_page_allows_inline_styles_for_its_sandboxed_preview(client):
    """A srcdoc frame takes its parent's policy: the preview's <style> needs it, no script."""
    s = signed_jury()
    client.force_login(s.gestionnaire)

    directives = policy(client.get(reverse("delivrance:modele")))

    assert directives["style-src"].strip() == "'self' 'unsafe-inline'"
    assert directives["script-src"].strip() == "'self'"
    assert "'unsafe-inline'" not in policy(client.get(reverse("delivrance:registre")))["style-src"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=|\bhx-on|javascript:", re.IGNORECASE)


def test_no_template_carries_inline_script_or_event_handlers():
    """The policy would silently disable them (a confirmation dialog, an auto-submit)."""
    offending = [
        f"{path.relative_to(CQPILOT)}: {match.group(0).strip()}"
        for path in CQPILOT.rglob("templates/**/*.html")
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER)
        for match in pattern.finditer(path.read_text())
    ]

    assert offending == []
