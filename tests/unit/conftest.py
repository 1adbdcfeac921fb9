"""Unit fixtures for the plan: a throwaway copy of the repo's plan/ that a test may break on purpose.

The session-wide ``plan`` fixture (the repo's plan, loaded once) lives in tests/conftest.py.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PLAN_DIR = REPO / "plan"

Edit = Callable[[str, Callable[[dict[str, Any]], None]], None]


@pytest.fixture
def plan_copy(tmp_path: Path) -> Path:
    """A copy of the repo's plan folder to break."""
    target = tmp_path / "plan"
    shutil.copytree(PLAN_DIR, target)
    return target


@pytest.fixture
def edit_plan(plan_copy: Path) -> Edit:
    """Change one YAML file of ``plan_copy`` through a function on its data (comments are lost, on purpose)."""

    def edit(name: str, change: Callable[[dict[str, Any]], None]) -> None:
        path = plan_copy / name
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    return edit
