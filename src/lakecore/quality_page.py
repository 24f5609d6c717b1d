"""A lake's quality history as one self-contained HTML page: every style and chart inline
(SVG, no script, no font or image fetched), so it opens the same air-gapped, as an e-mail
attachment or as an S3 object.

Per table: the verdict of each evaluation, its rows, and the unexpected count of each rule
over time as a chart; the latest evaluation's failing rules with their sample rows. Then the
quarantine by reason over time. A table whose latest evaluation failed comes first, marked
failed, and the page's header says how many there are.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from lakecore.ports import Engine, TableStore
from lakecore.quality import QualityReport, RuleResult
from lakecore.schema import TableSpec

F = TypeVar("F")

#: How many evaluations of a table the chart and the history table show (the newest).
SHOWN = 60
#: Line and bar colours (Okabe-Ito, told apart with colour blindness); reused past eight.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
FAILED_COLOUR = "#C62828"
PASSED_COLOUR = "#2E7D32"
#: The quarantine chart stacks the most frequent reasons; the rest are one "other" band.
REASONS_SHOWN = 7


@dataclass(frozen=True, slots=True)
class QuarantineCount:
    """Rows quarantined on one processing day, by the table that refused them and why."""

    day: date
    table: str
    reason: str
    rows: int


def quarantine_counts(
    store: TableStore[F], engine: Engine[F], quarantine: TableSpec
) -> list[QuarantineCount]:
    """The quarantine table's rows by processing day, refusing table and reason."""
    if not store.exists(quarantine.id):
        return []
    counts = engine.count_by(store.read(quarantine), ("_proc_date", "table", "reason"))
    return [
        QuarantineCount(day, str(table), str(reason), rows)
        for (day, table, reason), rows in sorted(counts.items(), key=lambda kv: repr(kv[0]))
    ]


def render(
    reports: Iterable[QualityReport],
    quarantine: Iterable[QuarantineCount] = (),
    *,
    lake: str,
    generated_at: datetime,
    data_docs: str | None = None,
    unreadable: Sequence[str] = (),
) -> str:
    """The page, as text. ``data_docs``: a link to Great Expectations' Data Docs index;
    ``unreadable``: report files that could not be read (named on the page, not dropped)."""
    history = _by_table(reports)
    failing = [t for t, found in history.items() if not found[-1].passed]
    order = sorted(history, key=lambda t: (t not in failing, t))
    body = [
        _header(lake, generated_at, len(history), failing, data_docs),
        _unreadable(unreadable),
        _summary(order, history),
        *(_table_section(table, history[table]) for table in order),
        _quarantine_section(list(quarantine)),
    ]
    return _PAGE.format(title=_e(f"lakecore quality: {lake}"), style=_STYLE, body="\n".join(body))


def _by_table(reports: Iterable[QualityReport]) -> dict[str, list[QualityReport]]:
    tables: dict[str, list[QualityReport]] = defaultdict(list)
    for report in reports:
        tables[str(report.table)].append(report)
    return {t: sorted(found, key=lambda r: r.evaluated_at) for t, found in tables.items()}


def _header(
    lake: str, generated_at: datetime, tables: int, failing: Sequence[str], docs: str | None
) -> str:
    if not tables:
        verdict = '<p class="verdict none">No quality report in this lake yet.</p>'
    elif failing:
        names = ", ".join(f'<a href="#{_anchor(t)}">{_e(t)}</a>' for t in failing)
        verdict = (
            f'<p class="verdict failed">{len(failing)} of {tables} tables FAILED their latest '
            f"evaluation: {names}</p>"
        )
    else:
        verdict = (
            f'<p class="verdict passed">All {tables} tables passed their latest evaluation.</p>'
        )
    link = f' · <a href="{_e(docs)}">Great Expectations Data Docs</a>' if docs else ""
    return (
        f"<header><h1>Quality of <code>{_e(lake)}</code></h1>{verdict}"
        f'<p class="meta">Generated {_e(_when(generated_at))} UTC{link}</p></header>'
    )


def _unreadable(names: Sequence[str]) -> str:
    if not names:
        return ""
    items = "".join(f"<li><code>{_e(name)}</code></li>" for name in names)
    return (
        f'<p class="verdict failed">{len(names)} report file(s) could not be read and are '
        f"not shown:</p><ul>{items}</ul>"
    )


def _summary(order: Sequence[str], history: Mapping[str, list[QualityReport]]) -> str:
    if not order:
        return ""
    rows = []
    for table in order:
        found = history[table]
        latest = found[-1]
        strip = "".join(
            f'<span class="tick {_state(r)}" title="{_e(_when(r.evaluated_at))}: '
            f'{_state(r)}"></span>'
            for r in found[-SHOWN:]
        )
        rows.append(
            f'<tr class="{_state(latest)}"><td><a href="#{_anchor(table)}">{_e(table)}</a></td>'
            f"<td>{_badge(latest)}</td><td>{_e(_when(latest.evaluated_at))}</td>"
            f"<td><code>{_e(latest.run_id)}</code></td><td class=num>{latest.rows:,}</td>"
            f"<td class=num>{sum(not r.passed for r in found)} of {len(found)}</td>"
            f'<td class="strip">{strip}</td></tr>'
        )
    return (
        "<section><h2>Tables</h2><table class=summary><thead><tr><th>table</th><th>latest</th>"
        "<th>evaluated</th><th>run</th><th>rows</th><th>failed runs</th>"
        f"<th>history (oldest to newest)</th></tr></thead><tbody>{''.join(rows)}</tbody>"
        "</table></section>"
    )


def _table_section(table: str, found: Sequence[QualityReport]) -> str:
    shown = found[-SHOWN:]
    latest = shown[-1]
    rules = sorted({r.rule for report in shown for r in report.results})
    series = {rule: [_unexpected(report, rule) for report in shown] for rule in rules}
    charted = {rule: counts for rule, counts in series.items() if any(counts)}
    caption = (
        "unexpected values per rule (rules that never had one are left out)"
        if charted
        else f"no rule found an unexpected value in {len(shown)} evaluation(s)"
    )
    chart = _line_chart(
        charted or {"all rules": [0] * len(shown)},
        [_when(r.evaluated_at) for r in shown],
        [not r.passed for r in shown],
        label=f"{table}: {caption}",
    )
    return (
        f'<section class="table {_state(latest)}" id="{_anchor(table)}">'
        f"<h2>{_e(table)} {_badge(latest)}</h2>"
        f'<p class="meta">Latest: {latest.rows:,} rows, run <code>{_e(latest.run_id)}</code>, '
        f"{_e(latest.executor)} executor, {_e(_when(latest.evaluated_at))}</p>"
        f"<figure>{chart}<figcaption>{_e(caption)}</figcaption></figure>"
        f"{_failures(latest)}{_history(shown)}</section>"
    )


def _failures(report: QualityReport) -> str:
    broken = [r for r in report.results if not r.passed]
    if not broken:
        return f'<p class="ok">All {len(report.results)} rules held in the latest evaluation.</p>'
    items = []
    for rule in broken:
        kind = "critical" if rule.blocking else "warning"
        observed = f" · observed {_e(rule.observed)}" if rule.observed else ""
        items.append(
            f'<div class="rule {kind}"><h4><code>{_e(rule.rule)}</code> '
            f'<span class="sev">{kind}</span></h4>'
            f"<p>{rule.unexpected:,} unexpected{observed}</p>{_samples(rule)}</div>"
        )
    return f"<h3>Rules that failed in the latest evaluation</h3>{''.join(items)}"


def _samples(rule: RuleResult) -> str:
    if not rule.samples:
        return ""
    columns = list(dict.fromkeys(c for row in rule.samples for c in row))
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(_cell(row.get(c)))}</td>" for c in columns) + "</tr>"
        for row in rule.samples
    )
    return f"<table class=samples><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _history(shown: Sequence[QualityReport]) -> str:
    rows = "".join(
        f'<tr class="{_state(r)}"><td>{_e(_when(r.evaluated_at))}</td><td>{_badge(r)}</td>'
        f"<td><code>{_e(r.run_id)}</code></td><td class=num>{r.rows:,}</td>"
        f"<td>{_e(', '.join(x.rule for x in r.results if not x.passed) or '-')}</td></tr>"
        for r in reversed(shown)
    )
    return (
        f"<details><summary>{len(shown)} evaluation(s), newest first</summary>"
        "<table class=history><thead><tr><th>evaluated</th><th>verdict</th><th>run</th>"
        f"<th>rows</th><th>rules not held</th></tr></thead><tbody>{rows}</tbody></table>"
        "</details>"
    )


def _quarantine_section(counts: Sequence[QuarantineCount]) -> str:
    if not counts:
        return "<section><h2>Quarantine</h2><p>No record quarantined.</p></section>"
    totals: dict[str, int] = defaultdict(int)
    for c in counts:
        totals[f"{c.table}: {c.reason}"] += c.rows
    ranked = sorted(totals, key=lambda k: (-totals[k], k))
    kept = ranked[:REASONS_SHOWN]
    days = sorted({c.day for c in counts})
    stacks: dict[str, list[int]] = {name: [0] * len(days) for name in kept}
    if len(ranked) > REASONS_SHOWN:
        stacks["other reasons"] = [0] * len(days)
    for c in counts:
        name = f"{c.table}: {c.reason}"
        stacks[name if name in kept else "other reasons"][days.index(c.day)] += c.rows
    table = "".join(
        f"<tr><td>{_e(name)}</td><td class=num>{totals[name]:,}</td></tr>" for name in ranked
    )
    chart = _bar_chart(stacks, [d.isoformat() for d in days], label="quarantined rows per day")
    return (
        '<section class="quarantine"><h2>Quarantine by reason</h2>'
        f"<figure>{chart}<figcaption>rows quarantined per processing day, by the table "
        "that refused them and why</figcaption></figure>"
        "<table class=summary><thead><tr><th>table: reason</th><th>rows</th></tr></thead>"
        f"<tbody>{table}</tbody></table></section>"
    )


# --- charts: inline SVG ---------------------------------------------------------------------

_W, _H, _LEFT, _RIGHT, _TOP, _BOTTOM = 760, 240, 56, 16, 14, 40


def _frame(top: int, labels: Sequence[str], label: str) -> list[str]:
    """The chart's box: the y axis from 0 to ``top`` with three grid lines, and up to eight
    x labels spread over ``labels``."""
    plot_h = _H - _TOP - _BOTTOM
    parts = [
        f'<svg class="chart" role="img" aria-label="{_e(label)}" viewBox="0 0 {_W} {_H}" '
        f'width="{_W}" height="{_H}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for step in range(3):
        value = top * step / 2
        y = _TOP + plot_h - plot_h * step / 2
        parts.append(
            f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" class="axis" text-anchor="end">'
            f"{_short(value)}</text>"
        )
    every = max(1, -(-len(labels) // 8))
    last = len(labels) - 1
    for i, text in enumerate(labels):
        if i % every == 0 or i == last:
            # The ends' labels stay inside the box.
            anchor = "start" if i == 0 < last else "end" if i == last > 0 else "middle"
            parts.append(
                f'<text x="{_x(i, len(labels)):.1f}" y="{_H - _BOTTOM + 16}" class="axis" '
                f'text-anchor="{anchor}">{_e(text[:10])}</text>'
            )
    return parts


def _line_chart(
    series: Mapping[str, Sequence[int]], labels: Sequence[str], failed: Sequence[bool], label: str
) -> str:
    top = max([1, *(v for values in series.values() for v in values)])
    parts = _frame(top, labels, label)
    for i, bad in enumerate(failed):
        if bad:  # a failed evaluation: a red band behind its points
            parts.append(
                f'<rect x="{_x(i, len(labels)) - 4:.1f}" y="{_TOP}" width="8" '
                f'height="{_H - _TOP - _BOTTOM}" class="failed-band"/>'
            )
    for n, (name, values) in enumerate(series.items()):
        colour = PALETTE[n % len(PALETTE)]
        points = " ".join(
            f"{_x(i, len(values)):.1f},{_y(v, top):.1f}" for i, v in enumerate(values)
        )
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2">'
            f"<title>{_e(name)}</title></polyline>"
        )
        parts.extend(
            f'<circle cx="{_x(i, len(values)):.1f}" cy="{_y(v, top):.1f}" r="3" fill="{colour}">'
            f"<title>{_e(name)}: {v:,} ({_e(labels[i])})</title></circle>"
            for i, v in enumerate(values)
        )
    parts.append("</svg>")
    return "".join(parts) + _legend(series)


def _bar_chart(stacks: Mapping[str, Sequence[int]], labels: Sequence[str], label: str) -> str:
    heights = [sum(values[i] for values in stacks.values()) for i in range(len(labels))]
    top = max([1, *heights])
    parts = _frame(top, labels, label)
    width = max(2.0, min(40.0, (_W - _LEFT - _RIGHT) / max(1, len(labels)) * 0.7))
    for i in range(len(labels)):
        base = 0
        for n, (name, values) in enumerate(stacks.items()):
            if not values[i]:
                continue
            y_top, y_base = _y(base + values[i], top), _y(base, top)
            parts.append(
                f'<rect x="{_x(i, len(labels)) - width / 2:.1f}" y="{y_top:.1f}" '
                f'width="{width:.1f}" height="{y_base - y_top:.1f}" '
                f'fill="{PALETTE[n % len(PALETTE)]}"><title>{_e(labels[i])} · {_e(name)}: '
                f"{values[i]:,}</title></rect>"
            )
            base += values[i]
    parts.append("</svg>")
    return "".join(parts) + _legend(stacks)


def _legend(series: Iterable[str]) -> str:
    items = "".join(
        f'<li><span class="swatch" style="background:{PALETTE[n % len(PALETTE)]}"></span>'
        f"{_e(name)}</li>"
        for n, name in enumerate(series)
    )
    return f'<ul class="legend">{items}</ul>'


def _x(i: int, n: int) -> float:
    width = _W - _LEFT - _RIGHT - 20
    return _LEFT + 10 + (width * i / (n - 1) if n > 1 else width / 2)


def _y(value: float, top: float) -> float:
    plot_h = _H - _TOP - _BOTTOM
    return _TOP + plot_h - plot_h * value / top


# --- small pieces ---------------------------------------------------------------------------


def _unexpected(report: QualityReport, rule: str) -> int:
    return next((r.unexpected for r in report.results if r.rule == rule), 0)


def _state(report: QualityReport) -> str:
    return "passed" if report.passed else "failed"


def _badge(report: QualityReport) -> str:
    state = _state(report)
    warned = f" ({len(report.warnings)} warning(s))" if report.passed and report.warnings else ""
    return f'<span class="badge {state}">{state.upper()}</span>{_e(warned)}'


def _anchor(table: str) -> str:
    return "t-" + "".join(ch if ch.isalnum() else "-" for ch in table)


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _short(value: float) -> str:
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}"


def _cell(value: Any) -> str:
    text = "null" if value is None else str(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _e(text: str) -> str:
    return html.escape(text, quote=True)


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>{style}</style></head>
<body>{body}
<footer>lakecore quality page: one file, nothing loaded from elsewhere.</footer>
</body></html>
"""

_STYLE = f"""
body {{ font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
  max-width: 1100px; padding: 16px 24px; color: #1b1b1b; }}
h1 {{ font-size: 22px; margin: 8px 0; }} h2 {{ font-size: 18px; margin: 0 0 6px; }}
h3 {{ font-size: 15px; }} h4 {{ margin: 0; font-size: 14px; }}
code {{ font: 12px ui-monospace, Menlo, Consolas, monospace; }}
.meta {{ color: #555; margin: 2px 0 8px; }}
.verdict {{ font-size: 16px; font-weight: 600; padding: 8px 12px; border-radius: 4px; }}
.verdict.failed {{ background: #FDECEA; color: {FAILED_COLOUR}; border-left: 6px solid {FAILED_COLOUR}; }}
.verdict.passed {{ background: #EDF7ED; color: {PASSED_COLOUR}; border-left: 6px solid {PASSED_COLOUR}; }}
.verdict.none {{ background: #F3F3F3; }}
.badge {{ font-size: 12px; font-weight: 700; padding: 1px 6px; border-radius: 3px; color: #fff; }}
.badge.failed {{ background: {FAILED_COLOUR}; }} .badge.passed {{ background: {PASSED_COLOUR}; }}
section {{ margin: 18px 0; padding: 12px 14px; border: 1px solid #ddd; border-radius: 6px; }}
section.table.failed {{ border: 2px solid {FAILED_COLOUR}; background: #FFF8F7; }}
table {{ border-collapse: collapse; margin: 6px 0; }}
th, td {{ text-align: left; padding: 3px 8px; border-bottom: 1px solid #e5e5e5; vertical-align: top; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
tr.failed td:first-child {{ border-left: 4px solid {FAILED_COLOUR}; }}
.tick {{ display: inline-block; width: 7px; height: 14px; margin-right: 1px; }}
.tick.passed {{ background: {PASSED_COLOUR}; }} .tick.failed {{ background: {FAILED_COLOUR}; }}
.rule {{ border-left: 4px solid {FAILED_COLOUR}; padding: 4px 10px; margin: 8px 0; }}
.rule.warning {{ border-color: #E69F00; }} .sev {{ font-size: 11px; color: #555; }}
table.samples {{ font-size: 12px; }}
svg.chart {{ max-width: 100%; height: auto; background: #fff; }}
svg .grid {{ stroke: #e3e3e3; }} svg .axis {{ font-size: 11px; fill: #555; }}
svg .failed-band {{ fill: {FAILED_COLOUR}; opacity: 0.15; }}
figure {{ margin: 6px 0; }} figcaption {{ color: #555; font-size: 12px; }}
.legend {{ list-style: none; padding: 0; margin: 4px 0; display: flex; flex-wrap: wrap; gap: 4px 14px; }}
.swatch {{ display: inline-block; width: 10px; height: 10px; margin-right: 5px; }}
.ok {{ color: {PASSED_COLOUR}; }} footer {{ color: #777; font-size: 12px; margin: 24px 0; }}
"""
