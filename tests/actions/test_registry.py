from pathlib import Path

import yaml
from rasa_sdk.executor import ActionExecutor

ROOT = Path(__file__).resolve().parents[2]


def test_action_server_serves_exactly_the_domain_actions():
    executor = ActionExecutor()
    executor.register_package("actions")
    declared = set(yaml.safe_load((ROOT / "domain" / "actions.yml").read_text())["actions"])
    assert set(executor.actions) == declared
