"""One figure per part: what was measured, its baseline, the ratio and whether issue 16's goal is met."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Figure:
    """A part's result. ``met`` is None when the part could not be measured (``why`` says why)."""

    part: str
    goal: str
    figure: str = ""
    baseline: str = ""
    ratio: float | None = None
    met: bool | None = None
    details: list[str] = field(default_factory=list)
    why: str = ""

    @property
    def verdict(self) -> str:
        if self.met is None:
            return "NOT MEASURED"
        return "MET" if self.met else "NOT MET"

    def lines(self) -> list[str]:
        """The printed report of the part: a header line, then figure, baseline, ratio, verdict and the details."""
        out = [f"== {self.part}  (goal: {self.goal})"]
        if self.met is None:
            out.append(f"   cannot be measured: {self.why}")
        else:
            out.append(f"   figure:   {self.figure}")
            out.append(f"   baseline: {self.baseline}")
            out.append(f"   ratio:    {'-' if self.ratio is None else f'{self.ratio:.2f}'}")
        out += [f"   {line}" for line in self.details]
        out.append(f"   -> {self.verdict}")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "goal": self.goal,
            "figure": self.figure,
            "baseline": self.baseline,
            "ratio": self.ratio,
            "verdict": self.verdict,
            "details": list(self.details),
            "why": self.why,
        }


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
