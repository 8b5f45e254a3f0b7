"""Pandera schemas for every table written to data/processed, in one place.

Validation is lazy: every failing row is reported with the check it failed, and the
caller splits the frame into rows to keep and rows to quarantine (PUDL's habit of
treating failures as data rather than aborting the run).
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing.pandas import Series

from tracker.model import (
    CLAIM_COLUMNS,
    DATE_COLUMNS,
    DUAL_DATED_METRICS,
    FLOAT_COLUMNS,
    INT_COLUMNS,
    FLOW_METRICS,
    METHODS,
    METRICS,
    QUALIFIERS,
    SIGNED_METRICS,
    STATUSES,
    STOCK_METRICS,
    location_id,
)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Bounds of what a territorial figure can be: Russia, the largest country, is 17.1 million
# km²; no war report counts a million settlements; dates outside these years are misreadings.
MAX_AREA_KM2 = 20_000_000.0
MAX_COUNT = 1_000_000
FIRST_YEAR, LAST_YEAR = 1900, 2100


def _is_iso_date(text: object) -> bool:
    if not isinstance(text, str) or not _ISO_DATE.match(text):
        return False
    try:
        year = date.fromisoformat(text).year
    except ValueError:
        return False
    return FIRST_YEAR <= year <= LAST_YEAR



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
    confidence: Series[float] = pa.Field(nullable=True)
    location_id: Series[str] = pa.Field(str_matches=r"^[0-9a-f]{16}$")
    status: Series[str]

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

    @pa.check("status", error=f"unknown status (one of {', '.join(STATUSES)})")
    def known_status(cls, status: Series[str]) -> Series[bool]:
        return status.isin(STATUSES)

    @pa.check("method", error=f"unknown method (one of {', '.join(METHODS)})")
    def known_method(cls, method: Series[str]) -> Series[bool]:
        return method.isin(METHODS)

    @pa.check("period_start", "period_end", "as_of", error=f"not a real date written YYYY-MM-DD between {FIRST_YEAR} and {LAST_YEAR}")
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

    @pa.dataframe_check(error="a flow (gain, loss, rate) needs period_end and no as_of (a share lost or retaken may have as_of alone)")
    def flow_has_period(cls, df: pd.DataFrame) -> pd.Series:
        flow = df["metric"].isin(FLOW_METRICS)
        ok = df["period_end"].notna() & df["as_of"].isna()
        # A share lost or retaken may instead be dated like a stock, with no period at all.
        read_at_date = df["metric"].isin(DUAL_DATED_METRICS) & df["as_of"].notna() & \
            df["period_start"].isna() & df["period_end"].isna()
        return ~flow | ok | read_at_date

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

    @pa.dataframe_check(error=f"an area beyond {MAX_AREA_KM2:,.0f} km² (larger than any country) "
                              f"or a count beyond {MAX_COUNT:,} is not a reading of a territorial figure")
    def value_plausible(cls, df: pd.DataFrame) -> pd.Series:
        area = df["metric"].str.endswith("_km2")
        count = ~(area | df["metric"].str.endswith("_pct"))
        ok = pd.Series(True, index=df.index)
        for column in ("value", "value_min", "value_max"):
            size = df[column].abs()
            ok &= size.isna() | ~(area & (size > MAX_AREA_KM2)) & ~(count & (size > MAX_COUNT))
        return ok

    @pa.dataframe_check(error="a value must be a finite number (not infinity)")
    def values_finite(cls, df: pd.DataFrame) -> pd.Series:
        ok = pd.Series(True, index=df.index)
        for column in FLOAT_COLUMNS:
            ok &= df[column].isna() | np.isfinite(df[column].astype("float64"))
        return ok

    @pa.check("confidence", error="confidence is a probability between 0 and 1")
    def confidence_probability(cls, confidence: Series[float]) -> Series[bool]:
        return confidence.isna() | confidence.between(0.0, 1.0)

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
        out[column] = normalised_column(frame, column)
    # A claim new to the ledger is the current reading of where it was read.
    out.loc[out["status"] == "", "status"] = "active"
    missing = out["location_id"] == ""
    if missing.any():
        out.loc[missing, "location_id"] = [
            location_id(record) for record in out.loc[missing].to_dict("records")]
    return out


def normalised_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """One ledger column of `frame` with its storage type, as normalise_claims_frame gives
    it (without the default status and location_id), index-aligned with `frame`.

    Ledger text repeats itself (a few metrics, dates and numbers over thousands of rows),
    so numbers and dates are parsed once per distinct text; a column that holds anything
    but text and missing cells takes the general, slower path (same result)."""
    series = frame[column] if column in frame.columns else pd.Series(None, index=frame.index)
    if column in FLOAT_COLUMNS:
        return _numbers(series, "float64")
    if column in INT_COLUMNS:
        return _numbers(series, "Int64")
    if column in DATE_COLUMNS:
        return _dates_text(series)
    return text_cells(series)


_COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3


def _only_text(values: np.ndarray) -> bool:
    """Every cell a str (an empty array too)."""
    return pd.api.types.infer_dtype(values, skipna=False) in ("string", "empty")


def _numbers(series: pd.Series, dtype: str) -> pd.Series:
    """`pd.to_numeric(series, errors="coerce").astype(dtype)`, each distinct text parsed once."""
    if series.dtype == object:
        codes, uniques = pd.factorize(series.to_numpy())
        if _only_text(uniques):
            parsed = pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce")
            missing = codes < 0
            if missing.any():
                # A missing cell makes the whole column float before the cast, as it does
                # for pd.to_numeric over the column.
                parsed = parsed.astype("float64")
            array = pd.array(parsed.astype(dtype)).take(codes, allow_fill=True)
            return pd.Series(array, index=series.index, dtype=dtype, copy=False)
    return pd.to_numeric(series, errors="coerce").astype(dtype)


def _dates_text(series: pd.Series) -> pd.Series:
    """Date cells as stripped text, None for missing or blank."""
    values = series.to_numpy(dtype=object)
    codes, uniques = pd.factorize(values)
    if _only_text(uniques):
        cells = [text.strip() or None for text in uniques]
        missing = codes < 0
        if missing.any():
            codes = np.where(missing, len(cells), codes)
            cells.append(None)
        # Built as Series.map builds its result (the missing-value marker depends on the
        # pandas version: None, or NaN once the cells are inferred as strings).
        lookup = pd.Series(cells).astype("object").to_numpy()
        return pd.Series(lookup[codes], index=series.index, dtype=object, copy=False)
    text = series.astype("object").where(series.notna(), None)
    text = text.map(lambda v: None if v is None or str(v).strip() == "" else str(v).strip())
    return text.astype("object")


def text_cells(series: pd.Series) -> pd.Series:
    """Text cells as str, "" for missing: what normalise_claims_frame makes of a text
    column (`series.astype(object).where(series.notna(), "").map(str)`), index-aligned."""
    values = series.to_numpy(dtype=object)
    if _only_text(values):
        if series.dtype == object:
            # Copy-on-write pandas shares the cells until either side changes them.
            return series.copy(deep=not _COPY_ON_WRITE)
        return pd.Series(values, index=series.index, dtype=object, copy=True)
    missing = pd.isna(values)
    if _only_text(values[~missing]):
        values = values.copy()
        values[missing] = ""
        return pd.Series(values, index=series.index, dtype=object, copy=False)
    return series.astype("object").where(series.notna(), "").map(str).astype("object")


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


# --- Column descriptions and the observations table ---------------------------------------
# One place for what every exported column means: tracker/export.py builds datapackage.json
# (type, unit, description) from this dict, and ObservationSchema below checks the table.
# Types are Frictionless Table Schema types; the unit is empty where none applies.

COLUMN_DOCS: dict[str, tuple[str, str, str]] = {
    "claim_id": ("string", "", "Stable 16-hex id of one citation: document + metric + value + actor + territory + time + attribution."),
    "conflict": ("string", "", "Conflict slug: russia-ukraine, israel-gaza, sudan, myanmar, syria, drc, israel-lebanon."),
    "metric": ("string", "", "What is counted (vocabulary in README.md); the suffix gives the unit: _km2 square kilometres, _pct percent, otherwise a count."),
    "value": ("number", "see metric suffix", "The figure, normalised to the metric's unit (km² for _km2, percent for _pct, whole number for counts); empty for a range."),
    "value_min": ("number", "see metric suffix", "Lower bound of a range, in the metric's unit."),
    "value_max": ("number", "see metric suffix", "Upper bound of a range, in the metric's unit."),
    "qualifier": ("string", "", "How the figure is hedged: exact, approx, at_least (more than), at_most (almost, up to), range."),
    "qualifier_text": ("string", "", "The hedging words as written (about, almost, more than)."),
    "value_original": ("number", "unit_original", "The number as written in the source, before conversion."),
    "unit_original": ("string", "", "The unit as written in the source (km2, sq miles, hectares, %)."),
    "alt_value_original": ("number", "alt_unit_original", "A second figure given beside the first as a conversion (e.g. square miles)."),
    "alt_unit_original": ("string", "", "Unit of alt_value_original as written."),
    "actor": ("string", "", "Who holds or took the territory (canonical name, e.g. Russia)."),
    "territory": ("string", "", "Where (canonical name, e.g. Ukraine, Donetsk oblast, Gaza Strip)."),
    "period_start": ("date", "", "First day of the period of a flow (gain, loss, rate), ISO 8601."),
    "period_end": ("date", "", "Last day of the period of a flow, ISO 8601."),
    "as_of": ("date", "", "Date a stock (area or share held), or a share lost or retaken without a period, refers to, ISO 8601."),
    "period_text": ("string", "", "The period as written in the source."),
    "attribution": ("string", "", "Who produced the figure (e.g. AFP analysis of ISW data, DeepState)."),
    "analyst": ("string", "", "Who analysed the data behind the attribution (e.g. AFP)."),
    "data_producer": ("string", "", "Who produced the underlying data or maps (e.g. ISW)."),
    "publisher": ("string", "", "Who published the citing document."),
    "url": ("string", "", "Address of the citing document."),
    "title": ("string", "", "Title of the citing document."),
    "authors": ("string", "", "Authors of the citing document as the page names them, '; '-separated."),
    "published_at": ("string", "", "Publication date of the citing document, ISO 8601 date or UTC date-time; empty when unknown."),
    "retrieved_at": ("string", "", "When the tracker first read the document, ISO 8601 UTC date-time."),
    "quote": ("string", "", "The sentence stating the figure, verbatim from the source."),
    "number_start": ("integer", "characters", "Offset of the figure's first character in the document text."),
    "number_end": ("integer", "characters", "Offset just after the figure's last character in the document text."),
    "method": ("string", "", "How the figure was obtained: reported (read from text), computed (from map geometry), curated (entered by an analyst)."),
    "definition": ("string", "", "What the figure counts where known: assessed vs claimed, gross vs net, denominator of a share, area method of a computed figure."),
    "source_id": ("string", "", "Id of the source in sources.toml that read the document."),
    "snapshot_sha256": ("string", "", "SHA-256 of the raw bytes the figure was read from (data/raw)."),
    "extractor_version": ("string", "", "Version of the extraction code that produced the row."),
    "flags": ("string", "", "Machine-readable warnings, ';'-separated: on claims e.g. unit_mismatch, partial_period, undated; on observations conflicting_copies, partial_period, revised, revision."),
    "confidence": ("number", "probability", "The extractor's calibrated probability (0 to 1) that the claim is right in every field: value, metric, actor, qualifier, time, territory and attribution; calibrated on text the model did not train on. Empty for claims not read from text by the extractor (map-computed areas, curated figures and series)."),
    "location_id": ("string", "", "Where the figure was read: a hash of the source, the document's sha256 and the number's character span for text; of the source and the row's key for a curated row; of the source, metric, actor, territory and date for a series or map figure. Every reading of one location is the same figure."),
    "recorded_at": ("datetime", "", "When the reading was first stored in the ledger (UTC); empty for rows stored before the ledger kept history."),
    "status_at": ("datetime", "", "When the row took its status (UTC)."),
    # The ledger's `status` and `superseded_by` are described in tracker/export.py
    # (_LEDGER_DOCS): this dict has one entry per name, and those names here mean a
    # check's outcome and an observation's next release.
    # Observations (data/processed/observations.csv): one row per distinct figure.
    "observation_id": ("string", "", "Stable 16-hex id of a distinct figure: metric, actor, territory, time, attribution, computed or not, and values."),
    "is_partial": ("boolean", "", "A flow that covers part of a month only (or is flagged partial_period)."),
    "n_citations": ("integer", "citations", "How many claims (citations) state this figure."),
    "claim_ids": ("string", "", "The claim_id of every citation of the figure, sorted, ';'-separated."),
    "publishers": ("string", "", "The distinct publishers citing the figure, sorted, '; '-separated."),
    "first_published_at": ("string", "", "Earliest publication date among the citations (YYYY-MM-DD); empty when none is known."),
    "last_published_at": ("string", "", "Latest publication date among the citations (YYYY-MM-DD); empty when none is known."),
    "revision_of": ("string", "", "observation_id of the first release this figure revises; empty for a first release."),
    "revision_number": ("integer", "", "0 for a first release, 1 for its first revision, and so on."),
    "superseded_by": ("string", "", "observation_id of the release that revised this figure; empty when it is the latest."),
    "is_revised": ("boolean", "", "True when a later release of the same producer gives another value for this period."),
    "conflicts_with": ("string", "", "observation_ids of copies of the same release that state another value, ';'-separated."),
    # Checks (data/processed/checks.csv), written by tracker/checks.py.
    "check_id": ("string", "", "Stable 16-hex id of one check of a claim."),
    "time": ("string", "", "The date the checked figure refers to (YYYY-MM-DD), or its period written start..end."),
    "reported_value": ("number", "see metric suffix", "The reported or curated figure that was checked."),
    "computed_value": ("number", "see metric suffix", "The figure computed from map geometry for the same metric, actor, territory and time."),
    "computed_claim_id": ("string", "", "claim_id of the computed figure compared with."),
    "difference_km2": ("number", "km2", "Reported minus computed, in square kilometres."),
    "difference_pct": ("number", "percent", "Reported minus computed, as a percentage of the computed figure."),
    "status": ("string", "", "Outcome of the check: ok, exceeds_tolerance, impossible, no_computed."),
    "detail": ("string", "", "What the check found, in words."),
}


def column_doc(column: str) -> tuple[str, str, str]:
    """(type, unit, description) of a column; KeyError names a column nobody described."""
    try:
        return COLUMN_DOCS[column]
    except KeyError:
        raise KeyError(f"column {column!r} has no description in tracker/schemas.py COLUMN_DOCS") from None


class ObservationSchema(pa.DataFrameModel):
    """One row per distinct figure with its citations (data/processed/observations.csv)."""

    observation_id: Series[str] = pa.Field(str_matches=r"^[0-9a-f]{16}$", unique=True)
    conflict: Series[str] = pa.Field(nullable=True)
    metric: Series[str] = pa.Field(isin=list(METRICS))
    value: Series[float] = pa.Field(nullable=True)
    value_min: Series[float] = pa.Field(nullable=True)
    value_max: Series[float] = pa.Field(nullable=True)
    qualifier: Series[str] = pa.Field(isin=list(QUALIFIERS))
    actor: Series[str]
    territory: Series[str] = pa.Field(nullable=True)
    period_start: Series[str] = pa.Field(nullable=True)
    period_end: Series[str] = pa.Field(nullable=True)
    as_of: Series[str] = pa.Field(nullable=True)
    is_partial: Series[bool]
    attribution: Series[str] = pa.Field(nullable=True)
    method: Series[str] = pa.Field(isin=list(METHODS))
    n_citations: Series[int] = pa.Field(ge=1)
    claim_ids: Series[str] = pa.Field(str_matches=r"^[^;]+(;[^;]+)*$")
    revision_of: Series[str] = pa.Field(nullable=True)
    revision_number: Series[int] = pa.Field(ge=0)
    superseded_by: Series[str] = pa.Field(nullable=True)
    is_revised: Series[bool]
    conflicts_with: Series[str] = pa.Field(nullable=True)

    class Config:
        strict = False
        coerce = True

    @pa.dataframe_check(error="n_citations must equal the number of claim_ids")
    def citations_counted(cls, df: pd.DataFrame) -> pd.Series:
        return df["claim_ids"].astype(str).str.count(";") + 1 == df["n_citations"]

    @pa.dataframe_check(error="a revision has a revision_number of 1 or more, a first release 0")
    def revision_numbered(cls, df: pd.DataFrame) -> pd.Series:
        is_revision = df["revision_of"].fillna("").astype(str) != ""
        return is_revision == (df["revision_number"] > 0)


class CheckSchema(pa.DataFrameModel):
    """Reported or curated figures against computed ones (data/processed/checks.csv)."""

    check_id: Series[str] = pa.Field(str_matches=r"^[0-9a-f]{16}$", unique=True)
    claim_id: Series[str] = pa.Field(str_matches=r"^[0-9a-f]{16}$")
    metric: Series[str] = pa.Field(isin=list(METRICS))
    actor: Series[str] = pa.Field(nullable=True)
    territory: Series[str] = pa.Field(nullable=True)
    time: Series[str] = pa.Field(nullable=True)
    reported_value: Series[float] = pa.Field(nullable=True)
    computed_value: Series[float] = pa.Field(nullable=True)
    computed_claim_id: Series[str] = pa.Field(nullable=True)
    difference_km2: Series[float] = pa.Field(nullable=True)
    difference_pct: Series[float] = pa.Field(nullable=True)
    status: Series[str] = pa.Field(isin=["ok", "exceeds_tolerance", "impossible", "no_computed"])
    detail: Series[str] = pa.Field(nullable=True)

    class Config:
        strict = True
        coerce = True

    @pa.dataframe_check(error="a compared row (ok or exceeds_tolerance) needs the computed value")
    def compared_has_value(cls, df: pd.DataFrame) -> pd.Series:
        compared = df["status"].isin(["ok", "exceeds_tolerance"])
        return ~compared | df["computed_value"].notna()
