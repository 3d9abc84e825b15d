"""Progress bars on stderr for long work, silent when not asked for."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def progress_bar(items: Iterable[T], description: str, enabled: bool, unit: str = "it",
                 total: int | None = None) -> Iterator[T]:
    if not enabled:
        return iter(items)
    from tqdm import tqdm

    return iter(tqdm(items, desc=description, unit=unit, total=total, leave=False, dynamic_ncols=True))
