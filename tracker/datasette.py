"""datasette metadata.json for the exported SQLite database (`tracker export --sqlite`).

    datasette reports/export/territorial_figures.sqlite --metadata reports/export/metadata.json

The metadata says what the site's footer and each table page show: title, description,
licence, credit and source; per table a description, the description of every column,
the units of the columns that have one, the facets an editor starts from and the
full-text index of the quotes. Format: https://docs.datasette.io/en/stable/metadata.html
(databases -> tables -> columns / units / fts_table / fts_pk).

This module knows the format only; tracker/export.py gives it the tables' descriptions
(tracker/schemas.py COLUMN_DOCS) and the publishing settings (tracker/publishing.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tracker.publishing import Publishing

METADATA_JSON = "metadata.json"

# datasette reads units with Pint; a unit it cannot parse breaks the table page, so only
# the units COLUMN_DOCS writes that Pint knows are given (the rest, like "see metric
# suffix", stay in the column's description).
PINT_UNITS: dict[str, str] = {"km2": "km^2", "km²": "km^2", "percent": "percent"}


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    unit: str
    description: str


@dataclass(frozen=True)
class TableDoc:
    """What datasette shows of one table."""

    title: str
    description: str
    columns: tuple[ColumnDoc, ...]
    sort: str = ""  # the column rows are listed by
    facets: tuple[str, ...] = ()
    fts_table: str = ""  # the FTS table over this one, "" when none
    fts_pk: str = "rowid"


def table_metadata(table: TableDoc) -> dict:
    """One table's entry of `databases -> <db> -> tables`."""
    entry: dict = {"title": table.title, "description": table.description}
    if table.sort:
        entry["sort"] = table.sort
    names = {column.name for column in table.columns}
    facets = [facet for facet in table.facets if facet in names]
    if facets:
        entry["facets"] = facets
    if table.fts_table:
        entry["fts_table"] = table.fts_table
        entry["fts_pk"] = table.fts_pk
    entry["columns"] = {column.name: column.description for column in table.columns}
    units = {column.name: PINT_UNITS[column.unit] for column in table.columns
             if column.unit in PINT_UNITS}
    if units:
        entry["units"] = units
    return entry


def datasette_metadata(database: str, tables: Iterable[tuple[str, TableDoc]], *, title: str,
                       description: str, publishing: Publishing, source: str = "",
                       source_url: str = "") -> dict:
    """The whole metadata.json of one database (`database`: the file name without .sqlite,
    as datasette names it)."""
    metadata: dict = {"title": title, "description": description}
    if publishing.licence:
        metadata["license"] = publishing.licence_title
        if publishing.licence_link:
            metadata["license_url"] = publishing.licence_link
    if source:
        metadata["source"] = source
        if source_url:
            metadata["source_url"] = source_url
    if publishing.credit:
        # datasette prints "about" in the footer beside the licence and source.
        metadata["about"] = publishing.credit
    metadata["databases"] = {database: {
        "tables": {name: table_metadata(table) for name, table in tables},
    }}
    return metadata
