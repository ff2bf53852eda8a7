"""The roles are rows that every organisation's accounts share: nothing may leave them gone."""

import pytest
from django.core.management import call_command

from cqpilot.core.models import Role, RoleGrant


@pytest.mark.django_db(transaction=True)
def test_the_roles_come_back_after_a_flush():
    """Transactional tests flush the database between them: the next test, on the same worker,
    finds every role as a fresh database has them."""
    call_command("flush", interactive=False, verbosity=0)
    assert set(RoleGrant.objects.values_list("code", flat=True)) == set(Role.values)
