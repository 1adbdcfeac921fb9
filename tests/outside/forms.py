"""Read the forms of an HTML page the way a browser does (``html.parser``), and fill them in.

Nothing here knows the fields of a particular page: a test opens the page, finds the form by what it is for
(its action, a field it has, its submit button), sets the fields a person would set and posts every field the form
carries, hidden ones included, exactly as they were served.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin


@dataclass
class Field:
    name: str
    kind: str  # input type, "textarea", "select" or "button"
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)
    lang: str = ""


@dataclass
class Form:
    action: str
    method: str
    fields: list[Field] = field(default_factory=list)

    def names(self) -> set[str]:
        return {f.name for f in self.fields}

    def choices(self, name: str) -> list[str]:
        """Every value a radio group, checkbox, select or button of that name offers."""
        found: list[str] = []
        for f in self.fields:
            if f.name == name:
                found.extend(f.options or [f.value])
        return found

    def submit(self, page_url: str, button: str | None = None, **values: str) -> tuple[str, bytes]:
        """The URL and body a browser posts when a person sets ``values`` and presses the button (the first submit
        button unless ``button`` names its value). Unknown names are an error: the page does not offer them."""
        unknown = set(values) - self.names()
        if unknown:
            raise AssertionError(f"the form posting to {self.action!r} has no field {sorted(unknown)}: {self.names()}")
        pairs: list[tuple[str, str]] = []
        pressed = False
        for f in self.fields:
            if f.kind == "button":
                if not pressed and (button is None or f.value == button):
                    pairs.append((f.name, f.value))
                    pressed = True
                continue
            if f.kind in ("radio", "checkbox"):
                if f.name in values:
                    if values[f.name] == f.value and (f.name, f.value) not in pairs:
                        pairs.append((f.name, f.value))
                elif f.checked:
                    pairs.append((f.name, f.value))
                continue
            if f.kind in ("submit", "reset", "image", "file"):
                continue
            pairs.append((f.name, values.get(f.name, f.value)))
        if button is not None and not pressed:
            raise AssertionError(f"the form posting to {self.action!r} has no button {button!r}")
        return urljoin(page_url, self.action), urlencode(pairs).encode()


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._text: Field | None = None
        self._select: Field | None = None
        self._option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").lower())
            self.forms.append(self._form)
            return
        if self._form is None or ("name" not in a and tag != "option"):
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "submit":
                self._form.fields.append(Field(a["name"], "button", a.get("value", "")))
            else:
                self._form.fields.append(
                    Field(a["name"], kind, a.get("value", "on" if kind == "checkbox" else ""), checked="checked" in a)
                )
        elif tag == "button":
            if a.get("type", "submit").lower() == "submit":
                self._form.fields.append(Field(a["name"], "button", a.get("value", "")))
        elif tag == "textarea":
            self._text = Field(a["name"], "textarea", lang=a.get("lang", ""))
            self._form.fields.append(self._text)
        elif tag == "select":
            self._select = Field(a["name"], "select")
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            value = a.get("value")
            self._option = value
            if value is not None:
                self._select.options.append(value)
                if "selected" in a or not self._select.value:
                    self._select.value = value

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._text = None
        elif tag == "select":
            self._select = None


def forms_of(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def links_of(html: str) -> list[tuple[str, str]]:
    """Every ``<a href>`` of the page with its text: ``(href, text)``."""

    class Links(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.found: list[tuple[str, str]] = []
            self._href: str | None = None
            self._text = ""

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "a":
                self._href = dict(attrs).get("href") or ""
                self._text = ""

        def handle_data(self, data: str) -> None:
            if self._href is not None:
                self._text += data

        def handle_endtag(self, tag: str) -> None:
            if tag == "a" and self._href is not None:
                self.found.append((self._href, " ".join(self._text.split())))
                self._href = None

    parser = Links()
    parser.feed(html)
    parser.close()
    return parser.found
