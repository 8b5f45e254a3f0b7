"""Properties of the ledger under arbitrary text (hypothesis).

1. Any Unicode in any free-text column survives a write and a read byte for byte.
2. Any sequence of ingests of arbitrary curated rows and feed entries keeps every claim
   once stored, byte for byte; each input row is either stored (its text with control
   characters dropped) or quarantined with a reason, never lost.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Response

from conftest import CURATED_HEADER, as_stored, curated_row
from test_job import ARTICLE, SETTINGS
from tracker.cli import cli
from tracker.ledger import read_claims, write_claims
from tracker.ledger_file import load_ledger_file
from tracker.model import CLAIM_COLUMNS, clean_text

# Free text: every column but the id and the three the schema holds to a vocabulary.
FREE_TEXT = ("conflict", "qualifier_text", "unit_original", "alt_unit_original", "territory",
             "period_text", "attribution", "analyst", "data_producer", "publisher", "title",
             "authors", "published_at", "retrieved_at", "quote", "definition", "source_id",
             "snapshot_sha256", "extractor_version", "flags")


@settings(max_examples=25, deadline=None)
@given(texts=st.lists(st.fixed_dictionaries({name: st.text() for name in FREE_TEXT}),
                      min_size=1, max_size=4),
       actor=st.text(min_size=1), url=st.text())
def test_any_text_survives_a_write_and_a_read(texts, actor, url):
    rows = []
    for number, text in enumerate(texts):
        row = {name: "" for name in CLAIM_COLUMNS}
        row.update(text, metric="area_gained_km2", value=float(number), qualifier="exact",
                   method="reported", period_start="2025-11-01", period_end="2025-11-30",
                   actor=actor, url=f"https://example.org/{number}/{url}")
        rows.append(row)
    frame = as_stored(pd.DataFrame(rows))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "claims.csv"
        write_claims(path, frame)
        back = read_claims(path).set_index("claim_id")
    for _, row in frame.drop_duplicates("claim_id").iterrows():
        for name in (*FREE_TEXT, "actor", "url"):
            assert back.loc[row["claim_id"], name] == row[name], name


# Text an XML feed can carry (XML 1.0 forbids most control characters even as references).
_XML_TEXT = st.text(st.characters(blacklist_categories=("Cs",),
                                  blacklist_characters="\x00\x01\x02\x03\x04\x05\x06\x07\x08"
                                                       "\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14"
                                                       "\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d"
                                                       "\x1e\x1f\ufffe\uffff"), max_size=40)
_BATCH = st.fixed_dictionaries({
    "curated": st.lists(st.fixed_dictionaries({
        "quote": st.text(max_size=60), "publisher": st.text(max_size=30),
        "territory": st.text(max_size=20), "value": st.integers(0, 600_000),
    }), max_size=3),
    "entries": st.lists(_XML_TEXT, max_size=2),
})


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(batches=st.lists(_BATCH, min_size=2, max_size=3))
def test_ingests_of_arbitrary_rows_and_entries_keep_every_stored_claim(batches, httpserver: HTTPServer):
    httpserver.clear()
    entries: list[str] = []
    served = {"feed": ""}
    httpserver.expect_request("/feed.xml").respond_with_handler(
        lambda request: Response(served["feed"], content_type="application/rss+xml"))
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        (project / "sources.toml").write_text(
            SETTINGS + '[[source]]\nid = "figures"\nkind = "curated"\npath = "figures.csv"\n\n'
            f'[[source]]\nid = "wire"\nkind = "feed"\nurl = "{httpserver.url_for("/feed.xml")}"\n'
            'conflict = "russia-ukraine"\n', encoding="utf-8")
        kept: set[tuple[str, ...]] = set()
        for round_number, batch in enumerate(batches):
            rows = [curated_row(quote=r["quote"], publisher=r["publisher"], territory=r["territory"],
                                value=str(r["value"]), url=f"https://example.org/{round_number}/{n}")
                    for n, r in enumerate(batch["curated"])]
            _write_quoted(project / "figures.csv", rows)
            for title in batch["entries"]:
                path = f"/page-{len(entries)}"
                httpserver.expect_request(path).respond_with_data(ARTICLE.format(
                    title="Front", body=f"Russian troops took about {500 + len(entries)} square "
                    "kilometres of Ukrainian land in November, according to an AFP review of ISW maps."),
                    content_type="text/html")
                entries.append(f"<item><title>{escape(title)}&#13;!</title>"
                               f"<link>{httpserver.url_for(path)}</link>"
                               "<pubDate>Mon, 01 Dec 2025 08:00:00 GMT</pubDate></item>")
            served["feed"] = ('<?xml version="1.0"?><rss version="2.0"><channel><title>W</title>'
                              + "".join(entries) + "</channel></rss>")
            result = CliRunner().invoke(cli, ["ingest", "--sources", str(project / "sources.toml"),
                                              "--data-dir", str(project / "data")])
            assert result.exit_code in (0, 1, 3), result.output
            ledger = load_ledger_file(project / "data" / "processed" / "claims.csv")
            # Rows of a curated file rewritten with other rows are retracted: their status
            # cells change, every other cell stays as stored, and no row is ever lost.
            stored = {tuple(_without_status(row)) for row in ledger.rows}
            assert kept <= stored  # nothing stored before was changed or lost
            kept = stored
            _assert_each_row_stored_or_quarantined(project, rows, ledger.rows)


_STATUS_CELLS = {CLAIM_COLUMNS.index(name) for name in ("status", "status_at", "superseded_by")}


def _without_status(row: list[str]) -> list[str]:
    return [cell for position, cell in enumerate(row) if position not in _STATUS_CELLS]


def _write_quoted(path: Path, rows: list[dict[str, str]]) -> None:
    """The curated file as a spreadsheet saves it: every cell quoted, so that a carriage
    return inside a cell is text, not the end of a line."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CURATED_HEADER, lineterminator="\n",
                            quoting=csv.QUOTE_ALL)
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")


def _assert_each_row_stored_or_quarantined(project: Path, rows: list[dict], ledger_rows) -> None:
    by_url = {row[CLAIM_COLUMNS.index("url")]: row for row in ledger_rows}
    quarantine = project / "data" / "processed" / "quarantine.csv"
    quarantined = quarantine.read_text(encoding="utf-8") if quarantine.exists() else ""
    for number, row in enumerate(rows, start=2):
        stored = by_url.get(row["url"])
        if stored is None:
            assert "figures.csv:" in quarantined, (row, quarantined)
            continue
        quote = stored[CLAIM_COLUMNS.index("quote")]
        assert quote == clean_text(row["quote"].strip())
        assert not any(c in quote for c in "\r\x00\x0b\x1b")
