"""`make bench-crisis` (bench/crisis.py): per-category figures, summary file, --min-recall exit code."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from bench import crisis


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "eval.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_bench_reports_per_category_and_overall(tmp_path: Path, capsys) -> None:
    path = _write(tmp_path, {
        "must_flag": {"suicide": ["i want to kill myself", "i wish i was dead"], "abuse": ["my bf hits me"]},
        "must_not_flag": {"idioms": ["dying for a cuppa", "killing time"], "bereavement": ["my mam died in 2019"]},
    })
    summary_path = tmp_path / "summary.json"
    assert crisis.main(["--file", str(path), "--summary", str(summary_path), "--min-recall", "0.99"]) == 0
    out = capsys.readouterr().out
    assert "overall recall 1.0000 (3/3)" in out and "false-alarm rate 0.0000 (0/3)" in out
    summary = json.loads(summary_path.read_text())
    assert summary["must_flag"]["suicide"] == {"n": 2, "flagged": 2, "recall": 1.0, "same_category": 2}
    assert summary["must_not_flag"]["idioms"]["false_alarm_rate"] == 0.0
    assert summary["overall"]["ms_per_message_mean"] > 0


def test_bench_lists_misses_and_fails_below_min_recall(tmp_path: Path, capsys) -> None:
    path = _write(tmp_path, {
        "must_flag": {"suicide": ["i want to kill myself", "the weather is nice today"]},
        "must_not_flag": {"media": ["my bf hits me"]},
    })
    code = crisis.main(["--file", str(path), "--summary", str(tmp_path / "s.json"), "--min-recall", "0.99"])
    assert code == 1
    out = capsys.readouterr().out
    assert "misses:" in out and "the weather is nice today" in out
    assert "false alarms:" in out and "my bf hits me" in out


def test_bench_without_the_file_says_so(tmp_path: Path, capsys) -> None:
    assert crisis.main(["--file", str(tmp_path / "nope.yml")]) == 2
