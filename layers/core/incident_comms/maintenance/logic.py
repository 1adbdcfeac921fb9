"""Declaring a maintenance and what the status page shows of one at an instant. Pure.

:func:`declare_maintenance` checks everything a person typed and names every problem at once
(:class:`~incident_comms.errors.BadInput`), so a bad window or an unknown component changes nothing.

What the page shows (:func:`shown_status`): nothing until it is approved, nor once cancelled; before its start
``scheduled``; from its start until it is completed ``in_progress`` (the one-time schedule that starts it may fire a
little late, so the instant decides, not only the stored status); ``completed`` once it is completed, or once its
end has passed (the completion schedule may not have fired yet: the page must not say work is under way once the
announced window is over). Completed maintenances stay on the page :data:`SHOWN_AFTER` after their end.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from incident_comms.errors import BadInput
from incident_comms.maintenance.models import Maintenance, MaintenanceStatus, new_maintenance_id
from incident_comms.plan.models import Plan

TITLE_MAX = 140
DETAILS_MAX = 2_000
LONGEST_WINDOW = timedelta(days=7)
"""A longer window is almost always a typo in a date; split real long work into several windows."""
SHOWN_AFTER = timedelta(days=90)


def declare_maintenance(
    plan: Plan,
    components: Sequence[str],
    starts_at: datetime,
    ends_at: datetime,
    titles: Mapping[str, str],
    details: Mapping[str, str],
    by: str,
    now: datetime,
) -> Maintenance:
    """A new maintenance awaiting approval, or :class:`BadInput` naming every problem."""
    problems = maintenance_problems(plan, components, starts_at, ends_at, titles, details, now)
    if problems:
        raise BadInput("; ".join(problems))
    known = [component.id for component in plan.definition.components]
    return Maintenance(
        id=new_maintenance_id(now),
        components=[component for component in known if component in components],
        starts_at=starts_at,
        ends_at=ends_at,
        title={locale: " ".join(text.split()) for locale, text in titles.items()},
        details={locale: text.strip() for locale, text in details.items() if text.strip()},
        created_at=now,
        created_by=by,
        updated_at=now,
    )


def maintenance_problems(
    plan: Plan,
    components: Sequence[str],
    starts_at: datetime,
    ends_at: datetime,
    titles: Mapping[str, str],
    details: Mapping[str, str],
    now: datetime | None,
) -> list[str]:
    """Every problem of a window as a person typed it, each once; empty when it can be declared. ``now`` None skips
    "starts in the future" (the command line checks before sending; the stack, on its own clock, checks again)."""
    problems: list[str] = []
    known = [component.id for component in plan.definition.components]
    chosen = list(dict.fromkeys(components))
    if not chosen:
        problems.append("name at least one component")
    problems.extend(f"{component} is not a component of the plan" for component in chosen if component not in known)
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        problems.append("start and end need their UTC offset (2026-12-01T03:00+01:00)")
    else:
        if ends_at <= starts_at:
            problems.append("the window must end after it starts")
        elif ends_at - starts_at > LONGEST_WINDOW:
            problems.append(f"the window is longer than {LONGEST_WINDOW.days} days")
        if now is not None and starts_at <= now:
            problems.append("the window must start in the future")
    locales = plan.definition.locales
    clean_titles = {locale: " ".join(text.split()) for locale, text in titles.items()}
    problems.extend(f"{locale} is not a locale of the plan" for locale in clean_titles if locale not in locales)
    problems.extend(f"a title in {locale} is needed" for locale in locales if not clean_titles.get(locale))
    problems.extend(
        f"the {locale} title is longer than {TITLE_MAX} characters"
        for locale, text in clean_titles.items()
        if len(text) > TITLE_MAX
    )
    clean_details = {locale: text.strip() for locale, text in details.items() if text.strip()}
    problems.extend(f"{locale} is not a locale of the plan" for locale in clean_details if locale not in locales)
    problems.extend(
        f"the {locale} details are longer than {DETAILS_MAX} characters"
        for locale, text in clean_details.items()
        if len(text) > DETAILS_MAX
    )
    if clean_details and set(clean_details) != set(locales):
        problems.append(f"details in every locale or none ({', '.join(locales)})")
    return list(dict.fromkeys(problems))


def shown_status(maintenance: Maintenance, now: datetime) -> MaintenanceStatus | None:
    """What the page says of ``maintenance`` at ``now``; None: not on the page."""
    status = maintenance.status
    if status in (MaintenanceStatus.AWAITING_APPROVAL, MaintenanceStatus.CANCELLED):
        return None
    if status == MaintenanceStatus.COMPLETED or now >= maintenance.ends_at:
        end = maintenance.completed_at or maintenance.ends_at
        return MaintenanceStatus.COMPLETED if now - end <= SHOWN_AFTER else None
    if status == MaintenanceStatus.IN_PROGRESS or now >= maintenance.starts_at:
        return MaintenanceStatus.IN_PROGRESS
    return MaintenanceStatus.SCHEDULED
