"""incident-comms: turn an incident communication plan into software.

A tour, in the order an alarm travels (one folder per stage):

- ``console/``     a responder's own link to an incident: see it whole, change phase, severity, facts; close it.
- ``intake/``      an alarm arrives: each payload family is parsed into one ``Alarm`` (``cloudwatch``, ``alertmanager``,
                   ``grafana``), and ``classify`` decides from the plan's rules whether it is an incident, which
                   component and which severity; ``ingest`` opens, joins or updates the incident.
- ``lifecycle/``   what moves an incident on: alarms back to OK, quiet periods, a responder's moves, a promise due.
- ``approvals/``   a draft waits for people: signed links, the approval page, the decision, the approval timeout.
- ``delivery/``    an approved message is sent: publishing, then one module per channel (email, SNS and webhooks
                   through ``adapters``, manual, the status page), the delivery report, bounces.
- ``subscribers/`` who hears about what: the contact list, subscribe and unsubscribe.
- ``team/`` and ``cadence/``  emails to responders; when the next update is due and whether promises were kept.
- ``incidents/``, ``lint/``, ``drafting/``, ``plan/``  the vocabulary every stage speaks: the incident record and
                   its store port, the draft checks, facts rendered through the plan's templates, the plan itself.

Each stage imports only the stages listed after it (import-linter holds that, and no circles at any depth); the
pure stages know no boto3: ``adapters/`` holds the AWS edges and ``composition`` builds them lazily, once per
container. ``cli/`` and ``local/`` (the whole system over an embedded AWS) sit on top.
"""

__version__ = "0.1.0"
