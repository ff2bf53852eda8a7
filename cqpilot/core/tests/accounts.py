"""Test helpers for the accounts' rules."""

import time

from django_otp import DEVICE_ID_SESSION_KEY

from cqpilot.core.accounts import mfa, reauth


def confirm_identity(client) -> None:
    """As if the signed-in user had just typed his password again (core.accounts.reauth)."""
    session = client.session
    session[reauth.SESSION_KEY] = time.time()
    session.save()


def pass_second_factor(client, device) -> None:
    """As if the signed-in user had given the code of `device` (core.accounts.mfa)."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[mfa.SESSION_KEY] = None
    session.save()
