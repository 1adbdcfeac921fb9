"""The flow of a scheduled maintenance: schedule it, have it approved, announce it, start, complete or cancel it
(issue 18, item 5). What a maintenance *is* (its model, its checks, when to announce it) is
:mod:`incident_comms.maintenance`, which the status page reads too.

- ``emails``     what customers and approvers read of it
- ``use_cases``  schedule, approve, run a step, cancel
- ``api``        the approvals API's maintenance routes (JSON for the command line, the approval page)
"""
