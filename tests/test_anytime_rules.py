"""The interruption rules are generated; the committed file must be what the generator writes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _generator():
    spec = importlib.util.spec_from_file_location("gen_anytime_rules", ROOT / "scripts" / "gen_anytime_rules.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_rules_match_the_generator():
    generator = _generator()
    assert (ROOT / "data" / "rules" / "anytime.yml").read_text() == generator.build(), (
        "run: python scripts/gen_anytime_rules.py"
    )


def test_every_form_in_the_domain_has_its_interruption_rules():
    forms = set()
    for file in (ROOT / "domain").glob("*.yml"):
        forms |= set(yaml.safe_load(file.read_text()).get("forms") or {})
    assert forms == set(_generator().FORMS)
    rules = yaml.safe_load((ROOT / "data" / "rules" / "anytime.yml").read_text())["rules"]
    for form in forms:
        for intent in ("help", "request_human", "crisis", "forget_me", "opt_out", "start_again", "nlu_fallback"):
            assert any(
                r.get("condition") == [{"active_loop": form}] and r["steps"][0] == {"intent": intent} for r in rules
            ), (form, intent)
