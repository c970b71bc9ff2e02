"""The action server's code stays thin: what it imports, and that importing it does nothing.

Actions meet the gateway only through the contract (bot/dialogue/contract.py); they use the
records, the policy rules and the directory library, and nothing else of ours. Importing them
(as the action server does at start-up, and tools do to list them) must not load settings,
read project files or create any: the settings are read on first use.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = (
    "rasa_sdk", "actions", "bot.dialogue.contract", "bot.records", "bot.policy", "bot.text", "bot.statuses",
    "bot.db", "bot.models", "bot.config", "community_directory",
    "bot.jobs.send_window",  # the check-in hours: a pure rule (no I/O) the goal step quotes to the person
)
OURS = ("actions", "bot", "community_directory")

# Run in a fresh interpreter: records every file opened while importing every actions module.
PROBE = r"""
import importlib, json, pkgutil, sys
opened = []
sys.addaudithook(lambda event, args: opened.append([str(args[0]), str(args[1])]) if event == "open" else None)
import actions
for module in pkgutil.iter_modules(actions.__path__):
    importlib.import_module(f"actions.{module.name}")
print(json.dumps(opened))
"""


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _is_ours(path: str) -> bool:
    """A project file that is not code (code is read by the import system, which is fine)."""
    if not path.startswith(str(ROOT)) or path.startswith(str(ROOT / ".venv")):
        return False
    return not path.endswith((".py", ".pyc")) and "__pycache__" not in path


def test_actions_import_only_the_contract_records_policy_and_directory():
    wrong = [
        f"{path.name}: {name}"
        for path in sorted((ROOT / "actions").glob("*.py"))
        for name in _imports(path)
        if name.split(".")[0] in OURS and not any(name == a or name.startswith(a + ".") for a in ALLOWED)
    ]
    assert wrong == []


def test_importing_the_actions_reads_and_creates_nothing_of_ours(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "APP_PORT": "not-a-port", "DATABASE_URL": "mysql://nowhere"}
    env.pop("SECRET_KEY", None)  # loading settings would now fail, or write var/secret_key
    var_before = sorted((ROOT / "var").rglob("*")) if (ROOT / "var").exists() else []
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    opened = json.loads(result.stdout.strip().splitlines()[-1])
    ours = [
        path for path, mode in opened
        if _is_ours(path) or path.startswith(str(tmp_path)) or "w" in mode or "a" in mode
    ]
    assert ours == []
    assert list(tmp_path.iterdir()) == []
    assert (sorted((ROOT / "var").rglob("*")) if (ROOT / "var").exists() else []) == var_before
