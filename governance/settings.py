"""Settings for the village governance platform.

Everything comes from the environment with defaults that run on a fresh machine with
Python alone: a SQLite file in the project and Celery's file-system broker. Set
``DATABASE_URL`` and ``REDIS_URL`` for PostgreSQL and Redis (CI and production).
"""

import base64
import datetime
import os
import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def kept_secret(name: str, make) -> str:
    """A secret generated once and kept in ``VAR_DIR/<name>`` (mode 600), then reused:
    what ``make run`` needs to be safe on a LAN without anyone setting a key. Created
    atomically (a hard link of a finished file), since the web server, the worker and
    beat may start at once."""
    path = VAR_DIR / name
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        tmp = VAR_DIR / f".{name}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(make())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process was first: use its value
        finally:
            tmp.unlink()
    return path.read_text().strip()


# Off unless asked for: `make run` is what a town office serves on its network, and a
# debug page shows any visitor the settings and the code. DEBUG=1 for development (the
# test suite sets it, see governance/testing_defaults.py).
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or kept_secret("secret_key", lambda: secrets.token_urlsafe(50))
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# Personal data (ID and phone numbers) is encrypted at rest with FIELD_ENCRYPTION_KEY (a
# Fernet key; comma-separate several to rotate) and found by exact match through a keyed
# hash under FIELD_HASH_KEY (PIPL). A deployment sets both with SECRET_KEY (losing them
# loses the data: keep them apart from the database's backups). Out of the box (no
# SECRET_KEY set either) they are generated once and kept in var/ beside the database.
# Unset in a deployment they would derive from SECRET_KEY, which is refused unless DEBUG.
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")
FIELD_HASH_KEY = os.environ.get("FIELD_HASH_KEY", "")
if not os.environ.get("SECRET_KEY"):
    FIELD_ENCRYPTION_KEY = FIELD_ENCRYPTION_KEY or kept_secret(
        "field_encryption_key", lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    )
    FIELD_HASH_KEY = FIELD_HASH_KEY or kept_secret("field_hash_key", lambda: secrets.token_urlsafe(32))
if not DEBUG and not (FIELD_ENCRYPTION_KEY and FIELD_HASH_KEY):
    raise ImproperlyConfigured(
        "Set FIELD_ENCRYPTION_KEY and FIELD_HASH_KEY when SECRET_KEY is set and DEBUG is off: "
        "derived from SECRET_KEY, a changed secret key would make the personal data unreadable."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # its widget templates, for FORM_RENDERER
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_celery_beat",
    "axes",
    "django_htmx",
    "governance",
    "grids",
    "duty",
    "cases",
    "scoring",
    "affairs",
    "organisation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything that reads the path or the form: a NUL byte answers 400 here.
    "governance.middleware.ControlCharacterMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "governance.middleware.RequestIdMiddleware",
    # Last, as django-axes asks: answers a locked-out log-in (the page and the admin).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "governance.urls"
WSGI_APPLICATION = "governance.wsgi.application"
ASGI_APPLICATION = "governance.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "governance.frontend.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # The web server, the worker and beat share one file: WAL lets readers run beside a
    # writer, the busy timeout waits instead of failing, and IMMEDIATE transactions take
    # the write lock up front so two writers never deadlock on a lock upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SQLITE_TEST_NAME") or None}
else:
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("PG_TEST_NAME") or None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "governance.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a log-in while its username and address are locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
# Repeated wrong passwords lock out the pair of username and address (not the username
# alone, which would let anyone lock a user out): AXES_FAILURE_LIMIT failures, for
# AXES_COOLOFF_MINUTES. A successful log-in clears the count; `manage.py axes_reset`
# lifts a lock-out.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"  # in the user's language, status 429
# API tokens expire after this many days (0: never); a password change revokes them.
TOKEN_TTL_DAYS = int(os.environ.get("TOKEN_TTL_DAYS", "90"))
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "staticfiles"))
# Front-end packages from the npm registry, fetched by scripts/fetch_assets.py (make install).
VENDOR_DIR = BASE_DIR / "var" / "vendor"
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor", VENDOR_DIR)]
# Forms render as Bootstrap fields, each with its errors beside it (templates/forms/).
FORM_RENDERER = "governance.frontend.FormRenderer"
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
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

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "governance.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["governance.api.permissions.ScopedPermission"],
    # JSON with a nesting limit and no control characters (governance.api.parsers).
    "DEFAULT_PARSER_CLASSES": [
        "governance.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "governance.api.filters.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "governance.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "governance.api.exceptions.exception_handler",
    # Every API request is throttled per user or, anonymous, per address; open endpoints
    # add the "public" scope (governance.api.throttles.PublicThrottle).
    "DEFAULT_THROTTLE_CLASSES": [
        "governance.api.throttles.AnonThrottle",
        "governance.api.throttles.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("THROTTLE_ANON", "60/minute"),
        "user": os.environ.get("THROTTLE_USER", "1200/minute"),
        # the board, tracking, rating and Open311 submissions, per address
        "public": os.environ.get("THROTTLE_PUBLIC", "30/minute"),
        # exact-match searches by ID or phone number, per user (grids.filters)
        "personal_lookup": os.environ.get("THROTTLE_PERSONAL_LOOKUP", "60/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Village grid governance API",
    "DESCRIPTION": "Town → village → grid → household hierarchy, calendar, cases and scoring.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CaseStateEnum": "cases.choices.CaseState",
        "CaseMoveEnum": "cases.choices.Move",
        "CaseSourceEnum": "cases.choices.Source",
        "CalendarSourceEnum": "governance.choices.CalendarSource",
        # A roster's and an inspection's state (draft, published), one choice set; the nine
        # duty items, named alike wherever they are a field (an amendment's item, the items
        # an inspection saw).
        "StateEnum": "duty.choices.InspectionState",
        "ItemEnum": "duty.choices.Item",
        # A household visit's kind (routine, special, three musts, by phone) beside a flag's.
        "VisitKindEnum": "duty.choices.VisitKind",
        # A ranking's period (week, month) beside the other kinds.
        "PeriodKindEnum": "scoring.choices.PeriodKind",
        "IndicatorEnum": "scoring.choices.Indicator",
        # What earns a point rule and an entry (a signed log, a visit, …) beside a case's source.
        "PointSourceEnum": "scoring.choices.PointSource",
        # A council topic's or meeting's kind (council, courtyard meeting) beside the others.
        "TopicKindEnum": "affairs.choices.TopicKind",
        # The responsibility map's level (village, area, household) beside a case's level.
        "ResponsibilityLevelEnum": "organisation.choices.Level",
        "CaseLevelEnum": "cases.choices.Level",
        # An officer's yearly grade and a night visit matter's outcome beside the others'.
        "OfficerGradeEnum": "organisation.choices.OfficerGrade",
        "NightVisitMatterOutcomeEnum": "organisation.choices.MatterOutcome",
        "NightVisitStateEnum": "organisation.choices.NightVisitState",
        # A yearly review's grade and a commitment's state (secretaries' files) beside the others'.
        "ReviewGradeEnum": "organisation.choices.ReviewGrade",
        "CommitmentStateEnum": "organisation.choices.CommitmentState",
        "AssessmentGradeEnum": "scoring.choices.Grade",
    },
    # Swagger UI comes from the installed sidecar package: the docs page loads no CDN asset.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# The cache holds the throttles' counters. One process: memory. Several (gunicorn
# workers): set CACHE_URL (docker-compose uses its Redis), or each counts alone.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Celery. Without REDIS_URL the broker is kombu's file-system transport, which needs no
# server and runs a real worker and beat on one machine.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The one beat schedule. django-celery-beat copies it into the database on start, where
# town office staff can pause or retime an entry in the admin.
CELERY_BEAT_SCHEDULE = {
    # Every 5 minutes: overdue village cases go to the town, overdue town cases are
    # flagged for supervision, reminders go out a working day before each deadline.
    # Idempotent and safe on two workers (cases.sweeps).
    "case-escalation-sweep": {
        "task": "cases.tasks.escalation_sweep",
        "schedule": crontab(minute="*/5"),
    },
    # Every minute: deliver the notifications still pending. Each transaction queues its
    # own delivery after commit, but that is best-effort (a broker that is down is only
    # logged, cases.notify) and a gateway may fail a batch: this sends what they left.
    # Locked batches, so it is safe beside those deliveries and on two workers.
    "case-notification-delivery": {
        "task": "cases.tasks.deliver_pending_notifications",
        "schedule": crontab(),
        # django-celery-beat sends it to expire in 55 s: a run not started within the
        # minute (the worker busy or down) is left to the next one, not piled up
        "options": {"expire_seconds": 55},
    },
    # Every day at 08:00: warn while the working-day calendar lacks the coming year's
    # official schedule, while deadlines there count the statutory holidays provisionally.
    "calendar-coverage-check": {
        "task": "governance.tasks.calendar_coverage_check",
        "schedule": crontab(minute=0, hour=8),
    },
    # Every day at 07:00: yesterday's duty days without a signed duty log are flagged to
    # the town office. Idempotent and safe on two workers (a unique key per village/day).
    "duty-missing-log-flags": {
        "task": "duty.tasks.flag_missing_logs",
        "schedule": crontab(minute=0, hour=7),
    },
    # Every day at 07:30, after the missing-log sweep: yesterday's signed duty logs that
    # look gone through the motions (copied text, a photo used again, a far or late
    # check-in, days signed in one sitting, spot checks that always pass) are flagged to
    # the town office (duty.motions). Idempotent and safe on two workers (the same key).
    "duty-motion-flags": {
        "task": "duty.tasks.check_motions",
        "schedule": crontab(minute=30, hour=7),
    },
    # Every day at 06:30: party members' points for the events of the last 7 days (signed
    # duty logs, visits, cases solved in time, theme-day attendance). A week, not a day: a
    # log signed or a visit recorded late still earns its points; each event earns once
    # (a unique key per member, rule and event) and the caps hold on two workers (a lock
    # per town), so going over the same days again writes nothing more.
    "scoring-collect-points": {
        "task": "scoring.tasks.collect_points",
        "schedule": crontab(minute=30, hour=6),
        "kwargs": {"days": 7},
    },
    # Every Monday at 02:30: the last complete week's village ranking of every town, and
    # on the 1st of the month at 03:00 the last month's (scoring.ranking). Idempotent and
    # safe on two workers (one snapshot per town and period: a unique key).
    "scoring-weekly-ranking": {
        "task": "scoring.tasks.rank_villages",
        "schedule": crontab(minute=30, hour=2, day_of_week=1),
        "kwargs": {"kind": "week"},
    },
    "scoring-monthly-ranking": {
        "task": "scoring.tasks.rank_villages",
        "schedule": crontab(minute=0, hour=3, day_of_month=1),
        "kwargs": {"kind": "month"},
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Served over HTTPS (the production set-up: docker-compose behind a TLS proxy that sets
# X-Forwarded-Proto): cookies only over HTTPS, plain HTTP redirected, HSTS. Off for
# `make run` on a LAN over plain HTTP. /healthz stays plain for the container check.
HTTPS = env_bool("HTTPS", env_bool("SECURE_COOKIES", False))
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
