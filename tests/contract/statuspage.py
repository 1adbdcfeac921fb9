"""Validators for Statuspage's public API v2, from the schemas in ``statuspage_v2/`` (written from Statuspage's
documentation by someone who never read this project's code: see its README)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

SCHEMAS = Path(__file__).parent / "statuspage_v2"

ENDPOINT_SCHEMAS = {
    "summary.json": "summary",
    "status.json": "status",
    "components.json": "components",
    "incidents.json": "incidents",
    "incidents/unresolved.json": "incidents-unresolved",
    "scheduled-maintenances.json": "scheduled-maintenances",
    "scheduled-maintenances/upcoming.json": "scheduled-maintenances-upcoming",
    "scheduled-maintenances/active.json": "scheduled-maintenances-active",
}
"""Every endpoint of the public API v2 -> its schema's name."""


@lru_cache(maxsize=1)
def _registry() -> Registry[Any]:
    resources = []
    for path in SCHEMAS.glob("*.schema.json"):
        document = json.loads(path.read_text(encoding="utf-8"))
        resources.append((document["$id"], Resource.from_contents(document)))
    return Registry().with_resources(resources)


def contract_errors(endpoint: str, document: Any) -> list[str]:
    """Every way ``document`` breaks the schema of ``endpoint`` (``summary.json``…), each with where."""
    schema = json.loads((SCHEMAS / f"{ENDPOINT_SCHEMAS[endpoint]}.schema.json").read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema, registry=_registry(), format_checker=FormatChecker())
    return [
        f"{endpoint} /{'/'.join(str(part) for part in error.absolute_path)}: {error.message}"
        for error in validator.iter_errors(document)
    ]
