"""The incident console: one personal link per person engaged for an incident, ``{base}/console/{token}``, where
they see the whole incident and change it.

Guarantees: looking changes nothing (GET and HEAD only read); every change is a POST of the page's own form, whose
button carries ``confirm=yes``, refused when another site sent it; a form that cannot be acted on is a 400 that says
what to correct and changes nothing; what the lifecycle refuses is a 409 with its reason and changes nothing; every
change is audited (who: the link's recipient; when; source IP and user agent). A forged link is a 404, an expired
link or a closed incident a 410, a person who no longer holds a role the plan engages for the incident's severity
(nor an approving role) a 403; a refusal page tells nothing about the incident. Logs carry the link's fingerprint,
never the token.

- ``links``      verify the link, load the incident, check the person may use it (:class:`ConsoleRefusal`)
- ``view``       what the page shows, pure: facts per locale side by side, timeline, messages, pending drafts
- ``forms``      each posted form parsed and validated (phase, resolve, severity, component, facts, close)
- ``use_cases``  ``show_console`` (GET, HEAD) and ``act_on_console`` (POST) through :class:`ConsoleLifecycle`
- ``pages``, ``texts``  the page (``console.html.j2``), its wording in Spanish and English, logs and metrics
"""
