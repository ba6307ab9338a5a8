"""Settings for every environment.

Production differs from the embedded demo run only by environment values: ``DATABASE_URL`` and
``REDIS_URL`` switch from SQLite and Celery's filesystem broker to PostgreSQL and Redis.

Every setting that matters for security defaults to the safe side: HTTPS only (redirect, secure cookies,
HSTS), no debug pages, no trusted proxy headers, only local host names, webhooks kept out of private
networks. The embedded demo (``scripts/run``), which serves plain HTTP on 127.0.0.1 and delivers webhooks to
local receivers, opts out of what it cannot have in its own environment. ``manage.py check --deploy``
reports what is still unsafe or unset (Django's checks and the portal's own, ``portal/checks.py``).
"""

import hashlib
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

from accounts.branding.hosts import ConfiguredHosts

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DIDFARM_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)


def _generated_once(name: str, make) -> str:
    """The content of ``VAR_DIR/<name>``, made by ``make()`` on first start and kept, so it survives
    restarts and no shared default value ever protects anything."""
    path = VAR_DIR / name
    if not path.exists():
        import tempfile

        # Written whole to a temporary file, then linked into place: a process starting at the same
        # moment either wins the link or reads the winner's complete value.
        fd, tmp = tempfile.mkstemp(dir=VAR_DIR)
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


def _secret_key() -> str:
    """SECRET_KEY from the environment; otherwise one generated on first start and kept in VAR_DIR."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    import secrets

    return _generated_once("secret_key", lambda: secrets.token_urlsafe(50))


SECRET_KEY = _secret_key()
# Whether SECRET_KEY came from the environment (``check --deploy`` warns when it was generated: every
# machine would make its own, and it is kept on disk beside the data).
SECRET_KEY_FROM_ENVIRONMENT = bool(os.environ.get("SECRET_KEY"))


def _encryption_keys() -> list[str]:
    """The keys of the secrets kept readable in the database (webhook signing secrets, port PINs and account
    numbers; ``portal/crypto.py``): ``ENCRYPTION_KEYS``, comma-separated, the first encrypts and every one
    decrypts. Without it, one key generated on first start and kept in VAR_DIR (the embedded demo, tests)."""
    if os.environ.get("ENCRYPTION_KEYS", "").strip():
        return env_list("ENCRYPTION_KEYS", "")
    import base64
    import secrets

    return [_generated_once("encryption_key", lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())]


ENCRYPTION_KEYS = _encryption_keys()
# ``check --deploy`` warns when the key was generated: it sits in the var directory, often beside the
# database and in the same backups, and another machine would generate a different one.
ENCRYPTION_KEYS_FROM_ENVIRONMENT = bool(os.environ.get("ENCRYPTION_KEYS", "").strip())
# Only this machine's own names unless the environment lists the public ones, plus the client portal domains
# of resellers' brands once staff verified them (read from the database, cached; accounts/branding/hosts.py).
# Any other Host header is refused with 400.
ALLOWED_HOSTS = ConfiguredHosts(env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]"))
# Origins trusted for unsafe requests besides the page's own (Django checks the Origin header against the
# host); none by default.
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "portal",
    "accounts",
    "billing",
    "numbers_app",
    "messaging",
]

MIDDLEWARE = [
    "portal.middleware.RequestIdMiddleware",
    "portal.middleware.RejectNulBytesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.branding.middleware.SiteBrandMiddleware",
    "portal.middleware.PageLocaleMiddleware",
    "portal.bodies.BodySizeMiddleware",
    "portal.middleware.UrlLengthMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.middleware.UserLanguageMiddleware",
    "portal.middleware.PageMessageMiddleware",
    "accounts.security.middleware.LoginSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.middleware.ApiErrorMiddleware",
    # Last, as its documentation asks: turns a refused login (locked out) into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "portal.context_processors.portal",
                "accounts.branding.context.brand",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
# Embedded default: SQLite in WAL mode with IMMEDIATE transactions, so the web server and the worker
# can write side by side and a transaction that will write takes the lock at BEGIN (SQLite has no
# SELECT ... FOR UPDATE; IMMEDIATE gives the same serialisation for the ledger).
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Persistent connections without a per-request health check (a SELECT 1 before every request's first
    # query cost a round trip on each API call); a broken connection is dropped at the end of its request.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=False)}
    if os.environ.get("DATABASE_PREPARED_STATEMENTS", "true").lower() not in ("0", "false", "no", "off"):
        # Parameters sent apart from the statement, and a statement run twice on a connection prepared
        # (parsed and planned once): a send or a search spends less in psycopg's quoting and PostgreSQL's
        # planner. Turn off behind a pooler in transaction mode (PgBouncer), which cannot keep them.
        DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=2)
    if "postgresql" in DATABASES["default"]["ENGINE"]:
        # No parallel workers for the portal's statements: they are short, and starting workers takes a few
        # milliseconds, more than any of them could save. The planner can think otherwise where its row
        # estimates are rough (a digits search over every number type went parallel and took 5 ms, not 0.3).
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c max_parallel_workers_per_gather=0".strip()
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "didfarm.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Inventory indexes include the columns a search returns so PostgreSQL answers from the index alone;
# SQLite (the embedded run) builds them without those columns, which costs it nothing but this warning.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Redis, cache and Celery ----------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Prepended to every key the portal writes in Redis (cache, broker queues, rate limits), so several portals
# can share one Redis database without meeting.
REDIS_KEY_PREFIX = os.environ.get("REDIS_KEY_PREFIX", "")
if REDIS_URL:
    # Short timeouts everywhere: while Redis is unreachable a request must not hang on it (portal/outages.py).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
            "KEY_PREFIX": REDIS_KEY_PREFIX,
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": 1,
        "socket_timeout": 5,
    }
    if REDIS_KEY_PREFIX:
        CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = REDIS_KEY_PREFIX
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    _broker_dir = VAR_DIR / "broker"
    for sub in ("out", "processed", "control"):
        (_broker_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # broadcast (pidbox) files, never the working folder
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
# Enqueuing gives up after about half a second of an unreachable broker (not Celery's default of several
# seconds): the row the task would act on is already saved, and its sweeper takes it (portal/celery.py).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Beat stamps a heartbeat whenever it sends a periodic task (portal/celery.py).
CELERY_BEAT_SCHEDULER = "portal.celery:HeartbeatScheduler"
# /readyz reports the worker or beat "stale" when its heartbeat is older than this (beat sends the worker's
# every 30 s, and some periodic task at least every 30 s).
HEALTH_STALE_SECONDS = int(os.environ.get("HEALTH_STALE_SECONDS", "180"))
CELERY_TIMEZONE = "UTC"

# --- Auth -----------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
# django-axes first: it refuses a login attempt while its username or address is locked out, before any
# password is checked, and counts failures (accounts/security/login.py turns lockouts into audit rows).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed logins allowed per email address, and separately per client address, before that one is locked
# out for LOGIN_LOCKOUT_MINUTES; a locked-out login gets the lockout page even with the right password.
# A correct login (with its second factor) clears the count. Staff unlock early from the staff console.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
# Emails are logins in any case: count "Owner@x" and "owner@x" as one.
AXES_USERNAME_CALLABLE = "accounts.security.login.attempted_username"
# The client address: REMOTE_ADDR, or the proxy's X-Forwarded-For entry when TRUST_PROXY_HEADERS is on.
AXES_CLIENT_IP_CALLABLE = "portal.ip.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.security.views.locked_out"
AXES_DISABLE_ACCESS_LOG = True  # the portal's own sessions list and audit log say who logged in
AXES_VERBOSE = False
# Password-reset emails: at most this many an hour for one email address, and for one client address;
# more requests get the same answer and send nothing.
PASSWORD_RESET_LIMIT_PER_EMAIL = int(os.environ.get("PASSWORD_RESET_LIMIT_PER_EMAIL", "3"))
PASSWORD_RESET_LIMIT_PER_ADDRESS = int(os.environ.get("PASSWORD_RESET_LIMIT_PER_ADDRESS", "10"))
# Two-factor authentication: the name authenticator apps show, and the number of recovery codes.
OTP_TOTP_ISSUER_DEFAULT = os.environ.get("OTP_TOTP_ISSUER", "DIDfarm")


def _totp_issuer(device) -> str:
    """The name authenticator apps show: a reseller's clients see their reseller's brand, everyone else
    OTP_TOTP_ISSUER (django-otp calls this with the device)."""
    from accounts.branding.selectors import totp_issuer

    return totp_issuer(device.user)


OTP_TOTP_ISSUER = _totp_issuer
TWO_FACTOR_RECOVERY_CODES = 10
# DIDfarm staff must have a second factor before any staff page works.
TWO_FACTOR_REQUIRED_FOR_STAFF = True
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# --- HTTPS and cookies ------------------------------------------------------------------------------
# HTTPS only by default. The demo serves plain HTTP on 127.0.0.1 and turns SECURE_SSL_REDIRECT and
# SECURE_COOKIES off in scripts/run.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Load balancers and orchestrators probe liveness and readiness over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# Browsers that once saw the portal over HTTPS refuse plain HTTP to it for a year (sent on HTTPS answers
# only, so the demo's plain HTTP never carries it).
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# Behind an HTTPS proxy that sets X-Forwarded-Proto and X-Forwarded-Host, trust those headers. Off by default:
# a client talking to the portal directly could otherwise claim HTTPS or another host.
TRUST_PROXY_HEADERS = env_bool("TRUST_PROXY_HEADERS", False)
if TRUST_PROXY_HEADERS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
# Pages send the CSRF token in a header taken from the page (hx-headers on <body>): no script reads the cookie.
CSRF_COOKIE_HTTPONLY = True

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
# STARTTLS unless switched off (a relay on this machine may not offer it).
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "DIDfarm <no-reply@didfarm.test>")

# --- Internationalisation -------------------------------------------------------------------------
# The portal's ten languages, each named in itself (the switcher shows them so). Pages follow a user's
# saved language, else the language cookie, else the browser's Accept-Language; the API always answers in
# English (portal.middleware.PageLocaleMiddleware). Catalogs live in locale/<ll>/LC_MESSAGES/django.po and
# are compiled at install time by `manage.py translations_compile` (no GNU gettext needed).
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("nl", "Nederlands"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
    ("pt-br", "Português (Brasil)"),
    ("ar", "العربية"),
    ("zh-hans", "简体中文"),
    ("ja", "日本語"),
    ("hi", "हिन्दी"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The languages whose catalogs must be complete: `manage.py translations_check` (run by scripts/test) fails
# on any untranslated or fuzzy entry in these, and the page tests fail on any of their msgids left in
# English on a page. Every language of the portal is complete.
TRANSLATIONS_ENFORCED: list[str] = ["nl", "de", "fr", "es", "pt-br", "ar", "zh-hans", "ja", "hi"]
# Dates and numbers as each language writes them; portal/formats adjusts Django's formats where the
# portal wants otherwise (English keeps ISO-like dates; Arabic uses Latin digits, "." and ",").
FORMAT_MODULE_PATH = ["portal.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Static files ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- API ------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.authentication.ApiKeyAuthentication",
        "portal.authentication.PortalSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["portal.authentication.HasActor", "portal.authentication.ReadOnlyKeyCannotWrite"],
    "DEFAULT_THROTTLE_CLASSES": ["portal.authentication.ApiKeyRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["portal.renderers.FastJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["portal.parsers.SafeJSONParser"],
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "portal.api.PortalAutoSchema",
    "UNAUTHENTICATED_USER": None,
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "DIDfarm API",
    "DESCRIPTION": (
        "Numbers, SIP trunks, SMS, wallet and webhooks for DIDfarm resellers. Authenticate with an API "
        "key in `Authorization: Bearer df_live_sk_...` (or the `X-API-Key` / `Api-Key` header). Errors "
        'always answer `{"error": {"code", "message", "status"}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "ApiKeyBearer": {"type": "http", "scheme": "bearer", "description": "df_live_sk_... or df_live_rk_..."},
            "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        }
    },
    "SECURITY": [{"ApiKeyBearer": []}, {"ApiKeyHeader": []}],
    # Several models have a `status` field with their own choices: each set gets its own component name.
    "ENUM_NAME_OVERRIDES": {
        "NumberStatusEnum": "numbers_app.models.Number.Status",
        "TrunkStatusEnum": "numbers_app.models.SipTrunk.Status",
        "InvoiceStatusEnum": "billing.models.Invoice.Status",
        "InvoiceKindEnum": "billing.models.Invoice.Kind",
        "WebhookDeliveryStatusEnum": "portal.webhooks.models.WebhookDelivery.Status",
    },
}

# Active (not revoked, not expired) API keys an account may have unless staff override it per account.
API_KEYS_MAX_ACTIVE = int(os.environ.get("API_KEYS_MAX_ACTIVE", "25"))
# Requests a minute per account (all its API keys together) unless the account overrides it.
API_RATE_LIMIT_DEFAULT = int(os.environ.get("API_RATE_LIMIT_DEFAULT", "60"))
# The rolling window those requests are counted over, in seconds (a minute; a live portal under test
# shortens it so a client honouring Retry-After waits seconds, not a minute).
API_RATE_LIMIT_WINDOW_SECONDS = int(os.environ.get("API_RATE_LIMIT_WINDOW_SECONDS", "60"))
# Renewals: days a renewal that cannot be paid is retried before the number is suspended, and days a
# suspended number is held before it is released.
RENEWAL_GRACE_DAYS = int(os.environ.get("RENEWAL_GRACE_DAYS", "3"))
RENEWAL_HOLD_DAYS = int(os.environ.get("RENEWAL_HOLD_DAYS", "30"))
# Regulatory documents: where the files are kept (private: no URL serves this folder), the largest file
# accepted, how long an approval stays valid, and how many days a number may wait for approved documents
# before it is released and refunded.
REGULATORY_DOCUMENTS_DIR = Path(os.environ.get("REGULATORY_DOCUMENTS_DIR", VAR_DIR / "documents"))
REGULATORY_DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
REGULATORY_APPROVAL_VALID_DAYS = int(os.environ.get("REGULATORY_APPROVAL_VALID_DAYS", "365"))
REGULATORY_HOLD_DAYS = int(os.environ.get("REGULATORY_HOLD_DAYS", "30"))
# A compliance profile sent to an upstream carrier (numbers bought from a ``didww`` carrier that need
# documents): how often, in seconds, its verdict is asked for until it comes.
REGULATORY_UPSTREAM_POLL_SECONDS = int(os.environ.get("REGULATORY_UPSTREAM_POLL_SECONDS", "300"))
# Uploads other than regulatory documents (resellers' invoice logos), private like them: no public URL.
MEDIA_DIR = Path(os.environ.get("MEDIA_DIR", VAR_DIR / "media"))
INVOICE_LOGO_MAX_BYTES = 512 * 1024
# An overdue invoice's client is reminded by email at most once in this many days.
INVOICE_REMINDER_DAYS = int(os.environ.get("INVOICE_REMINDER_DAYS", "7"))
# Porting: the business days a port-in usually takes (the estimate given when it is requested), and how
# long after its scheduled time the sandbox carrier reports a port complete.
PORTING_ESTIMATE_BUSINESS_DAYS = int(os.environ.get("PORTING_ESTIMATE_BUSINESS_DAYS", "10"))
SANDBOX_PORT_SECONDS = float(os.environ.get("SANDBOX_PORT_SECONDS", "20"))
# Outbound SMS a second per account unless the account overrides it.
SMS_RATE_LIMIT_DEFAULT = int(os.environ.get("SMS_RATE_LIMIT_DEFAULT", "10"))
# The SMS add-on's monthly price where a number group has none. (An outbound segment has no fallback
# price: a destination without a rate in the SMS rate table is refused.)
SMS_ADDON_PRICE_DEFAULT = os.environ.get("SMS_ADDON_PRICE_DEFAULT", "0.75")
# How long each process keeps its copy of the SMS rates and blocked destination prefixes.
SMS_RATES_CACHE_SECONDS = float(os.environ.get("SMS_RATES_CACHE_SECONDS", "10"))
# How long an outbound message may stay queued or sending before the sweeper hands it to a new task.
SMS_DISPATCH_STALE_SECONDS = 60
# A message the carrier took but whose delivery report has not come after this long (the report's task was
# lost with a worker or a Redis restart) is looked up at the carrier, and again as often while it is on its way.
SMS_STATUS_QUERY_SECONDS = int(os.environ.get("SMS_STATUS_QUERY_SECONDS", "900"))
# A message still without a final status this long after the carrier took it ends undelivered (error
# ``expired``), as carriers drop messages past their validity period.
SMS_VALIDITY_HOURS = int(os.environ.get("SMS_VALIDITY_HOURS", "48"))
# How long a stored Idempotency-Key response is replayed.
IDEMPOTENCY_TTL_HOURS = 24

# Payments (billing/payments). Card and SEPA top-ups go through Stripe Checkout when a secret key is set;
# without one the card option is hidden and bank transfer still works. STRIPE_API_BASE points the official
# library elsewhere (the tests' local fake). The top-up limits are the platform's risk policy, kept beside
# the Stripe account they protect (a change is a deploy, reviewed like one), not a per-reseller setting.
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
# Payment methods offered in Checkout besides cards ("sepa_debit" for SEPA Direct Debit).
STRIPE_PAYMENT_METHODS = env_list("STRIPE_PAYMENT_METHODS", "card,sepa_debit")
TOPUP_MINIMUM = os.environ.get("TOPUP_MINIMUM", "10.00")
TOPUP_MAXIMUM = os.environ.get("TOPUP_MAXIMUM", "5000.00")
# The account resellers pay bank transfers into, shown on the wallet page with their own reference.
BANK_TRANSFER_BENEFICIARY = os.environ.get("BANK_TRANSFER_BENEFICIARY", "DIDfarm B.V.")
BANK_TRANSFER_IBAN = os.environ.get("BANK_TRANSFER_IBAN", "NL91ABNA0417164300")
BANK_TRANSFER_BIC = os.environ.get("BANK_TRANSFER_BIC", "ABNANL2A")
BANK_TRANSFER_BANK = os.environ.get("BANK_TRANSFER_BANK", "ABN AMRO")
# VIES, the EU's register of VAT ids: the REST endpoint a client's EU VAT id is checked against when the
# reseller saves its billing profile, and how long the check may take. Off unless set (the embedded run and
# the tests make no outside call); the EU's service is
# https://ec.europa.eu/taxation_customs/vies/rest-api/check-vat-number. A failed or slow check never stops
# the save; the page says the id could not be checked.
VIES_URL = os.environ.get("VIES_URL", "")
VIES_TIMEOUT_SECONDS = float(os.environ.get("VIES_TIMEOUT_SECONDS", "5"))
# Auto-recharge: failed off-session charges are retried after 1, 4 and 16 hours, then not again until the
# balance has been back above the threshold.
AUTO_RECHARGE_MAX_FAILURES = 3

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # fontTools (used by fpdf2 to embed invoice fonts) reports every glyph subset at INFO.
    "loggers": {
        "django.request": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
        # django-axes: failures and lockouts (WARNING) are worth a log line; every successful login is not.
        "axes": {"level": "WARNING"},
    },
}

CSRF_FAILURE_VIEW = "portal.views.csrf_failure"
# Largest JSON body the API reads (larger ones answer 413 payload_too_large).
API_MAX_BODY_BYTES = 1024 * 1024
# Largest form a page takes (Django's own setting, 2.5 MiB; larger ones get a 413 page).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2621440
# Largest body of any request: ten documents of REGULATORY_DOCUMENT_MAX_BYTES and their form fields
# (numbers/regulatory/api.py, numbers/porting/api.py); a chunked body is read up to this (portal/bodies.py).
REQUEST_BODY_MAX_BYTES = 10 * 20 * 1024 * 1024 + 1024 * 1024

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

SPECTACULAR_SETTINGS["PREPROCESSING_HOOKS"] = ["portal.api.schema_only_canonical_paths"]
SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"] = ["rest_framework.permissions.AllowAny"]
SPECTACULAR_SETTINGS["SERVE_AUTHENTICATION"] = []

# The sandbox carrier: seconds a provisioning takes, and the share of attempts that fail (0..1).
SANDBOX_PROVISION_SECONDS = float(os.environ.get("SANDBOX_PROVISION_SECONDS", "2"))
SANDBOX_FAILURE_RATE = float(os.environ.get("SANDBOX_FAILURE_RATE", "0"))
# The sandbox's SMS network: seconds until a handset's delivery report comes back, the share of accepted
# messages that never reach the handset (0..1), and the shared secret its callbacks to DIDfarm carry.
SANDBOX_SMS_DELIVERY_SECONDS = float(os.environ.get("SANDBOX_SMS_DELIVERY_SECONDS", "1.5"))
SANDBOX_SMS_FAILURE_RATE = float(os.environ.get("SANDBOX_SMS_FAILURE_RATE", "0"))
SANDBOX_CALLBACK_SECRET = (
    os.environ.get("SANDBOX_CALLBACK_SECRET")
    or hashlib.sha256(f"{SECRET_KEY}:sandbox-callback".encode()).hexdigest()[:32]
)
# How long a DID reservation made through /api/v3 holds a number for the account.
DIDWW_RESERVATION_MINUTES = int(os.environ.get("DIDWW_RESERVATION_MINUTES", "30"))
# How many numbers one account may hold reserved at once.
DIDWW_RESERVATIONS_MAX = int(os.environ.get("DIDWW_RESERVATIONS_MAX", "20"))
# Where clients' PBXs register (shown on every trunk) and the digest realm it uses.
SIP_SERVER = os.environ.get("SIP_SERVER", "sip.didfarm.test")
# The SIP edge (Kamailio; ``manage.py sip_edge_config`` renders its configuration, numbers/voice/edge.py).
# Where it listens (``host:port``; UDP and TCP) and, behind NAT, the public address it names in headers.
SIP_EDGE_LISTEN = os.environ.get("SIP_EDGE_LISTEN", "127.0.0.1:5060")
SIP_EDGE_ADVERTISE = os.environ.get("SIP_EDGE_ADVERTISE", "")
# SIP over TLS: with a certificate and its private key (PEM files, absolute paths), the edge also listens
# on SIP_EDGE_TLS_LISTEN (``host:port``; empty: SIP_EDGE_LISTEN's host, port 5061). Off without them.
SIP_EDGE_TLS_LISTEN = os.environ.get("SIP_EDGE_TLS_LISTEN", "")
SIP_EDGE_TLS_CERTIFICATE = os.environ.get("SIP_EDGE_TLS_CERTIFICATE", "")
SIP_EDGE_TLS_PRIVATE_KEY = os.environ.get("SIP_EDGE_TLS_PRIVATE_KEY", "")
# The carrier's signalling addresses (comma-separated IPs or CIDR ranges): their INVITEs for our numbers
# are taken without credentials. Anyone else must be an IP trunk or authenticate as a digest trunk.
SIP_EDGE_CARRIER_ADDRESSES = os.environ.get("SIP_EDGE_CARRIER_ADDRESSES", "")
# Where calls forwarded to a phone number (E.164) leave for the public network (``host[:port]``); without
# one, such calls are refused with 480.
SIP_EDGE_PSTN_GATEWAY = os.environ.get("SIP_EDGE_PSTN_GATEWAY", "")
# The port calls for IP-authenticated trunks are sent to, at the trunk's first single address.
SIP_EDGE_IP_TRUNK_PORT = int(os.environ.get("SIP_EDGE_IP_TRUNK_PORT", "5060"))
# Wrong passwords allowed per address before it is banned, and for how long (seconds).
SIP_EDGE_AUTH_FAILURES = int(os.environ.get("SIP_EDGE_AUTH_FAILURES", "10"))
SIP_EDGE_BAN_SECONDS = int(os.environ.get("SIP_EDGE_BAN_SECONDS", "300"))
# Requests per 2 s one address may send before pike bans it (the carrier's addresses are exempt).
SIP_EDGE_PIKE_DENSITY = int(os.environ.get("SIP_EDGE_PIKE_DENSITY", "60"))
# Where the portal's test calls leave from (``ip:port``): an address the edge trusts as the carrier's (in
# SIP_EDGE_CARRIER_ADDRESSES), on the machine the carrier queue's worker runs. Empty: no test calls.
SIP_EDGE_TEST_CALL_SOURCE = os.environ.get("SIP_EDGE_TEST_CALL_SOURCE", "")
# How long a test call waits for the PBX to answer (seconds).
SIP_EDGE_TEST_CALL_SECONDS = int(os.environ.get("SIP_EDGE_TEST_CALL_SECONDS", "20"))
# The daily test-call sweeps' pace: at most this many sweep calls are started a minute, across all accounts,
# so a sweep of thousands of numbers never floods the edge or a PBX (each call holds a channel for seconds).
TEST_CALL_SWEEP_PER_MINUTE = int(os.environ.get("TEST_CALL_SWEEP_PER_MINUTE", "10"))
# On where an edge runs (on PostgreSQL or the embedded SQLite file): trunks' registration state then follows the edge's
# registrations (``location``) and its call accounting becomes call records. Off, the sandbox's
# registration simulation stands in (the embedded demo).
SIP_EDGE_ENABLED = env_bool("SIP_EDGE_ENABLED", False)

# Webhooks may go to private, loopback and link-local addresses only when this is on. Off by default, so a
# URL (or a DNS answer) pointing into the private network is refused (portal/webhooks/addresses.py); the
# embedded demo run (scripts/run) and the tests switch it on to deliver to receivers on this machine, and
# the webhooks page says so while it is on.
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE", False)
# Threads per worker process that send a batch of webhook deliveries at once.
WEBHOOKS_SEND_THREADS = int(os.environ.get("WEBHOOKS_SEND_THREADS", "16"))

# What a suspended reseller's people see on a page they may not use (their balance, what is due, the way
# to pay): a function of billing's, named here so the page plumbing in portal/ imports no app.
SUSPENSION_SUMMARY = "billing.payments.suspension.suspension_summary"
