"""Scheduled maintenance: a window of planned work on some components, told to customers ahead, while it runs and
when it is done (issue 18, item 5).

- ``models``       a maintenance and its statuses
- ``logic``        declaring one (every problem named, nothing kept), what the page shows of it at an instant
- ``notice``       when to announce it to an audience
- ``transitions``  how it moves (approved, started, completed, cancelled)
- ``store``        where it is kept
- ``links``        its approval link

The flow that drives it is :mod:`incident_comms.scheduled_maintenance`.
"""
