"""Settings are read once at import, so each case starts a fresh Python process."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    clean["DJANGO_SETTINGS_MODULE"] = "ncasite.settings"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(**extra: str) -> dict[str, str]:
    return {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "news.example.org",
        **extra,
    }


DUMP_SETTINGS = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
cache = settings.CACHES["default"]
print(json.dumps({
    "db": {k: db.get(k) for k in ("ENGINE", "NAME", "USER", "HOST", "PORT", "CONN_MAX_AGE",
                                   "CONN_HEALTH_CHECKS", "OPTIONS")},
    "cache": {"BACKEND": cache["BACKEND"], "LOCATION": cache.get("LOCATION"),
              "OPTIONS": cache.get("OPTIONS", {})},
    "debug": settings.DEBUG,
    "session_cookie": settings.SESSION_COOKIE_NAME,
    "csrf_cookie": settings.CSRF_COOKIE_NAME,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "silenced": settings.SILENCED_SYSTEM_CHECKS,
    "proxy_header": settings.SECURE_PROXY_SSL_HEADER,
}))
"""


def dump_settings(**env: str) -> dict:
    result = run_python(DUMP_SETTINGS, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


CHECK_DEPLOY = (
    "from django.core.management import execute_from_command_line; "
    "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])"
)


def test_check_deploy_has_no_warnings_under_production_settings():
    result = run_python(CHECK_DEPLOY, **production_env(), REDIS_URL="redis://127.0.0.1:6379/0")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_check_deploy_warns_that_production_needs_a_shared_cache():
    result = run_python(CHECK_DEPLOY, **production_env())
    assert result.returncode != 0
    assert "core.W001" in result.stderr and "REDIS_URL" in result.stderr


def test_development_keeps_the_local_memory_cache_without_a_warning():
    result = run_python(CHECK_DEPLOY.replace("'--deploy', ", ""), DJANGO_DEBUG="true")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "core.W001" not in result.stderr + result.stdout


START_SITE = "import ncasite.wsgi"


def test_production_refuses_to_start_without_secret_key():
    result = run_python(START_SITE, DJANGO_DEBUG="false")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_development_secret_key():
    result = run_python(
        START_SITE,
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="django-insecure-development-only-never-use-this-key-in-production",
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_debug_defaults_to_off():
    result = run_python(START_SITE)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_without_key_refuses_to_sign_anything():
    code = "import django; django.setup(); from django.core import signing; signing.dumps(1)"
    result = run_python(code, DJANGO_DEBUG="false", DJANGO_SECRET_KEY="short")
    assert result.returncode != 0
    assert "SECRET_KEY setting must not be empty" in result.stderr


def test_commands_that_sign_nothing_run_without_any_configuration():
    result = run_python(
        "from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'makemigrations', '--check', '--dry-run'])"
    )
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_asgi_refuses_to_start_without_secret_key_too():
    result = run_python("import ncasite.asgi", DJANGO_DEBUG="false")
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_invalid_boolean_is_a_clear_error():
    result = run_python("import django; django.setup()", DJANGO_DEBUG="maybe")
    assert "DJANGO_DEBUG must be true or false" in result.stderr


def test_database_url_configures_postgresql_with_persistent_connections():
    dumped = dump_settings(
        DJANGO_DEBUG="true", DATABASE_URL="postgres://alice:pw@db.internal:6543/ncasite"
    )
    assert dumped["db"] == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "ncasite",
        "USER": "alice",
        "HOST": "db.internal",
        "PORT": 6543,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"server_side_binding": True, "prepare_threshold": 5},
    }


def test_prepared_statements_can_be_turned_off_for_a_transaction_pooler():
    dumped = dump_settings(
        DJANGO_DEBUG="true",
        DATABASE_URL="postgres://alice:pw@pgbouncer:6432/ncasite",
        DJANGO_DB_PREPARED_STATEMENTS="false",
    )
    assert not dumped["db"]["OPTIONS"]


def test_without_database_url_sqlite_lives_in_ignored_var_folder():
    dumped = dump_settings(DJANGO_DEBUG="true")
    assert dumped["db"]["ENGINE"] == "django.db.backends.sqlite3"
    assert dumped["db"]["NAME"] == str(ROOT / "var" / "db.sqlite3")
    assert "var/" in (ROOT / ".gitignore").read_text().splitlines()


def test_redis_url_configures_redis_cache_that_tolerates_outages():
    dumped = dump_settings(DJANGO_DEBUG="true", REDIS_URL="redis://cache.internal:6379/2")
    assert dumped["cache"]["BACKEND"] == "django_redis.cache.RedisCache"
    assert dumped["cache"]["LOCATION"] == "redis://cache.internal:6379/2"
    assert dumped["cache"]["OPTIONS"]["IGNORE_EXCEPTIONS"] is True
    assert dumped["cache"]["OPTIONS"]["SOCKET_TIMEOUT"] < 1


def test_without_redis_url_cache_is_local_memory():
    dumped = dump_settings(DJANGO_DEBUG="true")
    assert dumped["cache"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_production_cookies_use_host_prefix_and_local_development_does_not():
    assert dump_settings(**production_env())["session_cookie"] == "__Host-sessionid"
    assert dump_settings(**production_env())["csrf_cookie"] == "__Host-csrftoken"
    assert dump_settings(DJANGO_DEBUG="true")["session_cookie"] == "sessionid"


def test_ssl_redirect_can_be_left_to_a_tls_proxy():
    dumped = dump_settings(
        **production_env(DJANGO_SECURE_SSL_REDIRECT="false", DJANGO_SECURE_PROXY_SSL_HEADER="1")
    )
    assert dumped["ssl_redirect"] is False
    assert "security.W008" in dumped["silenced"]
    assert dumped["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_redis_outage_degrades_to_cache_misses():
    code = (
        "import django; django.setup(); from django.core.cache import cache; "
        "cache.set('k', 1); print(repr(cache.get('k')))"
    )
    result = run_python(code, DJANGO_DEBUG="true", REDIS_URL="redis://127.0.0.1:1/0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "None"


@pytest.mark.django_db
def test_migrations_are_in_sync_with_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
