"""The SIP edge's tables and views on SQLite too (the embedded run), so Kamailio with db_sqlite can stand in
front of the demo's database file. PostgreSQL has them since 0021; this migration does nothing there.

The shapes are those of 0021 in SQLite's words: Kamailio's own tables as its ``utils/kamctl/db_sqlite``
schema has them (an ``INTEGER PRIMARY KEY`` for ``SERIAL``; db_sqlite stores a time as a Julian day
number), except that their text columns take NULL (see below), and the three views without PostgreSQL's types: ``sip_address`` keeps each allowed address as
``address/prefix`` text with the prefix length apart (the edge compares addresses itself, ``is_in_subnet``), ``sip_route`` picks a
number's row by a correlated subquery instead of ``DISTINCT ON``.

This migration is frozen: its SQL repeats the tables and views as they were when it was written.
"""

import re

from django.db import migrations

ACC_EXTRA = """
    src_user VARCHAR(64) DEFAULT NULL,
    src_ip VARCHAR(64) DEFAULT NULL,
    dst_user VARCHAR(64) DEFAULT NULL,
    number_id VARCHAR(20) DEFAULT NULL,
    src_trunk VARCHAR(20) DEFAULT NULL,
    dst_trunk VARCHAR(20) DEFAULT NULL,
    start_ts VARCHAR(32) DEFAULT NULL,
    event_ts VARCHAR(32) DEFAULT NULL"""

ACC_TABLES = "".join(
    f"""
CREATE TABLE {name} (
    id INTEGER PRIMARY KEY NOT NULL,
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
    id INTEGER PRIMARY KEY NOT NULL,
    table_name VARCHAR(32) NOT NULL,
    table_version INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT version_table_name_idx UNIQUE (table_name)
);
INSERT OR IGNORE INTO version (table_name, table_version) VALUES ('version', 1);

CREATE TABLE location (
    id INTEGER PRIMARY KEY NOT NULL,
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
    id INTEGER PRIMARY KEY NOT NULL,
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
# db_sqlite binds an empty string Kamailio holds without a buffer (a missed call's To tag, a REGISTER without
# User-Agent) as NULL, where db_postgres writes ''. The text columns keep their defaults but take NULL.
KAMAILIO_TABLES = re.sub(r"(VARCHAR\(\d+\) DEFAULT '[^']*') NOT NULL", r"\1", KAMAILIO_TABLES)

# An address as its host part and its prefix length (a bare address is a /32 or a /128).
HOST = "CASE WHEN instr(ip.value, '/') > 0 THEN substr(ip.value, 1, instr(ip.value, '/') - 1) ELSE ip.value END"
PREFIX = (
    "CASE WHEN instr(ip.value, '/') > 0 THEN CAST(substr(ip.value, instr(ip.value, '/') + 1) AS INTEGER) "
    "WHEN instr(ip.value, ':') > 0 THEN 128 ELSE 32 END"
)

VIEWS = f"""
CREATE VIEW sip_subscriber AS
SELECT t.id, t.id AS trunk_id, t.username, t.sip_server AS domain, t.ha1, '' AS ha1b, t.channels
FROM numbers_siptrunk t
WHERE t.auth_type = 'digest' AND t.status = 'active' AND t.ha1 <> '';

CREATE VIEW sip_address AS
SELECT t.id AS trunk_id, ({HOST}) || '/' || ({PREFIX}) AS network, {PREFIX} AS prefix, t.channels
FROM numbers_siptrunk t, json_each(t.allowed_ips) AS ip
WHERE t.auth_type = 'ip' AND t.status = 'active';

CREATE VIEW sip_route AS
SELECT e164, number_id, action, target, trunk_id, channels,
       CASE action WHEN 'refuse' THEN code ELSE 0 END AS code,
       CASE action WHEN 'refuse' THEN reason ELSE '' END AS reason
FROM (
    SELECT
        e164,
        number_id,
        CASE
            WHEN n_status <> 'active' THEN 'refuse'
            WHEN t_id IS NOT NULL AND t_status = 'active' AND t_auth = 'digest' THEN 'location'
            WHEN t_id IS NOT NULL AND t_status = 'active' AND t_auth = 'ip' AND static_host IS NOT NULL
                THEN 'static'
            WHEN t_id IS NOT NULL THEN 'refuse'
            WHEN forwarding LIKE 'sip:%' OR forwarding LIKE 'sips:%' THEN 'uri'
            WHEN forwarding <> '' THEN 'pstn'
            ELSE 'refuse'
        END AS action,
        CASE
            WHEN t_id IS NOT NULL AND t_auth = 'digest' THEN t_username
            WHEN t_id IS NOT NULL THEN coalesce(static_host, '')
            ELSE forwarding
        END AS target,
        t_id AS trunk_id,
        coalesce(t_channels, 0) AS channels,
        CASE
            WHEN n_status IN ('released', 'failed') THEN 403
            WHEN n_status <> 'active' THEN 480
            WHEN t_id IS NOT NULL THEN 480
            ELSE 404
        END AS code,
        CASE
            WHEN n_status IN ('released', 'failed') THEN 'Number Released'
            WHEN n_status = 'suspended' THEN 'Number Suspended'
            WHEN n_status <> 'active' THEN 'Number Not Active Yet'
            WHEN t_id IS NOT NULL THEN 'Trunk Not Ready'
            ELSE 'Number Not Routed'
        END AS reason
    FROM (
        SELECT n.e164, n.id AS number_id, n.status AS n_status, n.forwarding,
               t.id AS t_id, t.status AS t_status, t.auth_type AS t_auth, t.username AS t_username,
               t.channels AS t_channels,
               (SELECT {HOST} FROM json_each(t.allowed_ips) AS ip WHERE {PREFIX} = CASE WHEN instr(ip.value, ':') > 0
                    THEN 128 ELSE 32 END LIMIT 1) AS static_host
        FROM numbers_number n
        LEFT JOIN numbers_siptrunk t ON t.id = n.trunk_id
        WHERE n.id = (
            SELECT o.id FROM numbers_number o WHERE o.e164 = n.e164
            ORDER BY (o.status NOT IN ('released', 'failed')) DESC, o.id DESC LIMIT 1
        )
    ) AS picked
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
    if schema_editor.connection.vendor != "sqlite":
        return  # PostgreSQL has had them since 0021
    with schema_editor.connection.cursor() as cursor:
        for statement in script.split(";\n"):
            if statement.strip():
                cursor.execute(statement)


def create(apps, schema_editor):
    _run(schema_editor, KAMAILIO_TABLES)
    _run(schema_editor, VIEWS)


def drop(apps, schema_editor):
    _run(schema_editor, DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("numbers", "0027_test_call_sweeps"),
    ]

    operations = [migrations.RunPython(create, drop)]
