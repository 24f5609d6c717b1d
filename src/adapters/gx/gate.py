"""``GreatExpectationsGate``: the quality gate's measurements taken by Great Expectations 1.x.

The GX expectation suite is derived from the core's rules, never written by hand: one
expectation per counted rule, one ``ExpectColumnMaxToBeBetween`` per freshness column and
one ``ExpectTableRowCountToBeBetween`` for the row count. Each carries what it measures in
its ``meta``, so results map back to rules by name, not by position. Only the numbers are
read (``unexpected_count``, ``observed_value``, ``partial_unexpected_list``); whether a rule
passes is the core's judgement, so every expectation keeps ``mostly=1`` and no bounds where
only an observation is wanted.

How GX's counts line up with the core's reference semantics (``lakecore.quality``):

* column map expectations leave nulls out of the rows they judge, so nulls break only
  ``NotNull`` (``ExpectColumnValuesToNotBeNull``), as in the core;
* ``Unique`` on one column is ``ExpectColumnValuesToBeUnique``: on Spark a window count per
  value, counting every row of a repeated value, nulls left out;
* ``Unique`` on several columns is ``ExpectCompoundColumnsToBeUnique`` with
  ``ignore_row_if="all_values_are_missing"`` (GX's default, set explicitly because GX's own
  docstring says ``"never"``): rows whose key columns are all null are left out; the rest
  are grouped by a struct of the key columns, which is null-safe, as in the core;
* ``Range`` is ``ExpectColumnValuesToBeBetween``; GX coerces both bounds to ``float``, so the
  comparison is exact for bounds and values of up to 15 significant digits (every lakecore
  decimal) and may misjudge a value within one float step of a bound beyond that;
* ``Pattern`` is ``ExpectColumnValuesToMatchRegex``, Spark's ``rlike``: a Java regex found
  anywhere in the value, like ``re.search``; the two dialects agree on common patterns;
* on an empty table GX's column map expectations report ``unexpected_count`` as None: read
  as 0 (the one correction made to GX's numbers);
* ``ReferenceExists`` has no GX counterpart (GX has no cross-table expectation). It becomes
  ``ExpectColumnValuesToBeInSet`` over the distinct non-null values of the referenced column,
  collected to the driver: fine for reference tables, not for a large fact table.

GX is imported on first use, never at import time; its progress bars and analytics are
switched off in the ephemeral context's configuration.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import structlog
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import DataType, DateType, TimestampNTZType, TimestampType

from lakecore.errors import ConfigurationError, TerminalError
from lakecore.quality import Measurements, Row, counted_rules, freshness_columns
from lakecore.rules import (
    InSet,
    NotNull,
    Pattern,
    Range,
    RecordRule,
    ReferenceExists,
    RuleSuite,
    Unique,
)
from lakecore.schema import TableId

#: ``meta`` keys saying what an expectation measures
_RULE = "lakecore_rule"
_NEWEST = "lakecore_newest"
_ROWS = "lakecore_rows"

_SOURCE = "lakecore"
_WHOLE = "whole_dataframe"
_SITE = "lakecore"

CountedRule = RecordRule | Unique | ReferenceExists


class GreatExpectationsGate:
    """Measures a Spark DataFrame with GX 1.x (an ephemeral context, one batch, one run).

    With ``docs_dir``, every validation is also rendered as HTML Data Docs there and
    ``last_docs_index`` names the site's ``index.html``.

    Raises ``ConfigurationError`` when GX rejects an expectation built from a rule,
    ``TerminalError`` when GX could not evaluate one (its message names the rule), and
    ``KeyError`` for a ``ReferenceExists`` table missing from ``references``.
    """

    name = "gx"
    #: one GX context, whose data sources and stores each measurement changes
    concurrent = False

    def __init__(self, docs_dir: Path | None = None) -> None:
        # GX wants an absolute folder (a relative one is a ValueError deep in its stores).
        self.docs_dir = None if docs_dir is None else docs_dir.resolve()
        self.last_docs_index: Path | None = None
        self._context: Any = None

    def measure(
        self,
        frame: DataFrame,
        suite: RuleSuite,
        references: Mapping[TableId, DataFrame],
        sample_size: int,
        *,
        run_id: str | None = None,
    ) -> Measurements:
        result_format = {"result_format": "SUMMARY", "partial_unexpected_count": sample_size}
        result = self.validate(frame, suite, references, result_format, run_id=run_id)
        return measurements(result, frame, sample_size)

    def validate(
        self,
        frame: DataFrame,
        suite: RuleSuite,
        references: Mapping[TableId, DataFrame],
        result_format: str | Mapping[str, Any],
        *,
        run_id: str | None = None,
    ) -> Any:
        """GX's own ``ExpectationSuiteValidationResult`` for ``suite`` on ``frame``, with
        ``result_format`` as GX takes it (``"BOOLEAN_ONLY"``, ``"SUMMARY"``, or a dict);
        in the Data Docs, ``run_id`` is the validation's run name."""
        from great_expectations.exceptions import GreatExpectationsError

        context = self._gx_context()  # first: a GX suite needs an active context
        expectations = expectation_suite(suite, references)
        batch = _batch(context, str(suite.table), frame)
        was_cached = frame.is_cached  # GX persists the frame it validates
        try:
            result = batch.validate(expectations, result_format=_dict_format(result_format))
        except GreatExpectationsError as exc:
            raise TerminalError(f"{suite.table}: GX failed: {_first_line(exc)}") from exc
        finally:
            if not was_cached:
                frame.unpersist()
        _raise_for_errors(suite.table, result)
        if self.docs_dir is not None:
            self.last_docs_index = _build_docs(
                context, self.docs_dir, suite.table, batch, result, run_id
            )
        return result

    def _gx_context(self) -> Any:
        if self._context is None:
            self._context = _new_context(self.docs_dir)
        return self._context


def _dict_format(result_format: str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(result_format, str):
        return {"result_format": result_format}
    return dict(result_format)


# --- the GX suite, from the core's rules ---------------------------------------------------


def expectation_suite(suite: RuleSuite, references: Mapping[TableId, DataFrame]) -> Any:
    """The GX ``ExpectationSuite`` measuring ``suite`` (GX wants a context made first);
    ``ConfigurationError`` if GX rejects an expectation built from one of its rules."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.exceptions import GreatExpectationsError

    measured = gx.ExpectationSuite(name=str(suite.table))
    measured.add_expectation(gxe.ExpectTableRowCountToBeBetween(min_value=0, meta={_ROWS: True}))
    for column in freshness_columns(suite):
        measured.add_expectation(
            gxe.ExpectColumnMaxToBeBetween(column=column, meta={_NEWEST: column})
        )
    for rule in counted_rules(suite):
        try:
            measured.add_expectation(expectation(rule, references))
        except (ValueError, TypeError, GreatExpectationsError) as exc:
            raise ConfigurationError(
                f"{suite.table}: GX rejects rule {rule.name}: {_first_line(exc)}"
            ) from exc
    return measured


def expectation(rule: CountedRule, references: Mapping[TableId, DataFrame]) -> Any:
    """The one GX expectation counting the rows that break ``rule``."""
    import great_expectations.expectations as gxe

    meta = {_RULE: rule.name}
    if isinstance(rule, NotNull):
        return gxe.ExpectColumnValuesToNotBeNull(column=rule.column, meta=meta)
    if isinstance(rule, Range):
        return gxe.ExpectColumnValuesToBeBetween(
            column=rule.column,
            min_value=rule.min,
            max_value=rule.max,
            strict_min=not rule.min_inclusive,
            strict_max=not rule.max_inclusive,
            meta=meta,
        )
    if isinstance(rule, InSet):
        return gxe.ExpectColumnValuesToBeInSet(
            column=rule.column, value_set=list(rule.values), meta=meta
        )
    if isinstance(rule, Pattern):
        return gxe.ExpectColumnValuesToMatchRegex(column=rule.column, regex=rule.matcher, meta=meta)
    if isinstance(rule, ReferenceExists):
        known = referenced_values(rule, references)
        return gxe.ExpectColumnValuesToBeInSet(column=rule.column, value_set=known, meta=meta)
    if len(rule.columns) == 1:
        return gxe.ExpectColumnValuesToBeUnique(column=rule.columns[0], meta=meta)
    return gxe.ExpectCompoundColumnsToBeUnique(
        column_list=list(rule.columns), ignore_row_if="all_values_are_missing", meta=meta
    )


def referenced_values(rule: ReferenceExists, references: Mapping[TableId, DataFrame]) -> list[Any]:
    """The distinct non-null values of the referenced column: GX has no cross-table
    expectation, so ``ReferenceExists`` is measured as "in this set"."""
    if rule.ref_table not in references:
        raise KeyError(f"{rule.name} needs {rule.ref_table}, which was not given")
    column = F.col(f"`{rule.ref_column}`")
    values = references[rule.ref_table].select(column).where(column.isNotNull()).distinct()
    return sorted(row[0] for row in values.collect())


# --- GX's results, as Measurements ----------------------------------------------------------


def measurements(result: Any, frame: DataFrame, sample_size: int) -> Measurements:
    """What a SUMMARY validation result says, in the core's terms."""
    rows = 0
    unexpected: dict[str, int] = {}
    newest: dict[str, Any] = {}
    samples: dict[str, tuple[Row, ...]] = {}
    for item in result.results:
        meta = item.expectation_config.meta or {}
        if meta.get(_ROWS):
            rows = int(item.result["observed_value"])
        elif _NEWEST in meta:
            column = meta[_NEWEST]
            observed = item.result.get("observed_value")
            newest[column] = _typed(frame.schema[column].dataType, observed)
        else:
            name = meta[_RULE]
            unexpected[name] = _unexpected(item.result)
            if unexpected[name] and sample_size > 0:
                samples[name] = _samples(item, sample_size)
    return Measurements(rows=rows, unexpected=unexpected, newest=newest, samples=samples)


def _unexpected(result: Mapping[str, Any]) -> int:
    count = result["unexpected_count"]
    if count is None and result["element_count"] == 0:
        return 0  # on no rows at all, GX's column map expectations report no count, not 0
    return int(count)


def _typed(data_type: DataType, observed: Any) -> Any:
    """GX reports a column's max as ISO text for dates and timestamps; the core wants
    the value itself."""
    if not isinstance(observed, str):
        return observed
    if isinstance(data_type, DateType):
        return date.fromisoformat(observed)
    if isinstance(data_type, TimestampType | TimestampNTZType):
        return datetime.fromisoformat(observed)
    return observed


def _samples(item: Any, sample_size: int) -> tuple[Row, ...]:
    """``{column: value}`` rows from ``partial_unexpected_list`` (values for one column,
    dicts for a compound key)."""
    column = item.expectation_config.kwargs.get("column")
    values: Sequence[Any] = item.result.get("partial_unexpected_list") or ()
    return tuple(
        dict(value) if isinstance(value, Mapping) else {column: value}
        for value in values[:sample_size]
    )


def _raise_for_errors(table: TableId, result: Any) -> None:
    problems = [
        f"{_label(item)}: {message}"
        for item in result.results
        for message in _exception_messages(item.exception_info or {})
    ]
    if problems:
        raise TerminalError(f"{table}: GX could not evaluate {'; '.join(problems)}")


def _exception_messages(info: Mapping[str, Any]) -> list[str]:
    """GX reports one exception, or one per failed metric keyed by the metric."""
    entries = [info] if "raised_exception" in info else list(info.values())
    return [
        entry.get("exception_message") or _last_line(entry.get("exception_traceback"))
        for entry in entries
        if isinstance(entry, Mapping) and entry.get("raised_exception")
    ]


def _label(item: Any) -> str:
    meta = item.expectation_config.meta or {}
    if _NEWEST in meta:
        return f"the newest {meta[_NEWEST]}"
    return str(meta.get(_RULE, "the row count"))


def _first_line(exc: BaseException) -> str:
    return " ".join(str(exc).split("\n", 2)[:2])


def _last_line(text: str | None) -> str:
    lines = (text or "").strip().splitlines()
    return lines[-1] if lines else "unknown error"


# --- the GX context, batch and Data Docs ----------------------------------------------------


def _new_context(docs_dir: Path | None) -> Any:
    """An ephemeral (in-memory) context with one Spark data source, quiet, and with a
    local Data Docs site when ``docs_dir`` is given."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    context.data_sources.add_spark(name=_SOURCE)
    if docs_dir is not None:
        context.add_data_docs_site(
            _SITE,
            {
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    return context


def _batch(context: Any, asset_name: str, frame: DataFrame) -> Any:
    """The whole ``frame`` as one GX batch of the asset named for its table."""
    source = context.data_sources.get(_SOURCE)
    try:
        asset = source.get_asset(asset_name)
    except LookupError:
        asset = source.add_dataframe_asset(name=asset_name)
    try:
        whole = asset.get_batch_definition(_WHOLE)
    except KeyError:
        whole = asset.add_batch_definition_whole_dataframe(_WHOLE)
    return whole.get_batch(batch_parameters={"dataframe": frame})


def _build_docs(
    context: Any, docs_dir: Path, table: TableId, batch: Any, result: Any, run_id: str | None
) -> Path:
    """Keep ``result`` in the context's (in-memory) results store and render the site, with
    lakecore's run id as the run name and the table as the data asset (GX's pages read both
    from the result's ``meta``, which a batch of a Spark frame leaves without them)."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    run = RunIdentifier(run_name=run_id or str(table), run_time=datetime.now(UTC))
    result.meta["run_id"] = run
    result.meta["batch_spec"] = {
        **(result.meta.get("batch_spec") or {}),
        "data_asset_name": str(table),
    }
    result_id = ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=str(table)),
        run_id=run,
        batch_identifier=batch.id,
    )
    context.validation_results_store.set(result_id, result)
    context.build_data_docs(site_names=[_SITE])
    index = docs_dir / "index.html"
    structlog.get_logger(__name__).info("gx.data_docs_built", table=str(table), index=str(index))
    return index
