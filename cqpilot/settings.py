"""Settings for cqpilot, driven by environment variables.

Nothing set gives a working development set-up on SQLite; production sets DEBUG=0 (or leaves it
unset), SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL.
"""

import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on", "oui"}:
        return True
    if raw.lower() in {"0", "false", "no", "off", "non"}:
        return False
    raise ImproperlyConfigured(f"{name} doit valoir 0 ou 1, pas {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    if not raw.strip().isdigit():
        raise ImproperlyConfigured(f"{name} doit être un nombre entier positif, pas {raw!r}")
    return int(raw)


def env_proportion(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise ImproperlyConfigured(f"{name} doit être une proportion entre 0 et 1, pas {raw!r}")
    return value


def env_proxy_header(name: str) -> tuple[str, str] | None:
    """The header by which the HTTPS proxy says a request came over HTTPS (`X-Forwarded-Proto`),
    as Django's SECURE_PROXY_SSL_HEADER; only set it if the proxy always sets or strips it."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    if not re.fullmatch(r"[A-Za-z0-9-]+", raw):
        raise ImproperlyConfigured(
            f"{name} doit être le nom d'un en-tête HTTP, par exemple X-Forwarded-Proto, pas {raw!r}"
        )
    return f"HTTP_{raw.upper().replace('-', '_')}", "https"


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY est obligatoire quand DEBUG n'est pas activé.")
    SECRET_KEY = "cqpilot-insecure-development-key-never-use-in-production"
# Django's own deployment check (security.W009) asks for as much; a short key signs sessions,
# password-reset links and the Open Badges that anyone could then forge.
if not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured(
        "SECRET_KEY doit comporter au moins 50 caractères (dont 5 différents) quand DEBUG "
        "n'est pas activé : générez-en une avec "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "auditlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "cqpilot.workers",  # before django_tasks_db: its `db_worker` command replaces theirs
    "django_tasks",
    "django_tasks_db",
    "cqpilot.core",
    "cqpilot.referentiels",
    "cqpilot.dossiers",
    "cqpilot.accrochage",
    "cqpilot.intervenants",
    "cqpilot.jurys",
    "cqpilot.evaluations",
    "cqpilot.delivrance",
    "cqpilot.pilotage",
    "cqpilot.rgpd",
    "cqpilot.espace",
    "cqpilot.vae",
    "cqpilot.api",
    "ninja",  # serves the API documentation's scripts itself (otherwise from a CDN)
    # Last: its registration/ templates would otherwise shadow cqpilot's French password pages.
    "django.contrib.admin",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # CONTENT_SECURITY_POLICY below
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "cqpilot.core.accounts.middleware.AccountSecurityMiddleware",  # session expiry, 2FA
    "cqpilot.espace.middleware.CandidatSpaceMiddleware",  # candidates: their espace only
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",  # answers 429 with RATELIMIT_VIEW
]

ROOT_URLCONF = "cqpilot.urls"
WSGI_APPLICATION = "cqpilot.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cqpilot.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'cqpilot.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and a CLI import share the file. A 64 MB page
    # cache (the default is 2 MB) keeps the statistics' grouped reads in memory: the pilotage
    # dashboard at 100,000 dossiers goes from ~760 to ~590 ms (benchmarks/pilotage.py).
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA cache_size=-65536;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Accounts and sessions (cqpilot/core/accounts).
# Failed logins lock for 15 minutes: 5 failures on one username, whatever the addresses they come
# from (a botnet), and 5 failures from one address, whatever the usernames (password spraying).
# Counted in the database (axes' default handler, named here): one lockout for every server.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_LOCKOUT_TEMPLATE = "core/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Behind reverse proxies (TLS, load balancer), how many: the lockouts and the throttles then count
# the address they forward (core.ratelimits.client_ip), not the proxy's, which is everybody's.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "cqpilot.core.ratelimits.client_ip"
RATELIMIT_IP_META_KEY = "cqpilot.core.ratelimits.client_ip"  # the verification page's limit


def env_rate(name: str, default: str) -> str:
    """A rate as `count/period`: `10/h`, `600/m`, `5/15m` (s, m, h or d)."""
    raw = os.environ.get(name, "").strip() or default
    if not re.fullmatch(r"[1-9]\d*/\d*[smhd]", raw):
        raise ImproperlyConfigured(
            f"{name} doit s'écrire nombre/période (10/h, 600/m), pas {raw!r}"
        )
    return raw


# A session ends after 30 minutes without a request, and 12 hours after the login whatever the
# activity; the user is then sent to the login page with a message.
SESSION_IDLE_TIMEOUT = 60 * env_int("SESSION_IDLE_MINUTES", 30)
SESSION_ABSOLUTE_TIMEOUT = 3600 * env_int("SESSION_MAX_HOURS", 12)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
# Signing a PV, issuing documents and downloading files with NIRs ask for the password (or the
# two-factor code) again, unless it was given in the last 5 minutes.
REAUTHENTICATION_TIMEOUT = 60 * env_int("REAUTHENTICATION_MINUTES", 5)
# Two-factor authentication (TOTP application, recovery codes): required of administrators and
# gestionnaires in production, optional for everyone else.
MFA_OBLIGATOIRE = env_bool("MFA_OBLIGATOIRE", not DEBUG)
OTP_TOTP_ISSUER = "cqpilot"
# Password-reset e-mails, counted whether or not the address has an account.
PASSWORD_RESET_RATE_PER_IP = env_rate("PASSWORD_RESET_RATE_PER_IP", "10/h")
PASSWORD_RESET_RATE_PER_ADDRESS = env_rate("PASSWORD_RESET_RATE_PER_ADDRESS", "3/h")
# Candidates' one-time login links (espace candidat): valid this many minutes, once; the requests
# counted like password resets, whether or not the address has an account.
CANDIDAT_LOGIN_LINK_MINUTES = env_int("CANDIDAT_LOGIN_LINK_MINUTES", 15)
CANDIDAT_LOGIN_LINK_RATE_PER_IP = env_rate("CANDIDAT_LOGIN_LINK_RATE_PER_IP", "10/h")
CANDIDAT_LOGIN_LINK_RATE_PER_ADDRESS = env_rate("CANDIDAT_LOGIN_LINK_RATE_PER_ADDRESS", "3/h")
# API requests with an unknown or revoked token, per address: further ones are refused unread.
API_INVALID_TOKEN_RATE = env_rate("API_INVALID_TOKEN_RATE", "10/m")

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))


def env_object_storage() -> dict | None:
    """The S3-compatible bucket that holds the media files (PDF, PV, pièces, logos) when
    S3_BUCKET is set, for several servers to share them; None keeps them in MEDIA_ROOT.

    Objects are sent without an ACL: private to the bucket's owner (a bucket whose ACLs are
    disabled, AWS's default, refuses even `private`), and the bucket must not be made public.
    Documents leave it only through cqpilot's views, after their permission checks, streamed;
    the storage's own URLs are signed and last a minute, should anything ever ask for one.
    Without S3_ACCESS_KEY_ID, boto3 finds its credentials itself (AWS_ACCESS_KEY_ID, a role)."""
    bucket = os.environ.get("S3_BUCKET", "").strip()
    if not bucket:
        return None
    endpoint = os.environ.get("S3_ENDPOINT_URL", "").strip()
    if endpoint and not re.match(r"https?://[^/\s]+", endpoint):
        raise ImproperlyConfigured(
            "S3_ENDPOINT_URL doit être une adresse https:// (ou http://), par exemple "
            f"https://s3.fr-par.scw.cloud, pas {endpoint!r}"
        )
    access_key = os.environ.get("S3_ACCESS_KEY_ID", "").strip()
    secret_key = os.environ.get("S3_SECRET_ACCESS_KEY", "").strip()
    if bool(access_key) != bool(secret_key):
        raise ImproperlyConfigured(
            "S3_ACCESS_KEY_ID et S3_SECRET_ACCESS_KEY vont ensemble : définissez les deux, ou "
            "aucun pour laisser boto3 trouver ses identifiants (AWS_ACCESS_KEY_ID, rôle)."
        )
    addressing = os.environ.get("S3_ADDRESSING_STYLE", "").strip()
    if addressing not in {"", "path", "virtual"}:
        raise ImproperlyConfigured(f"S3_ADDRESSING_STYLE vaut path ou virtual, pas {addressing!r}")
    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "region_name": os.environ.get("S3_REGION", "").strip(),
        "access_key": access_key,
        "secret_key": secret_key,
        "location": os.environ.get("S3_PREFIX", "").strip().strip("/"),
        "addressing_style": addressing,
    }
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {name: value for name, value in options.items() if value}
        | {
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 60,
            "file_overwrite": False,  # two uploads of one name never replace each other
            # A file read whole (a download, a PDF's logo) is held in memory up to this size,
            # then in a temporary file.
            "max_memory_size": 10 * 1024 * 1024,
        },
    }


STORAGES = {
    "default": env_object_storage() or {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# What one uploaded file may cost the server (cqpilot/core/uploads.py): a few kilobytes can ask
# for gigabytes once unzipped or laid out as a grid, so each reader checks its limits before it
# reads and refuses in French. Sizes are given in Mo in the environment.
MO = 1024 * 1024
# Spreadsheets of the imports (candidates, accrochage holders): the benchmark imports 50,000
# rows of 14 columns; the templates have about 30 columns. An xlsx is refused beyond these rows,
# columns or cells (from A1 to its farthest cell), or beyond IMPORT_MAX_UNZIPPED_SIZE unzipped,
# or once its shared strings are copied into their cells.
IMPORT_MAX_SIZE = env_int("IMPORT_MAX_MO", 50) * MO
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 100_000)
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 200)
IMPORT_MAX_CELLS = env_int("IMPORT_MAX_CELLS", 3_000_000)
IMPORT_MAX_UNZIPPED_SIZE = env_int("IMPORT_MAX_UNZIPPED_MO", 200) * MO
# The accrochage standalone tool streams its sheet (no grid, no shared string copied): a year
# of a large certifier's holders, two CDC files of 200,000 passages, with the imports' size and
# columns above.
ACCROCHAGE_MAX_ROWS = env_int("ACCROCHAGE_MAX_ROWS", 400_000)
# The France compétences export: about 1.3 GB of XML for its 25,600 fiches, which zip about ten
# times smaller; a zip bomb grows hundreds of times.
RNCP_MAX_UNZIPPED_SIZE = env_int("RNCP_MAX_UNZIPPED_MO", 4096) * MO
RNCP_MAX_ZIP_RATIO = env_int("RNCP_MAX_ZIP_RATIO", 100)
# A CDC processing report names each passage of the file it answers: 50 bytes an accepted one,
# 250 a rejected one with its message; 20 Mo is 80,000 rejected passages.
ACCUSE_MAX_SIZE = env_int("ACCUSE_MAX_MO", 20) * MO
PIECE_MAX_SIZE = env_int("PIECE_MAX_MO", 20) * MO
# Logos and signatures are drawn on every document: a few hundred kilobytes and a few million
# pixels suffice (16 million: 4,000 × 4,000, or an A4 page scanned at 400 dpi).
IMAGE_MAX_SIZE = env_int("IMAGE_MAX_MO", 2) * MO
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 16_000_000)

# E-mails go through the SMTP server named by EMAIL_HOST; without one they are only printed
# (a developer's machine). EMAIL_BACKEND, if set, wins.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)  # STARTTLS, usually on port 587
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # TLS from the start, usually on port 465
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS et EMAIL_USE_SSL s'excluent : choisissez-en un.")
EMAIL_PORT = env_int("EMAIL_PORT", 465 if EMAIL_USE_SSL else 587 if EMAIL_USE_TLS else 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
# Django waits forever by default: a silent SMTP server would hold a worker for good.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "cqpilot <ne-pas-repondre@cqpilot.local>")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts and styles from cqpilot's own files only, so that
# an HTML injection slipping past escaping runs nothing. No inline script: htmx comes as a file
# and is configured by a <meta> (base.html), the templates' behaviours by core/cqpilot.js.
# Style attributes stay allowed (the pilotage bars set their width that way); the layout page
# adds inline <style> for its sandboxed preview (delivrance.views.modele_edit).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# HTTPS only outside a developer's machine: plain HTTP is redirected, and browsers told for a
# year never to try it again (HSTS, this host and its subdomains).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Behind a proxy that terminates TLS, the request reaches Django over HTTP: the proxy's header
# tells it was HTTPS (without it, SECURE_SSL_REDIRECT would redirect forever).
SECURE_PROXY_SSL_HEADER = env_proxy_header("SECURE_PROXY_SSL_HEADER")
# Entering the browsers' preload list is the domain owner's decision (hstspreload.org), not one
# the application can take for every installation: the check suggesting it is silenced until
# SECURE_HSTS_PRELOAD=1.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

AUDITLOG_INCLUDE_ALL_MODELS = False


def env_cache(name: str, folder: str) -> dict:
    """The default cache: a folder, shared by the processes of one server with nothing to
    install; or, with CACHE_URL=redis://host:6379/0 (rediss:// over TLS), a Redis that every
    server and worker shares. It holds the verification page's counts per address
    (django-ratelimit) and the progress of the lots being issued (delivrance.tasks)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": folder,
        }
    # Django reads "primary,replica,…"; the error never repeats an address: it may hold a password.
    for url in re.split("[;,]", raw):
        scheme, separator, _ = url.strip().partition("://")
        if not separator or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
            raise ImproperlyConfigured(
                f"{name} doit commencer par redis:// ou rediss:// (par exemple "
                "redis://127.0.0.1:6379/0) : l'adresse donnée est sans schéma."
            )
        if scheme.lower() not in {"redis", "rediss"}:
            raise ImproperlyConfigured(
                f"{name} doit commencer par redis:// ou rediss:// (par exemple "
                f"redis://127.0.0.1:6379/0), pas {scheme}://"
            )
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": raw,
        "KEY_PREFIX": "cqpilot",  # beside other applications' keys in the same Redis
        "OPTIONS": {
            # A Redis that stopped answering costs a request a second or two, never a hang
            # (Django's connection pool retries nothing); the health check then reports it.
            "socket_connect_timeout": 1,
            "socket_timeout": 1,
            # A connection idle for 30 s is checked before use: Redis or a firewall may have
            # closed it meanwhile.
            "health_check_interval": 30,
        },
    }


CACHES = {
    "default": env_cache("CACHE_URL", os.environ.get("CACHE_DIR", str(BASE_DIR / "var" / "cache")))
}
# Sessions stay in the database with or without CACHE_URL: every server already reads them
# there, and "cached_db" would make each request fail on a Redis that stops answering.
RATELIMIT_VIEW = "cqpilot.delivrance.views.too_many_requests"
VERIFICATION_RATE = os.environ.get("VERIFICATION_RATE", "30/m")
# Background jobs (batch issuance): stored in the database, run by `cqpilot db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Several workers may share the queue (PostgreSQL; SQLite allows one): a worker silent for this
# long is taken for dead, and the task it was running is started again by another, up to this
# many starts in all; then it is marked failed (a lot: « échec », to start again by hand).
TASKS_LEASE_SECONDS = env_int("TASKS_LEASE_SECONDS", 60)
TASKS_MAX_ATTEMPTS = env_int("TASKS_MAX_ATTEMPTS", 3)
if TASKS_LEASE_SECONDS < 1 or TASKS_MAX_ATTEMPTS < 1:
    raise ImproperlyConfigured("TASKS_LEASE_SECONDS et TASKS_MAX_ATTEMPTS valent au moins 1.")
# The address printed in QR codes and credentials: where the public verification page lives.
# Requests per token to the API, counted in the database (core.ratelimits): exact across threads
# and processes, which the file cache is not.
API_RATE = env_rate("API_RATE", "600/m")
# Webhook addresses must be HTTPS, except on a developer's machine.
WEBHOOKS_ALLOW_HTTP = DEBUG
# Networks a webhook may reach although they are not public (CIDR): none, but for the tests'
# receiver on the loopback, which they allow explicitly.
WEBHOOKS_ALLOWED_NETWORKS: list[str] = []
PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# The health check `/sante/` (core/health.py) for monitoring: public unless a token is set;
# failing when the worker's last heartbeat, or the oldest due task, is older than these.
HEALTHCHECK_TOKEN = os.environ.get("HEALTHCHECK_TOKEN", "")
HEALTHCHECK_WORKER_MAX_AGE = env_int("HEALTHCHECK_WORKER_MAX_SECONDS", 600)
HEALTHCHECK_TASK_MAX_WAIT = env_int("HEALTHCHECK_TASK_MAX_SECONDS", 600)
# A monitoring probe may call it over plain HTTP on the server itself, without the proxy.
SECURE_REDIRECT_EXEMPT = [r"^sante/$"]

# Logs go to the standard error (systemd's journal). Failed background tasks (logger
# django_tasks) and webhook deliveries (cqpilot.api.webhooks) are logged at ERROR with
# their ids; every record is scrubbed of NIRs and e-mail addresses (core/observability.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "forbidden": {"()": "cqpilot.core.observability.ForbiddenWithoutTraceback"},
        "personal_data": {"()": "cqpilot.core.observability.PersonalDataFilter"},
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["forbidden", "personal_data"],
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Error reports to Sentry (or a compatible service such as GlitchTip), only when SENTRY_DSN is
# set; never with personal data (core/observability.py scrubs each event before it leaves).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    from cqpilot.core.observability import init_sentry

    init_sentry(
        SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=env_proportion("SENTRY_TRACES_SAMPLE_RATE", 0.0),
    )

# Keys encrypting personal data at rest (see cqpilot/core/encryption.py).
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [])
