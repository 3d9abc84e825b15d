"""EPUB reader: an EPUB is a zip of XHTML chapters listed by an OPF package file, so it is
read with the standard library's zipfile, ``limits.parse_xml`` for the container and
package files, and the HTML reader's ``write_html`` for each chapter (EbookLib, the usual
library, is AGPL). ``META-INF/container.xml`` names the OPF file; its spine gives the
chapters' order; its ``dc:title`` the title. Chapters follow one another in one text (no
pages: a spine item is a file, not a page anyone would cite); a chapter's navigation is left
out as on any page. A book whose chapters are encrypted (DRM) is skipped.
"""

from __future__ import annotations

import posixpath
from urllib.parse import unquote

from ..document_model import ParsedDocument
from . import SkipFile
from .html import write_html
from .limits import BoundedWriter, check_zip, one_line, parse_xml, read_entry, reading

_CHAPTER_TYPES = {"application/xhtml+xml", "text/html", "application/html"}


def read(data: bytes) -> ParsedDocument:
    archive = check_zip(data)
    container = read_entry(archive, "META-INF/container.xml")
    if container is None:
        raise SkipFile("not an EPUB (no META-INF/container.xml)")
    with reading("EPUB"):
        rootfile = parse_xml(container).find(".//{*}rootfile")
        package_path = rootfile.get("full-path") if rootfile is not None else None
        package = read_entry(archive, package_path) if package_path else None
        if package is None:
            raise SkipFile("not an EPUB (its package file is missing)")
        opf = parse_xml(package)
        chapters = _spine(opf, posixpath.dirname(package_path))
        encrypted = _encrypted(archive)
        if encrypted & set(chapters):
            raise SkipFile("encrypted EPUB (DRM)")
        writer = BoundedWriter()
        for path in chapters:
            chapter = read_entry(archive, path)
            if chapter is not None:
                write_html(chapter, writer)
        title = one_line(opf.findtext(".//{http://purl.org/dc/elements/1.1/}title"))
    return writer.result(title=title or None)


def _spine(opf, folder: str) -> list[str]:
    """The zip paths of the spine's (X)HTML items, in reading order, each once."""
    manifest = {item.get("id"): item for item in opf.iterfind(".//{*}manifest/{*}item")}
    paths: list[str] = []
    for reference in opf.iterfind(".//{*}spine/{*}itemref"):
        item = manifest.get(reference.get("idref"))
        if item is None or (item.get("media-type") or "").strip().lower() not in _CHAPTER_TYPES:
            continue
        href = unquote((item.get("href") or "").split("#")[0])
        path = posixpath.normpath(posixpath.join(folder, href)).lstrip("/")
        if href and path not in paths:
            paths.append(path)
    return paths


def _encrypted(archive) -> set[str]:
    """The paths ``META-INF/encryption.xml`` lists (fonts are often listed: obfuscated, not
    DRM; a chapter listed means the text cannot be read)."""
    listing = read_entry(archive, "META-INF/encryption.xml")
    if listing is None:
        return set()
    return {posixpath.normpath(unquote(reference.get("URI") or "")).lstrip("/")
            for reference in parse_xml(listing).iterfind(".//{*}CipherReference")}
