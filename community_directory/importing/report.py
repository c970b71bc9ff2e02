"""What an import did, in words a directory curator can act on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# progress(stage, done, total): stage names the file or object being written; total may be
# None when it is not known in advance.
ProgressCallback = Callable[[str, int, "int | None"], None]


@dataclass(frozen=True)
class Problem:
    """One thing not imported as given: where (file and spreadsheet row, or JSON path), field, why."""

    where: str
    field: str | None
    reason: str
    action: str = "row skipped"  # row skipped | value dropped | link dropped | ignored

    def __str__(self) -> str:
        field = f", field {self.field}" if self.field else ""
        return f"{self.where}{field}: {self.reason} ({self.action})"


@dataclass
class TableCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0


@dataclass
class ImportReport:
    source: str
    format: str = ""
    dry_run: bool = False
    counts: dict[str, TableCounts] = field(default_factory=dict)
    skipped: list[Problem] = field(default_factory=list)

    def table(self, name: str) -> TableCounts:
        return self.counts.setdefault(name, TableCounts())

    def add(self, problem: Problem) -> None:
        self.skipped.append(problem)

    @property
    def created(self) -> int:
        return sum(c.created for c in self.counts.values())

    @property
    def updated(self) -> int:
        return sum(c.updated for c in self.counts.values())

    @property
    def unchanged(self) -> int:
        return sum(c.unchanged for c in self.counts.values())

    @property
    def skipped_rows(self) -> int:
        return sum(c.skipped for c in self.counts.values())

    def summary(self, max_problems: int = 20) -> str:
        verb = "Would import" if self.dry_run else "Imported"
        lines = [
            f"{verb} {self.source} ({self.format}): {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.skipped_rows} rows skipped."
        ]
        for name, c in self.counts.items():
            if c.created or c.updated or c.unchanged or c.skipped:
                lines.append(
                    f"  {name}: {c.created} created, {c.updated} updated, {c.unchanged} unchanged, {c.skipped} skipped"
                )
        if self.skipped:
            lines.append(f"{len(self.skipped)} problems:")
            lines.extend(f"  - {p}" for p in self.skipped[:max_problems])
            if len(self.skipped) > max_problems:
                lines.append(f"  ... and {len(self.skipped) - max_problems} more")
        return "\n".join(lines)


class ImportFailed(Exception):
    """A fatal problem: nothing from this import was written. `problem` says where and why."""

    def __init__(self, problem: Problem, report: ImportReport | None = None) -> None:
        super().__init__(f"Import failed, nothing was written. {problem.where}"
                         + (f", field {problem.field}" if problem.field else "") + f": {problem.reason}")
        self.problem = problem
        self.report = report
