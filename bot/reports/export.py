"""The outcomes report as CSV: the same cells, with the same hidden ones, as the console page."""

from __future__ import annotations

import csv
import io

from bot.reports.outcomes import COLUMNS, OutcomesReport


def report_csv(report: OutcomesReport) -> str:
    """One row per group per table; a column a table does not have is left empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["period_start", "period_end", "table", "group", *COLUMNS])
    for table in report.tables:
        for row in [*table.rows, table.total]:
            writer.writerow([
                report.start.isoformat(), report.end.isoformat(), table.title, row.label,
                *(row.cells[c].text(c, report.min_cell) if c in table.columns else "" for c in COLUMNS),
            ])
    return out.getvalue()
