"""Article sources: local text and HTML files, and URLs served by a real local HTTP server."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from tracker.cli import cli
from tracker.documents import read_article
from tracker.ledger import read_claims

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Front report</title>
<meta property="og:site_name" content="Example Wire">
<meta name="author" content="Ada Reporter">
<meta property="article:published_time" content="2025-12-01T08:00:00Z">
</head><body><nav>Home | World | Sport</nav><article><h1>Front report</h1>
<p>Russian forces seized about 500 square kilometres of Ukrainian territory in November,
an AFP analysis of data compiled by the Institute for the Study of War shows.</p>
<p>Officials met in Geneva for three days of talks that ended without a deal.</p>
</article><footer>Contact us</footer></body></html>"""


def write_sources(folder: Path, body: str) -> Path:
    path = folder / "sources.toml"
    path.write_text('[settings]\ncontact = "test@example.org"\ntimeout_s = 3\n'
                    'allow_private_hosts = true\n\n' + body,
                    encoding="utf-8")
    return path


def ingest(folder: Path):
    return CliRunner().invoke(cli, ["ingest", "--sources", str(folder / "sources.toml"),
                                    "--data-dir", str(folder / "data")],
                              env={"TRACKER_NOW": "2026-01-02T03:04:05Z"})


def test_html_is_reduced_to_main_text_and_metadata():
    article = read_article(PAGE.encode("utf-8"))
    assert article.title == "Front report"
    assert article.publisher == "Example Wire"
    assert article.published == "2025-12-01"
    assert article.authors == "Ada Reporter"
    assert "500 square kilometres" in article.text
    assert "Contact us" not in article.text and "Sport" not in article.text


def test_plain_text_passes_unchanged_and_latin1_is_decoded():
    assert read_article(b"Line one.\nLine two.").text == "Line one.\nLine two."
    assert "Kyiv" in read_article("Kyiv’s troops".encode("utf-8")).text
    assert read_article("Zaporijjia à 20 %".encode("latin-1"),
                        "text/plain; charset=latin-1").text == "Zaporijjia à 20 %"


def test_article_url_is_fetched_kept_byte_for_byte_and_cited(tmp_path: Path, httpserver: HTTPServer):
    httpserver.expect_request("/front").respond_with_data(PAGE, content_type="text/html; charset=utf-8")
    url = httpserver.url_for("/front")
    write_sources(tmp_path, f'[[source]]\nid = "wire"\nkind = "article"\nurl = "{url}"\n')
    result = ingest(tmp_path)
    assert result.exit_code == 0, result.output
    (raw,) = (tmp_path / "data" / "raw" / "wire").glob("*.html")
    assert raw.read_bytes() == PAGE.encode("utf-8")
    request, _ = httpserver.log[0]
    assert "test@example.org" in request.headers["User-Agent"]
    claims = read_claims(tmp_path / "data" / "processed" / "claims.csv")
    assert set(claims["url"]) <= {url}
    assert set(claims["published_at"]) <= {"2025-12-01"}
    assert set(claims["authors"]) <= {"Ada Reporter"}


def test_http_error_is_recorded_and_other_sources_go_on(tmp_path: Path, httpserver: HTTPServer):
    httpserver.expect_request("/gone").respond_with_data("gone", status=410)
    (tmp_path / "a.txt").write_text("Nothing to see.", encoding="utf-8")
    write_sources(tmp_path, f'[[source]]\nid = "gone"\nkind = "article"\nurl = "{httpserver.url_for("/gone")}"\n\n'
                            '[[source]]\nid = "local"\nkind = "article"\npath = "a.txt"\n')
    result = ingest(tmp_path)
    assert result.exit_code == 1
    assert "HTTP 410" in result.output and "/gone" in result.output
    health = (tmp_path / "data" / "state" / "source_health.csv").read_text()
    assert "gone,article" in health and "HTTP 410" in health
    assert list((tmp_path / "data" / "raw" / "local").glob("*.txt"))


def test_non_http_scheme_is_refused(tmp_path: Path):
    write_sources(tmp_path, '[[source]]\nid = "f"\nkind = "article"\nurl = "file:///etc/passwd"\n')
    result = ingest(tmp_path)
    # Refused when sources.toml is loaded (exit 2) or, failing that, before any request
    # (exit 1); either way the scheme is named and nothing of the file is kept.
    assert result.exit_code in (1, 2) and "'file'" in result.output and "http" in result.output
    raw = tmp_path / "data" / "raw"
    assert not raw.exists() or not any(raw.rglob("*"))


def test_html_without_article_text_is_quarantined_not_crashed(tmp_path: Path):
    (tmp_path / "empty.html").write_text("<html><body><nav>Menu</nav></body></html>", encoding="utf-8")
    write_sources(tmp_path, '[[source]]\nid = "e"\nkind = "article"\npath = "empty.html"\n')
    result = ingest(tmp_path)
    assert result.exit_code == 3 and "no article text" in result.output


def test_article_needs_path_or_url(tmp_path: Path):
    write_sources(tmp_path, '[[source]]\nid = "x"\nkind = "article"\n')
    result = ingest(tmp_path)
    assert result.exit_code == 2 and "'path'" in result.output and not (tmp_path / "data").exists()
