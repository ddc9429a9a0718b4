"""The Dockerfile and docker-compose.yml, checked as far as we can without a Docker engine."""

from __future__ import annotations

import importlib.util
import re
from typing import Any

import yaml

from bot.settings import Settings
from tests.conftest import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _instructions() -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    lines = [
        ln.strip() for ln in joined.splitlines() if ln.strip() and not ln.lstrip().startswith("#")
    ]
    return [
        (ln.split(None, 1)[0].upper(), ln.split(None, 1)[1] if " " in ln else "") for ln in lines
    ]


def test_dockerfile_copies_only_files_that_exist():
    """Every COPY source (outside multi-stage copies) is a path in the repository."""
    for op, args in _instructions():
        if op != "COPY" or "--from=" in args:
            continue
        sources = [a for a in args.split() if not a.startswith("--")][:-1]
        for src in sources:
            assert (ROOT / src).exists(), f"COPY source {src} does not exist"


def test_dockerfile_runs_as_non_root_with_a_status_healthcheck():
    """The final stage drops root and its healthcheck is `seva status`."""
    ops = _instructions()
    final = ops[max(i for i, (op, _) in enumerate(ops) if op == "FROM") :]
    users = [args for op, args in final if op == "USER"]
    assert users
    assert "root" != users[-1]
    health = [args for op, args in final if op == "HEALTHCHECK"]
    assert 1 == len(health)
    assert '["seva", "status"]' in health[0]
    assert any(op == "ENTRYPOINT" and args.startswith("[") for op, args in final)  # exec form


def _argv(service: dict[str, Any]) -> str:
    """A service's entrypoint and command as one string (the argv its process gets)."""
    parts = []
    for key in ("entrypoint", "command"):
        value = service.get(key) or []
        parts.extend([value] if isinstance(value, str) else value)
    return " ".join(str(p) for p in parts)


def test_compose_has_redis_with_aof_rasa_and_the_daemon():
    """Compose runs redis with AOF on, the pinned Rasa image, and the daemon."""
    services = COMPOSE["services"]
    assert {"redis", "rasa", "daemon"} == set(services)
    assert "--appendonly yes" in _argv(services["redis"])
    assert "rasa/rasa:3.6.21" == services["rasa"]["image"]
    assert "--enable-api" in services["rasa"]["command"]


def test_compose_publishes_the_daemon_s_port_on_the_host_s_loopback_only():
    """Inside its container the daemon binds 0.0.0.0 on the published port; the host, 127.0.0.1."""
    daemon = COMPOSE["services"]["daemon"]
    env = daemon["environment"]
    assert "0.0.0.0" == env["SEVA_WEB_HOST"]
    assert [f"127.0.0.1:{env['SEVA_WEB_PORT']}:{env['SEVA_WEB_PORT']}"] == daemon["ports"]
    assert "SEVA_WEB_HOST=0.0.0.0" in DOCKERFILE


def test_no_secret_is_on_any_command_line():
    """No token or password in any service's command: only in secret files, read at start."""
    for name, service in COMPOSE["services"].items():
        argv = _argv(service)
        for needle in ("--auth-token", "--requirepass", "${", "TOKEN", "PASSWORD}"):
            assert needle not in argv, (name, needle)
        healthcheck = " ".join(service.get("healthcheck", {}).get("test", []))
        assert "${" not in healthcheck, name
    for name, service in COMPOSE["services"].items():
        assert not any("TOKEN" in k or "PASSWORD" in k for k in service.get("environment", {})
                       if not k.endswith("_FILE")), name  # fmt: skip


def test_compose_locks_redis_and_rasa_with_secret_files():
    """Redis demands the password, Rasa reads its token from a file, and the daemon has both."""
    services = COMPOSE["services"]
    assert "requirepass" in _argv(services["redis"])
    assert "/run/secrets/seva_redis_password" in _argv(services["redis"])
    assert "seva_redis_password" in services["redis"]["secrets"]
    rasa = services["rasa"]
    assert "/app/seva/serve.py" in rasa["entrypoint"]
    assert any(v.startswith("./nlu/serve.py:/app/seva/serve.py") for v in rasa["volumes"])
    assert "/run/secrets/seva_rasa_token" == rasa["environment"]["SEVA_RASA_TOKEN_FILE"]
    assert {"seva_redis_password", "seva_rasa_token"} <= set(services["daemon"]["secrets"])
    assert "/run/secrets" == services["daemon"]["environment"]["SEVA_SECRETS_DIR"]


def test_compose_sets_only_real_settings():
    """Every SEVA_* variable given to the daemon is a setting the daemon knows."""
    known = {f"SEVA_{name.upper()}" for name in Settings.model_fields} | {"SEVA_SECRETS_DIR"}
    given = set(COMPOSE["services"]["daemon"]["environment"])
    assert set() == given - known
    for secret in COMPOSE["secrets"]:
        assert f"SEVA_{secret.removeprefix('seva_').upper()}" in known


def _settings_table() -> Any:
    """scripts/settings_table.py, imported (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location(
        "settings_table", ROOT / "scripts" / "settings_table.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_setting_has_a_description():
    """Every SEVA_* setting says what it means (Field(description=...)): the README shows it."""
    assert [] == [n for n, f in Settings.model_fields.items() if not (f.description or "").strip()]


def test_readme_settings_tables_are_the_generated_ones():
    """README.md's settings tables are exactly what scripts/settings_table.py generates."""
    script = _settings_table()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert script.table() == script.readme_block(readme), (
        "README.md's settings tables are stale: run python scripts/settings_table.py --write"
    )
    # Every setting is in exactly one of its tables.
    listed = re.findall(r"^\| `SEVA_([A-Z0-9_]+)` \|", script.table(), flags=re.MULTILINE)
    assert sorted(n.upper() for n in Settings.model_fields) == sorted(listed)
