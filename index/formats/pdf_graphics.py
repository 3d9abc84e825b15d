"""What a PDF page draws besides its text, as the PDF reader (``index.formats.pdf``) needs it:
figure regions (drawn paths gathered where they touch, images, embedded forms), whose lines
are figure text, and horizontal rules, a table's lines among them.

Bounded: at most 4,000 drawn objects a page are looked at. Coordinates are PDF points,
measured from the page's top."""

from __future__ import annotations

import ctypes
from collections import Counter

_MAX_OBJECTS = 4000  # drawn objects looked at per page for figure regions


def graphics(page, width: float, height: float) -> tuple[list, list]:
    """Figure regions: drawn paths gathered where they touch, images, embedded forms; thin
    rules (table lines, underlines, fraction bars) and page-sized backgrounds left out. And the
    horizontal rules (a table's lines among them). ``page`` is a pypdfium2 page, read under
    the caller's pdfium lock."""
    import pypdfium2.raw as pdfium_c

    handle = page.raw
    kinds = {pdfium_c.FPDF_PAGEOBJ_PATH: "path", pdfium_c.FPDF_PAGEOBJ_IMAGE: "image",
             pdfium_c.FPDF_PAGEOBJ_FORM: "form", pdfium_c.FPDF_PAGEOBJ_SHADING: "path"}
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    boxes: list[list[float]] = []
    rules: list[tuple[float, float, float]] = []
    for index in range(min(pdfium_c.FPDFPage_CountObjects(handle), _MAX_OBJECTS)):
        obj = pdfium_c.FPDFPage_GetObject(handle, index)
        kind = kinds.get(pdfium_c.FPDFPageObj_GetType(obj))
        if kind is None or not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            continue
        w, h = right.value - left.value, top.value - bottom.value
        if kind == "path" and h < 1.5 and w > 20:
            rules.append((left.value, right.value, height - (top.value + bottom.value) / 2))
        if min(w, h) < 1.5 or w * h > 0.5 * width * height or max(w, h) < 3:
            continue
        pad = 3.0 if kind == "path" else 0.0
        boxes.append([left.value - pad, height - top.value - pad, right.value + pad, height - bottom.value + pad,
                      kind != "path"])
    return _clusters(boxes, width, height), rules


def _clusters(boxes: list[list], width: float, height: float) -> list[tuple[float, float, float, float]]:
    """Boxes that touch gathered on a coarse grid (bounded work however many there are); a
    cluster is a region when it holds an image or form, or two boxes or more (a lone box is a
    frame), and is not tiny."""
    cell = max(5.0, max(width, height) / 400)
    cols, rows = int(width / cell) + 2, int(height / cell) + 2
    grid = bytearray(cols * rows)
    spans = []
    for x0, top, x1, bottom, _ in boxes:
        c0, c1 = max(0, int(x0 / cell)), min(cols - 1, int(x1 / cell))
        r0, r1 = max(0, int(top / cell)), min(rows - 1, int(bottom / cell))
        if c0 > c1 or r0 > r1:
            spans.append(None)
            continue
        spans.append((c0, r0))
        for r in range(r0, r1 + 1):
            grid[r * cols + c0:r * cols + c1 + 1] = b"\x01" * (c1 - c0 + 1)
    parent: list[int] = []
    extents: list[list[int]] = []

    def root(number: int) -> int:
        while parent[number] != number:
            parent[number] = parent[parent[number]]
            number = parent[number]
        return number

    row_runs: list[list[tuple[int, int, int]]] = []
    for r in range(rows):  # runs of covered cells, joined with the runs they touch above
        row, runs = grid[r * cols:(r + 1) * cols], []
        c = row.find(1)
        while c >= 0:
            end = row.find(0, c)
            end = cols if end < 0 else end
            number = len(parent)
            parent.append(number)
            extents.append([c, r, end - 1, r])
            for p0, p1, other in row_runs[-1] if row_runs else ():
                if p0 <= end - 1 and c <= p1:
                    parent[root(other)] = root(number)
            runs.append((c, end - 1, number))
            c = row.find(1, end)
        row_runs.append(runs)
    merged: dict[int, list[int]] = {}
    for number, (c0, r0, c1, r1) in enumerate(extents):
        extent = merged.setdefault(root(number), [c0, r0, c1, r1])
        extent[:] = min(extent[0], c0), min(extent[1], r0), max(extent[2], c1), max(extent[3], r1)
    members, solid = Counter(), set()
    for box, span in zip(boxes, spans):
        if span is not None:
            c0, r0 = span
            number = next(root(n) for p0, p1, n in row_runs[r0] if p0 <= c0 <= p1)
            members[number] += 1
            if box[4]:
                solid.add(number)
    regions = []
    for number, (c0, r0, c1, r1) in merged.items():
        x0, top, x1, bottom = c0 * cell, r0 * cell, (c1 + 1) * cell, (r1 + 1) * cell
        if (number in solid or members[number] >= 2) and (x1 - x0) * (bottom - top) >= 400:
            regions.append((x0, top, x1, bottom))
    return regions
