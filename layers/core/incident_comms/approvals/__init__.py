"""Approvals: nothing reaches customers until every role the plan names has said yes.

Guarantees: looking changes nothing (GET and HEAD only show); deciding takes a person (a POST of the page's own
form); a link works once, for one message version, for the roles its person holds, and dies when the draft
changes or a newer draft supersedes it (so does its approval timeout); a refusal tells nothing about the incident.
A decision is one conditional transaction: ten clicks publish once, and nothing older than the last message
published is handed over after it. No draft waits without its approval timeout: one that could not be armed is on
the timeline, told to the operators, and armed again by the sweeper.

- ``requests``       ask for approval: draft, store, email each approver their own links (``draft_and_request``)
- ``request_email``, ``checks``  the approval request email and the draft findings it shows
- ``tokens``, ``links``          signed, expiring, single-use links
- ``use_cases``      look and decide (``review``, ``decide``, ``submit``); ``logic`` the decision, pure
- ``forms``, ``pages``, ``texts``  the decision form, the pages, their wording
- ``timeout``, ``holding``       nobody approved in time: publish the pre-approved holding text
- ``timeout_event``  what a timeout schedule hands its function (light: the scheduler adapter writes it)
- ``rearm``          arm again the approval timeouts that could not be armed (called by the publication sweeper)
"""
