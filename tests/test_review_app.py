"""The review page (tracker/review/app.py) through Flask's test client, on a data folder built
by a real ingest of short articles written here: the queue and its filters, the three
decisions and what they do to the log and the current view, the form token, refused ids and
filters, hostile article text, a damaged log line, and concurrent decisions."""

from __future__ import annotations

import multiprocessing
import re
import shutil
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import curated_row, write_curated
from test_job import ARTICLE
from tracker.cli import cli
from tracker.ledger import read_claims
from tracker.review.app import create_app, highlight, safe_link
from tracker.review.log import LOG_PATH, Decision, ReviewError, append_decision, read_decisions
from tracker.view import current_view, reading_fields

NOW = {"TRACKER_NOW": "2026-01-02T03:04:05Z"}
DECIDED_AT = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
HOSTILE = ('<script>window.__pwned=1</script> <img src=x onerror="window.__pwned=1"> '
           '<a href="javascript:window.__pwned=1">read more</a>\n'
           "Russian forces captured about 380 square kilometres in February, according to ISW.\n")


def make_project(folder: Path) -> Path:
    """Sources of machine-read figures in two conflicts (plain text and an HTML page), one
    article whose text is hostile markup, and a curated figure (not machine-read)."""
    (folder / "wire").mkdir(parents=True)
    (folder / "wire" / "march.txt").write_text(
        "Russian forces captured about 450 square kilometres in March, according to ISW.\n",
        encoding="utf-8")
    (folder / "wire" / "april.txt").write_text(
        "Kyiv, 2 May. Russian troops seized 610 square kilometres of Ukrainian land in April, "
        "according to an AFP analysis of ISW data. Russia now controls 19.2 percent of Ukraine, "
        "the analysts said.\n", encoding="utf-8")
    (folder / "gaza.txt").write_text(
        "Israel's army now controls 53 percent of the Gaza Strip, the military said on Tuesday.\n",
        encoding="utf-8")
    (folder / "page.html").write_text(ARTICLE.format(
        title="Front line in November", body="Russian forces seized about 505 square kilometres of "
        "Ukrainian territory in November, according to an AFP analysis of ISW data."), encoding="utf-8")
    (folder / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    write_curated(folder / "figures.csv", [curated_row(value="701")])
    (folder / "sources.toml").write_text(
        '[settings]\ncontact = "t@example.org"\n\n'
        '[[source]]\nid = "wire"\nkind = "article"\npath = "wire"\npublished = "2025-05-02"\n'
        'conflict = "russia-ukraine"\nlanguage = "en"\n\n'
        '[[source]]\nid = "gaza"\nkind = "article"\npath = "gaza.txt"\npublished = "2025-04-29"\n'
        'conflict = "israel-gaza"\nlanguage = "en"\n\n'
        '[[source]]\nid = "desk"\nkind = "article"\npath = "page.html"\nconflict = "russia-ukraine"\n\n'
        '[[source]]\nid = "hostile"\nkind = "article"\npath = "hostile.txt"\npublished = "2025-03-03"\n'
        'conflict = "russia-ukraine"\nlanguage = "en"\n\n'
        '[[source]]\nid = "figures"\nkind = "curated"\npath = "figures.csv"\n', encoding="utf-8")
    return folder


def ingest(project: Path) -> None:
    result = CliRunner().invoke(cli, ["ingest", "--sources", str(project / "sources.toml"),
                                      "--data-dir", str(project / "data")], env=NOW)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def _ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project(tmp_path_factory.mktemp("review"))
    ingest(project)
    return project


@pytest.fixture
def project(_ingested: Path, tmp_path: Path) -> Path:
    """A copy of the ingested project (built once), so decisions of one test stay there."""
    copy = tmp_path / "project"
    shutil.copytree(_ingested, copy)
    return copy


@pytest.fixture
def data(project: Path) -> Path:
    return project / "data"


@pytest.fixture
def app(data: Path):
    app = create_app(data, "Ana Reviewer", clock=lambda: DECIDED_AT)
    app.testing = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def reported(data: Path):
    claims = read_claims(data / "processed" / "claims.csv")
    return claims[(claims["method"] == "reported") & (claims["status"] == "active")]


def claim_of(data: Path, value: float) -> dict:
    rows = reported(data)
    (row,) = rows[rows["value"] == value].to_dict("records")
    return row


def view_of(data: Path):
    decisions, _ = read_decisions(data)
    return current_view(read_claims(data / "processed" / "claims.csv"), decisions).set_index("claim_id")


def listed(response) -> list[str]:
    return re.findall(r'data-claim="([0-9a-f]{16})"', response.get_data(as_text=True))


def form_of(client, claim_id: str, query: str = "") -> dict[str, str]:
    """The hidden fields of the figure page's forms (token and the digest of what is shown)."""
    page = client.get(f"/figure/{claim_id}{query}")
    assert page.status_code == 200, page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html).group(1)
    reading = re.search(r'name="reading" value="([0-9a-f]+)"', html).group(1)
    return {"csrf_token": token, "reading": reading}


def decide(client, claim_id: str, action: str, query: str = "", **fields: str):
    form = form_of(client, claim_id, query)
    form.update(fields)
    return client.post(f"/figure/{claim_id}/{action}{query}", data=form)


# --- the queue ------------------------------------------------------------------------------


def test_queue_lists_every_machine_read_figure_lowest_confidence_first(client, data: Path):
    response = client.get("/")
    assert response.status_code == 200
    rows = reported(data)
    assert len(rows) >= 6  # four articles in plain text, one HTML page, the hostile one
    ids = listed(response)
    assert set(ids) == set(rows["claim_id"])
    curated = read_claims(data / "processed" / "claims.csv").query("method == 'curated'")
    assert not set(curated["claim_id"]) & set(ids)
    confidence = rows.set_index("claim_id")["confidence"]
    assert [confidence[i] for i in ids] == sorted(confidence[i] for i in ids)


def test_queue_newest_first_and_filters(client, data: Path):
    rows = reported(data).set_index("claim_id")
    newest = listed(client.get("/?order=newest"))
    dates = [rows.at[i, "published_at"] for i in newest]
    assert dates == sorted(dates, reverse=True) and len(newest) == len(rows)

    gaza = listed(client.get("/?conflict=israel-gaza"))
    assert gaza == list(rows.index[rows["conflict"] == "israel-gaza"]) and len(gaza) == 1
    shares = listed(client.get("/?metric=share_controlled_pct"))
    assert set(shares) == set(rows.index[rows["metric"] == "share_controlled_pct"]) and len(shares) == 2
    wire = listed(client.get("/?source=wire&order=newest"))
    assert set(wire) == set(rows.index[rows["source_id"] == "wire"]) and len(wire) == 3
    low = rows["confidence"].min()
    above = listed(client.get(f"/?min_confidence={low + 0.001:.3f}"))
    assert set(above) == set(rows.index[rows["confidence"] >= low + 0.001]) and 0 < len(above) < len(rows)
    assert listed(client.get(f"/?max_confidence={low:.6f}&min_confidence=0")) == \
        list(rows.index[rows["confidence"] <= low])
    assert listed(client.get("/?status=confirmed")) == []
    assert len(listed(client.get("/?status=all"))) == len(rows)
    empty = client.get("/?metric=settlements_captured")
    assert empty.status_code == 200 and "Nothing left to review" in empty.get_data(as_text=True)


def test_queue_is_paginated(data: Path):
    app = create_app(data, "Ana", page_size=2)
    client = app.test_client()
    first, second = client.get("/"), client.get("/?page=2")
    assert len(listed(first)) == 2 and len(listed(second)) == 2
    assert not set(listed(first)) & set(listed(second))
    assert 'rel="next"' in first.get_data(as_text=True)
    total = len(reported(data))
    last_page = -(-total // 2)
    assert len(listed(client.get(f"/?page={last_page}"))) == total - 2 * (last_page - 1)


@pytest.mark.parametrize("query, message", [
    ("conflict=narnia", "unknown conflict 'narnia'"),
    ("metric=area_stolen", "unknown metric 'area_stolen'"),
    ("source=elsewhere", "unknown source 'elsewhere'"),
    ("status=maybe", "unknown review status 'maybe'"),
    ("order=random", "unknown order 'random'"),
    ("min_confidence=high", "min_confidence 'high' is not a number from 0 to 1"),
    ("max_confidence=1.5", "max_confidence '1.5' is not a number from 0 to 1"),
    ("min_confidence=0.8&max_confidence=0.2", "is above max_confidence"),
    ("page=0", "page '0' is not a page number"),
    ("sort=confidence", "unknown parameter 'sort'"),
])
def test_unknown_filter_values_are_refused_with_a_message(client, query: str, message: str):
    response = client.get(f"/?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True).replace("&#39;", "'")


# --- one figure -----------------------------------------------------------------------------


def test_figure_page_highlights_the_figure_and_its_cues(client, data: Path):
    row = claim_of(data, 450.0)
    html = client.get(f"/figure/{row['claim_id']}").get_data(as_text=True)
    assert '<mark class="figure" id="figure">450</mark>' in html
    assert '<mark class="cue-qualifier">about</mark>' in html
    assert '<mark class="cue-period">in March</mark>' in html
    assert '<mark class="cue-attribution">ISW</mark>' in html
    assert 'data-key="c"' in html and "<kbd>c</kbd> confirm" in html


def test_offsets_fall_on_the_figure_in_the_text_the_extractor_read(app, data: Path):
    """number_start/number_end index the article's main text as read_article gives it (for
    HTML, trafilatura's text, not the page's bytes), which is what the page shows."""
    review = app.extensions["review_data"]
    rows = reported(data)
    assert "desk" in set(rows["source_id"])  # the HTML page is among them
    for row in rows.to_dict("records"):
        text, problem = review.document_text(row["source_id"], row["snapshot_sha256"])
        assert not problem
        figure = text[int(row["number_start"]):int(row["number_end"])]
        assert figure.replace(".", "") == f"{row['value']:g}".replace(".", ""), (figure, row["value"])
        assert figure in row["quote"]


def test_hostile_article_text_is_shown_escaped(client, data: Path):
    row = claim_of(data, 380.0)
    html = client.get(f"/figure/{row['claim_id']}?whole=1").get_data(as_text=True)
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in html
    assert "<script>window" not in html and "<img" not in html
    assert "javascript:" not in html.replace("&lt;a href=&#34;javascript:", "")
    assert 'href="javascript:' not in html
    # The only scripts the page runs are its own file, which the policy is limited to.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/review.js" defer>']


def test_highlight_gives_plain_segments_and_safe_link_only_http():
    text = "x <b>about</b> 12 km in May"
    segments, before, after = highlight(text, text.index("12"), text.index("12") + 2,
                                        [("about", "cue-qualifier"), ("in May", "cue-period")])
    assert "".join(s.text for s in segments) == text and not before and not after
    assert [s.mark for s in segments if s.mark] == ["cue-qualifier", "figure", "cue-period"]
    assert safe_link("https://example.org/a") == "https://example.org/a"
    for url in ("javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x", "file:///etc/passwd",
                "//evil.example", "http:/nohost", "https://example.org/\nx"):
        assert safe_link(url) == "", url


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert client.get("/static/review.js").status_code == 200


def test_a_request_addressed_to_another_host_name_is_refused(client):
    """A DNS-rebinding page reaches 127.0.0.1 under its own name: the Host tells."""
    response = client.get("/", headers={"Host": "evil.example:8765"})
    assert response.status_code == 400 and "evil.example" in response.get_data(as_text=True)
    assert client.get("/", headers={"Host": "127.0.0.1:8765"}).status_code == 200


@pytest.mark.parametrize("claim_id", ["zz", "ABCDEF0123456789", "0123456789abcdef0", "1%27%3Bdrop"])
def test_a_malformed_claim_id_is_refused(client, claim_id: str):
    response = client.get(f"/figure/{claim_id}")
    assert response.status_code == 400
    assert "malformed claim id" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_an_unknown_or_unreviewable_claim_is_refused(client, data: Path):
    response = client.get("/figure/0123456789abcdef")
    assert response.status_code == 404 and "unknown claim id 0123456789abcdef" in response.get_data(as_text=True)
    claims = read_claims(data / "processed" / "claims.csv")
    curated = claims.loc[claims["method"] == "curated", "claim_id"].iloc[0]
    response = client.get(f"/figure/{curated}")
    assert response.status_code == 400 and "not read from text" in response.get_data(as_text=True)


def test_a_ledger_damaged_while_serving_is_said_not_shown_as_a_traceback(client, data: Path):
    ledger = data / "processed" / "claims.csv"
    ledger.write_bytes(ledger.read_bytes()[:-40])  # a last line cut short
    response = client.get("/")
    assert response.status_code == 503
    assert "the ledger cannot be read" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_missing_document_is_said_and_the_quote_shown(client, data: Path):
    row = claim_of(data, 450.0)
    for path in (data / "raw" / "wire").glob(row["snapshot_sha256"] + ".txt"):
        path.write_bytes(b"tampered")
    html = client.get(f"/figure/{row['claim_id']}").get_data(as_text=True)
    assert "no longer matches its sha256" in html
    assert "captured" in html  # the quoted sentence instead


# --- decisions ------------------------------------------------------------------------------


def test_confirm_records_the_reading_shown_and_loads_the_next_figure(client, data: Path):
    row = claim_of(data, 450.0)
    response = decide(client, row["claim_id"], "confirm")
    assert response.status_code == 303
    following = re.search(r"/figure/([0-9a-f]{16})", response.headers["Location"]).group(1)
    assert following != row["claim_id"] and f"last={row['claim_id']}" in response.headers["Location"]
    assert "is now <strong>confirmed</strong>" in client.get(response.headers["Location"]).get_data(as_text=True)
    decisions, problems = read_decisions(data)
    (decision,) = decisions
    assert not problems
    assert (decision.action, decision.claim_id, decision.location_id) == ("confirm", row["claim_id"], row["location_id"])
    assert decision.reviewer == "Ana Reviewer" and decision.at == "2026-03-04T05:06:07Z"
    assert decision.reading == reading_fields(row)
    assert view_of(data).at[row["claim_id"], "review_status"] == "confirmed"
    assert row["claim_id"] not in listed(client.get("/"))
    assert listed(client.get("/?status=confirmed")) == [row["claim_id"]]


def test_correct_changes_only_the_fields_edited(client, data: Path):
    row = claim_of(data, 610.0)
    response = decide(client, row["claim_id"], "correct", value="615", attribution=row["attribution"],
                      reason="the map says 615")
    assert response.status_code == 303, response.get_data(as_text=True)
    (decision,) = read_decisions(data)[0]
    assert decision.action == "correct" and decision.fields == {"value": 615.0}
    view = view_of(data)
    assert view.at[row["claim_id"], "review_status"] == "corrected"
    assert view.at[row["claim_id"], "value"] == 615.0
    assert view.at[row["claim_id"], "review_reason"] == "the map says 615"
    page = client.get(f"/figure/{row['claim_id']}").get_data(as_text=True)
    assert '<dd id="value">615</dd>' in page and "corrected" in page


@pytest.mark.parametrize("fields, message", [
    ({"value": "six hundred"}, "value: &#39;six hundred&#39; is not a number"),
    ({"value": "1,234"}, "is not a number"),
    ({"value": "inf"}, "is not a number"),
    ({"period_end": "April"}, "period_end: &#39;April&#39; is not a date written YYYY-MM-DD"),
    ({"metric": "area_controlled_km2"}, "a stock (area or share held) needs as_of and no period"),
    ({"actor": ""}, "breaks the ledger&#39;s rules"),
    ({"territory": "Ukraine\x07"}, "one line of at most"),
    ({}, "a correction must change at least one field"),
])
def test_a_bad_correction_is_refused_and_nothing_written(client, data: Path, fields: dict, message: str):
    row = claim_of(data, 610.0)
    response = decide(client, row["claim_id"], "correct", **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert read_decisions(data) == ([], [])


def test_reject_needs_a_reason(client, data: Path):
    row = claim_of(data, 53.0)
    response = decide(client, row["claim_id"], "reject", reason="  ")
    assert response.status_code == 400 and "a rejection needs a reason" in response.get_data(as_text=True)
    assert read_decisions(data) == ([], [])
    response = decide(client, row["claim_id"], "reject", reason="a quote of an old figure")
    assert response.status_code in (302, 303)
    view = view_of(data)
    assert view.at[row["claim_id"], "review_status"] == "rejected"
    assert view.at[row["claim_id"], "review_reason"] == "a quote of an old figure"


def test_the_next_figure_follows_the_queue_with_its_filters(client, data: Path):
    rows = reported(data)
    wire = listed(client.get("/?source=wire"))
    response = decide(client, wire[0], "confirm", "?source=wire")
    assert response.headers["Location"].startswith(f"/figure/{wire[1]}?")
    assert "source=wire" in response.headers["Location"]
    decide(client, wire[1], "confirm", "?source=wire")
    response = decide(client, wire[2], "confirm", "?source=wire")
    assert response.headers["Location"] == "/?source=wire"  # nothing left: back to the queue
    assert len(rows) == len(listed(client.get("/?status=all")))


def test_the_form_token_is_required(client, data: Path):
    row = claim_of(data, 450.0)
    form = form_of(client, row["claim_id"])
    for token in (None, "", "0" * 64, form["csrf_token"][:-1] + "0", "é" * 64):
        sent = {"reading": form["reading"]} | ({} if token is None else {"csrf_token": token})
        response = client.post(f"/figure/{row['claim_id']}/confirm", data=sent)
        assert response.status_code == 403
        assert "token is missing or wrong" in response.get_data(as_text=True)
    response = client.post(f"/figure/{row['claim_id']}/confirm", data=form,
                           headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert not (data / LOG_PATH).exists()
    # Another server's token is worth nothing here.
    other = create_app(data, "Bo").test_client()
    assert other.post(f"/figure/{row['claim_id']}/confirm", data=form).status_code == 403


def test_a_decision_on_a_malformed_or_changed_figure_is_refused(client, data: Path):
    form = form_of(client, claim_of(data, 450.0)["claim_id"])
    response = client.post("/figure/not-an-id/confirm", data=form)
    assert response.status_code == 400 and "malformed claim id" in response.get_data(as_text=True)
    response = client.post("/figure/0123456789abcdef/confirm", data=form)
    assert response.status_code == 404
    response = client.post(f"/figure/{claim_of(data, 450.0)['claim_id']}/approve", data=form)
    assert response.status_code == 404
    # The figure changed since the page was shown (another reviewer corrected it).
    row = claim_of(data, 610.0)
    stale = form_of(client, row["claim_id"])
    assert decide(client, row["claim_id"], "correct", value="612").status_code == 303
    response = client.post(f"/figure/{row['claim_id']}/confirm", data=stale)
    assert response.status_code == 409 and "changed since this page was loaded" in response.get_data(as_text=True)
    assert len(read_decisions(data)[0]) == 1


# --- the log and the kept view ---------------------------------------------------------------


def test_a_damaged_log_line_is_shown_as_a_warning_and_skipped(client, data: Path):
    first, second = claim_of(data, 450.0), claim_of(data, 53.0)
    append_decision(data, Decision("confirm", first["claim_id"], first["location_id"], "Bo",
                                   "2026-01-01T00:00:00Z", reading_fields(first)))
    with open(data / LOG_PATH, "ab") as log:
        log.write(b'{"action": "reject", "claim_id": "')  # a crash in the middle of a line
    page = client.get("/").get_data(as_text=True)
    assert "damaged review decision skipped" in page and "decisions.jsonl:2" in page
    assert decide(client, second["claim_id"], "confirm").status_code == 303
    view = view_of(data)
    assert view.at[first["claim_id"], "review_status"] == "confirmed"
    assert view.at[second["claim_id"], "review_status"] == "confirmed"
    page = client.get("/?status=confirmed")
    assert set(listed(page)) == {first["claim_id"], second["claim_id"]}
    assert "damaged review decision skipped" in page.get_data(as_text=True)


def test_a_logged_correction_whose_value_is_no_number_is_skipped_with_a_warning(client, data: Path):
    """A line of the right shape with `"value": "abc"` (edited by hand): append_decision
    refuses it, read_decisions skips it, and the page says so instead of failing."""
    first, second = claim_of(data, 450.0), claim_of(data, 610.0)
    bad = Decision("correct", first["claim_id"], first["location_id"], "Bo",
                   "2026-01-01T00:00:00Z", reading_fields(first), fields={"value": "abc"})
    with pytest.raises(ReviewError, match="not a number"):
        append_decision(data, bad)
    log = data / "review" / "decisions.jsonl"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_bytes(bad.as_line())
    append_decision(data, Decision("confirm", second["claim_id"], second["location_id"], "Bo",
                                   "2026-01-01T00:00:00Z", reading_fields(second)))
    page = client.get("/?status=all").get_data(as_text=True)
    assert "damaged review decision skipped" in page and "not a number" in page
    assert listed(client.get("/?status=confirmed")) == [second["claim_id"]]
    assert first["claim_id"] in listed(client.get("/"))


def test_two_decisions_at_once_are_both_kept(app, data: Path):
    rows = reported(data).to_dict("records")[:2]
    forms = [form_of(app.test_client(), row["claim_id"]) for row in rows]
    start = threading.Barrier(2)
    results: list[int] = []

    def confirm(row: dict, form: dict) -> None:
        client = app.test_client()
        start.wait()
        results.append(client.post(f"/figure/{row['claim_id']}/confirm", data=form).status_code)

    threads = [threading.Thread(target=confirm, args=pair) for pair in zip(rows, forms)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [303, 303]
    decisions, problems = read_decisions(data)
    assert {d.claim_id for d in decisions} == {row["claim_id"] for row in rows} and not problems
    confirmed = set(listed(app.test_client().get("/?status=confirmed")))
    assert confirmed == {row["claim_id"] for row in rows}


def _append_from_another_process(data: str, row: dict, reviewer: str) -> None:
    append_decision(Path(data), Decision("reject", row["claim_id"], row["location_id"], reviewer,
                                         "2026-01-01T00:00:00Z", reading_fields(row), reason="dup"))


def test_decisions_of_other_processes_are_picked_up_and_kept(app, data: Path):
    rows = reported(data).to_dict("records")[:3]
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_from_another_process, args=(str(data), row, f"p{i}"))
               for i, row in enumerate(rows[:2])]
    for worker in workers:
        worker.start()
    client = app.test_client()
    assert decide(client, rows[2]["claim_id"], "confirm").status_code == 303
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert len(read_decisions(data)[0]) == 3
    assert set(listed(client.get("/?status=rejected"))) == {rows[0]["claim_id"], rows[1]["claim_id"]}
    assert listed(client.get("/?status=confirmed")) == [rows[2]["claim_id"]]
    assert app.extensions["review_data"].loads == 1  # the ledger itself was read once


def test_the_ledger_is_read_again_only_when_it_changes(app, project: Path, data: Path):
    review = app.extensions["review_data"]
    client = app.test_client()
    for _ in range(3):
        client.get("/")
    assert decide(client, claim_of(data, 450.0)["claim_id"], "confirm").status_code == 303
    assert review.loads == 1
    (project / "wire" / "june.txt").write_text(
        "Russian forces captured about 330 square kilometres in June, according to ISW.\n", encoding="utf-8")
    ingest(project)
    new = claim_of(data, 330.0)
    assert new["claim_id"] in listed(client.get("/"))
    assert review.loads == 2
    assert listed(client.get("/?status=confirmed")) == [claim_of(data, 450.0)["claim_id"]]


# --- the command ----------------------------------------------------------------------------


def test_review_command_help_a_missing_ledger_and_a_bad_reviewer(tmp_path: Path, data: Path):
    runner = CliRunner()
    result = runner.invoke(cli, ["review", "--help"])
    assert result.exit_code == 0 and "Example:" in result.output and "no login" in result.output
    result = runner.invoke(cli, ["review", "--data-dir", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "no ledger" in result.output
    result = runner.invoke(cli, ["review", "--data-dir", str(data), "--reviewer", "a\nb", "--port", "0"])
    assert result.exit_code == 2 and "reviewer" in result.output


def test_figures_stated_by_one_number_are_decided_one_by_one(tmp_path: Path):
    """One number, three territories: three rows at one location; a decision on one of them
    lands on that one only, in the kept view and after the log is read again."""
    (tmp_path / "regions.txt").write_text(
        "Kyiv, 3 March 2025. Moscow's troops now hold roughly 70% of the Donetsk, Zaporizhzhia "
        "and Kherson regions, according to ISW.\n", encoding="utf-8")
    (tmp_path / "sources.toml").write_text(
        '[settings]\ncontact = "t@example.org"\n\n[[source]]\nid = "regions"\nkind = "article"\n'
        'path = "regions.txt"\npublished = "2025-03-03"\nconflict = "russia-ukraine"\nlanguage = "en"\n',
        encoding="utf-8")
    ingest(tmp_path)
    data = tmp_path / "data"
    rows = reported(data).set_index("territory")
    assert len(rows) == 3 and rows["location_id"].nunique() == 1
    app = create_app(data, "Ana Reviewer", clock=lambda: DECIDED_AT)
    app.testing = True
    client = app.test_client()
    decide(client, rows.at["Donetsk oblast", "claim_id"], "confirm")
    decide(client, rows.at["Kherson oblast", "claim_id"], "reject", reason="a plan, not a holding")
    expected = {"Donetsk oblast": "confirmed", "Zaporizhzhia oblast": "unreviewed",
                "Kherson oblast": "rejected"}
    assert view_of(data).set_index("territory")["review_status"].to_dict() == expected
    for territory, status in expected.items():  # the page's kept view agrees
        page = client.get(f"/figure/{rows.at[territory, 'claim_id']}").get_data(as_text=True)
        assert f'id="review-status">{status}<' in page
    fresh = create_app(data, "Bo", clock=lambda: DECIDED_AT).test_client()  # the log read anew
    listed_confirmed = listed(fresh.get("/?status=confirmed"))
    assert listed_confirmed == [rows.at["Donetsk oblast", "claim_id"]]
