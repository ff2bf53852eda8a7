"""Settings for the test suite: production settings with a throw-away key and plain static files."""

import os

os.environ.setdefault(
    "SECRET_KEY", "cqpilot-tests-only-a-throw-away-key-long-enough-for-production-settings"
)

from cqpilot.settings import *  # noqa: F403
from cqpilot.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
SECURE_SSL_REDIRECT = False  # the test client and the live server speak plain HTTP
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# One folder per xdist worker: two workers clearing or numbering files must not meet.
MEDIA_ROOT = f"/tmp/cqpilot-test-media{os.environ.get('PYTEST_XDIST_WORKER', '')}"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
FIELD_ENCRYPTION_KEYS = ["Im0SA1FiwpvjTQ-BRfOBuq1qj8iZ-WM4k34RBUwoFyQ="]  # a test-only key
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PUBLIC_URL = "https://cqpilot.exemple.fr"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
WEBHOOKS_ALLOW_HTTP = True  # the tests receive webhooks on a local HTTP server
MFA_OBLIGATOIRE = False  # a test that checks it turns it on (the `settings` fixture)
