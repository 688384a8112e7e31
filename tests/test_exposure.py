"""Exposure (issue #8, part 5): no credentials in the repository's files; where a server is configured (the Dagster
instance on Postgres), the credentials come from the environment. The UI's loopback binding is tested in
test_ui.py, unpublished months in test_quality_gate.py, formula escaping in test_compare.py and test_bulletin.py.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
NOT_SOURCE = {".venv", "data", ".git", "bench/tmp", "dbt_project/target", "dbt_project/logs", "tests/artifacts"}
CREDENTIAL_KEY = re.compile(r"""(?ix)["']?\b([a-z_]*(?:password|passwd|secret|token|api[_-]?key|access[_-]?key)
                                [a-z_]*)\b["']?\s*[:=]\s*(?P<value>[^\s,#)]+)""")
FROM_ENVIRONMENT = re.compile(r"""env_var\(|^\{?env\b|os\.environ|getenv|\$\{|^\S*(?:none|null|true|false)\b""", re.I)
# A line of a deliberate example (this file's planted credentials and patterns) carries detect-secrets' marker;
# the marker is allowed in this file only (test_the_allow_marker_is_used_here_only).
ALLOW_MARKER = "pragma: allowlist secret"
SECRET_SHAPES = {  # pragma: allowlist secret
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS access key id": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "URL with a password": re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@"),  # pragma: allowlist secret
}


def repository_files() -> list[Path]:
    try:
        listed = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout
        files = [REPO / line for line in listed.splitlines()]
    except (OSError, subprocess.CalledProcessError):  # an exported tree without .git
        files = [p for p in REPO.rglob("*") if p.is_file()]
    return [f for f in files if f.is_file()
            and not any(f.relative_to(REPO).as_posix().startswith(part + "/") for part in NOT_SOURCE)]


def credential_findings(path: Path, text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if ALLOW_MARKER in line:
            continue
        for what, shape in SECRET_SHAPES.items():
            if shape.search(line):
                found.append(f"{path}:{number}: {what}")
        for match in CREDENTIAL_KEY.finditer(line):
            value = match.group("value").strip("\"'")
            if value and not FROM_ENVIRONMENT.search(value) and not FROM_ENVIRONMENT.search(line[match.end():]):
                found.append(f"{path}:{number}: {match.group(1)} set to a literal value")
    return found


def test_the_scanner_finds_credentials_written_into_files():
    planted = ('password: hunter2\nMOTHERDUCK_TOKEN = "eyJhbGciOi"\nurl: postgresql://app:pw@db:5432/x\n'  # pragma: allowlist secret
               "-----BEGIN RSA PRIVATE KEY-----\nkey_id: AKIAABCDEFGHIJKLMNOP\n")  # pragma: allowlist secret
    found = credential_findings(Path("planted.yaml"), planted)
    assert len(found) == 5, found
    from_env = ('password:\n  env: PARKSTATS_PG_PASSWORD\npassword: {env: X}\n'  # pragma: allowlist secret
                "token: \"{{ env_var('MOTHERDUCK_TOKEN') }}\"\ntoken = os.environ[\"T\"]\n")
    assert credential_findings(Path("ok.yaml"), from_env) == []


def test_no_credentials_in_the_repository():
    files = repository_files()
    assert len(files) > 100 and any(f.name == "profiles.yml" for f in files)
    found = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary (xlsx fixtures): no credentials are written by hand there
        found += credential_findings(path.relative_to(REPO), text)
    assert found == []


def test_the_allow_marker_is_used_here_only():
    """The marker hides a line from the scan: only this file's planted examples may carry it."""
    marked = [path.relative_to(REPO).as_posix() for path in repository_files()
              if path.suffix in (".py", ".yml", ".yaml", ".toml", ".json", ".md", ".sql", ".cfg", ".ini", "")
              and ALLOW_MARKER in path.read_text(encoding="utf-8", errors="replace")]
    assert marked == ["tests/test_exposure.py"]
    planted = f"password: hunter2  # {ALLOW_MARKER}\npassword: hunter3\n"  # pragma: allowlist secret
    assert credential_findings(Path("x.yaml"), planted) == ["x.yaml:2: password set to a literal value"]


def test_dbt_profiles_take_nothing_secret_from_the_file():
    profile = yaml.safe_load((REPO / "dbt_project" / "profiles.yml").read_text(encoding="utf-8"))["parkstats"]
    for name, output in profile["outputs"].items():
        assert output["path"].startswith("{{ env_var("), f"target {name}: the warehouse path comes from the environment"
        flat = yaml.safe_dump(output)
        assert credential_findings(Path(f"profiles.yml:{name}"), flat) == []


def test_dagster_on_postgres_reads_its_credentials_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    from dagster._config import process_config
    from dagster_postgres import DagsterPostgresStorage

    from pipelines.settings import STORAGE_ENV, instance_config_text

    assert "postgres" not in instance_config_text()  # the default instance keeps its files in DAGSTER_HOME
    monkeypatch.setenv(STORAGE_ENV, "postgres")
    config = yaml.safe_load(instance_config_text())
    database = config["storage"]["postgres"]["postgres_db"]
    assert all(set(value) == {"env"} for value in database.values()), database
    assert config["concurrency"] == yaml.safe_load((REPO / "dagster.yaml").read_text())["concurrency"]

    env = {"PARKSTATS_PG_HOST": "db.internal", "PARKSTATS_PG_PORT": "5433", "PARKSTATS_PG_DB": "dagster",
           "PARKSTATS_PG_USER": "parkstats", "PARKSTATS_PG_PASSWORD": "from-the-environment"}  # pragma: allowlist secret
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    resolved = process_config(DagsterPostgresStorage.config_type(), config["storage"]["postgres"])
    assert resolved.success, resolved.errors
    assert resolved.value["postgres_db"]["password"] == "from-the-environment"
    assert resolved.value["postgres_db"]["port"] == 5433

    monkeypatch.delenv("PARKSTATS_PG_PASSWORD")
    missing = process_config(DagsterPostgresStorage.config_type(), config["storage"]["postgres"])
    assert not missing.success and "PARKSTATS_PG_PASSWORD" in str(missing.errors[0].message)

    monkeypatch.setenv(STORAGE_ENV, "mysql")
    with pytest.raises(ValueError, match="expected sqlite or postgres"):
        instance_config_text()
