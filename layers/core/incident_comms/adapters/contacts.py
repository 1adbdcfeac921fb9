"""Customers' subscriptions on AWS: :class:`SesContactDirectory` is :class:`incident_comms.subscribers.directory.
SubscriberDirectory` on the SES v2 contact list (who hears about what); see :mod:`incident_comms.subscribers` for how
a subscriber maps to topics and why. Sending to them is :mod:`incident_comms.adapters.ses_bulk`.

SES facts this module is written around (and moto's gaps, which it never relies on):

- ``ListContacts`` answers topic preferences but not ``AttributesData``; its filter (one topic, OPT_IN) and its
  pages (``PageSize`` up to 1000, ``NextToken``) are honoured by SES and ignored by moto, so recipients are
  filtered again here, which costs nothing on SES.
- ``CreateContact`` on an existing address fails with AlreadyExistsException in SES (moto overwrites it), and
  ``UpdateContact`` replaces *all* topic preferences: every write sends the contact's full preference list.
- ``UpdateContactList`` replaces the list's topics: new topics are added to the ones read first.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import ClientError

from incident_comms.adapters.client_errors import error_code
from incident_comms.errors import BadInput
from incident_comms.subscribers.directory import Added, ImportReport
from incident_comms.subscribers.models import (
    COMPONENT_TOPIC,
    MAX_TOPICS,
    Subscriber,
    TopicSpec,
    audience_topic,
    component_topic,
    from_topics,
    locale_topic,
    normalise_address,
    subscriber_topics,
)

if TYPE_CHECKING:
    from mypy_boto3_sesv2.client import SESV2Client
    from mypy_boto3_sesv2.type_defs import TopicPreferenceTypeDef, TopicTypeDef

SUPPRESSED = "suppressed"
"""The contact attribute holding why SES feedback suppressed the address."""
SUPPRESSION_REASON_MAX = 300
PAGE_SIZE = 1000
"""The largest ListContacts page SES gives: 10,000 subscribers are 10 calls."""
OPT_IN: Literal["OPT_IN"] = "OPT_IN"
OPT_OUT: Literal["OPT_OUT"] = "OPT_OUT"


class SesContactDirectory:
    """Subscribers in the SES v2 contact list ``list_name`` (the template's ``SubscriberContactList``).

    ``topics`` names the topics to create when a subscriber needs one the list lacks (from
    :func:`incident_comms.subscribers.models.plan_topics`, so SES shows the plan's names); without it, a missing topic
    is created with its name as display name.
    """

    def __init__(self, client: SESV2Client, list_name: str, topics: Iterable[TopicSpec] = ()) -> None:
        self._client = client
        self._list = list_name
        self._specs = {spec.name: spec for spec in topics}

    @property
    def list_name(self) -> str:
        if not self._list:
            raise RuntimeError("CONTACT_LIST_NAME is not set: the function runs outside its template")
        return self._list

    # --- topics ---

    def _contact_list(self) -> dict[str, Any]:
        try:
            return dict(self._client.get_contact_list(ContactListName=self.list_name))
        except ClientError as error:
            if error_code(error) == "NotFoundException":
                raise BadInput(f"the SES contact list {self._list!r} does not exist") from None
            raise

    def topic_names(self) -> list[str]:
        return [topic["TopicName"] for topic in self._contact_list().get("Topics", [])]

    def ensure_topics(self, names: Iterable[str]) -> list[str]:
        """Create the topics of ``names`` the list lacks (keeping every topic it has); answers all topic names."""
        found = self._contact_list()
        topics: list[TopicTypeDef] = list(found.get("Topics", []))
        have = {topic["TopicName"] for topic in topics}
        missing = [name for name in dict.fromkeys(names) if name not in have]
        if not missing:
            return [topic["TopicName"] for topic in topics]
        if len(topics) + len(missing) > MAX_TOPICS:
            raise BadInput(f"the contact list {self._list!r} would need more than {MAX_TOPICS} topics (SES's limit)")
        for name in missing:
            spec = self._specs.get(name, TopicSpec(name, name, name))
            topics.append(
                {
                    "TopicName": name,
                    "DisplayName": spec.display_name[:128] or name,
                    "Description": spec.description[:500] or name,
                    "DefaultSubscriptionStatus": OPT_OUT,
                }
            )
        update: dict[str, Any] = {"ContactListName": self.list_name, "Topics": topics}
        if found.get("Description"):
            update["Description"] = found["Description"]
        self._client.update_contact_list(**update)
        return [topic["TopicName"] for topic in topics]

    # --- contacts ---

    def _get(self, email: str) -> dict[str, Any] | None:
        """The contact, or None when the list does not hold it (callers check the list itself exists)."""
        try:
            return dict(self._client.get_contact(ContactListName=self.list_name, EmailAddress=email))
        except ClientError as error:
            if error_code(error) == "NotFoundException":
                return None
            raise

    @staticmethod
    def _preferences(opted_in: set[str], all_topics: Iterable[str]) -> list[TopicPreferenceTypeDef]:
        return [
            {"TopicName": name, "SubscriptionStatus": OPT_IN if name in opted_in else OPT_OUT} for name in all_topics
        ]

    def add(self, subscriber: Subscriber, *, resubscribe: bool = False) -> Added:
        all_topics = self.ensure_topics(subscriber_topics(subscriber))
        return self._write(subscriber, all_topics, resubscribe)

    def _write(self, subscriber: Subscriber, all_topics: list[str], resubscribe: bool, *, again: bool = False) -> Added:
        existing = self._get(subscriber.email)
        if existing is not None and existing.get("UnsubscribeAll") and not resubscribe:
            return Added.KEPT_UNSUBSCRIBED
        wanted = subscriber
        if existing is not None and not existing.get("UnsubscribeAll"):
            before = {p["TopicName"] for p in existing.get("TopicPreferences", []) if p["SubscriptionStatus"] == OPT_IN}
            components = [n.removeprefix(COMPONENT_TOPIC) for n in sorted(before) if n.startswith(COMPONENT_TOPIC)]
            wanted = subscriber.model_copy(
                update={"components": tuple(dict.fromkeys([*components, *subscriber.components]))}
            )
        contact: dict[str, Any] = {
            "ContactListName": self.list_name,
            "EmailAddress": wanted.email,
            "TopicPreferences": self._preferences(subscriber_topics(wanted), all_topics),
            "UnsubscribeAll": False,
            "AttributesData": wanted.attributes(),
        }
        if existing is None:
            try:
                self._client.create_contact(**contact)
            except ClientError as error:
                if error_code(error) != "AlreadyExistsException" or again:
                    raise
                return self._write(subscriber, all_topics, resubscribe, again=True)  # added meanwhile: merge with it
            return Added.ADDED
        self._client.update_contact(**contact)
        return Added.UPDATED

    def subscriber(self, email: str) -> Subscriber | None:
        """One GetContact: the contact's topics, and its attributes when it lacks our audience or locale topics."""
        address = normalise_address(email)
        found = self._get(address)
        if found is None:
            self._contact_list()  # a missing list is an error, not a missing contact
            return None
        subscriber = from_topics(address, self._opted_in(found), bool(found.get("UnsubscribeAll")))
        if subscriber is None or (subscriber.locale and subscriber.audience):
            return subscriber
        attributes = _attributes(found)
        return subscriber.model_copy(
            update={
                "locale": subscriber.locale or str(attributes.get("locale", "")),
                "audience": subscriber.audience or str(attributes.get("audience", "")),
            }
        )

    def change(self, subscriber: Subscriber, *, resubscribe: bool = False) -> bool:
        """Every topic preference written at once (UpdateContact replaces them all); a suppression reason is dropped
        only by the person's own resubscribe."""
        all_topics = self.ensure_topics(subscriber_topics(subscriber))
        existing = self._get(subscriber.email)
        if existing is None or (existing.get("UnsubscribeAll") and not resubscribe):
            return False
        attributes = _attributes(existing)
        if resubscribe:
            attributes.pop(SUPPRESSED, None)
        attributes.update(json.loads(subscriber.attributes()))
        self._client.update_contact(
            ContactListName=self.list_name,
            EmailAddress=subscriber.email,
            TopicPreferences=self._preferences(subscriber_topics(subscriber), all_topics),
            UnsubscribeAll=False,
            AttributesData=json.dumps(attributes, ensure_ascii=False, sort_keys=True),
        )
        return True

    def remove(self, email: str) -> bool:
        try:
            self._client.delete_contact(ContactListName=self.list_name, EmailAddress=normalise_address(email))
        except ClientError as error:
            if error_code(error) == "NotFoundException":
                self._contact_list()  # a missing list is bad input, not a missing contact
                return False
            raise
        return True

    def unsubscribe(self, email: str) -> bool:
        address = normalise_address(email)
        existing = self._get(address)
        if existing is None:
            self._contact_list()  # a missing list is an error, not a missing contact
            return False
        update: dict[str, Any] = {
            "ContactListName": self.list_name,
            "EmailAddress": address,
            "TopicPreferences": existing.get("TopicPreferences", []),
            "UnsubscribeAll": True,
        }
        if existing.get("AttributesData"):
            update["AttributesData"] = existing["AttributesData"]
        self._client.update_contact(**update)
        return True

    def suppress(self, email: str, reason: str) -> bool:
        """Set ``UnsubscribeAll`` (never a recipient) and keep ``reason`` in the contact's attributes, keeping the
        contact itself so an import answers it as kept unsubscribed rather than adding it back."""
        address = normalise_address(email)
        existing = self._get(address)
        if existing is None:
            self._contact_list()  # a missing list is an error, not a missing contact
            return False
        attributes = _attributes(existing)
        attributes[SUPPRESSED] = reason[:SUPPRESSION_REASON_MAX]
        self._client.update_contact(
            ContactListName=self.list_name,
            EmailAddress=address,
            TopicPreferences=existing.get("TopicPreferences", []),
            UnsubscribeAll=True,
            AttributesData=json.dumps(attributes, ensure_ascii=False, sort_keys=True),
        )
        return True

    def suppression(self, email: str) -> str | None:
        """Why the address was suppressed (a bounce or a complaint), or None. One GetContact: ListContacts does not
        answer attributes, so listings ask only for contacts that are unsubscribed."""
        found = self._get(normalise_address(email))
        reason = _attributes(found).get(SUPPRESSED) if found else None
        return str(reason) if reason else None

    def _contacts(self, topic: str | None) -> Iterator[dict[str, Any]]:
        """Every contact (opted in to ``topic``, when given), page by page."""
        request: dict[str, Any] = {"ContactListName": self.list_name, "PageSize": PAGE_SIZE}
        if topic is not None:
            request["Filter"] = {
                "FilteredStatus": OPT_IN,
                "TopicFilter": {"TopicName": topic, "UseDefaultIfPreferenceUnavailable": False},
            }
        while True:
            try:
                page = self._client.list_contacts(**request)
            except ClientError as error:
                if error_code(error) == "NotFoundException":
                    raise BadInput(f"the SES contact list {self._list!r} does not exist") from None
                raise
            for contact in page.get("Contacts", []):
                yield dict(contact)
            token = page.get("NextToken")
            if not token:
                return
            request["NextToken"] = token

    @staticmethod
    def _opted_in(contact: dict[str, Any]) -> set[str]:
        return {p["TopicName"] for p in contact.get("TopicPreferences", []) if p.get("SubscriptionStatus") == OPT_IN}

    def list(self, component: str | None = None) -> Iterator[Subscriber]:
        topic = component_topic(component) if component is not None else None
        for contact in self._contacts(topic):
            opted_in = self._opted_in(contact)
            if topic is not None and topic not in opted_in:
                continue
            subscriber = from_topics(contact["EmailAddress"], opted_in, bool(contact.get("UnsubscribeAll")))
            if subscriber is not None and not (subscriber.locale and subscriber.audience):
                subscriber = self._with_attributes(subscriber)
            if subscriber is not None:
                yield subscriber

    def _with_attributes(self, subscriber: Subscriber) -> Subscriber:
        """A contact someone added without our audience/locale topics: what its attributes say, if anything."""
        found = self._get(subscriber.email) or {}
        try:
            attributes = json.loads(found.get("AttributesData") or "{}")
        except ValueError:
            return subscriber
        if not isinstance(attributes, dict):
            return subscriber
        return subscriber.model_copy(
            update={
                "locale": subscriber.locale or str(attributes.get("locale", "")),
                "audience": subscriber.audience or str(attributes.get("audience", "")),
            }
        )

    def import_csv(self, rows: Iterable[Subscriber]) -> ImportReport:
        subscribers = list(rows)
        needed = set().union(*(subscriber_topics(s) for s in subscribers)) if subscribers else set()
        all_topics = self.ensure_topics(sorted(needed))
        report = ImportReport()
        for done, subscriber in enumerate(subscribers):
            try:
                added = self._write(subscriber, all_topics, resubscribe=False)
            except ClientError as error:
                raise BadInput(
                    f"SES refused {subscriber.email} ({error_code(error)}) after {done} of {len(subscribers)} were "
                    "imported; running the import again is safe"
                ) from None
            if added == Added.ADDED:
                report.added += 1
            elif added == Added.UPDATED:
                report.updated += 1
            else:
                report.kept_unsubscribed.append(subscriber.email)
        return report

    def recipients(self, component: str, audience: str, locale: str) -> Iterator[str]:
        wanted = {component_topic(component), audience_topic(audience), locale_topic(locale)}
        seen: set[str] = set()
        for contact in self._contacts(component_topic(component)):
            address = str(contact["EmailAddress"])
            if contact.get("UnsubscribeAll") or address in seen or not wanted <= self._opted_in(contact):
                continue
            seen.add(address)
            yield address


def _attributes(contact: dict[str, Any]) -> dict[str, Any]:
    """The contact's ``AttributesData`` as a dict (empty when absent, or not a JSON object another tool wrote)."""
    try:
        attributes = json.loads(contact.get("AttributesData") or "{}")
    except ValueError:
        return {}
    return attributes if isinstance(attributes, dict) else {}
