"""Customer subscribers: who hears about which component, in which locale and audience, as contact list topics.

Pure (no boto3): the subscriber model, its validation against the plan (:func:`new_subscriber`), and the topics
that hold it in the SES v2 contact list (:class:`incident_comms.adapters.contacts.SesContactDirectory`).

How a subscriber sits in the contact list, and why:

- **one topic per plan component** (``component-api``): the person opts in to the components they care about;
  SES answers "everybody opted in to this topic" with one paginated ``ListContacts``;
- **one topic per audience and per locale** (``audience-customers_es``, ``locale-es``) the person is opted in to
  exactly one of each. ``ListContacts`` answers each contact's topic preferences but *not* its ``AttributesData``
  (only ``GetContact`` does, one call per contact): with the audience and locale held as topics, picking the
  recipients of a channel (component, audience, locale) takes one listing, not one call per subscriber;
- ``AttributesData`` ``{"locale": "es", "audience": "customers_es"}`` says the same for people and other tools
  reading one contact;
- ``UnsubscribeAll`` is set when the person used the one-click link: the contact is kept (so an import cannot
  quietly subscribe them again) and is never a recipient.

SES allows one contact list per account and 20 topics per list, so a plan's components, audiences and locales
together must stay within :data:`MAX_TOPICS`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator

from incident_comms.errors import BadInput
from incident_comms.plan.models import ChannelKind, Plan, localized

MAX_TOPICS = 20
"""SES's limit of topics per contact list."""

COMPONENT_TOPIC = "component-"
AUDIENCE_TOPIC = "audience-"
LOCALE_TOPIC = "locale-"

_ADDRESS = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+"
)
"""What SES can send to, lower-cased: an ASCII local part of RFC 5322 ``atext`` and dots (SES does not support
SMTPUTF8; no quoting, so nothing in an address can break a header) and an ASCII (punycode) domain of two labels
or more."""
_ADDRESS_MAX = 254


def normalise_address(value: str) -> str:
    """The address as the contact list keys it: trimmed and lower-cased, so ``Ana@x.es`` and ``ana@x.es`` are one
    contact. Raises ``ValueError`` (naming the problem, not repeating the input) for anything SES would refuse."""
    address = value.strip().lower()
    if len(address) > _ADDRESS_MAX or address.count("@") != 1 or not _ADDRESS.fullmatch(address):
        raise ValueError("not an email address SES can send to (ASCII local part, punycode domain)")
    return address


class Subscriber(BaseModel):
    """One person subscribed to incident updates: the components they chose, their locale and audience.

    ``locale`` or ``audience`` is empty only for a contact someone else put in the list without them.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    email: str
    components: tuple[str, ...] = Field(min_length=1)
    locale: str
    audience: str
    unsubscribed: bool = Field(False, description="used the one-click link: kept in the list, never sent to")

    @field_validator("email")
    @classmethod
    def _address(cls, value: str) -> str:
        return normalise_address(value)

    @field_validator("components")
    @classmethod
    def _unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(value))

    def attributes(self) -> str:
        """The contact's ``AttributesData``: JSON, for people and tools reading one contact."""
        return json.dumps({"locale": self.locale, "audience": self.audience}, sort_keys=True)


# --- topics ----------------------------------------------------------------------------------------------------


def component_topic(component_id: str) -> str:
    return f"{COMPONENT_TOPIC}{component_id}"


def audience_topic(audience_id: str) -> str:
    return f"{AUDIENCE_TOPIC}{audience_id}"


def locale_topic(locale: str) -> str:
    return f"{LOCALE_TOPIC}{locale}"


def subscriber_topics(subscriber: Subscriber) -> set[str]:
    """The topics ``subscriber`` is opted in to; every other topic of the list is opted out."""
    return {
        *(component_topic(component) for component in subscriber.components),
        audience_topic(subscriber.audience),
        locale_topic(subscriber.locale),
    }


def from_topics(email: str, opted_in: Iterable[str], unsubscribed: bool) -> Subscriber | None:
    """The subscriber a contact's opted-in topics describe; None when it has no component (nothing to send it)."""
    topics = list(opted_in)
    components = tuple(
        sorted(name.removeprefix(COMPONENT_TOPIC) for name in topics if name.startswith(COMPONENT_TOPIC))
    )
    if not components:
        return None
    audiences = sorted(name.removeprefix(AUDIENCE_TOPIC) for name in topics if name.startswith(AUDIENCE_TOPIC))
    locales = sorted(name.removeprefix(LOCALE_TOPIC) for name in topics if name.startswith(LOCALE_TOPIC))
    locale = locales[0] if len(locales) == 1 else ""
    audience = audiences[0] if len(audiences) == 1 else ""
    try:
        return Subscriber(
            email=email, components=components, locale=locale, audience=audience, unsubscribed=unsubscribed
        )
    except ValueError:  # an address another tool put in the list: listed as SES holds it, never sent to
        return Subscriber.model_construct(
            email=email, components=components, locale=locale, audience=audience, unsubscribed=unsubscribed
        )


@dataclass(frozen=True)
class TopicSpec:
    """One topic of the contact list, as SES shows it (on its own subscription page, if ever used)."""

    name: str
    display_name: str
    description: str


def plan_topics(plan: Plan) -> list[TopicSpec]:
    """Every topic the plan's subscribers may need: its components, audiences and locales.

    Raises :class:`BadInput` when they do not fit in one contact list (SES: 20 topics).
    """
    main = plan.main_locale
    topics = [
        TopicSpec(component_topic(c.id), localized(c.name, main), localized(c.impact, main))
        for c in plan.definition.components
    ]
    topics += [
        TopicSpec(audience_topic(a.id), localized(a.name, main), f"audience {a.id}") for a in plan.channels.audiences
    ]
    topics += [TopicSpec(locale_topic(locale), locale, f"locale {locale}") for locale in plan.definition.locales]
    if len(topics) > MAX_TOPICS:
        raise BadInput(
            f"the plan needs {len(topics)} contact list topics ({len(plan.definition.components)} components + "
            f"{len(plan.channels.audiences)} audiences + {len(plan.definition.locales)} locales); "
            f"SES allows {MAX_TOPICS} per contact list"
        )
    return topics


# --- validation against the plan -------------------------------------------------------------------------------


def email_segments(plan: Plan) -> set[tuple[str, str]]:
    """The (audience, locale) pairs some email channel of the plan sends to: the only ones worth subscribing."""
    return {(c.audience, c.locale) for c in plan.channels.channels if c.kind == ChannelKind.EMAIL}


def default_audience(plan: Plan, locale: str) -> str:
    """The audience of the plan's first customer (not internal) email channel in ``locale``."""
    internal = {a.id for a in plan.channels.audiences if a.internal}
    for channel in plan.channels.channels:
        if channel.kind == ChannelKind.EMAIL and channel.locale == locale and channel.audience not in internal:
            return channel.audience
    raise BadInput(f"no customer email channel of the plan is in locale {locale!r}: give --audience")


def new_subscriber(
    plan: Plan, email: str, components: Sequence[str], locale: str | None = None, audience: str | None = None
) -> Subscriber:
    """A subscriber checked against the plan; the locale defaults to the plan's main one, the audience to that
    locale's customer email channel. Raises :class:`BadInput` saying what is wrong."""
    locale = locale or plan.main_locale
    try:
        address = normalise_address(email)
    except ValueError as error:
        raise BadInput(f"{email.strip()[:80]!r}: {error}") from None
    known_components = [c.id for c in plan.definition.components]
    unknown = [c for c in components if c not in known_components]
    if not components:
        raise BadInput("give at least one component")
    if unknown:
        raise BadInput(f"unknown component {unknown[0]!r} (the plan has: {', '.join(known_components)})")
    if locale not in plan.definition.locales:
        raise BadInput(f"unknown locale {locale!r} (the plan has: {', '.join(plan.definition.locales)})")
    audience = audience or default_audience(plan, locale)
    audiences = [a.id for a in plan.channels.audiences]
    if audience not in audiences:
        raise BadInput(f"unknown audience {audience!r} (the plan has: {', '.join(audiences)})")
    if (audience, locale) not in email_segments(plan):
        raise BadInput(f"no email channel of the plan reaches audience {audience!r} in locale {locale!r}")
    return Subscriber(email=address, components=tuple(components), locale=locale, audience=audience)
