"""The committed schema (docs/openapi.yaml) through the tools of the TypeScript world, at the
versions .ci/node/package-lock.json pins (installed with ``npm ci`` into .ci/node/node_modules):

* Redocly's linter with its recommended rules (redocly.yaml) finds no error and no warning;
* openapi-typescript with its default options writes the types under which ``tsc --strict``
  compiles docs/examples/client.ts, the README's Python client example in TypeScript.

They need Node.js and npm: without them they are skipped, saying so (``.ci/run`` installs Debian's
``nodejs`` and ``npm``). They are marked ``node``: slower than the rest, they run once in CI (on
SQLite) like the browser tests.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
NODE_DIR = ROOT / ".ci" / "node"
SCHEMA_FILE = ROOT / "docs" / "openapi.yaml"
EXAMPLE = ROOT / "docs" / "examples" / "client.ts"
# What the README's example and every generated client of the API is compiled for.
TSC_OPTIONS = ["--noEmit", "--strict", "--target", "es2022", "--module", "es2022", "--moduleResolution", "bundler",
               "--lib", "es2022,dom"]

pytestmark = [
    pytest.mark.node,
    pytest.mark.skipif(not (shutil.which("node") and shutil.which("npm")),
                       reason="no Node.js and npm on this machine (apt-get install nodejs npm)"),
]


def run(command: list, **kwargs) -> subprocess.CompletedProcess:
    # Note: no telemetry, no update check: the tools ask nothing of the network once installed.
    env = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true", "NO_COLOR": "1"}
    return subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=300,
                          check=False, env=env, **kwargs)


@pytest.fixture(scope="module")
def tools() -> Path:
    """The folder of the pinned tools' commands, installed with ``npm ci`` when missing or older
    than the lock file."""
    installed = NODE_DIR / "node_modules" / ".package-lock.json"  # npm writes it on every install
    newest = max((NODE_DIR / name).stat().st_mtime for name in ("package.json", "package-lock.json"))
    if not installed.exists() or installed.stat().st_mtime < newest:
        result = run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR)
        assert result.returncode == 0, f"npm ci failed in .ci/node:\n{result.stdout}\n{result.stderr}"
    return NODE_DIR / "node_modules" / ".bin"


def test_redocly_config_switches_off_only_the_trailing_slash_rule():
    config = yaml.safe_load((ROOT / "redocly.yaml").read_text(encoding="utf-8"))
    assert config == {"extends": ["recommended"], "rules": {"no-path-trailing-slash": "off"}}


def test_redocly_recommended_rules_find_nothing(tools):
    result = run([tools / "redocly", "lint", "--config", "redocly.yaml", SCHEMA_FILE, "--format", "json"], cwd=ROOT)
    report = json.loads(result.stdout)
    problems = [f"{p['severity']} {p['ruleId']}: {p['message']} at {p['location'][0].get('pointer')}"
                for p in report["problems"]]
    assert report["totals"] == {"errors": 0, "warnings": 0, "ignored": 0}, "\n".join(problems)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def typescript(tools, tmp_path_factory) -> Path:
    """A folder holding ``openapi.d.ts``, the schema's types as openapi-typescript writes them."""
    folder = tmp_path_factory.mktemp("typescript")
    generated = run([tools / "openapi-typescript", SCHEMA_FILE, "--output", folder / "openapi.d.ts"], cwd=ROOT)
    assert generated.returncode == 0, f"openapi-typescript failed:\n{generated.stdout}\n{generated.stderr}"
    return folder


def test_the_readme_example_compiles_in_typescript_strict_mode(tools, typescript):
    shutil.copy(EXAMPLE, typescript / "client.ts")
    compiled = run([tools / "tsc", *TSC_OPTIONS, typescript / "client.ts"], cwd=typescript)
    assert compiled.returncode == 0, f"tsc --strict refused the example:\n{compiled.stdout}\n{compiled.stderr}"


def test_typescript_refuses_a_body_the_schema_refuses(tools, typescript):
    """The check can fail: a submission without its village, with a count as text, or with a field
    the schema does not have, does not compile."""
    (typescript / "wrong.ts").write_text(
        'import type { components } from "./openapi";\n'
        'type Entry = components["schemas"]["SubmissionEntryRequest"];\n'
        "export const noVillage: Entry = { full_members: 3 };\n"
        'export const countAsText: Entry = { village: 6, full_members: "3" };\n'
        "export const unknownField: Entry = { village: 6, cel: 1 };\n",
        encoding="utf-8",
    )
    compiled = run([tools / "tsc", *TSC_OPTIONS, typescript / "wrong.ts"], cwd=typescript)
    errors = [line for line in compiled.stdout.splitlines() if ": error TS" in line]
    assert [line.split("(")[1].split(",")[0] for line in errors] == ["3", "4", "5"], compiled.stdout
