"""Safe defaults: what `make run` serves on a town's LAN without anyone setting a key,
and what production refuses to start without. Settings are imported afresh in a child
process with the environment each case names."""

import json
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from governance import crypto

ROOT = Path(__file__).resolve().parent.parent
SHOW = (
    "import json; from django.conf import settings as s; print(json.dumps({"
    "'debug': s.DEBUG, 'secret': s.SECRET_KEY, 'enc': s.FIELD_ENCRYPTION_KEY, 'hash': s.FIELD_HASH_KEY,"
    "'storage': s.STORAGES['staticfiles']['BACKEND'], 'middleware': s.MIDDLEWARE,"
    "'session_secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE}))"
)


def clean_env(tmp_path, **extra) -> dict:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DEBUG", "SECRET_KEY", "FIELD_", "HTTPS"))
    }
    env.update({"DJANGO_SETTINGS_MODULE": "governance.settings", "VAR_DIR": str(tmp_path / "var")}, **extra)
    return env


def run(code: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_out_of_the_box_debug_is_off_and_the_keys_are_generated_once_in_var(tmp_path):
    env = clean_env(tmp_path)
    first = run(SHOW, env)
    assert first.returncode == 0, first.stderr
    settings = json.loads(first.stdout)
    assert settings["debug"] is False
    assert "whitenoise" in settings["storage"].lower()
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings["middleware"]
    kept = tmp_path / "var"
    for name in ("secret_key", "field_encryption_key", "field_hash_key"):
        assert stat.S_IMODE((kept / name).stat().st_mode) == 0o600
    assert settings["secret"] == (kept / "secret_key").read_text().strip() and len(settings["secret"]) >= 50
    from cryptography.fernet import Fernet

    Fernet(settings["enc"])  # a valid key
    second = json.loads(run(SHOW, env).stdout)  # reused, not made again
    assert (second["secret"], second["enc"], second["hash"]) == (
        settings["secret"],
        settings["enc"],
        settings["hash"],
    )


def test_debug_is_on_only_when_asked_for(tmp_path):
    assert json.loads(run(SHOW, clean_env(tmp_path, DEBUG="1")).stdout)["debug"] is True


def test_with_debug_off_keys_derived_from_the_secret_key_stop_the_start(tmp_path):
    result = run(SHOW, clean_env(tmp_path, SECRET_KEY="x" * 60))
    assert result.returncode != 0 and "FIELD_ENCRYPTION_KEY" in result.stderr
    # in development (DEBUG=1) the derivation is still allowed
    assert run(SHOW, clean_env(tmp_path, SECRET_KEY="x" * 60, DEBUG="1")).returncode == 0


def production_env(tmp_path) -> dict:
    """The documented production set-up: docker-compose.yml's environment."""
    return clean_env(
        tmp_path,
        DEBUG="0",
        HTTPS="1",
        SECRET_KEY="Kq8-Jx2_vT9pLr4mWn7ZsB1cYd6FhG3eUa5NiO0kVt8RwQy2XbMz",
        FIELD_ENCRYPTION_KEY="a" * 43 + "=",
        FIELD_HASH_KEY="h" * 40,
        ALLOWED_HOSTS="localhost,127.0.0.1",
        CACHE_URL="redis://127.0.0.1:6379/1",
    )


def test_in_production_cookies_are_secure_and_check_deploy_has_no_warning(tmp_path):
    env = production_env(tmp_path)
    settings = json.loads(run(SHOW, env).stdout)
    assert settings["session_secure"] and settings["csrf_secure"]
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "no issues" in check.stdout and "WARNING" not in check.stdout + check.stderr


def test_a_value_that_cannot_be_decrypted_is_logged_as_an_error(caplog):
    with caplog.at_level(logging.ERROR, logger="governance.crypto"):
        assert crypto.decrypt("not-a-token") == ""
    assert any(r.levelno == logging.ERROR and "cannot be decrypted" in r.getMessage() for r in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="governance.crypto"):
        assert crypto.decrypt(crypto.encrypt("13800001111")) == "13800001111"
    assert not caplog.records


@pytest.mark.parametrize("name", ["docker-compose.yml"])
def test_the_compose_file_sets_what_production_needs(name):
    text = (ROOT / name).read_text()
    for key in ('DEBUG: "0"', "HTTPS:", "FIELD_ENCRYPTION_KEY:", "FIELD_HASH_KEY:", "CACHE_URL:"):
        assert key in text
