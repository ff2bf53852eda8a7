"""Under the Content-Security-Policy, the demo still works in a browser: every page of every
demo account, htmx (search, live preview, polling), the confirmation dialogs and the
auto-submitting filter, the API documentation; and Chromium reports no violation."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cqpilot.conftest import log_in
from cqpilot.core.models import Role, RoleGrant, User
from cqpilot.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
from cqpilot.referentiels.models import Certification
from cqpilot.referentiels.tests.factories import CertificationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def roles():
    """The roles a migration creates, which the flush after another browser test removed."""
    for code in Role.values:
        RoleGrant.objects.get_or_create(code=code)


def watch(page) -> list[str]:
    """Violations and script errors, as Chromium reports them."""
    problems = []
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if "Content Security Policy" in message.text or message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_every_demo_page_works_under_the_policy(page, client):
    load_demo()
    problems = watch(page)
    page.on("response", lambda r: r.status >= 500 and problems.append(f"{r.status} {r.url}"))
    for username, *_rest in DEMO_USERS:
        client.force_login(User.objects.get(username=username))
        urls = [item["url"] for item in client.get(reverse("home")).context["nav_items"]]
        page.context.clear_cookies()
        log_in(page, username, DEMO_PASSWORD)
        for url in urls:
            page.goto(url)

    ignorable = re.compile(r"favicon\.ico|status of 404")
    assert [p for p in problems if not ignorable.search(p)] == []


def test_htmx_dialogs_and_filters_work_under_the_policy(page):
    load_demo()
    problems = watch(page)
    asked = []
    page.on("dialog", lambda dialog: asked.append(dialog.message))
    log_in(page, "gestionnaire.metallurgie", DEMO_PASSWORD)

    # htmx: the table's search, without reloading the page
    page.goto(reverse("dossiers:dossier_list"))
    page.get_by_label("Rechercher").fill("Lambert")
    expect(page).to_have_url(re.compile(r"q=Lambert"))

    # the live preview of the parchemin, in a frame that runs no script
    page.goto(reverse("delivrance:modele"))
    page.get_by_label("Mise en page (CSS)").fill("h1 { color: rgb(122, 31, 31) }")
    frame = page.frame_locator("iframe.apercu")
    expect(frame.locator("h1")).to_have_css("color", "rgb(122, 31, 31)")
    expect(page.locator("iframe.apercu")).to_have_attribute("sandbox", "")

    # a confirmation dialog (data-confirm), accepted as a user would, then the filter that
    # submits itself (data-autosubmit)
    gestionnaire = User.objects.get(username="gestionnaire.metallurgie")
    mistake = CertificationFactory(
        intitule="CQP créé par erreur", certificateurs=[gestionnaire.organisation]
    )
    page.goto(reverse("referentiels:certification_detail", args=[mistake.pk]))
    page.get_by_role("button", name="Supprimer la certification").click()
    expect(page.get_by_role("heading", name="Certifications", exact=True)).to_be_visible()
    assert asked == [
        "Supprimer définitivement la certification « CQP créé par erreur », ses versions et ses habilitations ?"
    ]
    assert not Certification.objects.filter(pk=mistake.pk).exists()
    page.goto(reverse("accrochage:a_accrocher"))
    page.get_by_label("Statut").select_option(index=1)
    expect(page).to_have_url(re.compile(r"statut=\w+"))

    # the API documentation (Swagger UI, served from cqpilot's static files)
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .info")).to_be_visible()

    assert [p for p in problems if "favicon" not in p] == []
