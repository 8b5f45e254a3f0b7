"""`tracker report` from what the job built and checked: its cost bounded by what it draws.

A finished `tracker ingest` leaves, checked and up to date, data/processed/claims.csv
(data/state/derived.json records its bytes as `ledger_sha256`: every cell and the schema
were checked before they were written), observations.csv and checks.csv (their digests in
`tables`, the review log they were built with in `reviews_sha256`, `clean` once the run
finished). When the ledger's bytes are those (the rule `tracker export` uses), the report
does not check every cell again, and reads the ledger in one pass without holding it:
of each row its status (a cell at a fixed place from the line's end), and whole only the
rows it plots, the rows at a place someone decided on (taken through the current view)
and the computed figures the checks it shows are against.

The charts are chosen from the figures rather than from every citation: from the job's
observations.csv (one row per figure, with its number of citations and its claims) when
it was built from this ledger and this review log, which is the whole current view (so
not for --reviewed-only, whose rows are filtered before figures are grouped); otherwise
from the columns that define a figure, read for every row and grouped here, and then the
charted series' rows are read whole (the flagged table names their revisions and
conflicting copies). Of the job's checks.csv only the checks of the charted series'
claims are parsed.

Every output is what build_report writes from the checked ledger's current view, byte
for byte (tests/test_report_scale.py). A ledger whose bytes are not the job's (edited by
hand, restored, repaired, an older layout) or a data folder without derived.json is read
the checked way instead (tracker/cli.py `report`): stored_report returns None.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from tracker.csvfile import format_row
from tracker.export import _cells, _gather, _LinesReader
from tracker.model import CLAIM_COLUMNS
from tracker.observations import OBSERVATION_COLUMNS, build_observations, claim_observation_ids
from tracker.publishing import Publishing
from tracker.report.build import ReportResult, charted_checks, write_report
from tracker.report.points import (
    ChartSpec,
    Selection,
    _assign_charts,
    _filter,
    _plottable,
    _sorted_claims,
    flag_links,
    numbered,
    placed,
    plot_rows,
)
from tracker.schemas import normalise_claims_frame, normalised_column
from tracker.store import StoreError
from tracker.view import charted, current_view

# The columns that define a figure (tracker/observations.py _FIGURE_KEY) and place it,
# with what the current view and --reviewed-only need: what is read of every row when
# the job's observations cannot be used.
_FIGURE_COLUMNS: tuple[str, ...] = (
    "claim_id", "conflict", "metric", "value", "value_min", "value_max", "actor", "territory",
    "period_start", "period_end", "as_of", "attribution", "method", "status", "source_id",
)
# What observations.csv gives to choose the charts (one row per figure).
_CHOICE_COLUMNS: tuple[str, ...] = (
    "observation_id", "conflict", "metric", "value", "value_min", "value_max", "actor",
    "territory", "period_start", "period_end", "as_of", "n_citations",
)
_NUMBERS = ("value", "value_min", "value_max")
_DATES = ("period_start", "period_end", "as_of")
_BLOCK = 1 << 22


class _Stale(Exception):
    """The job's observations.csv does not fit the ledger's rows as read: not used."""


def stored_report(
    data_dir: Path,
    out_dir: Path,
    *,
    conflict: str | None = None,
    since: str | None = None,
    until: str | None = None,
    metrics: list[str] | None = None,
    reviewed_only: bool = False,
    progress: Callable[[str], None] | None = None,
    warn: Callable[[str], None] = lambda problem: None,
    excluded_source_ids: frozenset[str] = frozenset(),
    publishing: Publishing | None = None,
) -> ReportResult | None:
    """build_report of the data folder's current view with its checks.csv, read from what
    the job built and checked; None, with nothing written or warned, when the ledger is
    not the one data/state/derived.json records: the caller reads it the checked way.
    `warn` gets each damaged line of the review log. `excluded_source_ids` (example
    sources) are left out as select_points leaves them out, with those of `publishing`
    (whose credit and licence every chart prints)."""
    from tracker.pipeline import DerivedState, reviews_digest
    from tracker.review.log import read_decisions

    publishing = publishing or Publishing()
    excluded_source_ids = frozenset(excluded_source_ids) | publishing.example_source_ids
    data_dir = Path(data_dir)
    processed = data_dir / "processed"
    path = processed / "claims.csv"
    state = DerivedState.read(data_dir)
    if not state.ledger_sha256 or not path.is_file():
        return None
    reviews: str | None = reviews_digest(data_dir)
    decisions, problems = read_decisions(data_dir)
    if reviews_digest(data_dir) != reviews:  # a decision taken meanwhile: not the one read
        reviews = None
    window = {"conflict": conflict, "since": since, "until": until, "metrics": metrics}
    # The job's observations are those of the whole current view of this ledger with this
    # review log: what select_points would group again. The charts are chosen from them
    # before the ledger is read, so that one pass reads the rows they plot.
    plan = None
    # The job's observations count example citations too: with examples to leave out, the
    # figures are grouped again from the rows (as for --reviewed-only).
    if not reviewed_only and not excluded_source_ids and state.clean and reviews is not None and reviews == state.reviews_sha256:
        table = _job_records(processed / "observations.csv", state, OBSERVATION_COLUMNS)
        if table is not None:
            try:
                plan = _Plan(table, **window)
            except _Stale:
                plan = None
    checks_path = processed / "checks.csv"
    checks = _job_checks(checks_path, state, plan.claim_observations) if plan else None
    wanted = plan.plotted | _against(checks) if plan else set()
    ledger = _Ledger.read(path, state.ledger_sha256, decisions, reviewed_only, wanted,
                          figure_columns=plan is None)
    if ledger is None:
        return None
    for problem in problems:
        warn(problem)
    selection = None
    if plan is not None:
        try:
            selection = plan.selection(ledger)
        except _Stale:
            checks = None
    if selection is None:
        selection = _from_rows(ledger, excluded_source_ids, **window)
        checks = _job_checks(checks_path, state, selection.claim_observations)
    if checks is None and checks_path.exists():
        from tracker.ledger import read_table

        checks = read_table(checks_path)  # not the job's: read whole, as the checked way does
    checks = charted_checks(checks, ledger.is_charted)
    return write_report(selection, out_dir, progress=progress, checks=checks,
                        publishing=publishing, **window)


class _Scan:
    """One pass over a CSV file the tracker wrote (tracker/csvfile.py: every line ends with
    '\\n', a cell holding a quote, comma or control character is quoted): its records
    (lines without their end) block by block, then `digest` (SHA-256 of its bytes) and
    `sound` (it starts with `header` and ends where a record ends). The file is never whole
    in memory."""

    def __init__(self, path: Path, header: tuple[str, ...]) -> None:
        self.path, self.header = path, format_row(header).encode("utf-8")
        self.digest, self.sound = "", False

    def __iter__(self) -> Iterator[list[bytes]]:
        digest = hashlib.sha256()
        carry, pending = b"", []
        with self.path.open("rb") as stream:
            first = stream.readline()
            digest.update(first)
            sound = first == self.header
            for block in iter(lambda: stream.read(_BLOCK), b""):
                digest.update(block)
                if sound:
                    lines = (carry + block).split(b"\n")
                    carry = lines.pop()
                    records: list[bytes] = []
                    pending = _gather(lines, records, pending)
                    if records:
                        yield records
        self.digest, self.sound = digest.hexdigest(), sound and not carry and not pending


def _job_records(path: Path, state, header: tuple[str, ...],
                 keep: Callable[[bytes], bool] | None = None) -> list[bytes] | None:
    """The records (those `keep` keeps) of a derived table (observations.csv, checks.csv)
    when it holds the bytes the job wrote and derived.json records after a finished run;
    else None."""
    recorded = state.tables.get(path.name, "")
    if not (state.clean and recorded):
        return None
    scan, kept = _Scan(path, header), []
    try:
        for records in scan:
            kept += records if keep is None else filter(keep, records)
    except OSError:
        return None
    return kept if scan.sound and scan.digest == recorded else None


class _Ledger:
    """The stored ledger as the report reads it: the count of current rows, the rows at a
    place someone decided on (through the current view), other rows only when asked for,
    and, for choosing charts without the job's observations, the columns that define each
    row's figure."""

    def __init__(self, path: Path, digest: str, decisions: list, reviewed_only: bool) -> None:
        self.path, self.digest = path, digest
        self.decisions, self.reviewed_only = decisions, reviewed_only
        self.active = bytearray()
        self.found: dict[str, tuple[int, bytes]] = {}  # claim_id -> (position, record)
        self.looked: set[str] = set()  # claim_ids looked for (found or not in the ledger)
        self.decided: list[tuple[int, bytes]] = []
        self.decided_view = pd.DataFrame()  # their current view, indexed by position
        self.rejected_count = 0
        self.figures: pd.DataFrame | None = None  # _FIGURE_COLUMNS as text, by position
        self.charted_ids: set[str] | None = None  # every charted row's, once known

    @classmethod
    def read(cls, path: Path, digest: str, decisions: list, reviewed_only: bool,
             wanted: set[str], *, figure_columns: bool) -> _Ledger | None:
        """The ledger at `path` read in one pass, with the rows of `wanted` claims; None
        when its bytes are not `digest` (or not a whole ledger in the current layout)."""
        ledger = cls(path, digest, decisions, reviewed_only)
        places = {decision.location_id.encode("utf-8") for decision in decisions}
        try:
            complete = ledger._pass(wanted, first=True, places=places,
                                    figure_columns=figure_columns)
        except OSError:
            return None  # the checked way says what is wrong with the file
        if not complete or not ledger.active:
            return None
        # The rows someone decided on, and the other readings at their places (which
        # decide which decision is in force), through the current view as the whole's.
        view = current_view(ledger._typed([record for _, record in ledger.decided]), decisions)
        ledger.decided_view = view.set_axis([position for position, _ in ledger.decided])
        ledger.rejected_count = int((view["review_status"] == "rejected").sum())
        return ledger

    def _pass(self, wanted: set[str], *, first: bool = False, places: set[bytes] = frozenset(),
              figure_columns: bool = False) -> bool:
        """Read the ledger once: the rows of `wanted` claims (on the `first` pass, every
        row's status and the rows at `places` too), the figure columns when asked; whether
        its bytes are this ledger's (after the first pass, StoreError when they are not:
        the file changed since)."""
        wanted_ids = {claim.encode("utf-8") for claim in wanted}
        scan, position, parts = _Scan(self.path, CLAIM_COLUMNS), 0, []
        broken = False  # lines that are not the job's: known for sure once the digest is
        for records in scan:
            start, position = position, position + len(records)
            if broken:
                continue  # the rest is only hashed
            try:
                self._take(records, start, wanted_ids, places if first else None, figure_columns,
                           parts)
            except (IndexError, ValueError, StoreError):
                broken = True
        if not scan.sound or scan.digest != self.digest:
            if first:
                return False
            raise StoreError(f"{self.path}: changed while the report was read (a tracker job "
                             "running?); report again")
        if broken:
            raise StoreError(f"{self.path}: rows and lines do not match: not the ledger the "
                             "job wrote")
        self.looked |= wanted
        if parts:
            self.figures = pd.concat(parts)
        return True

    def _take(self, records: list[bytes], start: int, wanted_ids: set[bytes],
              places: set[bytes] | None, figure_columns: bool, parts: list[pd.DataFrame]) -> None:
        """What a pass keeps of one block of records, the first from position `start`."""
        for offset, record in enumerate(records):
            if record[:16] in wanted_ids:
                self.found[record[:16].decode("ascii")] = (start + offset, record)
        if places is not None:
            # A line ends with location_id, recorded_at, status, status_at and
            # superseded_by: ids, times and a word the job checked, never quoted.
            active = [record.rsplit(b",", 3)[1] == b"active" for record in records]
            if places:
                self.decided += [(start + i, record) for i, record in enumerate(records)
                                 if active[i] and record.rsplit(b",", 5)[1] in places]
            self.active += bytes(active)
        if figure_columns:
            parts.append(_text_columns(self.path, records, start))

    @property
    def current_count(self) -> int:
        """Rows of the current view (active readings, rejected ones included)."""
        return sum(self.active)

    def figure_columns(self) -> pd.DataFrame:
        """_FIGURE_COLUMNS of every row as text, indexed by position."""
        if self.figures is None:
            self._pass(set(), figure_columns=True)
        return self.figures

    def _typed(self, records: list[bytes]) -> pd.DataFrame:
        """Rows as read_claims types them."""
        return normalise_claims_frame(pd.DataFrame([_cells(record) for record in records],
                                                   columns=list(CLAIM_COLUMNS), dtype="object"))

    def charted_rows(self, claim_ids: set[str]) -> pd.DataFrame:
        """The rows of `claim_ids` that the current view charts (charted(view,
        reviewed_only)), as the whole view holds them, in the ledger's order."""
        missing = claim_ids - self.looked
        if missing:
            self._pass(missing)
        rows = dict(self.decided)
        rows.update(self.found[claim] for claim in claim_ids if claim in self.found)
        typed = self._typed([rows[position] for position in sorted(rows)])
        view = charted(current_view(typed, self.decisions), self.reviewed_only)
        return view[view["claim_id"].isin(claim_ids)]

    def is_charted(self, claim_ids: pd.Series) -> pd.Series:
        """Per cell of `claim_ids`, whether it names a charted row."""
        found = self.charted_ids
        if found is None:
            named = set(claim_ids.tolist()) - {""}
            found = set(self.charted_rows(named)["claim_id"]) if named else set()
        # Few cells against a large set: looked up one by one (isin would convert the set).
        return pd.Series([claim in found for claim in claim_ids.tolist()], index=claim_ids.index,
                         dtype=bool)


def _text_columns(path: Path, records: list[bytes], start: int) -> pd.DataFrame:
    """_FIGURE_COLUMNS of ledger records as text (Arrow-backed where pandas has it),
    indexed by their positions from `start`."""
    try:
        frame = _records_frame(records, CLAIM_COLUMNS, _FIGURE_COLUMNS, dtype="str")
    except _Stale:
        frame = None
    if frame is None or not all(map(bytes.startswith, records,
                                    map(str.encode, frame["claim_id"].tolist()))):
        raise StoreError(f"{path}: rows and lines do not match: not the ledger the job wrote")
    return frame.set_axis(pd.RangeIndex(start, start + len(records)))


class _Plan:
    """The charts chosen from the job's observations.csv (one row per figure: placed as
    its citations are, counted by n_citations), and what they need of the ledger."""

    def __init__(self, table: list[bytes], *, conflict: str | None, since: str | None,
                 until: str | None, metrics: list[str] | None) -> None:
        choice = _records_frame(table, OBSERVATION_COLUMNS, _CHOICE_COLUMNS)
        figures = pd.DataFrame({c: choice[c] for c in ("conflict", "metric", "actor", "territory")})
        for column in (*_NUMBERS, *_DATES):
            figures[column] = normalised_column(choice, column)
        figures["_key"] = choice["observation_id"]
        figures["_n"] = pd.to_numeric(choice["n_citations"], errors="raise").astype("int64")
        del choice
        placed(figures)
        in_scope = _filter(figures, conflict=conflict, since=since, until=until, metrics=metrics)
        self.shown, self.charts = _assign_charts(_plottable(in_scope))
        # The observations of the charted series (the flagged table's, the references' notes).
        series = in_scope.index[_of_series(in_scope, self.charts)].tolist()
        self.observations = _typed_observations([table[i] for i in series])
        claims_of = {oid: claims.split(";") for oid, claims in
                     zip(self.observations["observation_id"], self.observations["claim_ids"])}
        self.claim_observations = {claim: oid for oid, claims in claims_of.items() for claim in claims}
        self.plotted = {claim for oid in self.shown["_key"] for claim in claims_of[oid]}

    def selection(self, ledger: _Ledger) -> Selection:
        """select_points' selection: the plotted figures' rows as the current view holds
        them, checked against the observations that list them."""
        rows = ledger.charted_rows(self.plotted)
        if len(rows) != len(self.plotted):
            raise _Stale  # a listed claim is not a charted row of this ledger
        rows = _sorted_claims(rows)
        keys = claim_observation_ids(rows)
        if [self.claim_observations[claim] for claim in rows["claim_id"]] != keys.tolist():
            raise _Stale
        frame = _charted_frame(plot_rows(rows, keys), self.shown, self.charts)
        links = flag_links(self.observations)
        return Selection(rows=numbered(frame, self.charts, links), charts=self.charts,
                         ledger_count=ledger.current_count, observations=self.observations,
                         claim_observations=self.claim_observations,
                         rejected_count=ledger.rejected_count, unchecked_left_out=0,
                         reviewed_only=False)


def _from_rows(ledger: _Ledger, excluded_source_ids: frozenset[str], *, conflict: str | None,
               since: str | None, until: str | None, metrics: list[str] | None) -> Selection:
    """select_points' selection, the charts chosen from the columns that define each row's
    figure; the charted series' rows read whole and grouped into observations."""
    text = ledger.figure_columns()
    ledger.figures = None
    figures = pd.DataFrame(index=text.index)
    for column in _FIGURE_COLUMNS:
        # Python text cells, as read_claims has them (numbers parsed from them as it parses
        # them), one object per distinct text: a few per column but for claim_id.
        codes, distinct = pd.factorize(text[column])
        cells = pd.Series(np.asarray(distinct, dtype=object)[codes], index=text.index, dtype=object,
                          name=column)
        figures[column] = normalised_column(cells.to_frame(), column)
    del text
    figures = figures[np.frombuffer(bytes(ledger.active), dtype=bool)]
    # The rows someone decided on as the current view holds them.
    decided = ledger.decided_view
    figures["review_status"] = "unreviewed"
    if len(decided):
        figures = pd.concat([figures.drop(index=decided.index),
                             decided[list(_FIGURE_COLUMNS) + ["review_status"]]]).sort_index()
    # Example sources are left out before anything else is counted (select_points).
    example = figures["source_id"].astype(str).isin(excluded_source_ids)
    figures = figures[~example]
    kept = figures["review_status"] != "rejected"
    rejected = int((~kept).sum())
    left_out = 0
    if ledger.reviewed_only:
        checked = figures["review_status"].isin(["confirmed", "corrected"])
        reviewed = kept & ((figures["method"] != "reported") | checked)
        left_out = int(kept.sum() - reviewed.sum())
        kept = reviewed
    figures = figures[kept]
    ledger.charted_ids = set(figures["claim_id"])
    figures["_key"] = claim_observation_ids(figures)
    placed(figures)
    in_scope = _filter(figures, conflict=conflict, since=since, until=until, metrics=metrics)
    shown, charts = _assign_charts(_plottable(in_scope))
    # Revisions and conflicting copies link figures of one series over every charted row:
    # the charted series' rows are grouped whole, whatever the window.
    rows = ledger.charted_rows(set(figures.loc[_of_series(figures, charts), "claim_id"]))
    rows = _sorted_claims(rows)
    keys = claim_observation_ids(rows)
    observations = build_observations(rows, normalised=True, ids=keys)
    in_series = set(in_scope.loc[_of_series(in_scope, charts), "_key"])
    observations = observations[observations["observation_id"].isin(in_series)].reset_index(drop=True)
    frame = plot_rows(rows, keys)
    frame = _charted_frame(frame[frame["claim_id"].isin(set(shown["claim_id"]))], shown, charts)
    return Selection(rows=numbered(frame, charts, flag_links(observations)), charts=charts,
                     ledger_count=ledger.current_count - int(example.sum()),
                     observations=observations, claim_observations=dict(zip(rows["claim_id"], keys)),
                     rejected_count=rejected, unchecked_left_out=left_out,
                     reviewed_only=ledger.reviewed_only, example_left_out=int(example.sum()))


def _of_series(frame: pd.DataFrame, charts: list[ChartSpec]) -> np.ndarray:
    """Rows of the charted series: conflict, metric, actor and territory of a chart."""
    series = {(c.conflict, c.metric, c.actor, c.territory) for c in charts}
    keys = zip(frame["conflict"], frame["metric"], frame["actor"], frame["territory"])
    return np.fromiter((key in series for key in keys), dtype=bool, count=len(frame))


def _charted_frame(frame: pd.DataFrame, shown: pd.DataFrame, charts: list[ChartSpec]) -> pd.DataFrame:
    """The plotted rows with their chart, as points.py _assign_charts gives them."""
    if not charts:
        return frame.iloc[0:0].assign(chart=pd.Series(dtype=object))
    chart_of = dict(zip(shown["_key"], shown["chart"]))
    chart = frame["_key"].map(chart_of)
    return pd.concat([frame[chart == c.file_name].assign(chart=c.file_name) for c in charts])


def _records_frame(records: list[bytes], header: tuple[str, ...], columns: tuple[str, ...],
                   dtype: str | type = object) -> pd.DataFrame:
    """Some columns of the records of a CSV file the tracker wrote, as text."""
    stream = io.BufferedReader(_LinesReader(format_row(header).encode("utf-8"), records), 1 << 20)
    frame = pd.read_csv(stream, usecols=list(columns), dtype=dtype, na_filter=False,
                        keep_default_na=False, engine="c")
    if len(frame) != len(records):
        raise _Stale
    return frame[list(columns)]


def _typed_observations(records: list[bytes]) -> pd.DataFrame:
    """Rows of observations.csv as build_observations gives them (the fields the flagged
    table and the references read: numbers, dates, counts, flags, links, text)."""
    frame = pd.DataFrame([_cells(record) for record in records], columns=list(OBSERVATION_COLUMNS),
                         dtype="object")
    for column in (*_NUMBERS, *_DATES):
        frame[column] = normalised_column(frame, column)
    for column in ("n_citations", "revision_number"):
        frame[column] = pd.to_numeric(frame[column], errors="raise").astype("int64")
    for column in ("is_partial", "is_revised"):
        frame[column] = frame[column].eq("true")
    return frame


def _job_checks(path: Path, state, claim_observations: dict[str, str]) -> pd.DataFrame | None:
    """The rows of the job's data/processed/checks.csv about `claim_observations`' claims
    (the only checks the flagged table can show), parsed as read_table parses the file;
    None when there is none or it is not as the job wrote it."""
    from tracker.checks import CHECK_COLUMNS

    wanted = {claim.encode("utf-8") for claim in claim_observations}

    def about_wanted(record: bytes) -> bool:
        # check_id (16 hex), then claim_id: the second cell (of a line of any file: whether
        # it is the job's is known once it is read).
        cells = record.split(b",", 2)
        return len(cells) > 1 and cells[1] in wanted

    kept = _job_records(path, state, CHECK_COLUMNS, keep=about_wanted)
    if kept is None:
        return None
    stream = io.BufferedReader(_LinesReader(format_row(CHECK_COLUMNS).encode("utf-8"), kept), 1 << 20)
    return pd.read_csv(stream, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8")


def _against(checks: pd.DataFrame | None) -> set[str]:
    """The computed figures `checks` are against (read with the plotted rows)."""
    if checks is None or "computed_claim_id" not in checks.columns:
        return set()
    return set(checks["computed_claim_id"].tolist()) - {""}
