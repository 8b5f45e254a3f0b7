"""Credit, licence and example sources from sources.toml (tracker/publishing.py), and the
curated `note` column that stays out of the ledger."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tracker.config import ConfigError
from tracker.publishing import DEFAULT_LICENCE, Publishing, load_publishing


def write_sources(tmp_path: Path, settings: str = "", example: str = "") -> Path:
    (tmp_path / "figures.csv").write_text("metric,value,actor,url\n", encoding="utf-8")
    path = tmp_path / "sources.toml"
    path.write_text(f'[settings]\n{settings}\n[[source]]\nid = "a"\nkind = "curated"\n'
                    f'path = "figures.csv"\n{example}\n', encoding="utf-8")
    return path


def test_credit_and_licence_come_from_the_settings(tmp_path):
    path = write_sources(tmp_path, 'credit = "Data desk of Example News"\nlicence = "CC0-1.0"')
    publishing = load_publishing(path)
    assert publishing.credit == "Data desk of Example News"
    assert publishing.credit_line() == "Data desk of Example News · Licence: CC0 1.0"
    assert publishing.datapackage_licences() == [
        {"name": "CC0-1.0", "title": "CC0 1.0",
         "path": "https://creativecommons.org/publicdomain/zero/1.0/"}]


def test_an_unknown_licence_is_printed_as_given_with_its_url(tmp_path):
    path = write_sources(tmp_path, 'licence = "LicenseRef-desk"\n'
                                   'licence_url = "https://example.org/terms"')
    publishing = load_publishing(path)
    assert publishing.licence_title == "LicenseRef-desk"
    assert publishing.datapackage_licences()[0]["path"] == "https://example.org/terms"


def test_defaults_without_a_sources_file(tmp_path):
    publishing = load_publishing(tmp_path / "absent.toml")
    assert publishing == Publishing()
    assert publishing.licence == DEFAULT_LICENCE and publishing.credit


@pytest.mark.parametrize("setting, words", [
    ('credit = "two\\nlines"', "credit"),
    ("credit = 3", "credit"),
    ('licence_url = "ftp://example.org/terms"', "licence_url"),
])
def test_bad_publishing_settings_are_refused_naming_the_key(tmp_path, setting, words):
    with pytest.raises(ConfigError, match=words):
        load_publishing(write_sources(tmp_path, setting))


def test_example_sources_are_known_by_id_and_must_be_booleans(tmp_path):
    assert load_publishing(write_sources(tmp_path, example="example = true")).example_source_ids == {"a"}
    assert load_publishing(write_sources(tmp_path)).example_source_ids == frozenset()
    with pytest.raises(ConfigError, match="example"):
        load_publishing(write_sources(tmp_path, example='example = "yes"'))


def test_the_bundled_examples_are_marked_as_examples():
    """Every article shipped under inputs/articles is an example in the default sources."""
    root = Path(__file__).resolve().parent.parent
    publishing = load_publishing(root / "sources.toml")
    assert publishing.example_source_ids, "the bundled example articles must be marked example"
    assert all(source_id.startswith("example-") for source_id in publishing.example_source_ids)


def test_a_curated_note_stays_in_the_file_not_in_the_ledger(tmp_path):
    from click.testing import CliRunner

    from tracker.cli import cli

    figures = tmp_path / "figures.csv"
    figures.write_text(
        "metric,value,actor,territory,as_of,url,definition,note\n"
        "area_controlled_km2,1200,Northland,Southland,2025-03-01,https://example.org/a,"
        "land area only,relayed twice with different roundings\n", encoding="utf-8")
    (tmp_path / "sources.toml").write_text(
        '[[source]]\nid = "desk"\nkind = "curated"\npath = "figures.csv"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["ingest", "--sources", str(tmp_path / "sources.toml"),
                                      "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 0, result.output
    with (tmp_path / "data" / "processed" / "claims.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["definition"] for row in rows] == ["land area only"]
    assert "note" not in rows[0]
    assert not any("roundings" in cell for cell in rows[0].values())


def test_the_job_carries_credit_and_licence_and_leaves_examples_out(tmp_path):
    """`tracker run`: the settings reach the chart sidecars, report.pdf and datapackage.json;
    an example source is exported but never charted."""
    import json

    from click.testing import CliRunner
    from pypdf import PdfReader

    from tracker.cli import cli

    rows = ["metric,value,actor,territory,period_start,period_end,url,attribution"]
    for month in range(1, 7):
        rows.append(f"area_gained_km2,{100 + 10 * month},Northland,Southland,2025-{month:02d}-01,"
                    f"2025-{month:02d}-28,https://example.org/m{month},Desk of Maps")
    (tmp_path / "figures.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    example = ["metric,value,actor,territory,period_start,period_end,url,attribution"]
    example += [f"area_gained_km2,{900 + month},Northland,Southland,2025-{month:02d}-01,"
                f"2025-{month:02d}-28,https://example.org/x{month},Invented Desk"
                for month in range(1, 7)]
    (tmp_path / "example.csv").write_text("\n".join(example) + "\n", encoding="utf-8")
    (tmp_path / "sources.toml").write_text(
        '[settings]\ncredit = "Chart by the Example Gazette data desk"\nlicence = "CC-BY-SA-4.0"\n'
        '[[source]]\nid = "desk"\nkind = "curated"\npath = "figures.csv"\nconflict = "north-south"\n'
        '[[source]]\nid = "demo"\nkind = "curated"\npath = "example.csv"\nconflict = "north-south"\n'
        "example = true\n", encoding="utf-8")
    out = tmp_path / "reports"
    result = CliRunner().invoke(cli, ["run", "--sources", str(tmp_path / "sources.toml"),
                                      "--data-dir", str(tmp_path / "data"), "--out", str(out)])
    assert result.exit_code == 0, result.output

    sidecars = sorted(p for p in out.glob("*.json")
                      if not p.name.startswith(".") and p.name != "digest.json")
    assert sidecars, "no chart sidecar written"
    sidecar = json.loads(sidecars[0].read_text(encoding="utf-8"))
    text = json.dumps(sidecar, ensure_ascii=False)
    assert "Chart by the Example Gazette data desk" in text and "CC BY-SA 4.0" in text
    assert "Invented Desk" not in text and "Desk of Maps" in text

    pdf = PdfReader(out / "report.pdf")
    assert "Example Gazette" in str(pdf.metadata.get("/Author", ""))
    assert "Invented Desk" not in "".join(page.extract_text() for page in pdf.pages)
    cover = " ".join(pdf.pages[0].extract_text().split())
    assert "6 citations from example sources" in cover
    assert "Chart by the Example Gazette data desk · Licence: CC BY-SA 4.0" in cover

    package = json.loads((out / "export" / "datapackage.json").read_text(encoding="utf-8"))
    assert [entry["name"] for entry in package["licenses"]] == ["CC-BY-SA-4.0"]
    exported = (out / "export" / "claims.csv").read_text(encoding="utf-8")
    assert "Invented Desk" in exported, "an example source is still exported, marked by its source_id"
