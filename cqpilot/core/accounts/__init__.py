"""Accounts and sessions: session expiry, two-factor authentication, re-authentication before
the sensitive actions, and throttled password-reset e-mails. Lockouts after failed logins are
django-axes' (settings, « Accounts and sessions »)."""
