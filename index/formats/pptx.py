"""PPTX reader (python-pptx: MIT, maintained; parses with lxml without resolving entities).

Each slide is a page (cited "slide N"): a heading "Slide N: <its title>" ("Slide N" where it
has none), then its shapes in reading order (top to bottom, then left to right; groups
opened): paragraphs of a body placeholder or with a bullet of their own are items (depth
from their indent level), other paragraphs paragraphs, tables tables. Speaker notes follow
under a "Notes" heading, one paragraph each: a section of the slide, so each paragraph
stays a block of its own (not run into one "Notes:" field) and a citation names them.
Slide numbers, dates, footers, pictures and charts are left out.
"""

from __future__ import annotations

import io

from ..document_model import ParsedDocument
from .limits import BoundedWriter, check_zip, library, one_line, reading

_GENERIC_TITLES = {"", "powerpoint presentation", "presentation"}  # templates' core titles
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def read(data: bytes) -> ParsedDocument:
    check_zip(data)
    pptx = library("pptx", "python-pptx")
    with reading("PPTX"):
        presentation = pptx.Presentation(io.BytesIO(data))
        writer = BoundedWriter()
        first_title = ""
        for number, slide in enumerate(presentation.slides, 1):
            title_shape = slide.shapes.title
            title = one_line(title_shape.text_frame.text) if title_shape is not None else ""
            first_title = first_title or title
            writer.new_page()
            writer.heading(f"Slide {number}: {title}" if title else f"Slide {number}", 1)
            for shape in _reading_order(slide.shapes):
                if title_shape is None or shape.shape_id != title_shape.shape_id:
                    _write_shape(writer, shape)
            _write_notes(writer, slide)
        title = one_line(presentation.core_properties.title)
        if title.lower() in _GENERIC_TITLES:
            title = first_title
    return writer.result(title=title or None, page_label="slide")


def _reading_order(shapes) -> list:
    def position(shape) -> tuple[int, int]:
        try:  # a placeholder inherits its position from the layout; a broken one may have none
            return shape.top or 0, shape.left or 0
        except (AttributeError, ValueError, KeyError):
            return 0, 0

    return sorted(shapes, key=position)


def _write_shape(writer: BoundedWriter, shape) -> None:
    from pptx.enum.shapes import PP_PLACEHOLDER
    from pptx.shapes.group import GroupShape

    if isinstance(shape, GroupShape):  # (``shape_type`` raises on shapes python-pptx does not know)
        for inner in _reading_order(shape.shapes):
            _write_shape(writer, inner)
    elif getattr(shape, "has_table", False):
        writer.table([[cell.text for cell in row.cells] for row in shape.table.rows])
    elif shape.has_text_frame:
        placeholder = shape.placeholder_format.type if shape.is_placeholder else None
        if placeholder in (PP_PLACEHOLDER.SLIDE_NUMBER, PP_PLACEHOLDER.DATE, PP_PLACEHOLDER.FOOTER,
                           PP_PLACEHOLDER.HEADER):
            return
        bulleted = placeholder in (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT)  # the master's bullets
        for paragraph in shape.text_frame.paragraphs:
            if _bullet(paragraph, bulleted):
                writer.item(paragraph.text, paragraph.level)
            else:
                writer.paragraph(paragraph.text)


def _bullet(paragraph, default: bool) -> bool:
    """Whether a paragraph shows a bullet: its own ``a:buNone`` / ``a:buChar`` /
    ``a:buAutoNum`` says, else its placeholder's kind (python-pptx has no API for this)."""
    properties = paragraph._p.pPr
    if properties is not None:
        if properties.find(f"{_A}buNone") is not None:
            return False
        if properties.find(f"{_A}buChar") is not None or properties.find(f"{_A}buAutoNum") is not None:
            return True
    return default


def _write_notes(writer: BoundedWriter, slide) -> None:
    if not slide.has_notes_slide:
        return
    frame = slide.notes_slide.notes_text_frame
    paragraphs = [p.text for p in frame.paragraphs if p.text.strip()] if frame is not None else []
    if paragraphs:
        writer.heading("Notes", 2)
        for text in paragraphs:
            writer.paragraph(text)
