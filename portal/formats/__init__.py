"""Date and number formats per language, read by Django before its own (``FORMAT_MODULE_PATH``).

Each ``<locale>/formats.py`` sets only what the portal wants different from Django's defaults for that
language, plus the portal's own names (``TIMESTAMP_FORMAT``, ``WEEKDAY_FORMAT``; see ``portal.l10n``).
English keeps the dates the portal has always shown (``2026-03-05 14:30``, ``5 Mar 2026``)."""
