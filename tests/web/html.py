"""Reading pages in tests: forms, fields and text by element id, with the standard library's parser."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

LINK = re.compile(r"https?://[^\s\"'<>]+/sign-in/confirm\?token=[A-Za-z0-9_.\-]+(?:&next=[^\s\"'<>]+)?")


@dataclass
class Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.texts: dict[str, list[str]] = {}
        self.open_ids: list[tuple[str, str]] = []  # (tag, id)
        self.title: list[str] = []
        self.in_title = False
        self.body_text: list[str] = []
        self.textarea: str | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(Form(a.get("action") or ""))
        if tag == "input" and self.forms and a.get("name") and (a.get("type") not in ("checkbox", "radio") or "checked" in a):
            self.forms[-1].fields[a["name"]] = a.get("value") or ""
        if tag == "textarea" and self.forms and a.get("name"):
            self.textarea = a["name"]
            self.forms[-1].fields[self.textarea] = ""
        if tag == "select" and self.forms and a.get("name"):
            self.select = a["name"]
        # What a browser would send for a list: the option marked selected, else the first.
        if tag == "option" and self.select and self.forms and (self.select not in self.forms[-1].fields or "selected" in a):
            self.forms[-1].fields[self.select] = a.get("value") or ""
        if tag == "title":
            self.in_title = True
        if a.get("id"):
            self.open_ids.append((tag, a["id"]))
            self.texts.setdefault(a["id"], [])

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        if tag == "textarea":
            self.textarea = None
        if tag == "select":
            self.select = None
        if self.open_ids and self.open_ids[-1][0] == tag:
            self.open_ids.pop()

    def handle_data(self, data):
        if self.in_title:
            self.title.append(data)
        if self.textarea and self.forms:
            self.forms[-1].fields[self.textarea] += data
        for _, element_id in self.open_ids:
            self.texts[element_id].append(data)
        self.body_text.append(data)


class Page:
    def __init__(self, html: str) -> None:
        self.html = html
        parser = _Parser()
        parser.feed(html)
        self._p = parser

    @property
    def title(self) -> str:
        return " ".join("".join(self._p.title).split())

    @property
    def text(self) -> str:
        return " ".join("".join(self._p.body_text).split())

    def by_id(self, element_id: str) -> str:
        assert element_id in self._p.texts, f"no element with id {element_id!r}"
        return " ".join("".join(self._p.texts[element_id]).split())

    def has_id(self, element_id: str) -> bool:
        return element_id in self._p.texts

    def form(self, action_ends_with: str) -> Form:
        found = [f for f in self._p.forms if f.action.endswith(action_ends_with)]
        assert found, f"no form posting to …{action_ends_with}; forms: {[f.action for f in self._p.forms]}"
        return found[0]

    @property
    def forms(self) -> list[Form]:
        return self._p.forms


def table_cells(page: Page, table_id: str) -> list[list[str]]:
    """The text of each cell, row by row, of the table with this id."""
    body = page.html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [[" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, flags=re.S)] for r in rows]


def sign_in_links(text: str) -> list[str]:
    return LINK.findall(text)
