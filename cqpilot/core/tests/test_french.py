"""French agreement of counts: 0 and 1 take the singular."""

import pytest
from django.template import Context, Template
from django.urls import reverse

from cqpilot.core.french import compte
from cqpilot.core.tests.factories import gestionnaire


@pytest.mark.parametrize(
    ("count", "expected"), [(0, "0 candidat"), (1, "1 candidat"), (2, "2 candidats")]
)
def test_a_count_agrees_its_noun_the_french_way(count, expected):
    assert compte(count, "candidat") == expected


def test_a_count_may_name_an_irregular_plural():
    assert compte(3, "travail", "travaux") == "3 travaux"
    assert compte(1, "travail", "travaux") == "1 travail"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0 membre inscrit"),
        (1, "1 membre inscrit"),
        (2, "2 membres inscrits"),
        ("", " membre inscrit"),
    ],
)
def test_the_pluriel_filter_agrees_like_french(value, expected):
    template = Template(
        '{% load cqpilot %}{{ n }} membre{{ n|pluriel }} inscrit{{ n|pluriel:",s" }}'
    )

    assert template.render(Context({"n": value})) == expected


def test_the_pluriel_filter_counts_a_list_and_takes_irregular_forms():
    template = Template('{% load cqpilot %}trava{{ items|pluriel:"il,ux" }}')

    assert template.render(Context({"items": [1, 2]})) == "travaux"
    assert template.render(Context({"items": [1]})) == "travail"


@pytest.mark.django_db
def test_an_empty_list_says_0_resultat(client):
    client.force_login(gestionnaire())

    page = client.get(reverse("referentiels:certification_list")).text

    assert "0 résultat<" in page or "0 résultat " in page
    assert "0 résultats" not in page
