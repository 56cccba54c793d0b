"""The English catalogue is complete, well formed, compiled and used by the app.

French is the source language: every msgid is the French text. When one of these
tests fails after you added or changed a French string, run (from the repository
root)::

    make translations-extract   # extract + pybabel update --no-fuzzy-matching
    # translate the new empty msgstr in participation/translations/en/.../messages.po
    make translations-compile
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext, ngettext

from participation.extensions import db
from participation.models import User
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "participation" / "translations"
EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
EN_MO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo"
TEMPLATES = ROOT / "participation" / "templates"

# The same keywords as `make translations-extract` (-k _l -k lazy_gettext).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}

# Python %-format placeholders: %(name)s, %(num)d, %s, %d, %% ...
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]?\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def _read_catalog(path: Path = EN_PO):
    with path.open("rb") as handle:
        return read_po(handle, locale="en")


def _messages(catalog):
    return [message for message in catalog if message.id]


def _forms(value) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _singular(msgid) -> str:
    return _forms(msgid)[0]


def _directory_filter(path: str) -> bool:
    # Like --ignore-dirs='.* __pycache__' in the Makefile. Babel's own default also
    # skips every directory starting with "_", which loses templates/_partials/ and
    # templates/_macros/.
    name = Path(path).name
    return not (name.startswith(".") or name == "__pycache__")


def _extract_from_source() -> list[tuple[str, int, str]]:
    """Every (file, line, French msgid form) found in the code and templates now."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    return [
        (filename, lineno, form)
        for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT),
            method_map,
            options_map,
            keywords=KEYWORDS,
            directory_filter=_directory_filter,
        )
        for form in _forms(message)
        if form
    ]


@pytest.fixture(scope="module")
def catalog():
    assert EN_PO.exists(), f"{EN_PO} is missing: run pybabel init (see module doc)."
    return _read_catalog()


@pytest.fixture(scope="module")
def occurrences():
    return _extract_from_source()


@pytest.fixture(scope="module")
def extracted(occurrences) -> dict[str, tuple[str, int]]:
    """Each msgid with the first place it occurs."""
    found: dict[str, tuple[str, int]] = {}
    for filename, lineno, form in occurrences:
        found.setdefault(form, (filename, lineno))
    return found


# (a) The English catalogue itself -------------------------------------------------


def test_catalogue_is_english_with_two_plural_forms(catalog):
    assert str(catalog.locale) == "en"
    assert catalog.num_plurals == 2
    assert len(_messages(catalog)) > 100


def test_every_message_is_translated_and_not_fuzzy(catalog):
    problems = []
    for message in _messages(catalog):
        if message.fuzzy:
            problems.append(f"fuzzy: {_singular(message.id)!r}")
        strings = _forms(message.string)
        if message.pluralizable and len(strings) != catalog.num_plurals:
            problems.append(f"wrong number of plural forms: {message.id!r}")
        if not all(s.strip() for s in strings):
            problems.append(f"not translated: {_singular(message.id)!r}")
    assert not problems, "\n".join(problems)


def test_placeholders_in_translations_match_the_french(catalog):
    problems = []
    for message in _messages(catalog):
        ids = _forms(message.id)
        strings = _forms(message.string)
        for index, string in enumerate(strings):
            source = ids[min(index, len(ids) - 1)]
            expected = Counter(PLACEHOLDER.findall(source))
            actual = Counter(PLACEHOLDER.findall(string))
            if expected != actual:
                problems.append(
                    f"{source!r} -> {string!r}: expected {sorted(expected.elements())}"
                    f", got {sorted(actual.elements())}"
                )
    assert not problems, "\n".join(problems)


def test_compiled_catalogue_matches_the_po_file(catalog):
    assert EN_MO.exists(), "messages.mo is missing: run `make translations-compile`."
    with EN_MO.open("rb") as handle:
        compiled = read_mo(handle)
    stale = []
    for message in _messages(catalog):
        entry = compiled.get(message.id, message.context)
        if entry is None or _forms(entry.string) != _forms(message.string):
            stale.append(repr(_singular(message.id)))
    assert not stale, (
        "messages.mo is out of date, run `make translations-compile`; "
        f"stale entries: {', '.join(stale[:10])}"
    )


# (b) The catalogue covers every French string in the source -----------------------


def test_extraction_finds_templates_in_underscore_directories(extracted):
    locations = {Path(filename).parent.name for filename, _line in extracted.values()}
    for directory in ("_partials", "_macros"):
        if any((TEMPLATES / directory).glob("*.html")):
            assert directory in locations, f"no string extracted from {directory}/"


def test_every_template_using_gettext_yields_messages(occurrences):
    files_with_messages = {
        (ROOT / filename).resolve() for filename, _line, _form in occurrences
    }
    silent = [
        str(path.relative_to(ROOT))
        for path in sorted(TEMPLATES.rglob("*.html"))
        if re.search(r"\b(_|gettext|ngettext)\(", path.read_text(encoding="utf-8"))
        and path.resolve() not in files_with_messages
    ]
    assert not silent, f"templates whose strings were not extracted: {silent}"


def test_every_french_string_in_the_source_has_an_english_entry(catalog, extracted):
    known = set()
    for message in _messages(catalog):
        known.update(_forms(message.id))
    missing = [
        f"{filename}:{lineno}: {msgid!r}"
        for msgid, (filename, lineno) in sorted(
            extracted.items(), key=lambda item: item[1]
        )
        if msgid not in known
    ]
    assert not missing, (
        "French strings without an English translation (run `make "
        "translations-extract`, translate, then `make translations-compile`):\n"
        + "\n".join(missing)
    )


# (c) Through the real app -----------------------------------------------------------


def test_the_app_loads_the_english_catalogue(app):
    with app.test_request_context(), force_locale("en"):
        assert gettext("Aller au contenu") == "Skip to content"
        assert ngettext("%(num)d logement", "%(num)d logements", 1) == "1 home"
        assert ngettext("%(num)d logement", "%(num)d logements", 3) == "3 homes"


@pytest.fixture
def browser(make_app):
    """A test client on an app with no app context left pushed between requests.

    The shared ``client`` fixture runs every request inside the ``app`` fixture's
    app context, so ``g`` (where Flask-Babel caches the locale) outlives a request
    and a language switch would not show until the next test.
    """
    application = make_app()
    return application, application.test_client()


def test_home_page_is_french_by_default(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert "Aller au contenu" in page
    assert "Skip to content" not in page


def test_choosing_english_switches_the_interface(client):
    response = client.post("/langue", data={"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Skip to content" in page
    assert "Sign in" in page
    assert "Aller au contenu" not in page


def test_switching_back_to_french(browser):
    _application, browser = browser
    browser.post("/langue", data={"language": "en", "next": "/"})
    assert '<html lang="en">' in browser.get("/").get_data(as_text=True)
    browser.post("/langue", data={"language": "fr", "next": "/"})
    page = browser.get("/").get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert "Aller au contenu" in page


def test_unknown_language_keeps_french(client):
    client.post("/langue", data={"language": "de", "next": "/"})
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)


def test_account_language_wins_and_is_saved(browser):
    application, browser = browser
    with application.app_context():
        person = factories.user(language="en")
        email, person_id = person.email, person.id
    response = browser.post(
        "/compte/connexion", data={"email": email, "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    page = browser.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Sign out" in page

    browser.post("/langue", data={"language": "fr", "next": "/"})
    assert '<html lang="fr">' in browser.get("/").get_data(as_text=True)
    with application.app_context():
        assert db.session.get(User, person_id).language == "fr"
