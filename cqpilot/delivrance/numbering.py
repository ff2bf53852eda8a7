"""Gap-free numbers per certifier and year: CQP-2026-000123."""

from django.db import IntegrityError, transaction

from cqpilot.core.models import Organisation

from .models import Compteur


def next_number(organisation: Organisation, year: int, prefix: str) -> str:
    """Take the next number; call inside the transaction that records the document, so that a
    failed issuance gives its number back (no gap)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must run inside the issuing transaction.")
    try:
        with transaction.atomic():  # the first number of a year: two issuers may race
            Compteur.objects.get_or_create(organisation=organisation, annee=year)
    except IntegrityError:
        pass  # the other one created it
    counter = Compteur.objects.select_for_update().get(organisation=organisation, annee=year)
    counter.dernier += 1
    counter.save(update_fields=["dernier"])
    return f"{prefix}-{year}-{counter.dernier:06d}"
