"""Control maps in KML and KMZ, read as GeoJSON-like FeatureCollections. Pure.

ISW, AMK Mapping and any Google My Maps export publish KML (XML) or KMZ (a zip holding a
KML); the rest of the tracker measures GeoJSON. This module turns the bytes of either into
the same dict `geo.load_collection` returns, so one measuring path serves every format:

- each Placemark becomes a Feature; a Polygon keeps its outer and inner boundaries, a
  MultiGeometry becomes a GeometryCollection of its members; points and lines are kept as
  such so they are counted as skipped, never measured;
- its properties are the KML name, description and styleUrl, every ExtendedData value
  (as text), and ``folder``: the names of the enclosing Folders, outermost first, joined
  with " / " (so ``--where folder=...`` or a source's ``where`` picks a layer);
- coordinates are KML's ``lon,lat[,alt]`` text; a tuple that is not numbers is kept as its
  text so that the geometry check names the Placemark and the position, as for GeoJSON.

The format is told from the content (zip magic bytes, an XML ``<kml`` root), not from a
file name. XML goes through defusedxml with document type declarations refused: a DTD can
define external entities (reading local files or URLs) or nested entities that expand to
gigabytes ("billion laughs"), and KML needs none. A KMZ is inflated in chunks against a cap
that holds even when the zip header lies about the size (a zip bomb).

Nothing here reads the disk, the network or the clock; errors are `geo.GeoError`.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree

from tracker.geo import GeoError

# A KMZ's KML is refused when it declares or inflates to more than this: the whole document
# is parsed in memory (ElementTree takes several times the text's size), and the largest
# national control maps are a few MB of KML.
MAX_KML_BYTES = 64 * 2**20
_CHUNK_BYTES = 2**20
FOLDER_SEPARATOR = " / "

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_KML_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?kml[\s>/]")
_XML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<")
# How far into a document the <kml root is looked for (past an XML declaration and comments).
_SNIFF_BYTES = 4096
_CONTAINERS = frozenset({"Document", "Folder"})
_AREAL = frozenset({"Polygon", "MultiGeometry"})
# KML geometries without area, with the GeoJSON type they are counted as.
_NON_AREAL = {"Point": "Point", "LineString": "LineString", "LinearRing": "LineString",
              "Model": "Point", "Track": "LineString", "MultiTrack": "MultiLineString"}


def detect_format(payload: bytes) -> str:
    """'kmz' (a zip), 'kml' (XML with a <kml> root) or 'geojson' (anything else: JSON)."""
    if payload[:4] in _ZIP_MAGIC:
        return "kmz"
    head = payload[:_SNIFF_BYTES]
    if _XML_START.match(head) and _KML_ROOT.search(head):
        return "kml"
    return "geojson"


def kmz_document(payload: bytes, max_bytes: int = MAX_KML_BYTES) -> bytes:
    """The KML inside a KMZ: ``doc.kml``, else the first ``.kml`` in the archive.

    The size the zip declares is checked first, then the inflated bytes are counted chunk
    by chunk, so a header that understates the size cannot make the cap give way.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
        names = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise GeoError("not a KMZ (zip) file: the archive is damaged or not a zip") from None
    kml = [info for info in names if info.filename.lower().endswith(".kml")]
    if not kml:
        shown = ", ".join(info.filename for info in names[:5]) or "nothing"
        raise GeoError(f"KMZ holds no .kml document (it holds {shown})")
    member = next((info for info in kml if info.filename.lower() == "doc.kml"), kml[0])
    if member.file_size > max_bytes:
        raise GeoError(f"KMZ document {member.filename!r} declares {member.file_size:,} bytes "
                       f"inflated, over the {max_bytes:,}-byte cap (a zip bomb, or a map far "
                       "larger than any control map)")
    chunks: list[bytes] = []
    total = 0
    try:
        with archive.open(member) as handle:
            while chunk := handle.read(_CHUNK_BYTES):
                total += len(chunk)
                if total > max_bytes:
                    raise GeoError(f"KMZ document {member.filename!r} inflates past the "
                                   f"{max_bytes:,}-byte cap although its header declares "
                                   f"{member.file_size:,} bytes (a zip bomb)")
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        # zipfile stops at the declared size, so a lying header ends here (bad CRC).
        raise GeoError(f"damaged KMZ: {member.filename!r} cannot be inflated ({error})") from None
    except (NotImplementedError, RuntimeError) as error:  # unknown compression, encryption
        raise GeoError(f"KMZ document {member.filename!r} cannot be read: {error}") from None
    return b"".join(chunks)


def parse_kml(payload: bytes) -> Element:
    """The root element of a KML document, parsed with DTDs and entities refused."""
    try:
        root = defusedxml.ElementTree.fromstring(payload, forbid_dtd=True)
    except defusedxml.DTDForbidden:
        raise GeoError("XML document type declaration (DTD) refused: KML needs none, and a DTD "
                       "can define entities that read local files or URLs (external entities) "
                       "or expand to gigabytes (billion laughs)") from None
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden,
            defusedxml.NotSupportedError) as error:
        raise GeoError(f"XML entity refused ({error})") from None
    except ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        raise GeoError(f"not well-formed XML at line {line}, column {column}: {error.msg}") from None
    if _local(root.tag) != "kml":
        raise GeoError(f"XML root is <{_local(root.tag)}>, not <kml>")
    return root


def kml_collection(payload: bytes) -> dict[str, Any]:
    """A FeatureCollection dict of a KML document's Placemarks (see the module docstring)."""
    root = parse_kml(payload)
    features: list[dict[str, Any]] = []
    links: list[str] = []
    _walk(root, [], features, links)
    if not features and links:
        raise GeoError("KML holds no Placemark, only NetworkLink(s) to "
                       + ", ".join(links[:3]) + ": fetch the linked file and read that")
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    document = _child(root, "Document")
    name = _text(_child(document, "name")) if document is not None else ""
    if name:
        collection["name"] = name
    return collection


def map_collection(payload: bytes, max_bytes: int = MAX_KML_BYTES) -> tuple[dict[str, Any] | None, str]:
    """(FeatureCollection, format) for KML/KMZ bytes; (None, 'geojson') for anything else,
    which the caller parses as GeoJSON."""
    kind = detect_format(payload)
    if kind == "kmz":
        return kml_collection(kmz_document(payload, max_bytes)), kind
    if kind == "kml":
        return kml_collection(payload), kind
    return None, kind


# --- walking the tree ------------------------------------------------------------------------


def _local(tag: Any) -> str:
    """A tag without its namespace: KML 2.2, 2.1, Google's gx: extensions or none at all."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(element: Element | None, name: str) -> Element | None:
    if element is None:
        return None
    return next((c for c in element if _local(c.tag) == name), None)


def _text(element: Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _walk(element: Element, folders: list[str], features: list[dict[str, Any]],
          links: list[str]) -> None:
    for child in element:
        tag = _local(child.tag)
        if tag == "Placemark":
            features.append(_placemark(child, folders))
        elif tag == "Folder":
            _walk(child, folders + [_text(_child(child, "name")) or "(unnamed folder)"], features, links)
        elif tag in _CONTAINERS or tag == "kml":
            _walk(child, folders, features, links)
        elif tag == "NetworkLink":
            link = _child(child, "Link")
            href = _text(_child(link if link is not None else _child(child, "Url"), "href"))
            links.append(href or "(no href)")


def _placemark(element: Element, folders: list[str]) -> dict[str, Any]:
    properties: dict[str, Any] = _extended_data(_child(element, "ExtendedData"))
    for key in ("name", "description", "styleUrl"):
        value = _text(_child(element, key))
        if value:
            properties[key] = value
    if folders:
        properties["folder"] = FOLDER_SEPARATOR.join(folders)
    geometry = next((_geometry(c) for c in element if _local(c.tag) in _AREAL or _local(c.tag) in _NON_AREAL),
                    None)
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _extended_data(element: Element | None) -> dict[str, Any]:
    """<Data name><value> and <SchemaData><SimpleData name> pairs, as text."""
    found: dict[str, Any] = {}
    if element is None:
        return found
    for item in element.iter():
        tag = _local(item.tag)
        name = item.get("name")
        if not name:
            continue
        if tag == "Data":
            found[name] = _text(_child(item, "value"))
        elif tag == "SimpleData":
            found[name] = _text(item)
    return found


def _geometry(element: Element) -> dict[str, Any]:
    tag = _local(element.tag)
    if tag == "Polygon":
        outer = _child(_child(element, "outerBoundaryIs"), "LinearRing")
        if outer is None:
            return {"type": "Polygon", "coordinates": []}
        rings = [_coordinates(_child(outer, "coordinates"))]
        for inner in element:
            if _local(inner.tag) == "innerBoundaryIs":
                rings += [_coordinates(_child(ring, "coordinates"))
                          for ring in inner if _local(ring.tag) == "LinearRing"]
        return {"type": "Polygon", "coordinates": rings}
    if tag == "MultiGeometry":
        return {"type": "GeometryCollection",
                "geometries": [_geometry(c) for c in element
                               if _local(c.tag) in _AREAL or _local(c.tag) in _NON_AREAL]}
    # Points and lines have no area: their type is all the measuring needs.
    return {"type": _NON_AREAL[tag], "coordinates": []}


_SPACE_AROUND_COMMA = re.compile(r"\s*,\s*")


def _coordinates(element: Element | None) -> list[list[Any]]:
    """KML coordinate text ("lon,lat[,alt]" tuples separated by white space) as positions.

    A value that is not a number stays text, so the geometry check refuses the ring and
    names the Placemark and the position instead of measuring a shape nobody drew.
    """
    text = _SPACE_AROUND_COMMA.sub(",", _text(element))
    positions: list[list[Any]] = []
    for item in text.split():
        values: list[Any] = []
        for part in item.split(","):
            try:
                values.append(float(part))
            except ValueError:
                values.append(part)
        positions.append(values)
    return positions
