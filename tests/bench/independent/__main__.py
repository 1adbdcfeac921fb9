"""``python -m tests.bench.independent [--quick] [--only PART ...]``: every part, each in a process of its own."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.bench.independent import isolated
from tests.bench.independent.report import Figure

PARTS: dict[str, str] = {
    "redelivery": "tests.bench.independent.redelivery:measure",
    "webhook": "tests.bench.independent.webhook:measure",
    "storm": "tests.bench.independent.storm:measure",
    "fanout": "tests.bench.independent.fanout:measure",
    "status_page": "tests.bench.independent.status_page:measure",
    "cold_start": "tests.bench.independent.cold_start:measure",
}
"""Cheapest first. Parts that start several stacks (fan-out, status page) spawn their own children."""
IN_THIS_PROCESS = {"fanout", "status_page", "cold_start"}


def run_part(name: str, quick: bool) -> Figure:
    """One part, its failure reported as a figure that could not be measured (the other parts still run)."""
    target = PARTS[name]
    try:
        if name in IN_THIS_PROCESS:
            module_name, _, function_name = target.partition(":")
            import importlib

            measure: Callable[[bool], Figure] = getattr(importlib.import_module(module_name), function_name)
            return measure(quick)
        answer = isolated.run(target, quick)
        return _figure(answer)
    except Exception as error:  # noqa: BLE001 - a part that breaks says why; the others still run
        return Figure(name, "", why=f"{type(error).__name__}: {error}")


def _figure(answer: dict[str, object]) -> Figure:
    figure = Figure(str(answer["part"]), str(answer["goal"]))
    figure.figure, figure.baseline = str(answer["figure"]), str(answer["baseline"])
    ratio = answer["ratio"]
    figure.ratio = float(ratio) if isinstance(ratio, int | float) else None
    verdict = answer["verdict"]
    figure.met = None if verdict == "NOT MEASURED" else verdict == "MET"
    details = answer["details"]
    figure.details = [str(line) for line in details] if isinstance(details, list) else []
    figure.why = str(answer["why"])
    return figure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.independent", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes: the whole run in about 3 minutes")
    parser.add_argument("--only", nargs="+", choices=sorted(PARTS), help="these parts only")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    arguments = parser.parse_args(argv)
    figures = []
    started = time.perf_counter()
    for name in arguments.only or list(PARTS):
        part_started = time.perf_counter()
        figure = run_part(name, arguments.quick)
        figures.append(figure)
        print("\n".join(figure.lines()), f"   ({time.perf_counter() - part_started:.0f} s)", sep="\n", flush=True)
    print(f"== {sum(f.met is True for f in figures)} of {len(figures)} met, in {time.perf_counter() - started:.0f} s")
    if arguments.json:
        arguments.json.write_text(json.dumps([f.as_dict() for f in figures], indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
