"""The main pages pass axe-core with no serious or critical violation, on a phone (390 px) and on
a desktop (1280 px), and none of them scrolls sideways on the phone.

One demo load, one browser, one context per role: the pages are visited in a loop and every
problem is collected, so that one run lists them all.
"""

import re
from pathlib import Path

import pytest
from axe_playwright_python.base import AXE_SCRIPT

from cqpilot.conftest import log_in
from cqpilot.core.models import Role, RoleGrant
from cqpilot.demo import DEMO_CANDIDAT, DEMO_PASSWORD, load_demo
from cqpilot.dossiers.models import Dossier
from cqpilot.evaluations.models import SessionEvaluation
from cqpilot.jurys.models import Jury
from cqpilot.referentiels.models import Certification

WIDTHS = (390, 1280)
BLOCKING = {"serious", "critical"}
# The outermost elements that stick out of the viewport, to name the culprit of an overflow.
OVERFLOWING = """width => [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > width
               && e.parentElement.getBoundingClientRect().right <= width)
  .slice(0, 5)
  .map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
            + (e.className ? "." + String(e.className).trim().split(/\\s+/).join(".") : "")
            + " " + Math.round(e.getBoundingClientRect().right) + " px")"""


@pytest.fixture
def roles():
    """The roles a migration creates, which the flush after another browser test removed."""
    for code in Role.values:
        RoleGrant.objects.get_or_create(code=code)


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as it is laid out now (injected once per document)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    return page.evaluate("axe.run(document, {resultTypes: ['violations']})")["violations"]


def problems_on(page, url: str) -> list[str]:
    """axe-core's serious and critical violations at each width, and a sideways scroll on the
    phone, in words a failing run can be acted on from. The page loads once, on the phone; the
    desktop is the same document resized, as a rotated tablet or a widened window would be."""
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    response = page.goto(url)
    assert response is not None and response.ok, f"{url} : {response and response.status}"
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for violation in axe_violations(page):
            if violation["impact"] not in BLOCKING:
                continue
            for node in violation["nodes"]:
                problems.append(
                    f"{url} @{width}px [{violation['impact']}] {violation['id']} "
                    f"{' '.join(map(str, node['target']))} — {violation['help']}"
                )
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            culprits = ", ".join(page.evaluate(OVERFLOWING, width))
            problems.append(f"{url} @{width}px déborde : {scroll_width} px de large ({culprits})")
    return problems


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_main_pages_pass_axe_on_a_phone_and_a_desktop(browser, live_server, roles):
    load_demo()
    certification = Certification.objects.get(code_rncp_rs="RNCP39912")
    dossier = Dossier.objects.filter(certification=certification).order_by("pk").first()
    session = SessionEvaluation.objects.filter(certification=certification).order_by("pk").first()
    jury = Jury.objects.get(status="preparation")

    visits = {
        None: ["/connexion/"],
        ("gestionnaire.metallurgie", DEMO_PASSWORD): [
            "/",
            "/certifications/",
            f"/certifications/{certification.pk}/",
            "/dossiers/",
            f"/dossiers/{dossier.pk}/",
            "/evaluations/",
            f"/evaluations/{session.pk}/",
            "/jurys/",
            f"/jurys/{jury.pk}/",
            "/delivrance/",
            "/accrochage/",
            "/pilotage/",
            "/compte/securite/",
        ],
        ("admin.metallurgie", DEMO_PASSWORD): ["/journal/"],
        (DEMO_CANDIDAT, DEMO_PASSWORD): ["/espace/"],  # convoked, a pièce refused, a parchemin
    }
    problems = []
    for login, urls in visits.items():
        context = browser.new_context(locale="fr-FR", base_url=live_server.url)
        page = context.new_page()
        page.set_default_timeout(15_000)
        if login:
            log_in(page, *login)
        for url in urls:
            problems += problems_on(page, url)
        context.close()
    assert not problems, "\n".join(problems)


def test_every_table_that_may_scroll_is_a_named_focusable_region():
    """A wide table scrolls inside its `.table-scroll` box on a phone: a keyboard user reaches
    it with Tab (tabindex) and a screen reader announces what it holds (role and name). Checked
    on every template, also those the browser test above does not visit."""
    apps = Path(__file__).resolve().parents[2]
    missing = [
        f"{template.relative_to(apps)} : {tag}"
        for template in sorted(apps.glob("*/templates/**/*.html"))
        for tag in re.findall(r"<[^>]*\bclass=\"[^\"]*\btable-scroll\b[^>]*>", template.read_text())
        if not all(
            attribute in tag for attribute in ('role="region"', 'tabindex="0"', "aria-label")
        )
    ]
    assert not missing, "\n".join(missing)
