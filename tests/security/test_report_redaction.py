"""Secrets never reach a quality report: the container's report store masks every secret
value the process holds, wherever it appears (a sample row, an observed value)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from entrypoints.containers import Container
from entrypoints.settings import Settings
from lakecore.quality import QualityReport, RuleResult
from lakecore.rules import Severity
from lakecore.schema import TableId

SECRET = "-".join(("sf", "token", "horse", "battery"))  # made up; the test looks for it


def test_a_known_secret_is_masked_in_the_written_report(tmp_path: Path) -> None:
    container = Container()
    container.settings.override(Settings(lake_root=str(tmp_path)))
    container.secret_values().add(SECRET)
    leaked = RuleResult(
        "not_null(email)",
        "NotNull",
        Severity.CRITICAL,
        passed=False,
        unexpected=1,
        observed=f"auth failed with {SECRET}",
        samples=({"email": None, "note": f"Bearer {SECRET}"},),
    )
    report = QualityReport(
        TableId.parse("silver.salesforce_leads"), "native", "run-1", datetime(2026, 11, 27), 1,
        (leaked,),
    )  # fmt: skip
    where = Path(container.reports().save(report))
    text = where.read_text()
    assert where.is_relative_to(tmp_path / "gold" / "quality" / "silver.salesforce_leads")
    assert SECRET not in text
    assert "Bearer ***" in text
