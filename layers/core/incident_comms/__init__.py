"""incident-comms: turn an incident communication plan into software.

The pure core (alarms, plan, classification, incidents, drafting) is free of boto3;
AWS adapters live in :mod:`incident_comms.adapters` and are wired in :mod:`incident_comms.composition`.
"""

__version__ = "0.1.0"
