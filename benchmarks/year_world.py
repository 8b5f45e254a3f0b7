"""A synthetic world for benchmarks/bench_year.py: a front line that moves a little every day,
DeepState-like map snapshots of it, and a newsroom that writes about it.

Everything is generated here from a seed (no file from ../shared is read or copied):

- `World.truth(day)` is the occupied area (km²) on a day, measured on the generated map with
  the spherical ring formula; the other producers' figures are derived from it with their own
  biases, so reported figures roughly agree with the computed ones, as real ones do.
- `World.snapshot(day)` is a DeepState-format GeoJSON (features named `... /// geoJSON.<key>`,
  DeepState's fill colours): the area occupied since 2022 (with the separatist area cut out as
  a hole), that area (`territories.ordlo`), Crimea, a grey zone along the front, a liberated
  pocket, a satirical polygon that is never counted and a few attack-direction points; about
  600 vertices in all. `World.areas(day)` is the matching `/areas` answer.
- `World.articles(day)` are the day's N articles (HTML pages with a publisher and a date):
  fresh stories built from a few dozen sentence templates, wire stories re-published by other
  outlets (some rounded, some in square miles), revisions of an earlier month's figure with
  the same attribution, and stories with no territorial figure at all.
- `World.feed(day, base)` is an RSS feed of the last `window_days` days' articles, newest first.
"""

from __future__ import annotations

import calendar
import html
import json
import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

START = date(2025, 6, 1)  # day 0 of the simulated year
RUN_HOUR = 6  # the scheduled run: 06:00 UTC every day
SNAPSHOT_HOUR = 2  # DeepState's daily map: about 02:xx UTC
HISTORY_DAYS = 420  # the front line's past, for figures about months before day 0
EARTH_RADIUS_M = 6_378_137.0
SQ_MILE_KM2 = 2.589988
DEEPSTATE_KM2 = 603_700.0
AFP_KM2 = 603_628.0

MONTHS = list(calendar.month_name)[1:]

# --- the map --------------------------------------------------------------------------------

LAT_SOUTH, LAT_NORTH = 46.60, 50.05
EAST_LON = 40.20
FRONT_VERTICES = 260
KM_PER_DEG_LAT = 111.2


def ring_area_km2(ring: list[list[float]]) -> float:
    """Spherical area of a closed ring (the GeoJSON/turf formula), km²."""
    total = 0.0
    n = len(ring) - 1  # closed: last == first
    for i in range(n):
        lon1 = ring[i][0]
        lat2 = ring[(i + 1) % n][1]
        lon3 = ring[(i + 2) % n][0]
        total += math.radians(lon3 - lon1) * math.sin(math.radians(lat2))
    return abs(total * EARTH_RADIUS_M ** 2 / 2) / 1e6


def _closed(points: list[tuple[float, float]]) -> list[list[float]]:
    ring = [[round(lon, 6), round(lat, 6), 0] for lon, lat in points]
    ring.append(list(ring[0]))
    return ring


def _ellipse(lon0: float, lat0: float, a: float, b: float, count: int, rng: random.Random,
             wobble: float = 0.04) -> list[tuple[float, float]]:
    """A rough ellipse, counter-clockwise, with a fixed wobble (a coastline, a border)."""
    points = []
    for k in range(count):
        t = 2 * math.pi * k / count
        r = 1 + rng.uniform(-wobble, wobble)
        points.append((lon0 + a * r * math.cos(t), lat0 + b * r * math.sin(t)))
    return points


@dataclass(frozen=True)
class Shapes:
    """The parts of the map that do not move, drawn once from the seed."""
    front_noise: tuple[float, ...]
    ordlo: tuple[tuple[float, float], ...]
    crimea: tuple[tuple[float, float], ...]
    liberated: tuple[tuple[float, float], ...]
    satire: tuple[tuple[float, float], ...]
    points: tuple[tuple[float, float], ...]


def _shapes(rng: random.Random) -> Shapes:
    noise = tuple(0.06 * math.sin(i * 0.23) + 0.025 * math.sin(i * 1.7) + rng.uniform(-0.008, 0.008)
                  for i in range(FRONT_VERTICES))
    return Shapes(
        front_noise=noise,
        ordlo=tuple(_ellipse(39.25, 48.05, 0.75, 0.55, 48, rng)),
        crimea=tuple(_ellipse(34.25, 45.25, 1.40, 0.62, 72, rng, 0.06)),
        liberated=tuple(_ellipse(35.9, 50.25, 0.12, 0.07, 30, rng)),
        satire=tuple(_ellipse(32.5, 63.5, 1.5, 1.0, 24, rng)),
        points=tuple((36.0 + rng.uniform(0, 1.5), 47.0 + rng.uniform(0, 2.5)) for _ in range(6)),
    )


def _front(shapes: Shapes, shift_deg: float) -> list[tuple[float, float]]:
    """The front line south to north: its longitude falls (moves west) as `shift_deg` grows."""
    line = []
    for i in range(FRONT_VERTICES):
        lat = LAT_SOUTH + (LAT_NORTH - LAT_SOUTH) * i / (FRONT_VERTICES - 1)
        base = 37.05 + 0.35 * math.sin((lat - LAT_SOUTH) * 1.9)
        line.append((base + shapes.front_noise[i] - shift_deg, lat))
    return line


def _feature(ring_sets: list[list[list[float]]], label: str, key: str, fill: str) -> dict:
    return {"type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": ring_sets},
            "properties": {"name": f"{label} /// geoJSON.{key}", "fill": fill, "stroke": fill,
                           "fill-opacity": 0.3, "stroke-width": 2}}


# --- producers' figures ---------------------------------------------------------------------

AFP = "afp"
DEEPSTATE = "deepstate"
ISW = "isw"

ATTRIBUTION_TAILS = {  # "..., <tail>." after a figure
    AFP: ["AFP found in its own reading of Institute for the Study of War maps",
          "according to an AFP analysis of ISW data",
          "according to AFP's analysis of data from the US-based Institute for the Study of War",
          "an AFP analysis of ISW data showed"],
    DEEPSTATE: ["DeepState said", "according to DeepState",
                "according to the Ukrainian monitoring group DeepState",
                "the DeepState monitoring group said", "DeepState reported"],
    ISW: ["the Institute for the Study of War reported",
          "according to the Institute for the Study of War",
          "according to the US-based Institute for the Study of War (ISW)",
          "the Institute for the Study of War said", "ISW said"],
}
ATTRIBUTION_HEADS = {  # "<head>, ..." before a figure
    AFP: ["According to an AFP analysis of ISW data,", "An AFP analysis of ISW data shows that"],
    DEEPSTATE: ["According to DeepState,", "DeepState said that"],
    ISW: ["According to the Institute for the Study of War,",
          "The Institute for the Study of War said that"],
}
SUBJECTS_RU = ["Russian forces", "Russian troops", "Moscow's troops", "Russia's army",
               "The Russian army", "Russia"]
SUBJECTS_UA = ["Ukrainian forces", "Ukrainian troops", "Kyiv's forces"]

OUTLETS = [("Agence France-Presse", "afp-wire"), ("The Morning Ledger", "morning-ledger"),
           ("Northern Courier", "northern-courier"), ("Daily Dispatch", "daily-dispatch"),
           ("Evening Chronicle", "evening-chronicle"), ("Continental Post", "continental-post"),
           ("The Harbour Times", "harbour-times"), ("Metro Gazette", "metro-gazette"),
           ("World Desk Online", "world-desk"), ("The Plain Observer", "plain-observer")]
TOWNS = ["Pokrovsk", "Kostiantynivka", "Kupiansk", "Huliaipole", "Siversk", "Lyman",
         "Myrnohrad", "Vovchansk", "Orikhiv", "Kramatorsk", "Sloviansk", "Dobropillia"]
CITIES = ["Geneva", "Istanbul", "Riyadh", "Vienna", "Doha", "Helsinki"]


def _fmt_int(value: float) -> str:
    return f"{int(round(value)):,}"


def _fmt_date(day: date) -> str:
    return f"{MONTHS[day.month - 1]} {day.day}"


def _month_start(day: date, back: int) -> date:
    """The first day of the month `back` months before `day`'s month."""
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _next_month(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


@dataclass
class Article:
    day: int  # the benchmark day whose feed first lists it
    slug: str
    outlet: str
    outlet_slug: str
    title: str
    published: datetime
    paragraphs: list[str]
    kind: str  # fresh, copy, revision, nofigure

    @property
    def path(self) -> str:
        p = self.published
        return f"/news/{self.outlet_slug}/{p:%Y/%m/%d}/{self.slug}.html"

    def summary(self) -> str:
        return self.paragraphs[0][:240]

    def html(self) -> bytes:
        body = "\n".join(f"<p>{html.escape(p)}</p>" for p in self.paragraphs)
        stamp = self.published.strftime("%Y-%m-%dT%H:%M:%SZ")
        related = "".join(f'<li><a href="/news/{self.outlet_slug}/r{n}.html">More from the front {n}</a></li>'
                          for n in range(4))
        page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
                f"<title>{html.escape(self.title)} | {html.escape(self.outlet)}</title>"
                f'<meta property="og:site_name" content="{html.escape(self.outlet)}">'
                f'<meta property="og:title" content="{html.escape(self.title)}">'
                f'<meta property="article:published_time" content="{stamp}">'
                f"</head><body><header><nav><a href=\"/\">Home</a> <a href=\"/world\">World</a> "
                f"<a href=\"/europe\">Europe</a></nav></header>"
                f"<main><article><h1>{html.escape(self.title)}</h1>"
                f'<p class="byline">By the {html.escape(self.outlet)} world desk, {stamp[:10]}</p>'
                f"{body}</article>"
                f"<aside><h2>Related</h2><ul>{related}</ul></aside></main>"
                f"<footer>&copy; {self.published.year} {html.escape(self.outlet)}. All rights reserved.</footer>"
                f"</body></html>")
        return page.encode("utf-8")


class World:
    def __init__(self, seed: int, articles_per_day: int, window_days: int = 3) -> None:
        self.seed = seed
        self.per_day = articles_per_day
        self.window_days = window_days
        rng = random.Random(f"world-{seed}")
        self.shapes = _shapes(rng)
        # Daily gains (km²), day -HISTORY_DAYS .. +800: mostly 5-25 km², a bad week now and then.
        self._gains = {}
        for day in range(-HISTORY_DAYS, 801):
            gain = max(0.5, rng.gauss(14.0, 6.0))
            if rng.random() < 0.03:
                gain = -rng.uniform(1.0, 8.0)  # a counter-attack: the area shrinks a little
            self._gains[day] = gain
        # The cumulative westward shift of the front (degrees of longitude) per day.
        lat_span_km = (LAT_NORTH - LAT_SOUTH) * KM_PER_DEG_LAT
        km_per_deg_lon = KM_PER_DEG_LAT * math.cos(math.radians((LAT_SOUTH + LAT_NORTH) / 2))
        shift, self._shift = 0.0, {}
        for day in range(-HISTORY_DAYS, 801):
            shift += self._gains[day] / (lat_span_km * km_per_deg_lon)
            self._shift[day] = shift
        self._truth: dict[int, dict[str, float]] = {}
        self._articles: dict[int, list[Article]] = {}

    # --- time ---------------------------------------------------------------------------------

    @staticmethod
    def date_of(day: int) -> date:
        return START + timedelta(days=day)

    @staticmethod
    def run_time(day: int) -> datetime:
        d = World.date_of(day)
        return datetime(d.year, d.month, d.day, RUN_HOUR, tzinfo=timezone.utc)

    def snapshot_id(self, day: int) -> int:
        d = self.date_of(day)
        minute = random.Random(f"snap-{self.seed}-{day}").randrange(0, 55)
        return int(datetime(d.year, d.month, d.day, SNAPSHOT_HOUR, minute, tzinfo=timezone.utc).timestamp())

    @staticmethod
    def day_of(when: date) -> int:
        return (when - START).days

    # --- the map ------------------------------------------------------------------------------

    def _rings(self, day: int) -> dict[str, list[list[list[float]]]]:
        front = _front(self.shapes, self._shift[day])
        # Occupied since 2022: west edge = the front (south to north), then the Russian border
        # north to south; the separatist area is a hole (filled by its own feature).
        outer = list(front) + [(EAST_LON, LAT_NORTH), (EAST_LON, LAT_SOUTH)]
        outer.reverse()  # counter-clockwise
        grey_west = [(lon - 0.05, lat) for lon, lat in front[::3]]
        grey = [p for p in front[::3]][::-1] + grey_west
        return {
            "occupied": [_closed(outer), _closed(list(self.shapes.ordlo)[::-1])],
            "ordlo": [_closed(list(self.shapes.ordlo))],
            "crimea": [_closed(list(self.shapes.crimea))],
            "grey": [_closed(grey)],
            "liberated": [_closed(list(self.shapes.liberated))],
            "satire": [_closed(list(self.shapes.satire))],
        }

    def truth(self, day: int) -> dict[str, float]:
        """Areas (km²) measured on the day's map: after (since 2022), before, total."""
        found = self._truth.get(day)
        if found is None:
            rings = self._rings(day)
            occupied = ring_area_km2(rings["occupied"][0]) - ring_area_km2(rings["occupied"][1])
            before = ring_area_km2(rings["ordlo"][0]) + ring_area_km2(rings["crimea"][0])
            found = {"after": occupied, "before": before, "total": occupied + before}
            self._truth[day] = found
        return found

    def snapshot(self, day: int) -> bytes:
        rings = self._rings(day)
        features = [
            _feature(rings["occupied"], "Occupied", "status.occupied", "#a52714"),
            _feature(rings["ordlo"], "ORDLO", "territories.ordlo", "#880e4f"),
            _feature(rings["crimea"], "Crimea", "territories.crimea", "#880e4f"),
            _feature(rings["grey"], "Unknown status", "status.unknown", "#bcaaa4"),
            _feature(rings["liberated"], "Liberated", "status.dismissed", "#0f9d58"),
            _feature(rings["satire"], "Karelia", "territories.karelia", "#ff5252"),
        ]
        for lon, lat in self.shapes.points:
            features.append({"type": "Feature",
                             "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5), 0]},
                             "properties": {"name": "Attack /// geoJSON.status.attack_direction"}})
        return json.dumps({"type": "FeatureCollection", "features": features},
                          separators=(",", ":")).encode("utf-8")

    def areas(self, day: int) -> bytes:
        t = self.truth(day)
        rows = [{"hash": "#a52714", "area": round(t["after"], 2),
                 "percent": f"{100 * t['after'] / DEEPSTATE_KM2:.2f}", "type": "occupied_after_24_02_2022"},
                {"hash": "#880e4f", "area": round(t["before"], 2),
                 "percent": f"{100 * t['before'] / DEEPSTATE_KM2:.2f}", "type": "occupied_to_24_02_2022"},
                {"hash": "#bcaaa4", "area": 0, "percent": "0", "type": "unspecified"}]
        return json.dumps(rows).encode("utf-8")

    # --- producers' figures -----------------------------------------------------------------

    def held(self, producer: str, when: date) -> float:
        """Area held on a date as the producer reports it (ISW counts a little more)."""
        total = self.truth(self.day_of(when))["total"]
        return total * (1.021 if producer in (ISW, AFP) else 1.0)

    def share(self, producer: str, when: date) -> float:
        denominator = AFP_KM2 if producer == AFP else DEEPSTATE_KM2
        return 100 * self.held(producer, when) / denominator

    def month_gain(self, producer: str, first: date, revision: int = 0) -> float:
        """Net gain in the month starting `first`; `revision` > 0 is a later, revised reading."""
        end = _next_month(first)
        change = self.truth(self.day_of(end))["total"] - self.truth(self.day_of(first))["total"]
        bias = random.Random(f"bias-{self.seed}-{producer}-{first}").uniform(0.88, 1.22)
        value = change * (1.0 if producer == DEEPSTATE else bias)
        if revision:
            value *= 1 + random.Random(f"rev-{self.seed}-{producer}-{first}-{revision}").choice(
                [-0.07, -0.05, -0.03, 0.03, 0.04, 0.06, 0.09])
        return max(value, 1.0)

    def settlements(self, producer: str, first: date) -> int:
        return random.Random(f"settle-{self.seed}-{producer}-{first}").randint(12, 48)

    def regained(self, first: date) -> float:
        return random.Random(f"regain-{self.seed}-{first}").uniform(4, 70)

    # --- articles -----------------------------------------------------------------------------

    def articles(self, day: int) -> list[Article]:
        """The articles the feed first lists on `day` (generated once, deterministic)."""
        found = self._articles.get(day)
        if found is None:
            found = _Newsroom(self, day).write()
            self._articles[day] = found
            for old in [d for d in self._articles if d < day - self.window_days - 2]:
                del self._articles[old]  # keep memory flat over a year
        return found

    def window(self, day: int) -> list[Article]:
        """The feed's entries on `day`: the last `window_days` days' articles, newest first."""
        entries = []
        for d in range(max(0, day - self.window_days + 1), day + 1):
            entries.extend(self.articles(d))
        return sorted(entries, key=lambda a: (a.published, a.slug), reverse=True)

    def feed(self, day: int, base: str) -> bytes:
        items = []
        for article in self.window(day):
            items.append(
                f"<item><title>{html.escape(article.title)}</title>"
                f"<link>{base}{article.path}</link><guid>{base}{article.path}</guid>"
                f"<description>{html.escape(article.summary())}</description>"
                f"<source>{html.escape(article.outlet)}</source>"
                f"<pubDate>{article.published.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate></item>")
        built = self.run_time(day) - timedelta(minutes=5)
        xml = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
               "<title>Front-line wire: territory</title>"
               f"<link>{base}/news/</link><description>War reporting from many outlets</description>"
               f"<lastBuildDate>{built.strftime('%a, %d %b %Y %H:%M:%S +0000')}</lastBuildDate>"
               + "".join(items) + "</channel></rss>")
        return xml.encode("utf-8")


class _Newsroom:
    """Writes one day's articles. Each sentence template gives one figure (some two)."""

    def __init__(self, world: World, day: int) -> None:
        self.world = world
        self.day = day
        self.rng = random.Random(f"news-{world.seed}-{day}")
        # Published between the previous run and this one; the date resolves "in October".
        self.run_at = world.run_time(day)

    # phrases ---------------------------------------------------------------------------------

    def tail(self, producer: str) -> str:
        return self.rng.choice(ATTRIBUTION_TAILS[producer])

    def head(self, producer: str) -> str:
        return self.rng.choice(ATTRIBUTION_HEADS[producer])

    def ru(self) -> str:
        return self.rng.choice(SUBJECTS_RU)

    def km2(self, value: float, style: str = "exact") -> str:
        """An area as written: exact, rounded ("about 430"), or in square miles."""
        unit = self.rng.choice(["square kilometres", "square kilometres", "square kilometers", "sq km", "km²"])
        if style == "rounded":
            step = 10 if value < 2000 else 100
            return f"about {_fmt_int(round(value / step) * step)} square kilometres"
        if style == "miles":
            return f"{_fmt_int(value / SQ_MILE_KM2)} square miles ({_fmt_int(value)} square kilometres)"
        if style == "miles_only":
            return f"some {_fmt_int(value / SQ_MILE_KM2)} square miles"
        return f"{_fmt_int(value)} {unit}"

    # sentence templates ---------------------------------------------------------------------

    def gain_sentence(self, producer: str, first: date, value: float, style: str = "exact") -> str:
        m, area = MONTHS[first.month - 1], self.km2(value, style)
        templates = [
            lambda: f"{self.ru()} seized {area} of Ukrainian territory in {m}, {self.tail(producer)}.",
            lambda: f"In {m}, {self.rng.choice(['Russian forces', 'Russian troops', 'the Russian army'])} captured {area}, {self.tail(producer)}.",
            lambda: f"{self.ru()} took {area} of land in {m}, {self.tail(producer)}.",
            lambda: f"{self.head(producer)} Russian forces gained {area} in {m}.",
            lambda: f"{self.ru()} took control of {area} of Ukrainian land during {m}, {self.tail(producer)}.",
            lambda: f"Russia's advance in {m} amounted to {area}, {self.tail(producer)}.",
            lambda: f"{self.ru()} advanced by {area} in {m}, {self.tail(producer)}.",
        ]
        return self.rng.choice(templates)()

    def share_sentence(self, producer: str, value: float, when: date | None = None) -> str:
        p = f"{value:.1f}" if self.rng.random() < 0.7 else f"{value:.2f}"
        if when is not None:
            return (f"As of {_fmt_date(when)}, Russian forces controlled {p}% of Ukraine, "
                    f"{self.tail(producer)}.")
        templates = [
            lambda: f"{self.ru()} now control{'s' if self.rng.random() < 0.1 else ''} {p}% of Ukraine, {self.tail(producer)}.",
            lambda: f"Russia now occupies {p} percent of Ukraine's territory, {self.tail(producer)}.",
            lambda: f"{self.head(producer)} Moscow now controls about {p}% of Ukrainian territory, including Crimea.",
            lambda: f"Russia currently holds {p} per cent of Ukraine, {self.tail(producer)}.",
        ]
        return self.rng.choice(templates)()

    def held_sentence(self, producer: str, when: date, value: float) -> str:
        area, d = self.km2(value), _fmt_date(when)
        templates = [
            lambda: f"As of {d}, Russian forces held {area} of Ukraine, {self.tail(producer)}.",
            lambda: f"Russia occupied {area} of Ukrainian territory on {d}, {self.tail(producer)}.",
            lambda: f"{self.ru()} controlled some {area} of Ukraine as of {d}, {self.tail(producer)}.",
        ]
        return self.rng.choice(templates)()

    def rate_sentence(self, producer: str, first: date, gain: float) -> str:
        days = calendar.monthrange(first.year, first.month)[1]
        rate, m = gain / days, MONTHS[first.month - 1]
        templates = [
            lambda: f"{self.ru()} advanced at an average of {rate:.1f} square kilometres per day in {m}, {self.tail(producer)}.",
            lambda: f"In {m} Russian troops gained an average of {rate:.1f} square kilometres a day, {self.tail(producer)}.",
        ]
        return self.rng.choice(templates)()

    def settlements_sentence(self, producer: str, first: date, count: int) -> str:
        m = MONTHS[first.month - 1]
        templates = [
            lambda: f"{self.ru()} captured {count} villages in {m}, {self.tail(producer)}.",
            lambda: f"In {m}, Moscow's troops took {count} settlements, {self.tail(producer)}.",
        ]
        return self.rng.choice(templates)()

    def regained_sentence(self, first: date, value: float) -> str:
        m, area = MONTHS[first.month - 1], self.km2(value)
        templates = [
            lambda: f"{self.rng.choice(SUBJECTS_UA)} regained {area} in {m}, {self.tail(DEEPSTATE)}.",
            lambda: f"Ukrainian forces recaptured {area} of territory in {m}, {self.tail(DEEPSTATE)}.",
        ]
        return self.rng.choice(templates)()

    def revision_sentence(self, producer: str, first: date, value: float) -> str:
        m, area = MONTHS[first.month - 1], self.km2(value)
        templates = [
            lambda: f"Revised data show Russian forces seized {area} of Ukrainian territory in {m}, {self.tail(producer)}.",
            lambda: f"Russian forces captured {area} in {m}, {self.tail(producer)}, in a revised figure.",
            lambda: f"Updated figures put Russia's gains in {m} at {area}, {self.tail(producer)}.",
        ]
        return self.rng.choice(templates)()

    def fillers(self, count: int) -> list[str]:
        """`count` different paragraphs without a territorial figure."""
        chosen: list[str] = []
        while len(chosen) < count:
            text = self.filler()
            if text not in chosen:
                chosen.append(text)
        return chosen

    def filler(self) -> str:
        town, city = self.rng.choice(TOWNS), self.rng.choice(CITIES)
        n = self.rng.randint(2, 19)
        templates = [
            f"Fighting continued around {town}, where officials said {n} civilians were wounded overnight.",
            f"Talks in {city} ended without agreement after {self.rng.randint(2, 5)} days, diplomats said.",
            f"Air-raid alerts sounded across the east on {self.rng.choice(calendar.day_name)} night.",
            f"The regional governor said {n} drones had been shot down over the region.",
            f"Residents of {town} have been urged to leave as shelling intensified.",
            "Analysts say the pace of the advance depends on weather and on Western deliveries of ammunition.",
            "Kyiv has repeatedly asked its allies for more air-defence systems.",
            "Moscow did not comment on the figures.",
            f"The front line runs through {self.rng.choice(['Donetsk', 'Zaporizhzhia', 'Kharkiv'])} region, where both sides report heavy losses.",
            f"Energy infrastructure in {town} was hit again, leaving thousands without power.",
        ]
        return self.rng.choice(templates)

    # articles --------------------------------------------------------------------------------

    def published(self, index: int) -> datetime:
        slot = timedelta(hours=24) * (index + 0.5) / max(1, self.world.per_day)
        return self.run_at - timedelta(hours=24) + slot + timedelta(seconds=self.rng.randrange(0, 60))

    def fresh(self, index: int) -> tuple[str, list[str]]:
        """A new story: one to three figures among a few paragraphs without any."""
        pub = self.published(index).date()
        last_month = _month_start(pub, 1)
        producer = self.rng.choice([AFP, AFP, DEEPSTATE, ISW])
        kind = self.rng.choice(["gain", "gain", "share", "held", "rate", "settlements",
                                "regained", "multi", "multi"])
        w = self.world
        figures: list[str] = []
        title = ""
        if kind in ("gain", "multi"):
            gain = w.month_gain(producer, last_month)
            figures.append(self.gain_sentence(producer, last_month, gain))
            title = f"Russia's gains in {MONTHS[last_month.month - 1]}: {self.rng.choice(['slower', 'faster', 'steady'])} advance"
            if self.rng.random() < 0.5:
                before = _month_start(pub, 2)
                earlier, m = self.km2(w.month_gain(producer, before)), MONTHS[before.month - 1]
                figures.append(self.rng.choice([
                    f"That compares with {earlier} seized by Russian forces in {m}, {self.tail(producer)}.",
                    f"In {m}, Russian forces had taken {earlier}, {self.tail(producer)}."]))
        if kind in ("share", "multi"):
            figures.append(self.share_sentence(producer, w.share(producer, pub - timedelta(days=1))))
            title = title or "How much of Ukraine Russia controls"
        if kind == "multi" and self.rng.random() < 0.5:
            when = pub - timedelta(days=self.rng.randint(1, 4))
            figures.append(self.held_sentence(producer, when, w.held(producer, when)))
        if kind == "held":
            when = pub - timedelta(days=self.rng.randint(1, 5))
            figures.append(self.held_sentence(producer, when, w.held(producer, when)))
            if self.rng.random() < 0.4:
                figures.append(self.share_sentence(producer, w.share(producer, when), when))
            title = "Territory held by Russia edges up"
        if kind == "rate":
            figures.append(self.rate_sentence(producer, last_month, w.month_gain(producer, last_month)))
            title = f"Russian advance slows to a crawl in {MONTHS[last_month.month - 1]}"
        if kind == "settlements":
            figures.append(self.settlements_sentence(producer, last_month, w.settlements(producer, last_month)))
            title = f"Villages fall as Russian push continues near {self.rng.choice(TOWNS)}"
        if kind == "regained":
            figures.append(self.regained_sentence(last_month, w.regained(last_month)))
            title = f"Ukraine claws back ground near {self.rng.choice(TOWNS)}"
        fillers = self.fillers(self.rng.randint(2, 4))
        paragraphs = [figures[0]] + fillers[1:] + figures[1:]
        if self.rng.random() < 0.5:
            paragraphs.append(fillers[0])
        return title, paragraphs

    def revision(self, index: int) -> tuple[str, list[str]]:
        """A later article giving another value for an earlier month, same attribution."""
        pub = self.published(index).date()
        back = self.rng.choice([2, 2, 3])
        first = _month_start(pub, back)
        producer = self.rng.choice([AFP, ISW, DEEPSTATE])
        value = self.world.month_gain(producer, first, revision=1 + (self.day // 30) % 3)
        paragraphs = [self.revision_sentence(producer, first, value)] + self.fillers(self.rng.randint(1, 2))
        return f"{MONTHS[first.month - 1]} gains revised", paragraphs

    def nofigure(self) -> tuple[str, list[str]]:
        town = self.rng.choice(TOWNS)
        return f"Shelling hits {town}", self.fillers(self.rng.randint(3, 5))

    def write(self) -> list[Article]:
        n = self.world.per_day
        articles: list[Article] = []
        copies = max(1, round(n * 0.2))
        revisions = max(1, round(n * 0.1))
        nofigure = round(n * 0.08)
        fresh = max(1, n - copies - revisions - nofigure)
        order = ["fresh"] * fresh + ["revision"] * revisions + ["nofigure"] * nofigure
        self.rng.shuffle(order)
        wires: list[Article] = []
        for index, kind in enumerate(order):
            if kind == "fresh":
                title, paragraphs = self.fresh(index)
            elif kind == "revision":
                title, paragraphs = self.revision(index)
            else:
                title, paragraphs = self.nofigure()
            outlet, slug = self.rng.choice(OUTLETS)
            article = Article(day=self.day, slug=f"d{self.day}-{index}-{kind}", outlet=outlet,
                              outlet_slug=slug, title=title, published=self.published(index),
                              paragraphs=paragraphs, kind=kind)
            articles.append(article)
            if kind == "fresh" and outlet == "Agence France-Presse" or (kind == "fresh" and index % 4 == 0):
                wires.append(article)
        # The same wire story re-published by other outlets: some rounded, some in square miles.
        for number in range(min(copies, n - len(articles))):
            source = self.rng.choice(wires) if wires else articles[0]
            outlet, slug = self.rng.choice([o for o in OUTLETS if o[0] != source.outlet])
            paragraphs = [self._restyle(p) for p in source.paragraphs]
            index = len(articles)
            articles.append(Article(day=self.day, slug=f"d{self.day}-{index}-copy", outlet=outlet,
                                    outlet_slug=slug, title=source.title,
                                    published=min(self.run_at - timedelta(minutes=1),
                                                  source.published + timedelta(minutes=20 + 7 * number)),
                                    paragraphs=paragraphs, kind="copy"))
        return articles

    def _restyle(self, paragraph: str) -> str:
        """A copy's version of a paragraph: as is, rounded, or with miles beside kilometres."""
        import re

        style = self.rng.choice(["same", "same", "rounded", "miles", "miles_only"])
        if style == "same":
            return paragraph
        match = re.search(r"(\d[\d,]*) (square kilometres|square kilometers|sq km|km²)", paragraph)
        if not match:
            return paragraph
        value = float(match.group(1).replace(",", ""))
        if value < 100:  # too small to round or convert visibly
            return paragraph
        return paragraph[:match.start()] + self.km2(value, style) + paragraph[match.end():]
