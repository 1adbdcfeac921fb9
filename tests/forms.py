"""Reading an approval page's HTML as a browser would, for the handler tests and the local-stack tests alike."""

from __future__ import annotations

from html.parser import HTMLParser


class FormReader(HTMLParser):
    """The page's forms and what a browser would submit from them: inputs, textareas and the submit button's
    name=value (a submit ``<input>`` is sent only when it is the one clicked, so it is not a field here).

    ``fields`` is what the page's first form submits (the approval page's decision; a second form, moving the
    incident, is ``form_fields[1]``); ``form_fields`` holds every form's."""

    def __init__(self, page: str | bytes) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self.form_fields: list[dict[str, str]] = []
        self.fields: dict[str, str] = {}
        self.scripts = 0
        self._textarea: str | None = None
        self.feed(page.decode() if isinstance(page, bytes) else page)

    @property
    def posting_forms(self) -> list[dict[str, str]]:
        """The forms that submit with POST (the only ones that may decide anything)."""
        return [form for form in self.forms if form.get("method", "").lower() == "post"]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(found)
            self.form_fields.append({} if self.form_fields else self.fields)
        elif tag == "script":
            self.scripts += 1
        elif tag == "input" and found.get("type") == "checkbox" and "checked" not in found:
            pass  # a browser sends a checkbox only when it is ticked
        elif (tag == "input" and found.get("name") and found.get("type") != "submit") or (
            tag == "button" and found.get("name")
        ):
            self._current[found["name"]] = found.get("value", "")
        elif tag == "textarea" and found.get("name"):
            self._textarea = found["name"]
            self._current[self._textarea] = ""

    @property
    def _current(self) -> dict[str, str]:
        return self.form_fields[-1] if self.form_fields else self.fields

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._current[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
