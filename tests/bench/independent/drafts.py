"""Counting drafts rendered: the drafting entry points wrapped wherever a module holds them by name."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

DRAFTING = {
    "incident_comms.drafting.render": ("render_draft", "render_drafts", "render_block"),
    "incident_comms.drafting.holding": ("render_holding",),
}


class DraftCount:
    def __init__(self) -> None:
        self.rendered = 0


@contextmanager
def counting_drafts() -> Iterator[DraftCount]:
    """Every call of a drafting entry point in the block counts once (a draft rendered per channel calls
    ``render_block`` for its subject and body: those count as one draft through ``render_draft``)."""
    import importlib

    count = DraftCount()
    originals: dict[str, Callable[..., Any]] = {}
    for module_name, names in DRAFTING.items():
        module = importlib.import_module(module_name)
        for name in names:
            originals[name] = getattr(module, name)
    entry = {originals["render_draft"], originals["render_holding"]}

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            if original in entry:
                count.rendered += 1
            return original(*args, **kwargs)

        return counted

    wrapped = {original: wrap(original) for original in originals.values()}
    replaced: list[tuple[Any, str, Any]] = []
    for module in list(sys.modules.values()):
        if module is None or not getattr(module, "__name__", "").startswith("incident_comms"):
            continue
        for name, value in list(vars(module).items()):
            if callable(value) and value in wrapped:
                replaced.append((module, name, value))
                setattr(module, name, wrapped[value])
    try:
        yield count
    finally:
        for module, name, value in replaced:
            setattr(module, name, value)
