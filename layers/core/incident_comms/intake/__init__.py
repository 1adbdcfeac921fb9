"""Intake: an inbound monitoring event becomes alarms, the plan classifies them, and incidents open, join or move.

Guarantees: every payload family is parsed strictly and bounded (256 KB, 6 MB for a webhook; nesting depth), alarm
text is kept as untrusted data, stripped of control and bidi characters and capped before it is stored; one bad
alert of a group is rejected alone (its position and reason), the others applied; classification is the plan's
first matching rule, whatever the alarm's state; every inbound event is applied at most once, alarm changes apply
monotonically by ``changed_at`` (an older one never overwrites a newer), and two alarms at once for one component
open one incident (the store's conditional writes).

- ``payloads``     decode, recognise the shape (EventBridge, SNS, alarm action, Alertmanager, Grafana), dispatch
- ``cloudwatch``, ``alertmanager``, ``grafana``  one module per payload family; ``common`` their strict JSON reading
- ``untrusted``    what alarm text may be: no controls or bidi overrides, names 256 and texts 2,000 characters
- ``classify``     the plan's rules: incident or not, component, severity (``classify_alarm``, ``classify_payload``)
- ``ingest``       the use case the ingest function calls (``ingest_event``)
- ``groups``       a webhook group applied per component in a few writes (``ingest_group``)
- ``webhooks``     Alertmanager and Grafana webhooks, bearer token first, kept and queued (``accept_webhook``), then
  applied by the worker (``groups.apply_queued_webhook``); bodies up to 6 MB
"""
