"""The outcomes report as CSV: the same cells, with the same hidden ones, as the console page."""

from __future__ import annotations

import csv
import io

from bot.reports.outcomes import COLUMNS, ONS_COLUMNS, OutcomesReport


def report_csv(report: OutcomesReport) -> str:
    """One row per group per table (the ONS4 table: one per question); a column a table does not have is empty.

    The last columns say which deprivation index and which ONS4 wording the figures come from.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    ons_keys = [f"ons4_{c}" for c in ONS_COLUMNS]
    writer.writerow(
        ["period_start", "period_end", "table", "group", *COLUMNS, *ons_keys, "imd_edition", "ons4_version"]
    )
    edition = [report.imd_edition, report.instrument_version]
    for table in report.tables:
        for row in [*table.rows, *([table.total] if table.total else [])]:
            writer.writerow(
                [
                    report.start.isoformat(),
                    report.end.isoformat(),
                    table.title,
                    row.label,
                    *(row.cells[c].text(c, report.min_cell) if c in table.columns else "" for c in COLUMNS),
                    *([""] * len(ons_keys)),
                    *edition,
                ]
            )
    for row in report.wellbeing.rows:
        writer.writerow(
            [
                report.start.isoformat(),
                report.end.isoformat(),
                report.wellbeing.title,
                row.label,
                *([""] * len(COLUMNS)),
                *(row.cells[c].text(c, report.min_cell) for c in ONS_COLUMNS),
                *edition,
            ]
        )
    return out.getvalue()
