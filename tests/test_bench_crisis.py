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


def test_held_out_set_prints_figures_but_not_its_messages(tmp_path: Path, capsys) -> None:
    path = _write(tmp_path, {
        "held_out": True,
        "must_flag": {"suicide": ["i want to kill myself", "the weather is nice today"]},
        "must_not_flag": {"media": ["my bf hits me"]},
    })
    summary_path = tmp_path / "s.json"
    assert crisis.main(["--file", str(path), "--summary", str(summary_path), "--min-recall", "0"]) == 0
    out = capsys.readouterr().out
    assert "HELD OUT" in out and "overall recall 0.5000 (1/2)" in out
    assert "the weather is nice today" not in out and "my bf hits me" not in out
    written = summary_path.read_text()
    assert "the weather is nice today" not in written and "my bf hits me" not in written
    assert json.loads(written)["overall"]["missed"] == 1

    assert crisis.main(["--file", str(path), "--summary", str(summary_path), "--show-messages"]) == 0
    out = capsys.readouterr().out
    assert "the weather is nice today" in out and "my bf hits me" in out


def test_report_only_set_is_printed_and_written_but_never_gates(tmp_path: Path, capsys) -> None:
    gated = _write(tmp_path, {"must_flag": {"suicide": ["i want to kill myself"]},
                              "must_not_flag": {"idioms": ["killing time"]}})
    reported = tmp_path / "fresh.yml"
    reported.write_text(yaml.safe_dump({"must_flag": {"suicide": ["the weather is nice today"]},
                                        "must_not_flag": {"idioms": ["dying for a cuppa"]}}), encoding="utf-8")
    summary_path = tmp_path / "summary.json"
    code = crisis.main(["--file", str(gated), "--report-only", str(reported),
                        "--summary", str(summary_path), "--min-recall", "0.99"])
    assert code == 0
    out = capsys.readouterr().out
    assert "overall recall 1.0000 (1/1)" in out and "overall recall 0.0000 (0/1)" in out
    assert "reported only" in out
    assert json.loads(summary_path.read_text())["overall"]["recall"] == 1.0
    assert json.loads((tmp_path / "summary.fresh.json").read_text())["overall"]["recall"] == 0.0

    code = crisis.main(["--file", str(gated), "--file", str(reported),
                        "--summary", str(summary_path), "--min-recall", "0.99"])
    assert code == 1
    assert "fresh.yml is below --min-recall" in capsys.readouterr().err


def test_bench_counts_the_false_alarms_that_end_the_conversation(tmp_path: Path, capsys) -> None:
    # Flagged in a must-not-flag list: one asks for something too (it goes on), one does not (it ends there).
    path = _write(tmp_path, {
        "must_flag": {"suicide": ["i want to kill myself"]},
        "must_not_flag": {"mixed": ["my bf hits me, any groups for women?", "i wish i was dead", "killing time"]},
    })
    summary_path = tmp_path / "summary.json"
    assert crisis.main(["--file", str(path), "--summary", str(summary_path), "--min-recall", "0"]) == 0
    overall = json.loads(summary_path.read_text())["overall"]
    assert overall["false_alarms"] == 2 and overall["false_alarms_ending_conversation"] == 1
    assert "false alarms that end the conversation 0.3333 (1/3)" in capsys.readouterr().out
