"""The team's incident communication plan: models, loader, Markdown rendering."""

from incident_comms.plan.models import (
    Audience,
    Channel,
    ChannelFormat,
    ChannelKind,
    Component,
    Phase,
    Plan,
    Rule,
    RuleWhen,
    Severity,
)

__all__ = [
    "Audience",
    "Channel",
    "ChannelFormat",
    "ChannelKind",
    "Component",
    "Phase",
    "Plan",
    "Rule",
    "RuleWhen",
    "Severity",
]
