"""The database side of the SIP edge (Kamailio), PostgreSQL only.

Kamailio's own tables, in Kamailio's standard schema (``utils/kamctl/postgres``: ``version``, usrloc's
``location`` and ``location_attrs``, acc's ``acc`` and ``missed_calls``). Kamailio writes them; the portal
only reads them. ``acc`` and ``missed_calls`` carry the extra columns the edge's ``db_extra`` fills in.

And the three views Kamailio reads instead of the portal's tables, so the SIP side never depends on
their internals:

- ``sip_subscriber``: digest credentials (username, realm, HA1) of active digest trunks;
- ``sip_address``: the addresses and ranges active IP trunks call from;
- ``sip_route``: for each number (E.164), what the edge does with a call: ``location`` (the trunk's
  registrations), ``static`` (an IP trunk's address), ``uri`` (forward to a SIP URI), ``pstn`` (forward to
  a number through the carrier side) or ``refuse`` with a SIP code (404 unrouted, 480 suspended or not
  live yet, 403 released).

This migration is frozen: its SQL repeats the tables as they were when it was written.
"""

from django.db import migrations, models

ACC_EXTRA = """
    src_user VARCHAR(64) DEFAULT NULL,
    src_ip VARCHAR(64) DEFAULT NULL,
    dst_user VARCHAR(64) DEFAULT NULL,
    number_id VARCHAR(20) DEFAULT NULL,
    src_trunk VARCHAR(20) DEFAULT NULL,
    dst_trunk VARCHAR(20) DEFAULT NULL,
    start_ts VARCHAR(32) DEFAULT NULL,
    event_ts VARCHAR(32) DEFAULT NULL"""

# acc's two tables share one shape (acc-create.sql), each with its own call-id index.
ACC_TABLES = "".join(
    f"""
CREATE TABLE {name} (
    id SERIAL PRIMARY KEY NOT NULL,
    method VARCHAR(16) DEFAULT '' NOT NULL,
    from_tag VARCHAR(128) DEFAULT '' NOT NULL,
    to_tag VARCHAR(128) DEFAULT '' NOT NULL,
    callid VARCHAR(255) DEFAULT '' NOT NULL,
    sip_code VARCHAR(3) DEFAULT '' NOT NULL,
    sip_reason VARCHAR(128) DEFAULT '' NOT NULL,
    time TIMESTAMP WITHOUT TIME ZONE NOT NULL,{ACC_EXTRA}
);
CREATE INDEX {name}_callid_idx ON {name} (callid);
INSERT INTO version (table_name, table_version) VALUES ('{name}', {version});
"""
    for name, version in (("acc", 5), ("missed_calls", 4))
)

KAMAILIO_TABLES = f"""
CREATE TABLE IF NOT EXISTS version (
    id SERIAL PRIMARY KEY NOT NULL,
    table_name VARCHAR(32) NOT NULL,
    table_version INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT version_table_name_idx UNIQUE (table_name)
);
INSERT INTO version (table_name, table_version) VALUES ('version', 1) ON CONFLICT DO NOTHING;

CREATE TABLE location (
    id SERIAL PRIMARY KEY NOT NULL,
    ruid VARCHAR(64) DEFAULT '' NOT NULL,
    username VARCHAR(64) DEFAULT '' NOT NULL,
    domain VARCHAR(64) DEFAULT NULL,
    contact VARCHAR(512) DEFAULT '' NOT NULL,
    received VARCHAR(128) DEFAULT NULL,
    path VARCHAR(512) DEFAULT NULL,
    expires TIMESTAMP WITHOUT TIME ZONE DEFAULT '2030-05-28 21:32:15' NOT NULL,
    q REAL DEFAULT 1.0 NOT NULL,
    callid VARCHAR(255) DEFAULT 'Default-Call-ID' NOT NULL,
    cseq INTEGER DEFAULT 1 NOT NULL,
    last_modified TIMESTAMP WITHOUT TIME ZONE DEFAULT '2000-01-01 00:00:01' NOT NULL,
    flags INTEGER DEFAULT 0 NOT NULL,
    cflags INTEGER DEFAULT 0 NOT NULL,
    user_agent VARCHAR(255) DEFAULT '' NOT NULL,
    socket VARCHAR(64) DEFAULT NULL,
    methods INTEGER DEFAULT NULL,
    instance VARCHAR(255) DEFAULT NULL,
    reg_id INTEGER DEFAULT 0 NOT NULL,
    server_id INTEGER DEFAULT 0 NOT NULL,
    connection_id INTEGER DEFAULT 0 NOT NULL,
    keepalive INTEGER DEFAULT 0 NOT NULL,
    partition INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT location_ruid_idx UNIQUE (ruid)
);
CREATE INDEX location_account_contact_idx ON location (username, domain, contact);
CREATE INDEX location_expires_idx ON location (expires);
CREATE INDEX location_tcpcon_idx ON location (connection_id);
CREATE INDEX location_connection_idx ON location (server_id, connection_id);
INSERT INTO version (table_name, table_version) VALUES ('location', 9);

CREATE TABLE location_attrs (
    id SERIAL PRIMARY KEY NOT NULL,
    ruid VARCHAR(64) DEFAULT '' NOT NULL,
    username VARCHAR(64) DEFAULT '' NOT NULL,
    domain VARCHAR(64) DEFAULT NULL,
    aname VARCHAR(64) DEFAULT '' NOT NULL,
    atype INTEGER DEFAULT 0 NOT NULL,
    avalue VARCHAR(512) DEFAULT '' NOT NULL,
    last_modified TIMESTAMP WITHOUT TIME ZONE DEFAULT '2000-01-01 00:00:01' NOT NULL
);
CREATE INDEX location_attrs_account_record_idx ON location_attrs (username, domain, ruid);
CREATE INDEX location_attrs_last_modified_idx ON location_attrs (last_modified);
INSERT INTO version (table_name, table_version) VALUES ('location_attrs', 1);

{ACC_TABLES}"""

VIEWS = """
CREATE VIEW sip_subscriber AS
SELECT t.id, t.id AS trunk_id, t.username, t.sip_server AS domain, t.ha1, ''::varchar AS ha1b, t.channels
FROM numbers_siptrunk t
WHERE t.auth_type = 'digest' AND t.status = 'active' AND t.ha1 <> '';

CREATE VIEW sip_address AS
SELECT t.id AS trunk_id, (ip.value)::cidr AS network, t.channels
FROM numbers_siptrunk t CROSS JOIN LATERAL jsonb_array_elements_text(t.allowed_ips) AS ip(value)
WHERE t.auth_type = 'ip' AND t.status = 'active';

CREATE VIEW sip_route AS
SELECT e164, number_id, action, target, trunk_id, channels,
       CASE action WHEN 'refuse' THEN code ELSE 0 END AS code,
       CASE action WHEN 'refuse' THEN reason ELSE '' END AS reason
FROM (
    SELECT DISTINCT ON (n.e164)
        n.e164,
        n.id AS number_id,
        CASE
            WHEN n.status <> 'active' THEN 'refuse'
            WHEN t.id IS NOT NULL AND t.status = 'active' AND t.auth_type = 'digest' THEN 'location'
            WHEN t.id IS NOT NULL AND t.status = 'active' AND t.auth_type = 'ip' AND static.host IS NOT NULL
                THEN 'static'
            WHEN t.id IS NOT NULL THEN 'refuse'
            WHEN n.forwarding ILIKE 'sip:%' OR n.forwarding ILIKE 'sips:%' THEN 'uri'
            WHEN n.forwarding <> '' THEN 'pstn'
            ELSE 'refuse'
        END AS action,
        CASE
            WHEN t.id IS NOT NULL AND t.auth_type = 'digest' THEN t.username
            WHEN t.id IS NOT NULL THEN coalesce(static.host, '')
            ELSE n.forwarding
        END AS target,
        t.id AS trunk_id,
        coalesce(t.channels, 0) AS channels,
        CASE
            WHEN n.status IN ('released', 'failed') THEN 403
            WHEN n.status <> 'active' THEN 480
            WHEN t.id IS NOT NULL THEN 480
            ELSE 404
        END AS code,
        CASE
            WHEN n.status IN ('released', 'failed') THEN 'Number Released'
            WHEN n.status = 'suspended' THEN 'Number Suspended'
            WHEN n.status <> 'active' THEN 'Number Not Active Yet'
            WHEN t.id IS NOT NULL THEN 'Trunk Not Ready'
            ELSE 'Number Not Routed'
        END AS reason
    FROM numbers_number n
    LEFT JOIN numbers_siptrunk t ON t.id = n.trunk_id
    LEFT JOIN LATERAL (
        SELECT host(ip.value::inet) AS host
        FROM jsonb_array_elements_text(t.allowed_ips) AS ip(value)
        WHERE masklen(ip.value::inet) = CASE family(ip.value::inet) WHEN 4 THEN 32 ELSE 128 END
        LIMIT 1
    ) AS static ON true
    ORDER BY n.e164, (n.status NOT IN ('released', 'failed')) DESC, n.id DESC
) AS routes;
"""

DROP = """
DROP VIEW IF EXISTS sip_route;
DROP VIEW IF EXISTS sip_address;
DROP VIEW IF EXISTS sip_subscriber;
DROP TABLE IF EXISTS missed_calls;
DROP TABLE IF EXISTS acc;
DROP TABLE IF EXISTS location_attrs;
DROP TABLE IF EXISTS location;
DELETE FROM version WHERE table_name IN ('location', 'location_attrs', 'acc', 'missed_calls');
"""


def _run(schema_editor, script: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return  # the embedded SQLite run has no SIP edge
    with schema_editor.connection.cursor() as cursor:
        for statement in script.split(";\n"):
            if statement.strip():
                cursor.execute(statement)  # no parameters: the SQL is taken as written


def create(apps, schema_editor):
    _run(schema_editor, KAMAILIO_TABLES)
    _run(schema_editor, VIEWS)


def drop(apps, schema_editor):
    _run(schema_editor, DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("numbers", "0020_didww_voice_in_trunks_groups_and_exports"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="number",
            index=models.Index(fields=["e164"], name="number_e164"),
        ),
        migrations.RunPython(create, drop),
    ]
