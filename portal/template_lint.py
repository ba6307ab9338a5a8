"""Finds words in templates that a person reads but nobody marked for translation.

Each template is split with Django's own template lexer. Everything that is not plain text (variables,
tags, comments) and everything already inside ``{% blocktranslate %}`` or ``{% comment %}`` becomes a
placeholder of the same length in lines, so the HTML that is left keeps its line numbers. That HTML is then
read with the standard library's parser: text between tags and the attributes people read (``title``,
``placeholder``, ``alt``, ``aria-label``, ``data-confirm`` …) are checked, while ``<script>``, ``<style>``,
``<code>``, ``<pre>`` and ``<kbd>`` hold machine text and are skipped.

Text is left alone when, once known non-words (product names, currency and protocol abbreviations) and
machine names are taken out, no letter remains. A template that is a machine's file as a whole (a PBX
configuration shown in a ``<pre>``) opts out with ``{# i18n: machine text #}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

PLACEHOLDER = "\ue000"
# Attributes whose value a person reads (or hears, with a screen reader).
READ_ATTRIBUTES = {
    "title",
    "placeholder",
    "alt",
    "aria-label",
    "aria-description",
    "aria-valuetext",
    "label",
    "data-confirm",
    "data-copied",
    "data-label",
}
# Elements whose text is for machines: code samples, configuration, scripts and styles.
MACHINE_ELEMENTS = {"script", "style", "code", "pre", "kbd", "samp", "svg"}
# Words that are the same in every language of the portal: names, units, currencies and protocols.
NON_WORDS = [
    "DIDfarm",
    "E.164",
    "EUR",
    "PDF",
    "CSV",
    "JSON",
    "API",
    "SIP",
    "SMS",
    "MMS",
    "GSM-7",
    "UCS-2",
    "HTTP",
    "HTTPS",
    "URL",
    "UTC",
    "PBX",
    "IP",
    "Asterisk",
    "FreeSWITCH",
    "PJSIP",
    "ReDoc",
    "Swagger",
    "HMAC-SHA256",
    "HMAC",
    "UDP",
    "TCP",
    "TLS",
    "ID",
    "OK",
]
_NON_WORD_RE = re.compile(
    r"(?<![\w.])(" + "|".join(re.escape(w) for w in sorted(NON_WORDS, key=len, reverse=True)) + r")(?![\w])"
)
# A letter in any script (``\w`` without digits and the underscore).
_LETTER_RE = re.compile(r"[^\W\d_]")
# Machine names: snake_case identifiers ("api_key") and prefixes of public ids ("ord_", "df_live_sk_").
_ID_PREFIX_RE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]*)+")

_OPENERS = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans", "comment": "endcomment"}
_VERBATIM = ("verbatim", "endverbatim")


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r}"


def needs_translation(text: str) -> bool:
    """True when ``text`` still holds a letter after placeholders and non-words are taken out."""
    text = text.replace(PLACEHOLDER, " ")
    text = _NON_WORD_RE.sub(" ", text)
    text = _ID_PREFIX_RE.sub(" ", text)
    return bool(_LETTER_RE.search(text))


def _masked(source: str) -> str:
    """The template with every non-text token, and every text already marked for translation or inside a
    comment, replaced by placeholders (newlines kept, so line numbers stay right)."""

    def blank(text: str) -> str:
        return re.sub(r"[^\n]+", PLACEHOLDER, text)

    out: list[str] = []
    closing: str | None = None
    verbatim = False
    for token in Lexer(source).tokenize():
        raw = _raw(token)
        if token.token_type == TokenType.BLOCK:
            name = token.split_contents()[0] if token.contents.strip() else ""
            if verbatim:
                verbatim = name != _VERBATIM[1]
                out.append(blank(raw))
                continue
            if closing is not None:
                if name == closing:
                    closing = None
                out.append(blank(raw))
                continue
            if name in _OPENERS:
                closing = _OPENERS[name]
            elif name == _VERBATIM[0]:
                verbatim = True
            out.append(blank(raw))
        elif token.token_type == TokenType.TEXT and closing is None and not verbatim:
            out.append(raw)
        else:
            out.append(blank(raw))
    return "".join(out)


def _raw(token) -> str:
    if token.token_type == TokenType.TEXT:
        return token.contents
    # The lexer keeps no source text for tags; a placeholder needs only the newlines, and Django tags never
    # span lines except comments, whose text is never checked.
    return token.contents.count("\n") * "\n" + "x"


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.machine_depth = 0
        self.findings: list[tuple[int, str]] = []

    def handle_starttag(self, tag, attrs):
        self._check_attributes(attrs)
        if tag in MACHINE_ELEMENTS:
            self.machine_depth += 1

    def handle_startendtag(self, tag, attrs):
        self._check_attributes(attrs)

    def handle_endtag(self, tag):
        if tag in MACHINE_ELEMENTS and self.machine_depth:
            self.machine_depth -= 1

    def handle_data(self, data):
        if self.machine_depth:
            return
        if needs_translation(data):
            line, _ = self.getpos()
            # getpos() is where the data starts; point at the first line that holds a word.
            leading = data[: len(data) - len(data.lstrip())]
            self.findings.append((line + leading.count("\n"), " ".join(data.replace(PLACEHOLDER, "…").split())))

    def _check_attributes(self, attrs):
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value and needs_translation(value):
                self.findings.append((self.getpos()[0], f"{name}={value.replace(PLACEHOLDER, '…')}"))


# A template whose whole text is for a machine (a PBX configuration file shown in a <pre>) says so in a
# comment: {# i18n: machine text … #}.
MACHINE_PRAGMA = re.compile(r"\{#\s*i18n:\s*machine text\b")


def lint_source(source: str, path: Path) -> list[Finding]:
    if MACHINE_PRAGMA.search(source):
        return []
    reader = _Reader()
    reader.feed(_masked(source))
    reader.close()
    return [Finding(path, line, text) for line, text in reader.findings]


def template_files(roots: Iterable[Path]) -> Iterator[Path]:
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in {".html", ".txt"} and path.is_file():
                yield path


def lint_templates(roots: Iterable[Path]) -> list[Finding]:
    findings: list[Finding] = []
    for path in template_files(roots):
        findings.extend(lint_source(path.read_text(encoding="utf-8"), path))
    return findings
