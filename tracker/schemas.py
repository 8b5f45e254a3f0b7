"""Pandera schemas for every table written to data/processed, in one place.

Validation is lazy: every failing row is reported with the check it failed, and the
caller splits the frame into rows to keep and rows to quarantine (PUDL's habit of
treating failures as data rather than aborting the run).
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pandera.pandas as pa
from pandera.typing.pandas import Series

from tracker.model import (
    CLAIM_COLUMNS,
    DATE_COLUMNS,
    FLOAT_COLUMNS,
    INT_COLUMNS,
    FLOW_METRICS,
    METHODS,
    METRICS,
    QUALIFIERS,
    SIGNED_METRICS,
    STOCK_METRICS,
)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _is_iso_date(text: object) -> bool:
    if not isinstance(text, str) or not _ISO_DATE.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True



def _blank(series: pd.Series) -> pd.Series:
    """True where a text cell holds nothing (NaN, None or empty string)."""
    return series.isna() | (series.astype("string").fillna("").str.strip() == "")


def _has_flag(flags: pd.Series, flag: str) -> pd.Series:
    return flags.astype("string").fillna("").str.split(";").apply(lambda parts: flag in parts)


class ClaimSchema(pa.DataFrameModel):
    """One row per citation of a territorial figure (data/processed/claims.csv)."""

    claim_id: Series[str] = pa.Field(str_matches=r"^[0-9a-f]{16}$", unique=True)
    conflict: Series[str] = pa.Field(nullable=True)
    metric: Series[str]
    value: Series[float] = pa.Field(nullable=True)
    value_min: Series[float] = pa.Field(nullable=True)
    value_max: Series[float] = pa.Field(nullable=True)
    qualifier: Series[str]
    actor: Series[str] = pa.Field(str_length={"min_value": 1})
    territory: Series[str] = pa.Field(nullable=True)
    period_start: Series[str] = pa.Field(nullable=True)
    period_end: Series[str] = pa.Field(nullable=True)
    as_of: Series[str] = pa.Field(nullable=True)
    method: Series[str]

    class Config:
        strict = False  # the remaining provenance columns are free text
        coerce = True

    # Custom element checks rather than Field(isin=...) so the message names the problem.
    @pa.check("metric", error="unknown metric (see the metric vocabulary in README.md)")
    def known_metric(cls, metric: Series[str]) -> Series[bool]:
        return metric.isin(METRICS)

    @pa.check("qualifier", error=f"unknown qualifier (one of {', '.join(QUALIFIERS)})")
    def known_qualifier(cls, qualifier: Series[str]) -> Series[bool]:
        return qualifier.isin(QUALIFIERS)

    @pa.check("method", error=f"unknown method (one of {', '.join(METHODS)})")
    def known_method(cls, method: Series[str]) -> Series[bool]:
        return method.isin(METHODS)

    @pa.check("period_start", "period_end", "as_of", error="not a real date written YYYY-MM-DD")
    def iso_date(cls, dates: Series[str]) -> Series[bool]:
        return dates.map(lambda text: text is None or text != text or _is_iso_date(text)).astype(bool)

    @pa.dataframe_check(error="a value is required (or value_min and value_max for a range)")
    def has_value(cls, df: pd.DataFrame) -> pd.Series:
        is_range = df["qualifier"] == "range"
        return (~is_range & df["value"].notna()) | (
            is_range & df["value_min"].notna() & df["value_max"].notna()
        )

    @pa.dataframe_check(error="a range needs value_min <= value_max")
    def range_ordered(cls, df: pd.DataFrame) -> pd.Series:
        both = df["value_min"].notna() & df["value_max"].notna()
        return ~both | (df["value_min"] <= df["value_max"])

    @pa.dataframe_check(error="a flow (gain, loss, rate) needs period_end and no as_of")
    def flow_has_period(cls, df: pd.DataFrame) -> pd.Series:
        flow = df["metric"].isin(FLOW_METRICS)
        ok = df["period_end"].notna() & df["as_of"].isna()
        return ~flow | ok

    @pa.dataframe_check(error="a stock (area or share held) needs as_of and no period")
    def stock_has_as_of(cls, df: pd.DataFrame) -> pd.Series:
        stock = df["metric"].isin(STOCK_METRICS)
        # Peaks and undated plans are stocks without a date; they must say so in flags.
        dated_or_declared = df["as_of"].notna() | _has_flag(df["flags"], "undated")
        no_period = df["period_start"].isna() & df["period_end"].isna()
        return ~stock | (dated_or_declared & no_period)

    @pa.dataframe_check(error="period_start is after period_end")
    def period_ordered(cls, df: pd.DataFrame) -> pd.Series:
        both = df["period_start"].notna() & df["period_end"].notna()
        return ~both | (df["period_start"].astype("string") <= df["period_end"].astype("string"))

    @pa.dataframe_check(error="a share must lie between 0 and 100 percent")
    def share_within_bounds(cls, df: pd.DataFrame) -> pd.Series:
        share = df["metric"].str.endswith("_pct")
        ok = pd.Series(True, index=df.index)
        for column in ("value", "value_min", "value_max"):
            ok &= df[column].isna() | df[column].between(0, 100)
        return ~share | ok

    @pa.dataframe_check(error="an area or a count cannot be negative")
    def not_negative(cls, df: pd.DataFrame) -> pd.Series:
        signed = df["metric"].isin(SIGNED_METRICS)
        ok = pd.Series(True, index=df.index)
        for column in ("value", "value_min", "value_max"):
            ok &= df[column].isna() | (df[column] >= 0)
        return signed | ok

    @pa.dataframe_check(error="a count must be a whole number")
    def counts_whole(cls, df: pd.DataFrame) -> pd.Series:
        count = ~(df["metric"].str.endswith("_pct") | df["metric"].str.endswith("_km2"))
        value = df["value"]
        return ~count | value.isna() | (value == value.round())

    @pa.dataframe_check(error="a citation needs a url or a source_id")
    def has_citation(cls, df: pd.DataFrame) -> pd.Series:
        return ~(_blank(df["url"]) & _blank(df["source_id"]))


def normalise_claims_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Give a claims frame every ledger column, in ledger order, with storage types.

    Empty strings in date columns become missing values so that the nullability checks
    see them; numbers are floats (NaN for missing); text is str with "" for missing.
    """
    out = pd.DataFrame(index=frame.index)
    for column in CLAIM_COLUMNS:
        series = frame[column] if column in frame.columns else pd.Series(None, index=frame.index)
        if column in FLOAT_COLUMNS:
            out[column] = pd.to_numeric(series, errors="coerce").astype("float64")
        elif column in INT_COLUMNS:
            out[column] = pd.to_numeric(series, errors="coerce").astype("Int64")
        elif column in DATE_COLUMNS:
            text = series.astype("object").where(series.notna(), None)
            text = text.map(lambda v: None if v is None or str(v).strip() == "" else str(v).strip())
            out[column] = text.astype("object")
        else:
            out[column] = series.astype("object").where(series.notna(), "").map(str).astype("object")
    return out


def split_valid(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validate lazily; return (valid rows, rejected rows with a `reason` column).

    A rejected row's reason lists every check it failed, separated by "; ".
    """
    frame = normalise_claims_frame(frame)
    if frame.empty:
        return frame, frame.assign(reason=pd.Series(dtype="object"))
    try:
        ClaimSchema.validate(frame, lazy=True)
        return frame, frame.iloc[0:0].assign(reason=pd.Series(dtype="object"))
    except pa.errors.SchemaErrors as errors:
        reasons = _reasons_by_row(errors.failure_cases, frame)
    bad_index = sorted(reasons)
    rejected = frame.loc[bad_index].copy()
    rejected["reason"] = [reasons[i] for i in bad_index]
    return frame.drop(index=bad_index), rejected


def _reasons_by_row(failure_cases: pd.DataFrame, frame: pd.DataFrame) -> dict:
    """Turn pandera's failure table into {row index: 'column: check; ...'}."""
    reasons: dict = {}
    for case in failure_cases.itertuples(index=False):
        index = case.index
        if index is None or (isinstance(index, float) and index != index):
            # A failure of the whole column (e.g. wrong type): blame every row.
            targets = list(frame.index)
        else:
            targets = [index]
        check = str(case.check)
        if case.schema_context == "Column":
            message = f"{case.column}: {check} (got {case.failure_case!r})"
        else:
            # Row-level checks report one failure per column of the row; say it once.
            message = check
        for target in targets:
            found = reasons.setdefault(target, [])
            if message not in found:
                found.append(message)
    return {k: "; ".join(v) for k, v in reasons.items()}


QUARANTINE_COLUMNS: tuple[str, ...] = ("source_id", "origin", "reason", "record")
