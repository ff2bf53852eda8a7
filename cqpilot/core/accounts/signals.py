from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from . import mfa, sessions


@receiver(user_logged_in, dispatch_uid="cqpilot_accounts_login")
def on_login(sender, request, user, **kwargs) -> None:
    """A new session: its clock starts, and its second factor is still to come."""
    if request is None or not hasattr(request, "session"):
        return
    sessions.start(request.session)
    if getattr(user, "otp_device", None) is None:
        request.session[mfa.SESSION_KEY] = mfa.pending_step(user)
