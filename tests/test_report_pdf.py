"""report.pdf read back as a reader's viewer reads it: page numbers and labels, outline,
links, metadata and language; the flagged table, the references' publishers and dates,
the cover; and the same bytes from the same ledger."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from pypdf import PdfReader

from tracker.model import CLAIM_COLUMNS, Claim
from tracker.publishing import Publishing
from tracker.report import build_report, references_lines
from tracker.report.publishers import AGGREGATOR, ORIGINAL, RELAY, describe, publication_date, url_date
from tracker.report.text import chart_title, reference_entries

DESK = "Harbour Street map desk"
ANALYSTS = "Northfield analysts"


def claim(number: int, **fields: object) -> dict[str, object]:
    record = Claim(claim_id=f"c{number:015d}", conflict="russia-ukraine", metric="area_gained_km2",
                   actor="Russia", territory="Ukraine", attribution=ANALYSTS, method="curated",
                   publisher=f"Gazette {number}", url=f"https://gazette{number}.example/story",
                   published_at="2024-09-02").to_dict()
    record.update(fields)
    return record


def gain(number: int, month: str, value: float, **fields: object) -> dict[str, object]:
    period = pd.Period(month[:7], "M")
    dates = {"period_start": f"{period.start_time:%Y-%m-%d}", "period_end": f"{period.end_time:%Y-%m-%d}"}
    return claim(number, value=value, **{**dates, **fields})


def held(number: int, as_of: str, value: float, **fields: object) -> dict[str, object]:
    return claim(number, conflict="israel-gaza", metric="share_controlled_pct", actor="Israel",
                 territory="Gaza Strip", attribution="Coastal monitor", as_of=as_of, value=value,
                 **fields)


@pytest.fixture
def claims() -> pd.DataFrame:
    rows = [
        gain(1, "2024-05", 310),
        gain(2, "2024-06", 275),
        # One wire story: relayed by an outlet (its date only in the URL), mirrored by an
        # aggregator site the day before the relay was dated, and printed by a third outlet.
        gain(3, "2024-07", 402, publisher="Evening Courier (AFP)", published_at="",
             url="https://courier.example/world/2024/07/31/front-line-gains",
             quote="The front moved by 402 square kilometres in July, the analysts counted."),
        gain(4, "2024-07", 402, publisher="newsbulletin247 (AFP)", published_at="2024-07-30",
             url="https://newsbulletin247.com/europe/88812"),
        gain(5, "2024-07", 402, publisher="Lakeside Tribune (AFP)", published_at="2024-08-03",
             url="https://tribune.example/20240803/front"),
        # An own article and its aggregator copy, which carries the earlier date.
        gain(6, "2024-08", 515, publisher="Valley Post", published_at="2024-09-04",
             url="https://valleypost.example/a/515"),
        gain(7, "2024-08", 515, publisher="Valley Post via aitopics", published_at="2024-09-01",
             url="https://aitopics.org/doc/news:515"),
        # A partial first release and its revision.
        gain(8, "2024-09-01", 120, period_end="2024-09-20", flags="partial_period"),
        gain(9, "2024-09", 190, published_at="2024-10-03"),
        # The desk's own series, which stopped long before the analysts' last figure.
        gain(10, "2024-02", 250, attribution=DESK, publisher="Desk bulletin"),
        gain(11, "2024-03", 260, attribution=DESK, publisher="Desk bulletin"),
        gain(12, "2024-04", 270, attribution=DESK, publisher="Desk bulletin"),
        # A second conflict, so the outline has two sections.
        held(20, "2025-01-10", 41.0),
        held(21, "2025-02-10", 44.5),
        held(22, "2025-03-10", 47.0, definition="area inside the marked perimeter"),
    ]
    return pd.DataFrame(rows, columns=list(CLAIM_COLUMNS))


@pytest.fixture
def checks() -> pd.DataFrame:
    # Three citations of one figure fail the same check: one row in the table, not three.
    return pd.DataFrame([
        {"claim_id": "c000000000000003", "status": "exceeds_tolerance", "detail": "9 % above the map"},
        {"claim_id": "c000000000000004", "status": "exceeds_tolerance", "detail": "9 % above the map"},
        {"claim_id": "c000000000000005", "status": "exceeds_tolerance", "detail": "9 % above the map"},
        {"claim_id": "c000000000000001", "status": "exceeds_tolerance", "detail": "4 % above the map"},
        {"claim_id": "c000000000000002", "status": "ok", "detail": "within 1 %"},
    ])


@pytest.fixture
def report(claims, checks, tmp_path):
    result = build_report(claims, tmp_path, checks=checks, publishing=Publishing(credit=DESK))
    return result, PdfReader(result.pdf)


def _texts(reader: PdfReader) -> list[str]:
    return [page.extract_text() for page in reader.pages]


def _outline(reader: PdfReader) -> list[tuple[int, str, int]]:
    """(depth, title, page index) of every outline entry, in order."""
    entries: list[tuple[int, str, int]] = []

    def walk(items: list, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                entries.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return entries


def test_metadata_language_and_page_labels(report):
    result, reader = report
    assert reader.metadata.title == "Territorial figures cited in war reporting"
    assert reader.metadata.author == DESK
    assert "All conflicts" in reader.metadata.subject
    assert reader.trailer["/Root"]["/Lang"] == "en"
    total = len(reader.pages)
    assert total > 4
    assert reader.page_labels == [str(number) for number in range(1, total + 1)]
    for number, text in enumerate(_texts(reader), start=1):
        assert f"Page {number} of {total}" in text
    # Nothing of the moment it was made, nor the tools' names.
    raw = result.pdf.read_bytes()
    assert b"/CreationDate" not in raw and b"/ModDate" not in raw and b"pypdf" not in raw


def test_outline_has_a_section_per_conflict_with_its_charts_table_and_references(report):
    result, reader = report
    outline = _outline(reader)
    sections = [title for depth, title, _ in outline if depth == 0]
    assert sections == ["Israel–Gaza", "Russia–Ukraine"]  # in the order of their slugs
    texts = _texts(reader)
    children = {title: page for depth, title, page in outline if depth == 1}
    from tracker.report.points import select_points

    for chart in select_points(pd.DataFrame(result.plotted)).charts:
        assert chart_title(chart) in children
    for name in sections:
        flagged, references = children[f"Flagged figures — {name}"], children[f"References — {name}"]
        assert texts[flagged].startswith(f"Flagged figures — {name}")
        assert texts[references].startswith(f"References — {name}")
    # Each section opens at its cover page.
    for depth, title, page in outline:
        if depth == 0:
            assert texts[page].startswith(f"Territorial figures cited in war reporting — {title}")


def test_links_open_the_urls_printed_in_the_references(report):
    result, reader = report
    links = {}
    for index, page in enumerate(reader.pages):
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation["/Subtype"] == "/Link":
                links.setdefault(annotation["/A"]["/URI"], set()).add(index)
    printed = {found for line in references_lines(result.plotted)
               for found in re.findall(r"https?://\S+", line)}
    assert printed and set(links) == printed
    texts = _texts(reader)
    for url, pages in links.items():
        # The link sits on a page that prints the address (wrapped or not).
        assert any(url[:40] in texts[page].replace("\n", "").replace(" ", "") for page in pages)


def test_flagged_table_in_mark_order_one_row_per_figure_and_check(report):
    result, reader = report
    marks = [int(row[0].strip("[]")) for row in result.flagged if row[0] != "—"]
    assert marks == sorted(marks)
    wire = [row for row in result.flagged if "402 km²" in row[1]]
    assert [row[3] for row in wire] == ["check exceeds_tolerance"]
    assert wire[0][4] == "3 citations, all in checks.csv; first claim c000000000000003: 9 % above the map"
    issues = {(row[1].split(" ")[0], row[3]) for row in result.flagged}
    assert ("120", "revised (partial first release)") in issues and ("190", "revision") in issues
    assert not any("within 1 %" in row[4] for row in result.flagged)
    table = "".join(text for text in _texts(reader) if text.startswith("Flagged figures"))
    assert table.count("9 % above the map") == 1


def test_references_prefer_the_original_and_say_what_is_a_relay_or_an_aggregator_copy(report):
    result, _ = report
    entries = {entry[0].split("]")[0] + "]": entry for entry in reference_entries(result.plotted)}
    by_value = dict(zip(result.plotted["value"], result.plotted["mark"]))
    own = entries[f"[{by_value[515]}]"]
    assert own[1].startswith("    Valley Post, published 2024-09-04")  # the original, though later
    assert "Valley Post, aggregator copy on aitopics, published 2024-09-01" in own[2]
    wire = entries[f"[{by_value[402]}]"]
    # Three citations: the first relay of the wire story listed, the others counted by kind
    # (the aggregator mirror, though dated earlier, is not the one listed).
    assert wire[1:] == [
        "    AFP, relayed by Evening Courier, published 2024-07-31 (from the URL): "
        "https://courier.example/world/2024/07/31/front-line-gains",
        "    “The front moved by 402 square kilometres in July, the analysts counted.”",
        "    … and 2 more citations (1 relay, 1 aggregator copy) of this figure "
        "(every claim_id is in observations.csv).",
    ]


def test_definition_is_labelled_and_undated_sources_say_so(report):
    result, _ = report
    lines = references_lines(result.plotted)
    assert any(line.startswith("[") and line.endswith("; definition: area inside the marked perimeter")
               for line in lines)
    assert not any("(area inside the marked perimeter)" in line for line in lines)
    # Every citation of the fixture is dated, in the ledger or (the relay) in its URL.
    assert not any("published date unknown" in line for line in lines)


def test_cover_names_the_selection_and_marks_stale_latest_figures(claims, tmp_path):
    result = build_report(claims, tmp_path, conflict="russia-ukraine", since="2024-02",
                          until="2024-12")
    cover = PdfReader(result.pdf).pages[0].extract_text()
    assert "Russia–Ukraine, figures from February 2024 to December 2024; metrics: every metric" in cover
    desk = next(line for line in cover.splitlines() if line.strip().startswith(DESK))
    assert "STALE: 5 months older than the chart's newest figure" in desk
    analysts = next(line for line in cover.splitlines() if line.strip().startswith(ANALYSTS))
    assert "STALE" not in analysts


def test_the_same_ledger_gives_the_same_bytes(claims, checks, tmp_path):
    first = build_report(claims, tmp_path / "a", checks=checks).pdf.read_bytes()
    second = build_report(claims.sample(frac=1, random_state=3), tmp_path / "b", checks=checks)
    assert second.pdf.read_bytes() == first
    again = build_report(claims, tmp_path / "a", checks=checks).pdf.read_bytes()
    assert again == first
    changed = claims.assign(value=claims["value"].where(claims["claim_id"] != "c000000000000001", 311))
    assert build_report(changed, tmp_path / "c", checks=checks).pdf.read_bytes() != first


def test_points_not_labelled_on_a_chart_are_summarised_per_series(report):
    result, _ = report
    plotted = result.plotted.copy()
    analysts = (plotted["attribution"] == ANALYSTS) & (plotted["value"] < 400)
    plotted["labelled"] = ~analysts
    entries = reference_entries(plotted)
    summaries = [entry[0] for entry in entries if re.match(r"\[\d+–\d+\]", entry[0])]
    marks = sorted(plotted.loc[analysts, "mark"].unique())
    assert len(summaries) == 1
    assert summaries[0].startswith(f"[{marks[0]}–{marks[-1]}] {len(marks)} figures by {ANALYSTS}")
    assert not any(entry[0].startswith(f"[{marks[0]}]") for entry in entries)


@pytest.mark.parametrize(("publisher", "url", "kind", "text"), [
    ("Evening Courier (AFP)", "https://courier.example/x", RELAY, "AFP, relayed by Evening Courier"),
    ("Harbour Times (Reuters)", "", RELAY, "Reuters, relayed by Harbour Times"),
    ("breakinglatest (Guardian)", "https://www.breakinglatest.news/x", AGGREGATOR,
     "Guardian, aggregator copy on breakinglatest"),
    ("euro.dayfr (AFP relay)", "https://euro.dayfr.com/x", AGGREGATOR, "AFP, aggregator copy on euro.dayfr"),
    ("", "https://www.marketingdatainsights.com/news/1", AGGREGATOR,
     "aggregator copy on marketingdatainsights.com (original not named)"),
    ("Valley Post via aitopics", "", AGGREGATOR, "Valley Post, aggregator copy on aitopics"),
    ("Riverside Daily (DeepState)", "", ORIGINAL, "Riverside Daily (DeepState)"),
])
def test_publishers_table(publisher, url, kind, text):
    described = describe(publisher, url)
    assert (described.kind, described.text()) == (kind, text)


def test_dates_recovered_and_where_from():
    assert url_date("https://a.example/news/2025/04/1/77/") == "2025-04-01"
    assert url_date("https://a.example/global/20240704/story") == "2024-07-04"
    assert url_date("https://a.example/story-2023-11-30.html") == "2023-11-30"
    assert url_date("https://a.example/id/20241399/then/2024/02/30/x") == ""  # no real date
    assert url_date("https://a.example/2024-11") == ""  # a month is not a day
    assert publication_date("2024-05-06T10:00:00Z", "https://a.example/2020/01/01/") == ("2024-05-06", "")
    assert publication_date("", "https://a.example/x", map_date="2025-12-01") == (
        "2025-12-01", "the map snapshot's date")
    assert publication_date("", "https://a.example/x") == ("", "")


def test_two_definitions_of_one_map_are_not_conflicting_copies(tmp_path):
    rows = []
    for day, total in (("2025-03-01", 110.2), ("2025-03-02", 110.4), ("2025-03-03", 110.5)):
        for number, (definition, value) in enumerate((("whole occupied area", total),
                                                      ("area taken since 2022", total - 44))):
            rows.append(claim(100 + len(rows), metric="share_controlled_pct", attribution="Map desk",
                              method="computed", as_of=day, value=value / 6, definition=definition,
                              publisher="", published_at=day, url=f"https://maps.example/#{day}",
                              source_id="map-snapshots"))
    # Two cited copies of one release that do disagree: still flagged.
    rows.append(claim(120, metric="share_controlled_pct", as_of="2025-03-02", value=18.1))
    rows.append(claim(121, metric="share_controlled_pct", as_of="2025-03-02", value=18.6))
    rows.append(claim(122, metric="share_controlled_pct", as_of="2025-02-02", value=18.0))
    result = build_report(pd.DataFrame(rows, columns=list(CLAIM_COLUMNS)), tmp_path)
    conflicting = [row for row in result.flagged if row[3] == "conflicting copies"]
    assert sorted(row[1].split(" ")[0] for row in conflicting) == ["18.1", "18.6"]
    lines = references_lines(result.plotted)
    assert not any("Map desk" in line and "disagree" in line for line in lines)


def test_a_dense_series_lists_its_latest_and_flagged_points_and_sums_up_the_rest(report):
    result, _ = report
    plotted = result.plotted.copy()
    analysts = plotted["attribution"] == ANALYSTS
    plotted["labelled"] = True
    plotted["dense"] = analysts
    notes = {oid: "revised by [x]" for oid in plotted.loc[plotted["value"] == 120, "observation_id"]}
    entries = reference_entries(plotted, notes)
    heads = [entry[0] for entry in entries]
    listed = {int(h[1:].split("]")[0]) for h in heads if re.match(r"\[\d+\]", h)}
    series = plotted[analysts].drop_duplicates("mark")
    latest = int(series.sort_values("period_end").iloc[-1]["mark"])
    revised = int(series.loc[series["value"] == 120, "mark"].iloc[0])
    assert {latest, revised} <= listed
    assert not (set(series["mark"]) - {latest, revised}) & listed
    summary = [h for h in heads if re.match(r"\[\d+–\d+\]", h)]
    assert len(summary) == 1 and f"{len(series) - 2} figures by {ANALYSTS}" in summary[0]


def test_a_long_check_detail_is_cut_in_the_table_and_whole_in_the_result(claims, tmp_path):
    words = " ".join(f"step{number}" for number in range(60))
    checks = pd.DataFrame([{"claim_id": "c000000000000001", "status": "impossible",
                            "detail": f"the stock falls {words} final-word"}])
    result = build_report(claims, tmp_path, checks=checks)
    [row] = [row for row in result.flagged if row[3] == "check impossible"]
    assert row[4].endswith("final-word")
    table = " ".join(text for text in _texts(PdfReader(result.pdf)) if text.startswith("Flagged figures"))
    assert "the stock falls step0" in table and "final-word" not in table and "…" in table
