"""The approved draft as SES template content: it renders back to exactly what was approved.

SES reads inline template content as Handlebars; :func:`template_literal` leaves no braces and no escapes in the
draft, only simple substitution of :data:`LITERAL_DATA`. :func:`bulk_content` adds the unsubscribe footer, whose
per-recipient links are the template variables :data:`UNSUBSCRIBE_VARIABLE` and :data:`MANAGE_VARIABLE`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from incident_comms.drafting.models import ChannelDraft
from incident_comms.team.emails import email_environment
from incident_comms.text import one_line, truncate

SUBJECT_MAX = 200
_HANDLEBARS_SPECIAL = re.compile(r"[{\\]")


def template_literal(text: str) -> str:
    """``text`` as SES template content that renders back to exactly ``text``.

    SES reads inline template content as Handlebars, so an approved draft containing ``{{`` (or ``\\{{``) would be
    rendered, not shown. Every ``{`` becomes ``{{ob}}`` and every ``\\`` becomes ``{{bs}}``, two variables whose
    values (:data:`LITERAL_DATA`) are those characters: what is left of the draft holds no braces and no escapes,
    and only simple substitution, which SES supports for inline content, is relied on.
    """
    return _HANDLEBARS_SPECIAL.sub(lambda match: "{{ob}}" if match.group() == "{" else "{{bs}}", text)


LITERAL_DATA: Mapping[str, str] = {"ob": "{", "bs": "\\"}
UNSUBSCRIBE_VARIABLE = "{{unsubscribe_url}}"
MANAGE_VARIABLE = "{{manage_url}}"


def _footers(locale: str) -> tuple[str, str]:
    """The unsubscribe footer (text, HTML) of a customer email, with the per-recipient links left as variables."""
    environment = email_environment()
    values = {"locale": locale, "unsubscribe_url": UNSUBSCRIBE_VARIABLE, "manage_url": MANAGE_VARIABLE}
    text = environment.get_template("customer_email_footer.txt.j2").render(values)
    html = environment.get_template("customer_email_footer.html.j2").render(values)
    return text, html


_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


def bulk_content(draft: ChannelDraft) -> tuple[str, str, str | None]:
    """Subject, text and HTML template content for ``draft``: the draft made literal, plus the unsubscribe footer
    (in the HTML, just before ``</body>``)."""
    text_footer, html_footer = _footers(draft.locale)
    subject = truncate(one_line(draft.subject or draft.text), SUBJECT_MAX)
    text = template_literal(draft.text.rstrip()) + "\n\n" + text_footer.strip() + "\n"
    html = None
    if draft.html:
        literal = template_literal(draft.html)
        ends = list(_BODY_END.finditer(literal))
        cut = ends[-1].start() if ends else len(literal)
        html = literal[:cut] + html_footer + literal[cut:]
    return template_literal(subject), text, html
