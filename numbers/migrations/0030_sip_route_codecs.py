"""``sip_route`` with the codecs of the delivery (voice-in) trunk a number is forwarded to: ``codecs``, their
SDP names comma-separated (empty: no list, the offer goes as it came), so the SIP edge keeps only those in
the offer it forwards (sdpops). A trunk group gives its first trunk's, as the forwarding does.

The view is 0027's with the one column added (its frozen SQL, taken and extended, as 0027 did).
"""

from importlib import import_module
from pathlib import Path

from django.db import migrations


def _migration(name: str):
    """An earlier migration of this app by its name without the number (numbers may change when branches
    are merged), to reuse its frozen SQL."""
    (path,) = Path(__file__).parent.glob(f"[0-9][0-9][0-9][0-9]_{name}.py")
    return import_module(f"{__package__}.{path.stem}")


BEFORE = _migration("number_capacity_limit")

# DIDWW's codec ids (the SDK's ``Codec``) and their names in SDP (rtpmap encoding names).
CODEC_NAMES = {
    6: "telephone-event",
    7: "G723",
    8: "G729",
    9: "PCMU",
    10: "PCMA",
    12: "speex",
    13: "GSM",
    14: "G726-32",
    15: "G721",
    16: "G726-24",
    17: "G726-40",
    18: "G726-16",
    19: "L16",
}
# The trunk a number's delivery route names: its own, or its group's first (priority, then weight).
TRUNK = (
    "coalesce(r.trunk_id, (SELECT g.id FROM numbers_voiceintrunk g WHERE g.group_id = r.group_id "
    "ORDER BY g.priority, g.weight DESC, g.id LIMIT 1))"
)


def _names(value: str) -> str:
    whens = " ".join(f"WHEN '{i}' THEN '{name}'" for i, name in CODEC_NAMES.items())
    return f"CASE {value} {whens} END"


PG_CODECS = (
    f"coalesce((SELECT string_agg({_names('c.value')}, ',') "
    f"FROM numbers_didvoiceinroute r JOIN numbers_voiceintrunk v ON v.id = {TRUNK} "
    "CROSS JOIN LATERAL jsonb_array_elements_text(CASE jsonb_typeof(v.configuration -> 'codec_ids') "
    "WHEN 'array' THEN v.configuration -> 'codec_ids' ELSE '[]'::jsonb END) AS c(value) "
    "WHERE r.number_id = n.id AND n.trunk_id IS NULL AND v.kind = 'sip_configurations'), '')"
)
LITE_CODECS = (
    f"(SELECT group_concat({_names('CAST(c.value AS TEXT)')}, ',') "
    f"FROM numbers_didvoiceinroute r JOIN numbers_voiceintrunk v ON v.id = {TRUNK}, "
    "json_each(v.configuration, '$.codec_ids') AS c "
    "WHERE r.number_id = n.id AND n.trunk_id IS NULL AND v.kind = 'sip_configurations')"
)


def _with_codecs(view: str, after: str, codecs: str) -> str:
    outer = "SELECT e164, number_id, action, target, trunk_id, channels, capacity,"
    assert view.count(outer) == 1 and view.count(after) == 1
    return view.replace(outer, f"{outer} codecs,").replace(after, f"{after}\n        {codecs} AS codecs,")


OLD = BEFORE.NEW
NEW = {
    "postgresql": _with_codecs(OLD["postgresql"], "coalesce(n.capacity_limit, 0) AS capacity,", PG_CODECS),
    "sqlite": _with_codecs(
        OLD["sqlite"].replace(
            "n.capacity_limit AS n_capacity,", f"n.capacity_limit AS n_capacity, {LITE_CODECS} AS n_codecs,"
        ),
        "coalesce(n_capacity, 0) AS capacity,",
        "coalesce(n_codecs, '')",
    ),
}


def forwards(apps, schema_editor):
    BEFORE._replace(schema_editor, NEW)


def backwards(apps, schema_editor):
    BEFORE._replace(schema_editor, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("numbers", "0029_number_capacity_limit"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
