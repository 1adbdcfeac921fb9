"""The team's incident communication plan, read once and trusted everywhere after.

Guarantees: a plan that loads is whole — every file validated by pydantic, every cross-reference checked, and
(with the text checks :func:`incident_comms.lint.plan_texts.load_checked_plan` passes) every template rendered,
every SMS template's own text GSM-7 and every holding text checked like a draft; a plan that does not load says
every problem as ``file: field: message`` lines, never a traceback.

- ``models``     plan format v1: severities, components, rules, roles, channels, audiences, phases, values
- ``loader``     read the folder, validate, cross-check (``load_plan``)
- ``templates``  the plan's Jinja2 templates in a sandbox with ``StrictUndefined``
- ``render``     the plan as one Markdown page for the team wiki
"""
