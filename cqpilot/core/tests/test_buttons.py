"""Nobody sees a button they cannot use.

Every demo account, the candidate's included, walks the pages its home leads to, following the
links, htmx requests and forms each page shows it: no link may end in 403, and no form may
answer 403 when submitted as shown (each submission runs in a transaction rolled back
afterwards, so the walk changes nothing).
"""

from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.db import transaction
from django.urls import Resolver404, resolve
from lxml import html

from cqpilot.core.models import User
from cqpilot.demo import DEMO_CANDIDAT, DEMO_USERS, load_demo

pytestmark = pytest.mark.django_db

MAX_PAGES = 150  # per account: enough to reach every kind of page of the demo
PAGES_PER_ROUTE = 2  # the buttons of a page depend on its kind and state, not on its row
SKIPPED_ROUTES = {
    "logout",  # ends the walk
    "admin:index",
}


def _route(url: str) -> str | None:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    return match.view_name


def _form_data(form) -> dict:
    """What submitting the form as shown sends: its fields' current values."""
    data: dict[str, list[str]] = {}
    for field in form.inputs:
        name = field.get("name")
        if not name or field.get("disabled") is not None:
            continue
        kind = (field.get("type") or "").lower()
        if kind in ("submit", "button", "file", "image", "reset"):
            continue
        if kind in ("checkbox", "radio") and field.get("checked") is None:
            continue
        if field.tag == "select":
            chosen = [
                o.get("value", o.text or "") for o in field.iter("option") if o.get("selected")
            ]
            options = [o.get("value", o.text or "") for o in field.iter("option")]
            values = chosen or options[:1]
        elif field.tag == "textarea":
            values = [field.text or ""]
        else:
            values = [field.get("value", "on" if kind in ("checkbox", "radio") else "")]
        data.setdefault(name, []).extend(values)
    return data


def _finish(response) -> None:
    """Read a download to its end: the test client then closes its file as a server would.
    (Closing a response again ourselves would send request_finished, which closes the database
    connection inside the test's transaction on PostgreSQL.)"""
    if response.streaming:
        for _chunk in response.streaming_content:
            pass


def _walk(client, username: str) -> tuple[list[str], set[str]]:
    """The problems met, and the routes of the pages reached."""
    problems: list[str] = []
    start = client.get("/")  # a candidate's home is their espace
    queue = deque([start["Location"] if start.status_code == 302 else "/"])
    seen_pages: set[str] = set()
    pages_per_route: dict[str, int] = {}
    posted_routes: set[str] = set()
    while queue and len(seen_pages) < MAX_PAGES:
        url = queue.popleft()
        if url in seen_pages:
            continue
        seen_pages.add(url)
        response = client.get(url)
        _finish(response)
        if response.status_code == 403:
            problems.append(f"{username} : le lien {url} répond 403")
            continue
        content_type = response.get("Content-Type", "")
        if response.status_code != 200 or "text/html" not in content_type:
            continue
        tree = html.fromstring(response.content or b"<html></html>")
        for element in tree.xpath("//a[@href] | //*[@hx-get]"):
            target = urljoin(url, element.get("hx-get") or element.get("href"))
            parts = urlsplit(target)
            if parts.netloc or not parts.path.startswith("/") or parts.path.startswith("/static"):
                continue
            route = _route(target)
            if route is None or route in SKIPPED_ROUTES:
                continue
            page = parts.path + (f"?{parts.query}" if parts.query else "")
            if page in seen_pages or pages_per_route.get(route, 0) >= PAGES_PER_ROUTE:
                continue
            pages_per_route[route] = pages_per_route.get(route, 0) + 1
            queue.append(page)
        for form in tree.forms:
            if (form.method or "GET").upper() != "POST":
                continue
            action = urljoin(url, form.get("action") or url)
            route = _route(action)
            if route is None or route in SKIPPED_ROUTES or route in posted_routes:
                continue
            posted_routes.add(route)
            with transaction.atomic():
                answer = client.post(urlsplit(action).path, _form_data(form))
                _finish(answer)
                transaction.set_rollback(True)
            if answer.status_code == 403:
                label = " ".join(form.text_content().split())[:60]
                problems.append(f"{username} : le formulaire « {label} » de {url} répond 403")
    assert len(seen_pages) > 5, f"{username} n'a parcouru que {sorted(seen_pages)}"
    print(f"{username} : {len(seen_pages)} pages, {len(posted_routes)} formulaires")
    return problems, {_route(page) for page in seen_pages}


def test_no_demo_account_is_shown_a_link_or_a_form_that_refuses_it(client):
    load_demo()
    problems = []
    for username in [*(user[0] for user in DEMO_USERS), DEMO_CANDIDAT]:
        client.force_login(User.objects.get(username=username))
        found, reached = _walk(client, username)
        problems += found
    assert not problems, "\n".join(problems)
    # the candidate's walk (the last one) reached every kind of page of their espace
    assert reached >= {
        "espace:accueil",
        "espace:document",
        "espace:convocation",
        "espace:convocation_ics",
        "espace:document_delivre",
        "delivrance:badge",
        "delivrance:verifier",
    }, sorted(reached)
