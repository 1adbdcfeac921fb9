"""Customer subscribers: who hears about which component, in which locale and audience, and how they leave.

Pure (no boto3): the models, their validation against the plan, the CSV import format, the directory interface the
fan-out and the command line use, and the signed one-click unsubscribe links. The directory itself is the SES v2
contact list (:class:`incident_comms.adapters.contacts.SesContactDirectory`): the managed store that knows who
unsubscribed.

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

import base64
import binascii
import csv
import hashlib
import hmac
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from incident_comms.errors import BadInput
from incident_comms.plan.models import ChannelKind, Plan, localized

MAX_TOPICS = 20
"""SES's limit of topics per contact list."""

COMPONENT_TOPIC = "component-"
AUDIENCE_TOPIC = "audience-"
LOCALE_TOPIC = "locale-"

CSV_COLUMNS = ("email", "components", "locale", "audience")
COMPONENT_SEPARATOR = ";"
MAX_CSV_ROWS = 100_000
"""A larger import is a job for SES's own CreateImportJob (from S3), not for one command."""

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

    model_config = ConfigDict(frozen=True, extra="forbid")

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
            f"the plan needs {len(topics)} contact list topics (components + audiences + locales); "
            f"SES allows {MAX_TOPICS}"
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


# --- the directory ---------------------------------------------------------------------------------------------


class Added(StrEnum):
    ADDED = "added"
    UPDATED = "updated"
    """Already subscribed: the new components were added, locale and audience replaced."""
    KEPT_UNSUBSCRIBED = "kept_unsubscribed"
    """The person unsubscribed with the one-click link; only ``resubscribe`` (their own request) undoes that."""


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    kept_unsubscribed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"added": self.added, "updated": self.updated, "kept_unsubscribed": self.kept_unsubscribed}


class SubscriberDirectory(Protocol):
    """Where subscribers live (the SES contact list); every method names the address it changes."""

    def add(self, subscriber: Subscriber, *, resubscribe: bool = False) -> Added:
        """Subscribe (or extend the subscription of) ``subscriber``; never resubscribes someone who unsubscribed
        unless ``resubscribe``."""
        ...

    def remove(self, email: str) -> bool:
        """Delete the contact (an operator's removal, not the person's unsubscribe); False if it was not there."""
        ...

    def list(self, component: str | None = None) -> Iterator[Subscriber]:
        """Every subscriber (opted in to ``component``, when given), unsubscribed ones included and marked."""
        ...

    def import_csv(self, rows: Iterable[Subscriber]) -> ImportReport:
        """:meth:`add` every row (already checked by :func:`parse_csv`)."""
        ...

    def recipients(self, component: str, audience: str, locale: str) -> Iterator[str]:
        """The addresses to email about ``component`` on a channel of ``audience`` and ``locale``: opted in to the
        component, in that audience and locale, and not unsubscribed."""
        ...

    def unsubscribe(self, email: str) -> bool:
        """The person's own unsubscribe: never a recipient again. False when the address is not in the list."""
        ...

    def suppress(self, email: str, reason: str) -> bool:
        """Stop emailing an address SES reported as permanently bouncing or complaining: never a recipient again,
        kept in the list with ``reason`` (so an import does not add it back, and a listing says why). False when
        the address is not in the list."""
        ...


# --- one-click unsubscribe links (RFC 8058) --------------------------------------------------------------------

UNSUBSCRIBE_PATH = "/unsubscribe/"
_UNSUBSCRIBE_CONTEXT = b"incident-comms unsubscribe v1"
"""Domain separation: the link key is derived from the approval key, so no approval token verifies here (and no
unsubscribe token could ever pass for an approval)."""
_TOKEN_MAX = 1024
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_MIN_KEY_BYTES = 32


class UnsubscribeRejected(BadInput):
    """Not a genuine unsubscribe link. Its text never repeats the token or an address: safe to show and log."""

    def __init__(self) -> None:
        super().__init__("unsubscribe link rejected")


def _link_key(key: bytes) -> bytes:
    if not isinstance(key, bytes) or len(key) < _MIN_KEY_BYTES:
        raise ValueError(f"the link key must be at least {_MIN_KEY_BYTES} bytes")
    return hmac.new(key, _UNSUBSCRIBE_CONTEXT, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(part: str) -> bytes:
    try:
        data = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise UnsubscribeRejected from None
    if _b64(data) != part:  # one token per address: no re-encoded variants
        raise UnsubscribeRejected
    return data


def unsubscribe_token(email: str, key: bytes) -> str:
    """A link token for ``email``: signed (HMAC-SHA256 with a key derived from ``key``), not encrypted, no expiry.

    It does not expire because an unsubscribe link must keep working as long as the email sits in an inbox; it
    can only ever unsubscribe the one address it names, and only on POST.
    """
    payload = _b64(json.dumps({"email": normalise_address(email)}, separators=(",", ":")).encode("utf-8"))
    return f"{payload}.{_b64(hmac.new(_link_key(key), payload.encode('ascii'), hashlib.sha256).digest())}"


def verify_unsubscribe_token(token: object, key: bytes) -> str:
    """The address a genuine token names; anything else raises :class:`UnsubscribeRejected`."""
    link_key = _link_key(key)
    if not isinstance(token, str) or len(token) > _TOKEN_MAX or not _TOKEN_SHAPE.fullmatch(token):
        raise UnsubscribeRejected
    payload, signature = token.split(".")
    expected = hmac.new(link_key, payload.encode("ascii"), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, _unb64(signature)):
        raise UnsubscribeRejected
    try:
        email = json.loads(_unb64(payload).decode("utf-8"))["email"]
        return normalise_address(email)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise UnsubscribeRejected from None


def unsubscribe_url(base_url: str, email: str, key: bytes) -> str:
    """The one-click link of ``email``: ``{base_url}/unsubscribe/{token}`` (the approvals API serves it)."""
    return f"{base_url.rstrip('/')}{UNSUBSCRIBE_PATH}{unsubscribe_token(email, key)}"


def unsubscribe(directory: SubscriberDirectory, token: str, key: bytes) -> bool:
    """The POST of a one-click link: verify it, then unsubscribe the address it names (False: not in the list).

    Call it only for POST (RFC 8058: mail scanners GET every link; only the person's click, or their mail client's
    one-click POST, may act). Raises :class:`UnsubscribeRejected` for a link that is not genuine.
    """
    return directory.unsubscribe(verify_unsubscribe_token(token, key))


# --- double opt-in: signed subscription confirmation links ------------------------------------------------------

SUBSCRIBE_CONFIRM_PATH = "/subscribe/confirm/"
DEFAULT_CONFIRMATION_EXPIRY = timedelta(hours=48)
"""Long enough for someone who subscribed on Friday evening to confirm on Sunday; short enough that a forgotten
email in an inbox stops being able to subscribe anyone."""
_CONFIRM_CONTEXT = b"incident-comms subscribe-confirm v1"
"""Domain separation, as for unsubscribe links but with its own context: no approval or unsubscribe token verifies
as a confirmation, and no confirmation token verifies as either of them."""
_CONFIRM_TOKEN_MAX = 2048
_CONFIRM_FIELDS = frozenset({"email", "components", "locale", "audience", "expires_at"})


class ConfirmationProblem(StrEnum):
    INVALID = "invalid"
    """Malformed, forged (tampered, another key, another kind of token) or not a subscriber: all alike."""
    EXPIRED = "expired"
    """Genuine, but ``now`` is at or past its expiry."""


class ConfirmationRejected(BadInput):
    """Not a usable confirmation link. Its text names only the problem, never the token or the address: safe to
    show and log."""

    def __init__(self, problem: ConfirmationProblem) -> None:
        self.problem = problem
        super().__init__(f"subscription confirmation link rejected: {problem.value}")


def _confirm_key(key: bytes) -> bytes:
    if not isinstance(key, bytes) or len(key) < _MIN_KEY_BYTES:
        raise ValueError(f"the link key must be at least {_MIN_KEY_BYTES} bytes")
    return hmac.new(key, _CONFIRM_CONTEXT, hashlib.sha256).digest()


def _canonical_b64(part: str) -> bytes:
    """Unpadded base64url, and only its canonical spelling: one subscription request has exactly one token."""
    try:
        data = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise ConfirmationRejected(ConfirmationProblem.INVALID) from None
    if _b64(data) != part:
        raise ConfirmationRejected(ConfirmationProblem.INVALID)
    return data


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now


def confirmation_token(
    subscriber: Subscriber, key: bytes, now: datetime, valid_for: timedelta = DEFAULT_CONFIRMATION_EXPIRY
) -> str:
    """A token that subscribes ``subscriber`` (address, components, locale, audience) when POSTed before
    ``now + valid_for``: signed with HMAC-SHA256 under a key derived from ``key``, not encrypted (it holds nothing
    the person who asked does not know), sent only to the address it names."""
    expires_at = int((_aware(now) + valid_for).timestamp())
    claims = {
        "email": subscriber.email,
        "components": list(subscriber.components),
        "locale": subscriber.locale,
        "audience": subscriber.audience,
        "expires_at": expires_at,
    }
    document = json.dumps(claims, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    payload = _b64(document.encode("utf-8"))
    token = f"{payload}.{_b64(hmac.new(_confirm_key(key), payload.encode('ascii'), hashlib.sha256).digest())}"
    if len(token) > _CONFIRM_TOKEN_MAX:  # a plan within SES's 20 topics never gets here; never issue what fails
        raise ValueError("subscription too large for a confirmation token")
    return token


def verify_confirmation_token(token: object, key: bytes, now: datetime) -> Subscriber:
    """The subscriber a genuine, unexpired token names; anything else raises :class:`ConfirmationRejected`.

    Shape, then the signature in constant time, then the claims, then the expiry (valid while ``now`` is before
    it): a forged or tampered token is INVALID whatever it claims, and only a genuine one can be EXPIRED.
    """
    link_key = _confirm_key(key)
    _aware(now)
    if not isinstance(token, str) or len(token) > _CONFIRM_TOKEN_MAX or not _TOKEN_SHAPE.fullmatch(token):
        raise ConfirmationRejected(ConfirmationProblem.INVALID)
    payload, signature = token.split(".")
    expected = hmac.new(link_key, payload.encode("ascii"), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, _canonical_b64(signature)):
        raise ConfirmationRejected(ConfirmationProblem.INVALID)
    try:
        claims = json.loads(_canonical_b64(payload).decode("utf-8"))
        if not isinstance(claims, dict) or set(claims) != _CONFIRM_FIELDS or not isinstance(claims["components"], list):
            raise ValueError("not confirmation claims")
        expires_at = claims.pop("expires_at")
        if not isinstance(expires_at, int) or isinstance(expires_at, bool):
            raise ValueError("expires_at is whole seconds")
        subscriber = Subscriber.model_validate(claims)
    except (ValueError, TypeError):  # pydantic's ValidationError and UnicodeDecodeError are ValueErrors
        raise ConfirmationRejected(ConfirmationProblem.INVALID) from None
    if now >= datetime.fromtimestamp(expires_at, UTC):
        raise ConfirmationRejected(ConfirmationProblem.EXPIRED)
    return subscriber


def confirmation_url(
    base_url: str, subscriber: Subscriber, key: bytes, now: datetime, valid_for: timedelta = DEFAULT_CONFIRMATION_EXPIRY
) -> str:
    """The link of the confirmation email: ``{base_url}/subscribe/confirm/{token}`` (the approvals API serves it)."""
    return f"{base_url.rstrip('/')}{SUBSCRIBE_CONFIRM_PATH}{confirmation_token(subscriber, key, now, valid_for)}"
