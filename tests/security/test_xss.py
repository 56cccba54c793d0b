"""A corpus of classic XSS payloads through every text field of every form.

The forms are discovered on the rendered pages (for the role that may use them);
each payload goes into all their text fields at once, the other fields keep their
defaults. Then every page of the permission table, and every page a submission
led to, is parsed: no payload may have produced an element or an attribute (no
inline script, no ``on*`` attribute, no ``javascript:``/``data:`` URL), and the
payloads must show up, as text, on the pages (else the test proves nothing).
"""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

from tests.security.conftest import (
    ADMIN,
    ANONYMOUS,
    PARTNER,
    RESIDENT,
    STAFF,
    form_data,
    forms_of,
)
from tests.security.test_route_walk import calls

#: ``{n}`` becomes a marker (XSS00Z…) that tells where each payload ended up.
CORPUS = [
    '<script>alert("{n}")</script>',
    '<img src=x onerror=alert("{n}")>',
    "[clic {n}](javascript:alert(1))",
    '"><svg onload=alert("{n}")>',
    "' onmouseover='alert(1)' data-x='{n}",
    '![{n}](x" onerror="alert(1))',
    "[{n}](JaVaScRiPt:alert(1))",
    "[{n}](&#106;avascript:alert(1))",
    '<a href="jav&#x09;ascript:alert(1)">{n}</a>',
    '<iframe src="javascript:alert(1)">{n}</iframe>',
    "[{n}](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "\uff1cscript\uff1e{n}\uff1c/script\uff1e \u202egpj.exe <math><mi "
    'xlink:href="javascript:alert(1)">x</mi></math>',
    "<details open ontoggle=alert(1)>{n}",
    "<<script>script>{n}<</script>/script> [a](<javascript:alert(1)>)",
    '=HYPERLINK("http://evil.example";"{n}")',
]
MARKER = re.compile(r"XSS(\d\d)Z")
#: Forms that would log the writer out, lock them out or end the walk.
SKIPPED = {
    "auth.login",
    "auth.logout",
    "auth.delete",
    "auth.change_password",
    "auth.reset_password",
    "auth.forgot_password",
    "main.set_language",
    "places.delete",
}
WRITERS = (STAFF, ADMIN, RESIDENT, PARTNER, ANONYMOUS)
READERS = (ANONYMOUS, RESIDENT, PARTNER, STAFF, ADMIN)
TEXT_KINDS = {"text", "textarea", "search", "url", "tel"}
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "srcset",
    "data",
    "poster",
    "background",
}
DANGEROUS_TAGS = {"iframe", "object", "embed", "base", "frame", "frameset", "applet"}


def payload(index: int) -> str:
    return CORPUS[index].replace("{n}", f"XSS{index:02d}Z")


class Inspector(HTMLParser):
    """Whatever in a page a payload could have turned into markup."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            src = a.get("src") or ""
            if not src.startswith("/static/"):
                self.problems.append(f"<script src={src!r}>")
        if tag in DANGEROUS_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if MARKER.search(name) or "xss" in name:
                self.problems.append(f"<{tag}> attribute {name!r}")
            if name in URL_ATTRIBUTES and value:
                squashed = re.sub(r"[\x00-\x20]", "", value).lower()
                if squashed.startswith(("javascript:", "vbscript:", "data:")):
                    self.problems.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def inspect(response) -> tuple[list[str], set[str]]:
    """(problems, payload markers shown) for an HTML, CSV or JSON answer."""
    body = response.get_data(as_text=True)
    problems: list[str] = []
    if response.mimetype == "text/html":
        inspector = Inspector()
        inspector.feed(body)
        inspector.close()
        return inspector.problems, set(MARKER.findall(" ".join(inspector.text)))
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("export without X-Content-Type-Options: nosniff")
    if response.mimetype == "application/json":
        json.loads(body)  # valid JSON: payloads stay inside strings
    elif response.mimetype == "text/csv":
        if "attachment" not in response.headers.get("Content-Disposition", ""):
            problems.append("CSV export not served as an attachment")
        for row in csv.reader(io.StringIO(body)):
            for cell in row:
                if MARKER.search(cell) and cell.startswith(("=", "+", "-", "@")):
                    problems.append(f"CSV formula cell {cell[:40]!r}")
    else:
        problems.append(f"unexpected type {response.mimetype} with user text")
    return problems, set(MARKER.findall(body))


def _text_fields(form) -> list[str]:
    return [name for name, kind, _ in form.fields if kind in TEXT_KINDS]


def test_no_payload_becomes_markup(demo_world):
    world = demo_world
    adapter = world.app.url_map.bind("faireavec.test")
    for role in READERS:
        world.client(role)
    pages = [
        (ANONYMOUS, "/compte/inscription"),
        (RESIDENT, "/compte/"),
        (RESIDENT, f"/propositions/{world.ids['listed_proposal']}"),
        (RESIDENT, f"/propositions/nouvelle/{world.ids['ideas']}"),
    ]
    for _endpoint, _label, url, allowed in calls(world, "GET"):
        role = next((r for r in WRITERS if r in allowed), None)
        if role is not None:
            pages.append((role, url))
    # Residents' and partners' forms first: the staff's moderation (hiding a
    # proposal…) would otherwise close them.
    pages.sort(key=lambda page: page[0] in (STAFF, ADMIN))

    problems: list[str] = []
    shown: set[str] = set()
    to_read: set[tuple[str, str]] = set()
    submitted = accepted = 0
    seen_forms: set[tuple[str, str, str]] = set()

    exports: dict[str, int] = {"text/csv": 0, "application/json": 0}

    def check(response, where: str) -> None:
        found, markers = inspect(response)
        problems.extend(f"{where}: {problem}" for problem in found)
        shown.update(markers)
        if markers and response.mimetype in exports:
            exports[response.mimetype] += 1

    for role, page in pages:
        response = world.client(role).get(page)
        html = response.get_data(as_text=True)
        response.close()
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        for form in forms_of(html, page):
            action = urlsplit(form.action).path
            texts = _text_fields(form)
            if not texts:
                continue
            endpoint, _ = adapter.match(action, method=form.method.upper())
            key = (role, endpoint, form.method)  # one hide form, not one a comment
            if endpoint in SKIPPED or key in seen_forms:
                continue
            seen_forms.add(key)
            for index in range(len(CORPUS)):
                text = payload(index)
                data = form_data(form, **dict.fromkeys(texts, text))
                for name, kind, _ in form.fields:
                    if kind == "email":
                        data[name] = f"xss{submitted}@example.fr"
                client = world.client(role)
                if form.method == "get":
                    answer = client.get(f"{action}?{urlencode(data, doseq=True)}")
                else:
                    answer = client.post(action, data=data)
                submitted += 1
                where = f"{form.method.upper()} {action} as {role} with #{index}"
                if answer.status_code in (302, 303):
                    accepted += 1
                    target = urlsplit(answer.headers["Location"]).path
                    to_read.update({(role, target), (ANONYMOUS, target)})
                elif answer.status_code >= 500:
                    problems.append(f"{where}: {answer.status_code}")
                else:
                    check(answer, where)
                answer.close()

    for endpoint, _label, url, allowed in calls(world, "GET"):
        if endpoint != "static":
            to_read.update((role, url) for role in READERS if role in allowed)
    for name in ("ideas", "voting", "results"):
        for kind in ("propositions", "bulletins"):
            url = f"/consultations/{world.ids[name]}/export/{kind}.csv"
            to_read.add((STAFF, url))
    for role, url in sorted(to_read):
        response = world.client(role).get(url)
        if response.status_code == 200:
            check(response, f"GET {url} as {role}")
        response.close()

    print(f"{submitted} submissions, {accepted} accepted, {len(to_read)} pages read")
    print(f"forms: {sorted(seen_forms)}; exports showing payloads: {exports}")
    assert submitted > 300, submitted
    assert accepted > 60, accepted
    assert not problems, "\n".join(sorted(set(problems)))
    assert all(exports.values()), f"payloads must reach the exports: {exports}"
    missing = {f"{i:02d}" for i in range(len(CORPUS))} - shown
    assert not missing, f"payloads never shown back, so never checked: {missing}"


BAD = [
    "<p>x</p><script>alert(1)</script>",
    '<script src="https://evil.example/x.js"></script>',
    '<img src="x" onerror="alert(1)">',
    "<svg/onload=alert(1)>",
    '<a href=" jav&#x09;ascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,xx">x</a>',
    '<iframe src="/"></iframe>',
    "<input value='' data-XSS03Z=''>",
]


def test_the_inspector_sees_each_kind_of_injection():
    """The detector itself: a page with any of these must be flagged."""
    for html in BAD:
        inspector = Inspector()
        inspector.feed(html)
        assert inspector.problems, html
    clean = Inspector()
    clean.feed(
        '<script src="/static/app.js"></script><p title="&quot;&gt;XSS01Z">'
        '&lt;script&gt;XSS00Z</p><a href="https://example.org">x</a>'
    )
    assert clean.problems == []
    assert set(MARKER.findall(" ".join(clean.text))) == {"00"}
