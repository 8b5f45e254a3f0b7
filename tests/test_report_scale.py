"""`tracker report` from what the job built and checked: the same bytes as the checked way.

The report reads a ledger whose bytes data/state/derived.json records (the job checked them
before writing them) as stored rows, reads whole only the rows it plots, and chooses its
charts from the job's observations.csv when that is up to date with the ledger and the
review log (tracker/report/stored.py). Every output (each chart's PNG, report.pdf, the
state kept for the next report's comparison) must be byte for byte what the report writes
from the checked ledger, which it does with no derived.json; a hand-edited ledger is still
refused, stale derived tables are never used, and decisions taken after the job are
applied. The benchmark at 100,000 and 300,000 claims is benchmarks/bench_report.py.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import zlib
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import as_stored
from tracker.cli import cli
from tracker.ledger import read_claims, write_claims
from tracker.model import CLAIM_COLUMNS
from tracker.pipeline import DerivedState
from tracker.review.log import Decision, append_decision
from tracker.view import reading_fields

NOW = {"TRACKER_NOW": "2026-01-02T08:00:00Z"}
RU = ("russia-ukraine", "Russia", "Ukraine")
AFP = "AFP analysis of ISW data"
# Publishers, attributions and quotes a CSV has to quote, in scripts the standard PDF font
# cannot show, with signs a spreadsheet would run.
PUBLISHERS = ["Moscow Times", "Arab News", "Example, Inc.", 'The "Daily"', "Українська правда",
              "=Outlet", "Kyiv Independent"]
QUOTES = ["Russia took {v} km² in {m}", "Росія захопила {v} км² у {m}",
          'He said "{v}", then more, in {m}', "line one\nline two: {v} ({m})", "{v}, a record"]


def _row(**fields: object) -> dict[str, object]:
    row: dict[str, object] = {name: "" for name in CLAIM_COLUMNS}
    row.update(conflict=RU[0], actor=RU[1], territory=RU[2], qualifier="exact", method="curated",
               status="active", source_id="figures", recorded_at="2025-12-01T08:00:00Z",
               status_at="2025-12-01T08:00:00Z")
    row.update(fields)
    return row


def _months(first: str, count: int) -> list[pd.Period]:
    return list(pd.period_range(first, periods=count, freq="M"))


def _relayed(rows: list[dict], rng: random.Random, base: dict, published: pd.Timestamp,
             copies: int) -> list[dict]:
    """One figure published by `copies` outlets (a wire story relayed)."""
    added = []
    for copy in range(copies):
        publisher = PUBLISHERS[rng.randrange(len(PUBLISHERS))]
        value = base.get("value") or base.get("value_min")
        month = base.get("period_end") or base.get("as_of") or "undated"
        quote = QUOTES[rng.randrange(len(QUOTES))].format(v=value, m=month)
        row = _row(**base, publisher=publisher, quote=quote,
                   published_at=f"{published + pd.Timedelta(days=copy % 2):%Y-%m-%d}",
                   url=f"https://outlet{len(rows) + len(added)}.example/{copy}")
        added.append(row)
    rows += added
    return added


def ledger_rows(seed: int = 3) -> pd.DataFrame:
    """A ledger with what a report meets: relays, revisions, conflicting copies, partial
    first releases, ranges and hedges, machine-read and computed figures, other actors,
    territories and kinds of period, undated and half-dated figures, two conflicts, and
    readings superseded, retracted or sharing one place."""
    rng = random.Random(seed)
    rows: list[dict] = []
    for attribution, method in ((AFP, "reported"), ("DeepState", "curated"), ("ISW", "reported")):
        for month in _months("2024-03", 14):
            start, end = month.start_time, month.end_time
            value = float(rng.randrange(100, 900))
            base = dict(metric="area_gained_km2", value=value, attribution=attribution, method=method,
                        period_start=f"{start:%Y-%m-%d}", period_end=f"{end:%Y-%m-%d}",
                        source_id=f"feed-{attribution[:3]}")
            draw = rng.random()
            if draw < 0.15:
                base.update(qualifier=rng.choice(["approx", "at_least", "at_most"]))
            elif draw < 0.22:
                base.update(qualifier="range", value="", value_min=value, value_max=value + 40)
            published = end + pd.Timedelta(days=2)
            ranged = base.get("qualifier") == "range"
            if rng.random() < 0.15 and not ranged:  # a month-to-date first release, then the month
                _relayed(rows, rng, dict(base, value=value - 60, period_end=f"{start:%Y-%m}-27"),
                         start + pd.Timedelta(days=27), 2)
            _relayed(rows, rng, base, published, rng.randrange(1, 5))
            draw = rng.random()
            if draw < 0.15 and not ranged:  # a revision a month later
                _relayed(rows, rng, dict(base, value=value + 25), published + pd.Timedelta(days=30), 1)
            elif draw < 0.3 and not ranged:  # a copy that disagrees
                _relayed(rows, rng, dict(base, value=value + 1), published + pd.Timedelta(days=2), 2)
    # A yearly total among monthly figures, figures for another territory and actor.
    _relayed(rows, rng, dict(metric="area_gained_km2", value=4100.0, attribution=AFP,
                             period_start="2024-01-01", period_end="2024-12-31"),
             pd.Timestamp("2025-01-03"), 2)
    for month in _months("2024-05", 5):
        _relayed(rows, rng, dict(metric="area_gained_km2", value=float(rng.randrange(5, 90)),
                                 territory="Donetsk oblast", attribution="Donetsk analyst",
                                 period_start=f"{month.start_time:%Y-%m-%d}",
                                 period_end=f"{month.end_time:%Y-%m-%d}"),
                 month.end_time + pd.Timedelta(days=3), 1)
    _relayed(rows, rng, dict(metric="area_gained_km2", value=55.0, actor="Ukraine",
                             attribution="Syrskyi", period_start="2024-08-06", period_end="2024-08-31"),
             pd.Timestamp("2024-09-02"), 1)
    # A flow known by its end only, published twice with values that disagree: flagged, not
    # plottable.
    for value in (300.0, 340.0):
        _relayed(rows, rng, dict(metric="area_gained_km2", value=value, attribution=AFP,
                                 period_end="2025-02-28"), pd.Timestamp("2025-03-02"), 1)
    # Net gains (signed), stocks cited and computed from maps (checks compare them), an
    # undated peak, shares, and another conflict.
    for month in _months("2024-03", 12):
        _relayed(rows, rng, dict(metric="net_area_gained_km2", value=float(rng.randrange(-80, 400)),
                                 attribution="ISW", period_start=f"{month.start_time:%Y-%m-%d}",
                                 period_end=f"{month.end_time:%Y-%m-%d}"),
                 month.end_time + pd.Timedelta(days=4), rng.randrange(1, 3))
        as_of = f"{month.end_time:%Y-%m-%d}"
        held = 100_000.0 + 300 * month.month + rng.randrange(0, 3000)
        _relayed(rows, rng, dict(metric="area_controlled_km2", value=held, attribution=AFP,
                                 as_of=as_of), month.end_time + pd.Timedelta(days=2), rng.randrange(1, 4))
        rows.append(_row(metric="area_controlled_km2", value=held * rng.choice([1.0, 1.02, 0.85]),
                         attribution="DeepState", method="computed", as_of=as_of,
                         definition="spherical polygon area (radius 6378137 m)",
                         source_id="deepstate-maps", snapshot_sha256=f"{month.month:064x}",
                         publisher="DeepState", published_at=as_of))
        _relayed(rows, rng, dict(metric="share_controlled_pct", value=round(18 + month.month / 10, 2),
                                 attribution="DeepState", method="reported", as_of=as_of,
                                 source_id="feed-shares"),
                 month.end_time + pd.Timedelta(days=1), 1)
    _relayed(rows, rng, dict(metric="area_controlled_km2", value=119_000.0, attribution=AFP,
                             flags="undated"), pd.Timestamp("2025-01-10"), 2)
    for day, value in (("2025-06-10", 53.0), ("2025-08-10", 62.0), ("2025-10-10", 75.0)):
        _relayed(rows, rng, dict(conflict="israel-gaza", metric="share_controlled_pct", value=value,
                                 actor="Israel", territory="Gaza Strip", as_of=day, attribution="IDF"),
                 pd.Timestamp(day) + pd.Timedelta(days=1), 2)
    frame = as_stored(pd.DataFrame(rows, columns=list(CLAIM_COLUMNS)))
    frame["location_id"] = ""
    # Two figures read from one number (one place), a reading superseded by a newer one
    # of its place, and a retracted one.
    frame.loc[[0, 5], "location_id"] = "0123456789abcdef"
    frame.loc[10, ["status", "superseded_by", "status_at"]] = [
        "superseded", frame.loc[11, "claim_id"], "2025-12-03T08:00:00Z"]
    frame.loc[20, ["status", "status_at"]] = ["retracted", "2025-12-04T08:00:00Z"]
    return frame


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args), env=NOW)


def _as_the_job_leaves_it(data: Path) -> None:
    """What a finished `tracker ingest` leaves for the ledger and review log in `data`: the
    ledger's store, observations.csv and checks.csv built by the job's own code, and
    derived.json recording them (the steps of benchmarks/ledger_at_scale.py)."""
    from tracker.config import Settings
    from tracker.extract import EXTRACTOR_VERSION
    from tracker.ledger_file import ledger_digest
    from tracker.ledger_store import LedgerStore
    from tracker.pipeline import _write_derived, derived_digests, reviews_digest

    class _Config:
        settings = Settings()

    path = data / "processed" / "claims.csv"
    with LedgerStore.open(data, verified_sha256=ledger_digest(path.read_bytes())) as store:
        store.apply([], {}, "")
        _write_derived(store, data, _Config(), lambda message: None)
        DerivedState(ledger_sha256=store.csv_sha256, tables=derived_digests(data), clean=True,
                     extractor_version=EXTRACTOR_VERSION, reviews_sha256=reviews_digest(data)).write(data)


def _decide(data: Path, row: dict, action: str, **fields: object) -> None:
    append_decision(data, Decision(action=action, claim_id=row["claim_id"],
                                   location_id=row["location_id"], reviewer="Ana Reviewer",
                                   at="2026-01-05T10:00:00Z", reading=reading_fields(row), **fields))


def _rows(data: Path) -> list[dict]:
    return read_claims(data / "processed" / "claims.csv").to_dict("records")


def _one(rows: list[dict], **fields: object) -> dict:
    found = [r for r in rows if all(r[k] == v for k, v in fields.items())]
    assert found, fields
    return found[0]


@pytest.fixture(scope="module")
def job_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/ as the job leaves it: the ledger checked and written, reviewed (confirm,
    correct, reject, a decision at a place of two readings), and its derived tables
    brought up to date with the review log, recorded in derived.json."""
    data = tmp_path_factory.mktemp("job") / "data"
    write_claims(data / "processed" / "claims.csv", ledger_rows())
    rows = _rows(data)
    reported = [r for r in rows if r["method"] == "reported" and r["status"] == "active"
                and r["metric"] == "area_gained_km2" and r["location_id"] != "0123456789abcdef"]
    _decide(data, reported[0], "confirm")
    _decide(data, reported[3], "correct", fields={"value": 777.0}, reason="typo in the story")
    _decide(data, reported[6], "reject", reason="-not a monthly figure")
    _decide(data, _one(rows, location_id="0123456789abcdef"), "reject", reason="=two in one")
    _as_the_job_leaves_it(data)
    state = DerivedState.read(data)
    assert state.clean and state.reviews_sha256 and state.ledger_sha256
    assert set(state.tables) == {"observations.csv", "checks.csv"} and all(state.tables.values())
    return data


@pytest.fixture
def data(job_data: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(job_data, copy)
    return copy


def _report(data: Path, out: Path, *options: str) -> dict[str, bytes]:
    # No sources.toml (defaults): the working folder's would name example sources to leave out.
    result = _invoke("report", "--data-dir", str(data), "--out", str(out),
                     "--sources", str(data.parent / "no-sources.toml"), *options)
    assert result.exit_code == 0, result.output
    return {path.name: path.read_bytes() for path in sorted(out.iterdir())}


def _checked_way(data: Path, out: Path, *options: str) -> dict[str, bytes]:
    """The report of `data` with no record of what the job built: the ledger checked cell
    by cell and everything built from it (derived.json is put back afterwards)."""
    state = DerivedState.path(data)
    saved = state.read_bytes()
    state.unlink()
    try:
        return _report(data, out, *options)
    finally:
        state.write_bytes(saved)


def _pdf_text(pdf: bytes) -> str:
    text = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            text.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            continue
    return "\n".join(text)


class _Reads:
    """What the report read whole (rows typed) and grouped into observations again."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import tracker.report.stored as stored

        self.typed: list[int] = []
        self.grouped = 0
        self.checked = 0
        real_typed, real_build = stored._Ledger._typed, stored.build_observations

        def typed(ledger, positions):
            self.typed.append(len(positions))
            return real_typed(ledger, positions)

        def build(*args, **kwargs):
            self.grouped += 1
            return real_build(*args, **kwargs)

        def load_view(*args, **kwargs):
            raise AssertionError("the ledger was read the checked way")

        monkeypatch.setattr(stored._Ledger, "_typed", typed)
        monkeypatch.setattr(stored, "build_observations", build)
        monkeypatch.setattr("tracker.cli._load_view", load_view)


OPTIONS = [(), ("--reviewed-only",),
           ("--conflict", "russia-ukraine", "--since", "2024-06", "--until", "2025-02"),
           ("--metric", "area_gained_km2", "--metric", "area_controlled_km2", "--since", "2025"),
           ("--reviewed-only", "--conflict", "russia-ukraine", "--until", "2024-12-15")]


@pytest.mark.parametrize("options", OPTIONS)
def test_the_report_from_the_job_s_tables_is_the_checked_report(data: Path, tmp_path: Path,
                                                                options: tuple[str, ...],
                                                                monkeypatch: pytest.MonkeyPatch):
    expected = _checked_way(data, tmp_path / "full", *options)
    reads = _Reads(monkeypatch)
    fast = _report(data, tmp_path / "fast", *options)
    assert fast == expected
    assert set(fast) >= {"report.pdf", ".last_report.json"}
    assert any(name.endswith(".png") for name in fast)
    # The job's observations are used for the whole view; --reviewed-only groups the
    # charted series' rows again.
    assert (reads.grouped == 0) == ("--reviewed-only" not in options)


def test_nothing_to_chart_is_refused_either_way(data: Path, tmp_path: Path):
    """A conflict the ledger does not hold: exit 2 and nothing written, whether the report
    is read from the job's tables or from the checked ledger."""
    for out in (tmp_path / "fast", tmp_path / "full"):
        if out.name == "full":
            DerivedState.path(data).rename(tmp_path / "derived.json")
        result = _invoke("report", "--data-dir", str(data), "--out", str(out),
                         "--conflict", "no-such-war")
        assert result.exit_code == 2 and "no-such-war" in result.output
        assert not out.exists()
    (tmp_path / "derived.json").rename(DerivedState.path(data))


def test_the_report_shows_what_the_data_holds(data: Path, tmp_path: Path):
    """The ledger above reaches every part of the report: this is what the comparisons
    compare."""
    fast = _report(data, tmp_path / "fast")
    charts = sorted(name for name in fast if name.endswith(".png") and not name.endswith("_web.png"))
    assert charts == ["israel-gaza_share_controlled_pct.png",
                      "russia-ukraine_area_controlled_km2.png", "russia-ukraine_area_gained_km2.png",
                      "russia-ukraine_net_area_gained_km2.png",
                      "russia-ukraine_share_controlled_pct.png"]
    text = _pdf_text(fast["report.pdf"])
    for words in ("revision", "conflicting copies", "check exceeds_tolerance", "? to 2025-02-28",
                  "rejected by a reviewer", "not yet checked by a person",
                  "confirmed by Ana Reviewer", "corrected by Ana Reviewer"):
        assert words in text, words


def test_only_what_is_drawn_is_read_whole(data: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch):
    """Rows of other territories, actors, windows and history are never typed: only the
    plotted figures' rows, the rows someone decided on and the computed figures checks
    are against."""
    ledger = read_claims(data / "processed" / "claims.csv")
    reads = _Reads(monkeypatch)
    _report(data, tmp_path / "window", "--conflict", "russia-ukraine", "--metric",
            "area_gained_km2", "--since", "2025-01")
    plotted = ledger[(ledger["metric"] == "area_gained_km2") & (ledger["territory"] == "Ukraine")
                     & (ledger["period_end"] >= "2025-01-01")]
    assert 0 < sum(reads.typed) < len(plotted) + 20 < len(ledger) / 3


def test_a_hand_edited_ledger_is_refused_although_derived_json_is_there(data: Path, tmp_path: Path):
    path = data / "processed" / "claims.csv"
    lines = path.read_bytes().split(b"\n")
    header = lines[0].decode().split(",")
    cells = lines[5].decode().split(",")
    cells[header.index("value")] = "1234"  # the row no longer hashes to its claim_id
    lines[5] = ",".join(cells).encode()
    path.write_bytes(b"\n".join(lines))
    assert DerivedState.path(data).exists()
    result = _invoke("report", "--data-dir", str(data), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert "claims.csv:6, column claim_id" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "out" / "report.pdf").exists()


def test_observations_edited_after_the_job_are_not_used(data: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch):
    path = data / "processed" / "observations.csv"
    lines = path.read_bytes().split(b"\n")
    lines[1:] = [line.replace(b"Ukraine", b"Edited-by-hand") for line in lines[1:]]
    path.write_bytes(b"\n".join(lines))
    expected = _checked_way(data, tmp_path / "full")
    reads = _Reads(monkeypatch)
    fast = _report(data, tmp_path / "fast")
    assert fast == expected and reads.grouped == 1
    assert b"Edited-by-hand" not in _pdf_text(fast["report.pdf"]).encode("latin-1")


def test_observations_of_a_run_that_did_not_finish_are_not_used(data: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch):
    state = DerivedState.read(data)
    state.clean = False
    state.write(data)
    expected = _checked_way(data, tmp_path / "full")
    reads = _Reads(monkeypatch)
    assert _report(data, tmp_path / "fast") == expected and reads.grouped == 1


def test_observations_that_do_not_fit_the_ledger_are_not_used(data: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch):
    """A table whose digest derived.json records but whose figures are not the ledger's
    (written by something else than the job): the rows are grouped again."""
    path = data / "processed" / "observations.csv"
    lines = path.read_bytes().split(b"\n")
    swapped = [i for i, line in enumerate(lines)
               if b",area_gained_km2," in line and b",Russia,Ukraine," in line][:2]
    first, second = (lines[i].split(b",") for i in swapped)
    first[0], second[0] = second[0], first[0]  # two figures' ids exchanged
    lines[swapped[0]], lines[swapped[1]] = b",".join(first), b",".join(second)
    path.write_bytes(b"\n".join(lines))
    import hashlib

    raw = json.loads(DerivedState.path(data).read_text(encoding="utf-8"))
    raw["tables"]["observations.csv"] = hashlib.sha256(path.read_bytes()).hexdigest()
    DerivedState.path(data).write_text(json.dumps(raw), encoding="utf-8")
    expected = _checked_way(data, tmp_path / "full")
    reads = _Reads(monkeypatch)
    assert _report(data, tmp_path / "fast") == expected and reads.grouped == 1


@pytest.mark.parametrize("options", [(), ("--reviewed-only",)])
def test_decisions_taken_after_the_job_are_applied(data: Path, tmp_path: Path,
                                                   options: tuple[str, ...]):
    rows = _rows(data)
    active = [r for r in rows if r["status"] == "active" and r["method"] == "reported"
              and r["metric"] == "area_gained_km2" and r["location_id"] != "0123456789abcdef"]
    rejected, corrected, confirmed = active[9], active[12], active[15]
    computed = _one(rows, method="computed", as_of="2024-06-30")
    _decide(data, rejected, "reject", reason="not what the story says")
    _decide(data, corrected, "correct", fields={"value": 4321.0}, reason="misread")
    _decide(data, confirmed, "confirm")
    _decide(data, computed, "reject", reason="bad map")  # checks against it drop out
    fast = _report(data, tmp_path / "fast", *options)
    assert fast == _checked_way(data, tmp_path / "full", *options)
    text = _pdf_text(fast["report.pdf"])
    assert "4,321 km" in text
    assert ("6 figures rejected by a reviewer" in text) or ("rejected by a reviewer" in text)


def test_a_report_compares_itself_with_the_previous_one_as_the_checked_way_does(
        data: Path, tmp_path: Path):
    """The state kept for the next report (.last_report.json) is the same, so a report
    after new data says what changed in the same words either way."""
    fast, full = tmp_path / "fast", tmp_path / "full"
    _report(data, fast)
    _checked_way(data, full)
    rows = _rows(data)
    _decide(data, _one(rows, method="computed", as_of="2025-02-28"), "correct",
            fields={"value": 123_456.0}, reason="remeasured")
    after = _report(data, fast)
    assert after == _checked_way(data, full)
    assert "Changed:" in _pdf_text(after["report.pdf"])


HOSTILE = ["a\rb", "c\r\nd", "e\nf", "nul\x00here", "\x85next line", "line\u2028sep",
           '"quoted", with comma', '""', " leading and trailing ", "=1+1", "é€😀", "",
           "Росія, 19,25%", "trailing,", ",leading"]


@pytest.mark.filterwarnings("ignore:Glyph")  # control characters have no glyph, either way
@pytest.mark.parametrize("options", [(), ("--reviewed-only",)])
def test_hard_text_goes_through_as_through_the_checked_way(tmp_path: Path, options: tuple[str, ...],
                                                          monkeypatch: pytest.MonkeyPatch):
    """Text a CSV has to quote, line ends and control characters in every cell the report
    prints or charts by, the chart's own actor and territory included."""
    rows = []
    for number, text in enumerate(HOSTILE):
        month = pd.Period("2025-01", "M") + number % 6
        rows.append(_row(metric="area_gained_km2", value=100.0 + number, actor="Russia\r\n, army",
                         territory='Donetsk, "oblast"\u2028', attribution=text.strip() or "x",
                         method="reported" if number % 2 else "curated",
                         period_start=f"{month.start_time:%Y-%m-%d}",
                         period_end=f"{month.end_time:%Y-%m-%d}", publisher=text, quote=text,
                         title=text, url=f"https://example.org/{number}" if number % 5 else "",
                         source_id=f"s{number % 3}", published_at="2025-12-01"))
    data = tmp_path / "data"
    write_claims(data / "processed" / "claims.csv", as_stored(pd.DataFrame(rows, columns=list(CLAIM_COLUMNS))))
    _as_the_job_leaves_it(data)  # (a decision cannot name a field with a line break)
    expected = _checked_way(data, tmp_path / "full", *options)
    reads = _Reads(monkeypatch)
    assert _report(data, tmp_path / "fast", *options) == expected
    assert (reads.grouped == 0) == (not options)  # the job's observations, parsed
    assert any(name.endswith(".png") for name in expected)


def test_example_sources_are_left_out_as_the_checked_way_leaves_them_out(data: Path, tmp_path: Path):
    """Without the job's observations (they count example citations), the same bytes and
    the same count of left-out rows as build_report on the checked view."""
    from tracker.cli import _load_checks, _load_view
    from tracker.publishing import Publishing
    from tracker.report import build_report
    from tracker.report.stored import stored_report

    rows = pd.read_csv(data / "processed" / "claims.csv", dtype=str, keep_default_na=False)
    active = rows[rows["status"] == "active"]
    example = active["source_id"].value_counts().index[0]
    publishing = Publishing(example_source_ids=frozenset({example}))
    fast = stored_report(data, tmp_path / "fast", excluded_source_ids=publishing.example_source_ids,
                         publishing=publishing)
    assert fast is not None
    checked = build_report(_load_view(data, purpose="report"), tmp_path / "full",
                           checks=_load_checks(data), publishing=publishing)
    assert example not in set(fast.plotted["source_id"])
    pd.testing.assert_frame_equal(fast.plotted, checked.plotted)
    for path in sorted((tmp_path / "full").iterdir()):
        assert path.read_bytes() == (tmp_path / "fast" / path.name).read_bytes(), path.name
