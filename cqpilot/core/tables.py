"""Sorting, searching and paginating a list page, the same way on every list of cqpilot."""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest


@dataclass
class Column:
    label: str
    sort_key: str = ""  # ORM ordering expression; empty when the column cannot be sorted


@dataclass
class Table:
    page: Page
    columns: list[dict]
    query: str
    sort: str
    querystring: str  # current search + sort, to carry over in pagination links


def table(
    request: HttpRequest,
    queryset: QuerySet,
    *,
    columns: list[Column],
    search_fields: list[str],
    default_sort: str,
    per_page: int = 25,
) -> Table:
    query = request.GET.get("q", "").strip()[:100]
    if query and search_fields:
        queryset = queryset.filter(
            reduce(or_, (Q(**{f"{name}__icontains": query}) for name in search_fields))
        )
    sortable = {c.sort_key for c in columns if c.sort_key}
    sort = request.GET.get("tri", default_sort)
    if sort.lstrip("-") not in sortable:
        sort = default_sort
    # The tiebreaker follows the sort's direction so that an index on the column (which ends with
    # the primary key) serves both.
    queryset = queryset.order_by(sort, "-pk" if sort.startswith("-") else "pk")
    # Paginate over primary keys, then load the page's rows with their joins: an OFFSET deep in a
    # large table would otherwise join every skipped row (benchmarks/dossier_lists.py).
    page = Paginator(queryset.values_list("pk", flat=True), per_page).get_page(
        request.GET.get("page")
    )
    rows = queryset.order_by().in_bulk(list(page.object_list))
    page.object_list = [rows[pk] for pk in page.object_list]
    column_states = []
    for column in columns:
        state = {"label": column.label, "sort_url": "", "aria_sort": ""}
        if column.sort_key:
            ascending = sort == column.sort_key
            descending = sort == f"-{column.sort_key}"
            next_sort = f"-{column.sort_key}" if ascending else column.sort_key
            params = request.GET.copy()
            params["tri"] = next_sort
            params.pop("page", None)
            state["sort_url"] = f"?{params.urlencode()}"
            state["aria_sort"] = "ascending" if ascending else "descending" if descending else ""
        column_states.append(state)
    params = request.GET.copy()
    params.pop("page", None)
    return Table(page, column_states, query, sort, params.urlencode())
