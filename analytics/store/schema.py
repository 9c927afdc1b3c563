"""Numbered migrations of the DuckDB schema: the whole domain model of DESIGN.md section 2.

A migration is applied once, in order, inside one transaction, and recorded in
`schema_migrations`. Never edit a released migration: add the next number.
"""

from __future__ import annotations

SECTORS = ("nonprofit", "government", "business", "philanthropy", "community member", "other")
PHASES = ("initiate action", "organise for impact", "sustain action and impact")
MILESTONE_STATUSES = ("planned", "in progress", "done", "blocked", "dropped")
ROLES = ("admin", "backbone", "broker", "funder")
POLARITIES = ("higher", "lower")


def _in(values: tuple[str, ...]) -> str:
    # Identifiers and enumerations come from the fixed tuples above, never from input.
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (
        1,
        "domain model",
        [
            "CREATE SEQUENCE seq_instrument START 1",
            """CREATE TABLE instruments (
                id INTEGER PRIMARY KEY DEFAULT nextval('seq_instrument'),
                name VARCHAR NOT NULL UNIQUE,
                created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
            )""",
            """CREATE TABLE items (
                instrument_id INTEGER NOT NULL REFERENCES instruments(id),
                item_id VARCHAR NOT NULL,
                position INTEGER NOT NULL,
                text VARCHAR NOT NULL,
                condition VARCHAR,
                principle VARCHAR,
                reverse BOOLEAN NOT NULL DEFAULT false,
                PRIMARY KEY (instrument_id, item_id),
                CHECK (condition IS NOT NULL OR principle IS NOT NULL)
            )""",
            "CREATE SEQUENCE seq_initiative START 1",
            """CREATE TABLE initiatives (
                id INTEGER PRIMARY KEY DEFAULT nextval('seq_initiative'),
                name VARCHAR NOT NULL UNIQUE,
                description VARCHAR NOT NULL DEFAULT '',
                start_date DATE,
                created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
            )""",
            # Apart from initiatives: DuckDB cannot update a row that other tables reference,
            # and an initiative's instrument can change.
            """CREATE TABLE initiative_instruments (
                initiative_id INTEGER PRIMARY KEY REFERENCES initiatives(id),
                instrument_id INTEGER NOT NULL REFERENCES instruments(id)
            )""",
            "CREATE SEQUENCE seq_phase START 1",
            f"""CREATE TABLE phases (
                id INTEGER PRIMARY KEY DEFAULT nextval('seq_phase'),
                initiative_id INTEGER NOT NULL REFERENCES initiatives(id),
                phase VARCHAR NOT NULL CHECK (phase IN {_in(PHASES)}),
                start_date DATE NOT NULL,
                end_date DATE,
                CHECK (end_date IS NULL OR end_date >= start_date)
            )""",
            "CREATE SEQUENCE seq_partner START 1",
            f"""CREATE TABLE partners (
                id INTEGER PRIMARY KEY DEFAULT nextval('seq_partner'),
                initiative_id INTEGER NOT NULL REFERENCES initiatives(id),
                name VARCHAR NOT NULL,
                sector VARCHAR NOT NULL CHECK (sector IN {_in(SECTORS)}),
                joined_on DATE,
                left_on DATE,
                UNIQUE (initiative_id, name)
            )""",
            "CREATE SEQUENCE seq_wave START 1",
            """CREATE TABLE waves (
                id INTEGER PRIMARY KEY DEFAULT nextval('seq_wave'),
                initiative_id INTEGER NOT NULL REFERENCES initiatives(id),
                label VARCHAR NOT NULL,
                opened_on DATE,
                closed_on DATE,
                UNIQUE (initiative_id, label)
            )""",
            "CREATE SEQUENCE seq_import START 1",
            """CREATE TABLE imports (
                id INTEGER PRIMARY KEY DEFAULT nextval('seq_import'),
                initiative_id INTEGER NOT NULL REFERENCES initiatives(id),
                file_name VARCHAR NOT NULL,
                sha256 VARCHAR NOT NULL,
                imported_by VARCHAR NOT NULL,
                imported_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
                mapping JSON,
                layout VARCHAR,
                survey_key VARCHAR,
                rows_accepted INTEGER NOT NULL DEFAULT 0,
                cells_accepted INTEGER NOT NULL DEFAULT 0,
                cells_missing INTEGER NOT NULL DEFAULT 0,
                problems JSON,
                problem_count INTEGER NOT NULL DEFAULT 0,
                waves_created INTEGER[] NOT NULL DEFAULT [],
                undone_at TIMESTAMP,
                undone_by VARCHAR
            )""",
            # Respondents and responses are the large tables (millions of rows): they carry no
            # foreign keys or primary key index, which would slow bulk imports; the importer
            # checks their references and the undo deletes by import_id.
            """CREATE TABLE respondents (
                id BIGINT NOT NULL,  -- allocated by the single writer: max(id) + 1 ...
                wave_id INTEGER NOT NULL,
                import_id INTEGER,
                respondent_key VARCHAR,
                partner_id INTEGER,
                organisation VARCHAR,
                sector VARCHAR,
                role VARCHAR,
                submitted_at TIMESTAMP
            )""",
            """CREATE TABLE responses (
                respondent_id BIGINT NOT NULL,
                item_id VARCHAR NOT NULL,
                value UTINYINT CHECK (value BETWEEN 1 AND 5)
            )""",
            """CREATE TABLE survey_mappings (
                initiative_id INTEGER NOT NULL REFERENCES initiatives(id),
                survey_key VARCHAR NOT NULL,
                mapping JSON NOT NULL,
                updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
                PRIMARY KEY (initiative_id, survey_key)
            )""",
            "CREATE SEQUENCE seq_milestone START 1",
            f"""CREATE TABLE milestones (
                id INTEGER PRIMARY KEY DEFAULT nextval('seq_milestone'),
                initiative_id INTEGER NOT NULL REFERENCES initiatives(id),
                title VARCHAR NOT NULL,
                condition VARCHAR,
                principle VARCHAR,
                phase VARCHAR CHECK (phase IS NULL OR phase IN {_in(PHASES)}),
                owner_partner_id INTEGER REFERENCES partners(id),
                due_date DATE NOT NULL,
                done_date DATE,
                status VARCHAR NOT NULL CHECK (status IN {_in(MILESTONE_STATUSES)}),
                notes VARCHAR NOT NULL DEFAULT '',
                CHECK (done_date IS NULL OR status = 'done')
            )""",
            "CREATE SEQUENCE seq_indicator START 1",
            f"""CREATE TABLE indicators (
                id INTEGER PRIMARY KEY DEFAULT nextval('seq_indicator'),
                initiative_id INTEGER NOT NULL REFERENCES initiatives(id),
                name VARCHAR NOT NULL,
                unit VARCHAR NOT NULL DEFAULT '',
                polarity VARCHAR NOT NULL CHECK (polarity IN {_in(POLARITIES)}),
                baseline_date DATE NOT NULL,
                baseline_value DOUBLE NOT NULL,
                target_date DATE NOT NULL,
                target_value DOUBLE NOT NULL,
                UNIQUE (initiative_id, name),
                CHECK (target_date > baseline_date)
            )""",
            """CREATE TABLE indicator_observations (
                indicator_id INTEGER NOT NULL REFERENCES indicators(id),
                observed_on DATE NOT NULL,
                value DOUBLE NOT NULL,
                PRIMARY KEY (indicator_id, observed_on)
            )""",
            "CREATE SEQUENCE seq_user START 1",
            f"""CREATE TABLE users (
                id INTEGER PRIMARY KEY DEFAULT nextval('seq_user'),
                login VARCHAR NOT NULL UNIQUE,
                display_name VARCHAR NOT NULL DEFAULT '',
                email VARCHAR,
                role VARCHAR NOT NULL CHECK (role IN {_in(ROLES)}),
                password_hash VARCHAR,
                disabled BOOLEAN NOT NULL DEFAULT false,
                failed_attempts INTEGER NOT NULL DEFAULT 0,
                locked_until TIMESTAMP,
                is_demo BOOLEAN NOT NULL DEFAULT false,
                created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
            )""",
            """CREATE TABLE user_initiatives (
                user_id INTEGER NOT NULL REFERENCES users(id),
                initiative_id INTEGER NOT NULL REFERENCES initiatives(id),
                PRIMARY KEY (user_id, initiative_id)
            )""",
            "CREATE SEQUENCE seq_audit START 1",
            """CREATE TABLE audit_log (
                id BIGINT PRIMARY KEY DEFAULT nextval('seq_audit'),
                logged_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
                actor VARCHAR NOT NULL,
                action VARCHAR NOT NULL,
                initiative_id INTEGER,
                detail VARCHAR NOT NULL DEFAULT '',
                row_count BIGINT NOT NULL DEFAULT 0
            )""",
            # Bumped by every write transaction; caches key on it.
            """CREATE TABLE data_version (
                singleton BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
                version BIGINT NOT NULL
            )""",
            "INSERT INTO data_version VALUES (true, 0)",
        ],
    ),
    (
        2,
        "answers one row per respondent",
        [
            # Writing one row per answer (40 million for a million respondents) cost more than
            # reading and checking the whole file. A respondent's answers are now one list, in
            # the order of an item list shared by every respondent of the same file layout.
            "CREATE SEQUENCE seq_item_list START 1",
            """CREATE TABLE item_lists (
                id INTEGER PRIMARY KEY DEFAULT nextval('seq_item_list'),
                item_ids VARCHAR[] NOT NULL
            )""",
            # No foreign keys, as for respondents: millions of rows; the importer checks them.
            """CREATE TABLE respondent_answers (
                respondent_id BIGINT NOT NULL,
                item_list_id INTEGER NOT NULL,
                answers UTINYINT[] NOT NULL
                    CHECK (list_min(answers) >= 1 AND list_max(answers) <= 5)
            )""",
            """INSERT INTO item_lists (item_ids)
                SELECT DISTINCT list(item_id ORDER BY item_id) FROM responses
                GROUP BY respondent_id""",
            """INSERT INTO respondent_answers (respondent_id, item_list_id, answers)
                SELECT g.respondent_id, l.id, g.answers FROM (
                    SELECT respondent_id, list(item_id ORDER BY item_id) AS item_ids,
                           list(value ORDER BY item_id) AS answers
                    FROM responses GROUP BY respondent_id
                ) g JOIN item_lists l ON l.item_ids = g.item_ids""",
            "DROP TABLE responses",
            # Reads keep their one row per respondent and item (missing answers as NULL). The
            # item ids are joined by list position: unnesting the ids on every row is slower.
            """CREATE VIEW responses AS
                SELECT a.respondent_id, l.item_id, a.value
                FROM (
                    SELECT respondent_id, item_list_id, unnest(answers) AS value,
                           unnest(range(1, len(answers) + 1)) AS position
                    FROM respondent_answers
                ) a JOIN (
                    SELECT id, unnest(item_ids) AS item_id,
                           generate_subscripts(item_ids, 1) AS position
                    FROM item_lists
                ) l ON l.id = a.item_list_id AND l.position = a.position""",
        ],
    ),
    (
        3,
        "the time a password was last set, to end the sessions signed in before",
        ["ALTER TABLE users ADD COLUMN password_changed_at TIMESTAMP"],
    ),
    (
        4,
        "sessions that outlive a browser tab: one row per sign-in, found by its cookie's hash",
        [
            # The key that signs session cookies: made once per database, never shown.
            """CREATE TABLE session_keys (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                secret BLOB NOT NULL,
                created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
            )""",
            "CREATE SEQUENCE seq_session START 1",
            # Only a hash of the browser's token is kept: a copy of the database signs no one in.
            """CREATE TABLE sessions (
                id INTEGER PRIMARY KEY DEFAULT nextval('seq_session'),
                user_id INTEGER NOT NULL,
                token_hash VARCHAR NOT NULL,
                started_at TIMESTAMP NOT NULL,
                last_seen TIMESTAMP NOT NULL,
                ended_at TIMESTAMP,
                ended_because VARCHAR
            )""",
            "CREATE INDEX sessions_token ON sessions (token_hash)",
        ],
    ),
]
