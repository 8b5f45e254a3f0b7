"""Credit, licence and example sources: what every published output says about itself.

The settings come from `[settings]` of sources.toml (`credit`, `licence`, `licence_url`);
sources marked `example = true` are bundled example texts, which reports never chart.
Charts, report.pdf, the chart sidecars and datapackage.json all print the same `Publishing`
so that a chart copied out of the report still says who made it and under which terms.

    publishing = publishing_from_config(load_config(Path("sources.toml"), KINDS))
    publishing.credit_line()   # 'Chart: … · Licence: CC BY 4.0'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tracker.config import Config

DEFAULT_CREDIT = "Territorial-statistics tracker: figures as cited by their publishers"
DEFAULT_LICENCE = "CC-BY-4.0"

# SPDX identifiers the tracker knows how to name and link; any other identifier is printed
# as given, with the licence_url of the settings.
KNOWN_LICENCES: dict[str, tuple[str, str]] = {
    "CC-BY-4.0": ("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    "CC-BY-SA-4.0": ("CC BY-SA 4.0", "https://creativecommons.org/licenses/by-sa/4.0/"),
    "CC0-1.0": ("CC0 1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "ODbL-1.0": ("ODbL 1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
}


@dataclass(frozen=True)
class Publishing:
    """Credit line, licence and the ids of example sources, for every output."""

    credit: str = DEFAULT_CREDIT
    licence: str = DEFAULT_LICENCE  # SPDX identifier
    licence_url: str = ""
    example_source_ids: frozenset[str] = field(default_factory=frozenset)

    @property
    def licence_title(self) -> str:
        """'CC BY 4.0' for a known identifier, else the identifier itself."""
        return KNOWN_LICENCES.get(self.licence, (self.licence, ""))[0]

    @property
    def licence_link(self) -> str:
        """The licence's URL: the configured one, else the known one, else ''."""
        return self.licence_url or KNOWN_LICENCES.get(self.licence, ("", ""))[1]

    def credit_line(self) -> str:
        """One line for the foot of a chart or page: credit and licence."""
        parts = [self.credit] if self.credit else []
        if self.licence:
            parts.append(f"Licence: {self.licence_title}")
        return " · ".join(parts)

    def datapackage_licences(self) -> list[dict[str, str]]:
        """`licenses` of a Frictionless data package (name, path, title)."""
        if not self.licence:
            return []
        entry = {"name": self.licence, "title": self.licence_title}
        if self.licence_link:
            entry["path"] = self.licence_link
        return [entry]


def publishing_from_config(config: Config) -> Publishing:
    """The settings of a loaded sources.toml (defaults where a key is absent)."""
    settings = config.settings
    examples = frozenset(s.id for s in [*config.sources, *config.disabled] if s.example)
    return Publishing(credit=settings.credit or DEFAULT_CREDIT,
                      licence=settings.licence or DEFAULT_LICENCE,
                      licence_url=settings.licence_url, example_source_ids=examples)


def load_publishing(sources_path: Path | None) -> Publishing:
    """Publishing of `sources_path`; the defaults when it is None or does not exist (a
    report of a data folder made elsewhere). A file that exists but is invalid raises
    tracker.config.ConfigError, naming the file and key."""
    if sources_path is None or not Path(sources_path).is_file():
        return Publishing()
    from tracker.sources import load_sources  # checked as ingest checks it

    return publishing_from_config(load_sources(Path(sources_path)))
