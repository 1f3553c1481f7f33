"""The interface speaks English and German: every template's text is marked for translation, every
German catalogue is complete and compiled, and a request in German gets German pages and scripts."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.urls import reverse

from kcs_site.i18n_audit import audit

BASE = Path(__file__).resolve().parents[2]

# Every app with templates.
APPS = ["accounts", "articles", "cases", "coaching", "feedback", "health", "insights", "kcs_site", "licences"]
APPS += ["notifications", "search", "training"]


@pytest.mark.parametrize("app", APPS)
def test_every_template_text_is_marked_for_translation(app):
    assert audit(BASE, [app]) == []


# --- the catalogues -------------------------------------------------------------------------------


def read_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgctxt, msgid, msgid_plural, msgstr / msgstr[n], and the flags."""
    entries, entry, field = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry is not None:
                entries.append(entry)
            entry, field = None, None
            continue
        entry = entry if entry is not None else {"flags": set(), "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            _append(entry, field, ast.literal_eval(line))
        else:
            field, _, value = line.partition(" ")
            _append(entry, field, ast.literal_eval(value), start=True)
    return [e for e in entries if "msgid" in e]


def _append(entry: dict, field: str, text: str, start: bool = False) -> None:
    plural = re.fullmatch(r"msgstr\[(\d+)\]", field)
    if field == "msgstr" or plural:
        key = int(plural.group(1)) if plural else 0
        entry["msgstr"][key] = ("" if start else entry["msgstr"].get(key, "")) + text
    else:
        entry[field] = ("" if start else entry.get(field, "")) + text


CATALOGUES = sorted(BASE.glob("*/locale/de/LC_MESSAGES/*.po"))
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text.replace("%%", "")))


def test_there_are_german_catalogues():
    assert {p.relative_to(BASE).as_posix() for p in CATALOGUES} >= {f"{app}/locale/de/LC_MESSAGES/django.po" for app in APPS} | {
        "kcs_site/locale/de/LC_MESSAGES/djangojs.po"
    }


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.relative_to(BASE).as_posix())
def test_catalogue_is_complete_and_keeps_placeholders(path):
    entries = read_po(path)
    assert entries[0]["msgid"] == ""  # the header
    for entry in entries[1:]:
        name = entry["msgid"][:60]
        assert "fuzzy" not in entry["flags"], f"fuzzy: {name}"
        assert entry["msgstr"] and all(entry["msgstr"].values()), f"untranslated: {name}"
        wanted = placeholders(entry["msgid"]) | placeholders(entry.get("msgid_plural", ""))
        for text in entry["msgstr"].values():
            assert placeholders(text) <= wanted, name
            if not entry.get("msgid_plural"):
                assert placeholders(text) == wanted, f"placeholders differ: {name}"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.relative_to(BASE).as_posix())
def test_compiled_catalogue_matches_its_source(path):
    mo = path.with_suffix(".mo")
    assert mo.exists(), f"not compiled: {mo}"
    with mo.open("rb") as f:
        compiled = gettext.GNUTranslations(f)._catalog
    for entry in read_po(path)[1:]:
        msgid = entry["msgid"] if "msgctxt" not in entry else f"{entry['msgctxt']}\x04{entry['msgid']}"
        if "msgid_plural" in entry:
            for n, text in entry["msgstr"].items():
                assert compiled.get((msgid, n)) == text, f"{path.name} is stale: {entry['msgid'][:60]}"
        else:
            assert compiled.get(msgid) == entry["msgstr"][0], f"{path.name} is stale: {entry['msgid'][:60]}"


# --- what a reader gets ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["login", "help:index"])
def test_a_german_browser_gets_german_pages(client, url):
    page = client.get(reverse(url), HTTP_ACCEPT_LANGUAGE="de", follow=True)  # /help/ leads to /help/de/
    assert page.status_code == 200
    assert page.headers["Content-Language"] == "de"
    text = page.content.decode()
    assert '<html lang="de">' in text
    # The frame (navigation, sign-in link, footer); the help centre's own text is its app's.
    assert "Anmelden" in text and "Hilfe-Center" in text and "Zum Inhalt springen" in text
    assert "Skip to content" not in text and "Search the knowledge base" not in text


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["login", "help:index"])
def test_other_browsers_get_english_pages(client, url):
    page = client.get(reverse(url))
    assert page.headers["Content-Language"] == "en-gb"
    text = page.content.decode()
    assert "Log in" in text and "Help centre" in text and "Skip to content" in text
    assert "Anmelden" not in text and "Hilfe-Center" not in text


@pytest.mark.django_db
def test_the_scripts_catalogue_is_loaded_before_the_site_scripts(client):
    text = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    catalogue = text.index(f'src="{reverse("javascript-catalog")}?v=de"')
    assert catalogue < text.index("kcs/search.js")


@pytest.mark.django_db
def test_the_scripts_catalogue_speaks_the_readers_language(client):
    german = client.get(reverse("javascript-catalog"), HTTP_ACCEPT_LANGUAGE="de")
    assert german.status_code == 200 and german.headers["Content-Type"].startswith("text/javascript")
    assert "Vorschl\\u00e4ge" in german.content.decode() or "Vorschläge" in german.content.decode()
    assert "Last-Modified" in german.headers
    english = client.get(reverse("javascript-catalog"))
    assert "Vorschl" not in english.content.decode()
    # The server keeps one answer per language: German first does not make it German for all.
    assert "Vorschl" in client.get(reverse("javascript-catalog"), HTTP_ACCEPT_LANGUAGE="de").content.decode()


def test_site_scripts_work_without_the_catalogue():
    """Each script that shows text falls back to English when the catalogue did not load."""
    for script in (BASE / "kcs_site/static/kcs").glob("*.js"):
        source = script.read_text(encoding="utf-8")
        if re.search(r"\bgettext\(", source):
            assert "window.gettext ||" in source, script.name
        if re.search(r"\bngettext\(", source):
            assert "window.ngettext ||" in source, script.name
        if re.search(r"\binterpolate\(", source):
            assert "window.interpolate ||" in source, script.name


@pytest.mark.django_db
def test_german_error_page(client):
    page = client.get("/no-such-page-here/", HTTP_ACCEPT_LANGUAGE="de")
    assert page.status_code == 404
    assert "Nicht gefunden" in page.content.decode()


# --- dates ------------------------------------------------------------------------------------------


def test_each_language_writes_dates_its_own_way():
    import datetime

    from django.utils import translation
    from django.utils.formats import date_format

    moment = datetime.datetime(2026, 12, 5, 14, 30)
    with translation.override("en-gb"):
        assert date_format(moment, "DATE_FORMAT") == "5 Dec 2026"
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == "5 Dec 2026 14:30"
    with translation.override("de"):
        assert date_format(moment, "DATE_FORMAT") == "05.12.2026"
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == "05.12.2026 14:30"


def test_templates_name_date_formats_rather_than_spell_out_an_english_pattern():
    found = [
        f"{path.relative_to(BASE)}"
        for path in BASE.glob("*/templates/**/*.html")
        if 'date:"j M Y' in path.read_text(encoding="utf-8")
    ]
    assert found == []
