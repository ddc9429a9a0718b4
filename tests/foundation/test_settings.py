"""Settings come from SEVA_* variables; bad ones fail with the variable's name."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.errors import SettingsError
from bot.settings import load_settings
from tests.conftest import ROOT


def test_defaults_build_without_credentials():
    """The loopback defaults need no environment at all."""
    s = load_settings(x_base_url="http://127.0.0.1:8081")
    s.require_x_credentials()
    assert ["MoCI_Seva"] == s.handles
    assert ["mociseva"] == s.hashtags


def test_csv_lists_and_sigils_are_normalised(monkeypatch):
    """Comma-separated env lists are split and @/# sigils stripped."""
    monkeypatch.setenv("SEVA_HASHTAGS", "#mociseva, #startupindia")
    monkeypatch.setenv("SEVA_WATCH_HANDLES", "@PiyushGoyal,MoCI_Seva")
    s = load_settings()
    assert ["mociseva", "startupindia"] == s.hashtags
    assert ["MoCI_Seva", "PiyushGoyal"] == s.handles


@pytest.mark.parametrize(
    ("var", "value", "needle"),
    [
        ("SEVA_WEB_PORT", "eighty", "SEVA_WEB_PORT"),
        ("SEVA_ROLES", "ingest,frobnicate", "SEVA_ROLES"),
        ("SEVA_REDIS_URL", "http://localhost", "SEVA_REDIS_URL"),
        ("SEVA_DOCKET_PREFIX", "moci-1", "SEVA_DOCKET_PREFIX"),
        ("SEVA_LOG_FORMAT", "xml", "SEVA_LOG_FORMAT"),
    ],
)
def test_bad_setting_names_the_variable(monkeypatch, var, value, needle):
    """Each malformed variable produces a SettingsError that names it."""
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert needle in str(err.value)


def test_real_x_without_token_names_the_missing_variable():
    """Pointing at the real X API without a bearer token names SEVA_X_BEARER_TOKEN."""
    s = load_settings(x_base_url="https://api.x.com")
    with pytest.raises(SettingsError) as err:
        s.require_x_credentials()
    assert "SEVA_X_BEARER_TOKEN" in str(err.value)


def test_secrets_dir_supplies_tokens(tmp_path, monkeypatch):
    """Tokens can come from files in SEVA_SECRETS_DIR, as Docker secrets are mounted."""
    (tmp_path / "seva_x_bearer_token").write_text("from-a-file-123")
    monkeypatch.setenv("SEVA_SECRETS_DIR", str(tmp_path))
    s = load_settings()
    assert s.x_bearer_token is not None
    assert "from-a-file-123" == s.x_bearer_token.get_secret_value()


def _run_daemon(cwd, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "daemon.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        check=False,
    )


def test_daemon_exits_2_with_message_not_traceback(tmp_path):
    """`python daemon.py` with a bad setting prints the variable and exits 2, no traceback."""
    env = {**os.environ, "SEVA_WEB_PORT": "99999", "SEVA_ROLES": "web"}
    proc = _run_daemon(tmp_path, env)
    assert 2 == proc.returncode
    assert "SEVA_WEB_PORT" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_token_exits_2_naming_it(tmp_path):
    """Running ingest against the real X host without a token fails fast and clearly."""
    env = {**os.environ, "SEVA_X_BASE_URL": "https://api.x.com", "SEVA_ROLES": "ingest"}
    env.pop("SEVA_X_BEARER_TOKEN", None)
    proc = _run_daemon(tmp_path, env)
    assert 2 == proc.returncode
    assert "SEVA_X_BEARER_TOKEN" in proc.stderr


@pytest.mark.parametrize("timeout", ["20", "19.5"])
def test_stream_watchdog_at_or_below_keepalive_is_refused(monkeypatch, timeout):
    """A stream read timeout equal to X's 20 s keep-alive (or below it) is refused by name."""
    monkeypatch.setenv("SEVA_X_STREAM_READ_TIMEOUT_S", timeout)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert "SEVA_X_STREAM_READ_TIMEOUT_S" in str(err.value)


def test_default_stream_watchdog_is_above_the_keepalive():
    """By default the watchdog waits past X's 20 s keep-alive, as tweepy's 21 s does."""
    s = load_settings()
    assert s.x_stream_read_timeout_s > s.x_stream_keepalive_s == 20.0
