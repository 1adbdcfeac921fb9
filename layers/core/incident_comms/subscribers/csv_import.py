"""The subscribers' CSV import format: every row checked against the plan before anything is written.

Columns ``email``, ``components`` (``;``-separated), ``locale`` and ``audience``, header first; at most
:data:`MAX_CSV_ROWS` rows (a larger import is a job for SES's own CreateImportJob). :func:`parse_csv` raises
:class:`~incident_comms.errors.BadInput` naming the row for any bad or repeated one, so an import either has
every row or none. Pure: writing the rows is the directory's job.
"""

from __future__ import annotations

import csv
import io

from incident_comms.errors import BadInput
from incident_comms.plan.models import Plan
from incident_comms.subscribers.models import Subscriber, new_subscriber

CSV_COLUMNS = ("email", "components", "locale", "audience")
COMPONENT_SEPARATOR = ";"
MAX_CSV_ROWS = 100_000
"""A larger import is a job for SES's own CreateImportJob (from S3), not for one command."""


def parse_csv(text: str, plan: Plan) -> list[Subscriber]:
    """The subscribers of an import file, all checked before anything is written.

    Columns ``email``, ``components`` (``;``-separated), ``locale`` and ``audience`` (both may be empty: the
    defaults of :func:`new_subscriber`), header first. Any bad row raises :class:`BadInput` naming the row (the
    header is row 1), so an import either has every row or none.
    """
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise BadInput("the CSV file is empty: it needs a header row " + ",".join(CSV_COLUMNS)) from None
    except csv.Error as error:
        raise BadInput(f"row 1: not CSV ({error})") from None
    missing = [name for name in ("email", "components") if name not in header]
    if missing:
        raise BadInput(f"row 1: the header lacks {', '.join(missing)} (columns: {','.join(CSV_COLUMNS)})")
    index = {name: header.index(name) for name in CSV_COLUMNS if name in header}
    subscribers: list[Subscriber] = []
    first_row: dict[str, int] = {}
    try:
        for cells in reader:
            row = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(subscribers) >= MAX_CSV_ROWS:
                raise BadInput(f"row {row}: more than {MAX_CSV_ROWS} subscribers in one file")

            def cell(name: str, cells: list[str] = cells) -> str:
                position = index.get(name)
                return cells[position].strip() if position is not None and position < len(cells) else ""

            components = [part.strip() for part in cell("components").split(COMPONENT_SEPARATOR) if part.strip()]
            try:
                subscriber = new_subscriber(plan, cell("email"), components, cell("locale"), cell("audience"))
            except BadInput as error:
                raise BadInput(f"row {row}: {error}") from None
            if subscriber.email in first_row:
                raise BadInput(f"row {row}: {subscriber.email} is already on row {first_row[subscriber.email]}")
            first_row[subscriber.email] = row
            subscribers.append(subscriber)
    except csv.Error as error:
        raise BadInput(f"row {reader.line_num}: not CSV ({error})") from None
    return subscribers
