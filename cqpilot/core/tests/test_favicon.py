"""Browsers and crawlers ask for /favicon.ico: they get cqpilot's icon, not a 404."""

from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse


def test_favicon_ico_leads_to_the_static_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == static("core/favicon.ico")
    with open(finders.find("core/favicon.ico"), "rb") as icon:
        assert icon.read(4) == b"\x00\x00\x01\x00"  # an ICO file's signature


def test_pages_name_their_icon(client):
    page = client.get(reverse("login")).text

    assert f'<link rel="icon" href="{static("core/favicon.ico")}"' in page
