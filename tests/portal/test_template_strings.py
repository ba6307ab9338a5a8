"""Every text a person reads in a template is marked for translation, and the linter that says so finds
what it should (and nothing it should not)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from portal.template_lint import lint_source, lint_templates, needs_translation


def findings(source: str) -> list[tuple[int, str]]:
    return [(f.line, f.text) for f in lint_source(source, Path("t.html"))]


def test_every_template_text_a_person_reads_is_marked_for_translation():
    dirs = [Path(d) for engine in settings.TEMPLATES for d in engine["DIRS"]]
    found = lint_templates(dirs)
    assert not found, "Mark these for translation:\n" + "\n".join(str(f) for f in found)


def test_text_between_tags_and_read_attributes_are_found_with_their_line():
    source = (
        "{% load i18n %}<h1>{% translate 'Numbers' %}</h1>\n"
        "<p>\n  Buy numbers here {{ count }}</p>\n"
        '<a href="/x" title="Open it" class="button big">{% translate "Go" %}</a>\n'
        '<button data-confirm="Are you sure?">{% translate "Delete" %}</button>\n'
        '<input placeholder="{% translate \'Search\' %}" aria-label="Search numbers">\n'
    )
    assert findings(source) == [
        (3, "Buy numbers here …"),
        (4, "title=Open it"),
        (5, "data-confirm=Are you sure?"),
        (6, "aria-label=Search numbers"),
    ]


def test_marked_commented_machine_and_non_word_text_is_left_alone():
    source = (
        "{% load i18n %}{% blocktranslate with n=count %}You have {{ n }}\nnumbers{% endblocktranslate %}\n"
        "{% comment %}Notes for developers{% endcomment %}{# a note #}\n"
        "<code>df_live_sk_…</code><pre>[didfarm]\ntype=registration</pre><script>var label = 'Hello';</script>\n"
        "<td>{{ amount }} EUR · PDF · CSV · API · SIP · SMS · E.164 · DIDfarm</td><td>ord_{{ id }} 42 % → —</td>\n"
        '<input placeholder="api_key" class="wide"><span title="+31 20 700 0001">&nbsp;&rarr;</span>\n'
        "{% verbatim %}{{ Not a variable }}{% endverbatim %}\n"
    )
    assert findings(source) == []


def test_a_template_of_machine_text_says_so_and_is_skipped():
    assert findings("{% load i18n %}{# i18n: machine text (a PBX configuration file) #}[didfarm]\ntype=aor\n") == []
    assert findings("{% load i18n %}[didfarm]\ntype=aor\n")  # without the note, the same text is found


def test_letters_of_every_script_count():
    for text in ("Numbers", "Nummern", "الأرقام", "番号", "संख्या", "été"):
        assert needs_translation(text), text
    for text in ("EUR 1,234.50", "+31 20 700 0001", "—", "· 10 % ·", "E.164", "GSM-7 / UCS-2"):
        assert not needs_translation(text), text
