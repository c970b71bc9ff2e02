"""The curators' command line, run as `python -m community_directory` would run it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from directory_testing import EXAMPLE_CSV

from community_directory.cli import main


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_load_match_stats_and_stale(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--database-url", url, "load-postcodes", "--quiet"]) == 0
    assert "6622 live" in capsys.readouterr().out
    assert main(["--database-url", url, "load-demo", "--today", "2026-11-23"]) == 0
    assert "service: 176 created" in capsys.readouterr().out
    assert main(["--database-url", url, "match", "--postcode", "sr2 8jz", "--need", "physical_activity",
                 "--day", "tuesday", "--time", "morning", "--today", "2026-11-23"]) == 0
    assert capsys.readouterr().out.startswith("1. Hendon Health Walk")
    assert main(["--database-url", url, "stats", "--today", "2026-11-23"]) == 0
    stats = capsys.readouterr().out
    assert "hsds_service" in stats and "demo listings" in stats and "Postcodes loaded: 8765" in stats
    assert main(["--database-url", url, "stale", "--today", "2026-11-23"]) == 0
    assert "Hendon Scrabble Club" in capsys.readouterr().out


def test_import_validate_and_export(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--database-url", url, "validate", str(EXAMPLE_CSV)]) == 0
    assert "Nothing was written" in capsys.readouterr().out
    assert main(["--database-url", url, "import", "--quiet", str(EXAMPLE_CSV)]) == 0
    assert "21 created" in capsys.readouterr().out
    assert main(["--database-url", url, "export", "--format", "csv", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "services.csv").exists()
    assert main(["--database-url", url, "export", "--format", "json", str(tmp_path / "json")]) == 0
    assert "services.json: 1" in capsys.readouterr().out


def test_a_bad_package_exits_non_zero_and_says_where(url: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    package = tmp_path / "bad"
    shutil.copytree(EXAMPLE_CSV, package)
    broken = package / "services.csv"
    broken.chmod(0o644)
    broken.write_text("id,name\n\"unclosed,quote\n", encoding="utf-8")
    assert main(["--database-url", url, "import", "--quiet", str(package)]) == 1
    error = capsys.readouterr().err
    assert "nothing was written" in error and "services.csv row 2" in error
