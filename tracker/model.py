"""The claim data model: vocabularies, the Claim record and its stable id.

A claim is one cited figure: a number about land taken, lost or held, with who holds it,
where, when, how hedged, who produced it and which document said so. The vocabularies
follow the labelling conventions of the development set (metrics, qualifiers), so that
what the extractor emits, what the schemas accept and what the scorer reads agree.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

# Flows describe a change over a period: they need period_start/period_end, never as_of.
FLOW_METRICS: tuple[str, ...] = (
    "area_gained_km2",
    "area_lost_km2",
    "net_area_gained_km2",
    "area_gained_per_day_km2",
    "share_gained_pct",
    "share_lost_pct",
    "share_regained_pct",
    "settlements_captured",
    "units_captured_count",
)

# Stocks describe what is held at a date: they need as_of (null only for peaks and
# undated plans), never a period.
STOCK_METRICS: tuple[str, ...] = (
    "area_controlled_km2",
    "share_controlled_pct",
    "share_present_pct",
    "share_outside_control_pct",
    "settlements_controlled_count",
    "units_controlled_count",
    "area_under_evacuation_orders_km2",
    "share_under_evacuation_orders_pct",
    "share_not_under_evacuation_orders_pct",
)

METRICS: tuple[str, ...] = FLOW_METRICS + STOCK_METRICS

# Shares of a previously seized area lost or retaken are progress readings: with a period of
# their own ("since the peak", "in April") they are flows; without one ("has recovered about
# 50% of the land Russia grabbed") they state how far the recapture stands at a date, and
# carry as_of instead. Either way exactly one of the two datings is present.
DUAL_DATED_METRICS: frozenset[str] = frozenset({"share_lost_pct", "share_regained_pct"})

QUALIFIERS: tuple[str, ...] = ("exact", "approx", "at_least", "at_most", "range")

METHODS: tuple[str, ...] = ("reported", "computed", "curated")

STATUSES: tuple[str, ...] = ("active", "superseded", "retracted")

# Net gains may legitimately be negative (a side lost more than it took).
SIGNED_METRICS: frozenset[str] = frozenset({"net_area_gained_km2"})

# Ukraine's area as used by the producers the tracker cites; a share records its denominator.
UKRAINE_AREA_AFP_KM2 = 603_628.0
UKRAINE_AREA_DEEPSTATE_KM2 = 603_700.0

SQ_MILE_KM2 = 2.589988


def is_flow(metric: str) -> bool:
    return metric in FLOW_METRICS


def may_be_dated_as_stock(metric: str) -> bool:
    """A flow metric that may carry as_of instead of a period (see DUAL_DATED_METRICS)."""
    return metric in DUAL_DATED_METRICS


def is_share(metric: str) -> bool:
    return metric.endswith("_pct")


def is_area(metric: str) -> bool:
    return metric.endswith("_km2")


def is_count(metric: str) -> bool:
    return not (is_share(metric) or is_area(metric))


@dataclass
class Claim:
    """One cited figure. Field order is the column order of the ledger."""

    claim_id: str = ""
    conflict: str = ""
    metric: str = ""
    value: float | None = None
    value_min: float | None = None
    value_max: float | None = None
    qualifier: str = "exact"
    qualifier_text: str = ""
    value_original: float | None = None
    unit_original: str = ""
    alt_value_original: float | None = None
    alt_unit_original: str = ""
    actor: str = ""
    territory: str = ""
    period_start: str | None = None
    period_end: str | None = None
    as_of: str | None = None
    period_text: str = ""
    attribution: str = ""
    analyst: str = ""
    data_producer: str = ""
    publisher: str = ""
    url: str = ""
    title: str = ""
    authors: str = ""  # as the page names them, "; "-separated
    published_at: str = ""
    retrieved_at: str = ""
    quote: str = ""
    number_start: int | None = None
    number_end: int | None = None
    method: str = "reported"
    definition: str = ""
    source_id: str = ""
    snapshot_sha256: str = ""
    extractor_version: str = ""
    flags: str = ""
    # The extractor's calibrated probability that the claim is right in every field (value,
    # metric, actor, qualifier, time, territory, attribution); None for claims not read from
    # text by the extractor (maps, curated series). Not part of claim_id: a better model
    # re-reading the same document must not change which citation a row is. Last column, so
    # a ledger written before it existed is its prefix (see tracker/ledger_file.py).
    confidence: float | None = None
    # History (see tracker/history.py). `location_id` is where the figure was read: the
    # document's hash and the character span of the number, or a curated row's key; every
    # reading of one location is one figure, whatever its fields say. `status` is `active`,
    # `superseded` (a newer reading of the same location replaced it, named by
    # `superseded_by` when there is one) or `retracted` (its source or curated row was
    # removed); `recorded_at` is when the reading was first stored and `status_at` when the
    # row took its status (UTC). None of them is part of claim_id; a row is never removed.
    location_id: str = ""
    recorded_at: str = ""
    status: str = "active"
    status_at: str = ""
    superseded_by: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def add_flag(self, flag: str) -> None:
        present = [f for f in self.flags.split(";") if f]
        if flag not in present:
            present.append(flag)
        self.flags = ";".join(sorted(present))


CLAIM_COLUMNS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Claim))

# Column groups by storage type; every ledger column is in exactly one group.
FLOAT_COLUMNS: tuple[str, ...] = (
    "value", "value_min", "value_max", "value_original", "alt_value_original", "confidence",
)
INT_COLUMNS: tuple[str, ...] = ("number_start", "number_end")
DATE_COLUMNS: tuple[str, ...] = ("period_start", "period_end", "as_of")
TEXT_COLUMNS: tuple[str, ...] = tuple(
    c for c in CLAIM_COLUMNS if c not in FLOAT_COLUMNS + INT_COLUMNS + DATE_COLUMNS
)

# The fields that make a citation unique. The document is identified by its URL when it
# has one (a re-fetched page with new bytes is the same citation), else by its source
# and the hash of the bytes the figure was read from. What the extractor says about its
# reading (confidence, extractor_version, offsets) is not identity: a re-extraction with a
# better model updates the row of the same citation instead of adding another.
_IDENTITY_FIELDS = (
    "metric", "value", "value_min", "value_max", "actor", "territory",
    "period_start", "period_end", "as_of", "attribution",
)


def _canonical_number(value: Any) -> str:
    if value is None or value == "":
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if number != number:  # NaN read back from CSV means "missing"
        return ""
    return repr(round(number, 6))


# C0 controls other than tab and line feed, DEL, C1 controls: nothing a figure's citation
# needs, and what breaks the tools analysts open the CSVs with.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """Text as the ledger keeps it: line ends as '\\n', no control characters."""
    if text.isprintable():
        return text  # the common case costs one scan
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def clean_record(record: dict[str, Any]) -> dict[str, Any]:
    """`record` with every text field cleaned (see clean_text); numbers and None as they are."""
    return {k: clean_text(v) if isinstance(v, str) else v for k, v in record.items()}


def claim_id(record: dict[str, Any]) -> str:
    """Stable 16-hex id of a citation: document + metric + value + actor + territory + time."""
    document = record.get("url") or (
        f"source:{record.get('source_id', '')}:{record.get('snapshot_sha256', '')}")
    parts: dict[str, str] = {"document": str(document)}
    for name in _IDENTITY_FIELDS:
        raw = record.get(name)
        if name.startswith("value"):
            parts[name] = _canonical_number(raw)
        else:
            parts[name] = "" if raw is None or raw != raw else str(raw).strip()
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True).encode("utf-8")).hexdigest()
    return digest[:16]


# A curated row's key: what the row is a figure of, without its value, so that an edited
# value (505 -> 507) is a new reading of the same row. A `row_id` column, when the analyst
# keeps one, is the key instead.
_CURATED_KEY_FIELDS = ("conflict", "metric", "actor", "territory", "period_start", "period_end",
                       "as_of", "attribution", "url")
# A series or map figure: one per source, metric, actor, territory and date.
_SERIES_KEY_FIELDS = ("conflict", "metric", "actor", "territory", "period_start", "period_end",
                      "as_of", "definition")


def location_id(record: dict[str, Any], row_key: str = "") -> str:
    """Stable 16-hex id of where a figure was read (see Claim.location_id).

    Text: source, document hash and the number's character span (the quote when the span
    is unknown). Curated: source and `row_key` (or the row's key fields). Computed and
    series figures: source and the figure's key fields without the value, so a revised
    value for the same date is a new reading of the same figure."""
    def text(name: str) -> str:
        raw = record.get(name)
        try:
            if raw is None or raw != raw:  # NaN
                return ""
        except TypeError:  # pandas' NA has no truth value: missing too
            return ""
        if isinstance(raw, float) and raw.is_integer():
            return str(int(raw))
        return str(raw).strip()

    method = text("method") or "reported"
    if method == "reported":
        span = (f"{text('number_start')}-{text('number_end')}" if text("number_start") != ""
                else "quote:" + text("quote"))
        parts = ["text", text("source_id"), text("snapshot_sha256"), span]
    elif method == "curated":
        parts = ["curated", text("source_id"),
                 row_key or "|".join(text(name) for name in _CURATED_KEY_FIELDS)]
    else:
        parts = [method, text("source_id"), *(text(name) for name in _SERIES_KEY_FIELDS)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


@dataclass
class Document:
    """A document handed to the extractor: text plus what is known about where it came from."""

    text: str
    doc_id: str = ""
    url: str = ""
    publisher: str = ""
    title: str = ""
    published: str | None = None  # YYYY-MM-DD, YYYY-MM or YYYY
    language: str | None = None
    conflict: str = ""
    source_id: str = ""
    snapshot_sha256: str = ""
    retrieved_at: str = ""
    default_attribution: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
