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
# Issue 15: the broker's view. Phase names depend on the initiative's phase model (data/
# phase_models.toml) and are checked in analytics.measures.phases, not here.
DEFAULT_PHASE_MODEL = "fsg"  # an initiative without a chosen model; PHASES are its phases
HEALTH_RATINGS = ("red", "amber", "green")
HEALTH_CHECK_RUN_BY = ("broker", "partners meeting")
ENTRY_KINDS = ("outcome", "decision")


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
        "the broker's view: phase models, health checks, what emerged",
        [
            # Phases belong to a phase model now, with a note and who recorded them. The FSG
            # CHECK goes: DuckDB cannot drop a constraint, so the table is rebuilt (nothing
            # references it) and its rows copied as FSG phases.
            f"""CREATE TABLE phases_v3 (
                id INTEGER PRIMARY KEY DEFAULT nextval('seq_phase'),
                initiative_id INTEGER NOT NULL REFERENCES initiatives(id),
                phase_model VARCHAR NOT NULL DEFAULT 'fsg',
                phase VARCHAR NOT NULL,
                start_date DATE NOT NULL,
                end_date DATE,
                note VARCHAR NOT NULL DEFAULT '',
                recorded_by VARCHAR NOT NULL DEFAULT '',
                CHECK (end_date IS NULL OR end_date >= start_date),
                CHECK (phase_model <> 'fsg' OR phase IN {_in(PHASES)})
            )""",
            """INSERT INTO phases_v3 (id, initiative_id, phase, start_date, end_date)
                SELECT id, initiative_id, phase, start_date, end_date FROM phases""",
            "DROP TABLE phases",
            "ALTER TABLE phases_v3 RENAME TO phases",
            # Apart from initiatives, as initiative_instruments: no row means FSG's model.
            """CREATE TABLE initiative_phase_models (
                initiative_id INTEGER PRIMARY KEY REFERENCES initiatives(id),
                phase_model VARCHAR NOT NULL
            )""",
            "CREATE SEQUENCE seq_health_check START 1",
            f"""CREATE TABLE health_checks (
                id INTEGER PRIMARY KEY DEFAULT nextval('seq_health_check'),
                initiative_id INTEGER NOT NULL REFERENCES initiatives(id),
                held_on DATE NOT NULL,
                phase_model VARCHAR NOT NULL,
                phase VARCHAR,
                run_by VARCHAR NOT NULL CHECK (run_by IN {_in(HEALTH_CHECK_RUN_BY)}),
                recorded_by VARCHAR NOT NULL,
                recorded_at TIMESTAMP NOT NULL DEFAULT current_timestamp
            )""",
            f"""CREATE TABLE health_check_ratings (
                health_check_id INTEGER NOT NULL REFERENCES health_checks(id),
                position INTEGER NOT NULL,
                topic VARCHAR NOT NULL,
                is_principle BOOLEAN NOT NULL,
                rating VARCHAR NOT NULL CHECK (rating IN {_in(HEALTH_RATINGS)}),
                note VARCHAR NOT NULL DEFAULT '',
                next_step VARCHAR NOT NULL DEFAULT '',
                PRIMARY KEY (health_check_id, topic)
            )""",
            "CREATE SEQUENCE seq_emergent_entry START 1",
            f"""CREATE TABLE emergent_entries (
                id INTEGER PRIMARY KEY DEFAULT nextval('seq_emergent_entry'),
                initiative_id INTEGER NOT NULL REFERENCES initiatives(id),
                kind VARCHAR NOT NULL CHECK (kind IN {_in(ENTRY_KINDS)}),
                happened_on DATE NOT NULL,
                title VARCHAR NOT NULL,
                change VARCHAR NOT NULL DEFAULT '',
                for_whom VARCHAR NOT NULL DEFAULT '',
                place VARCHAR NOT NULL DEFAULT '',
                significance VARCHAR NOT NULL DEFAULT '',
                contribution VARCHAR NOT NULL DEFAULT '',
                decided VARCHAR NOT NULL DEFAULT '',
                confirmed_by VARCHAR NOT NULL DEFAULT '',
                confirmed BOOLEAN NOT NULL DEFAULT false,
                conditions VARCHAR[] NOT NULL DEFAULT [],
                principles VARCHAR[] NOT NULL DEFAULT [],
                phase_model VARCHAR,
                phase VARCHAR,
                names_people BOOLEAN NOT NULL DEFAULT false,
                shareable BOOLEAN NOT NULL DEFAULT false,
                recorded_by VARCHAR NOT NULL,
                recorded_at TIMESTAMP NOT NULL DEFAULT current_timestamp
            )""",
        ],
    ),
    (
        5,
        "partner network waves and ties",
        [
            # Network waves have their own table, apart from the survey's `waves`: every survey
            # figure (participation, trends, changes, the report) reads `waves` as "a round of
            # the partner survey", and a network round with no survey answers would show there
            # as an empty survey wave. The two rounds also keep their own calendars.
            "CREATE SEQUENCE seq_network_wave START 1",
            """CREATE TABLE network_waves (
                id INTEGER PRIMARY KEY DEFAULT nextval('seq_network_wave'),
                initiative_id INTEGER NOT NULL REFERENCES initiatives(id),
                label VARCHAR NOT NULL,
                opened_on DATE NOT NULL,
                created_by_import INTEGER,  -- removed with that import's undo when left empty
                UNIQUE (initiative_id, label)
            )""",
            # One row per reported relationship: the respondent organisation's view of its tie
            # with a partner. No foreign keys, as for respondents: the importer checks them and
            # the undo deletes by import_id.
            """CREATE TABLE network_ties (
                network_wave_id INTEGER NOT NULL,
                import_id INTEGER,  -- NULL for the demo's ties, as for its respondents
                source_partner_id INTEGER NOT NULL,
                target_partner_id INTEGER NOT NULL,
                level UTINYINT NOT NULL CHECK (level BETWEEN 0 AND 5),
                frequency VARCHAR,
                trust DOUBLE CHECK (trust BETWEEN 1 AND 4),
                value DOUBLE CHECK (value BETWEEN 1 AND 4),
                CHECK (source_partner_id <> target_partner_id)
            )""",
            # What a network import added, so that its undo removes exactly that.
            "ALTER TABLE imports ADD COLUMN kind VARCHAR NOT NULL DEFAULT 'survey'",
            "ALTER TABLE imports ADD COLUMN partners_created INTEGER[] NOT NULL DEFAULT []",
        ],
    ),
    (
        6,
        "issue 14: an initiative's sectors and roles, item texts in other languages, comments",
        [
            # The lists an initiative's sector and role answers are placed on (none: defaults).
            """CREATE TABLE answer_choices (
                initiative_id INTEGER NOT NULL REFERENCES initiatives(id),
                field VARCHAR NOT NULL CHECK (field IN ('sector', 'role')),
                position INTEGER NOT NULL,
                value VARCHAR NOT NULL,
                PRIMARY KEY (initiative_id, field, value)
            )""",
            # An item's statement in another language (text_fr of an instrument CSV).
            """CREATE TABLE item_texts (
                instrument_id INTEGER NOT NULL REFERENCES instruments(id),
                item_id VARCHAR NOT NULL,
                language VARCHAR NOT NULL,
                text VARCHAR NOT NULL,
                PRIMARY KEY (instrument_id, item_id, language)
            )""",
            # Open-text answers, per respondent and question; never shown to funders.
            """CREATE TABLE comments (
                respondent_id BIGINT NOT NULL,
                import_id INTEGER NOT NULL,
                question VARCHAR NOT NULL,
                text VARCHAR NOT NULL
            )""",
        ],
    ),
    (
        7,
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
    (
        8,
        "each respondent's stored scale scores, which group statistics aggregate",
        [
            # One row per respondent and scale with at least one of the scale's items answered:
            # the mean of the answers after reverse coding (NULL when fewer than half of the
            # scale's items, rounded up, are answered), how many were answered and how many of
            # them were 4 or 5. Written with the answers in the import's transaction, deleted
            # with them, rewritten when the initiative's instrument changes; existing answers
            # are scored when the migration is applied (connection.MIGRATION_FILLS; since
            # migration 11 replaced this table by a view, by migration 11's fill). No foreign
            # keys, as for respondents: millions of rows.
            """CREATE TABLE respondent_scale_scores (
                respondent_id BIGINT NOT NULL,
                wave_id INTEGER NOT NULL,
                scale_type VARCHAR NOT NULL,
                scale VARCHAR NOT NULL,
                score DOUBLE,
                answered SMALLINT NOT NULL,
                favourable SMALLINT NOT NULL
            )""",
        ],
    ),
    (
        9,
        "issue 14: organisation aliases a broker confirmed, per initiative",
        [
            # One row per name key (analytics.ingest.aliases.name_key): every spelling with
            # that key is stored as partner_name. `alias` keeps the spellings confirmed.
            """CREATE TABLE organisation_aliases (
                initiative_id INTEGER NOT NULL REFERENCES initiatives(id),
                alias_key VARCHAR NOT NULL,
                alias VARCHAR NOT NULL,
                partner_name VARCHAR NOT NULL,
                confirmed_by VARCHAR NOT NULL,
                confirmed_at TIMESTAMP NOT NULL,
                PRIMARY KEY (initiative_id, alias_key)
            )""",
        ],
    ),
    (
        10,
        "issue 18: score cells, the stored scores summed per wave, sector, role and scale",
        [
            # One row per wave, sector group, role group (groups.BREAKDOWNS: 'not given' for
            # none), scale and number of the scale's items answered, with a stored score row:
            # respondents with a score (n), the sum and the sum of squares of their totals (a
            # score is total / items_answered: integers, so exact and the same on every store),
            # and the favourable and valid answers. Whole-wave, sector and role statistics
            # combine cells (store.score_cells). Rewritten from respondent_scale_scores in every
            # transaction that changes them or a respondent's sector, role or wave; filled when
            # the migration is applied.
            """CREATE TABLE score_cells (
                wave_id INTEGER NOT NULL,
                sector VARCHAR NOT NULL,
                role VARCHAR NOT NULL,
                scale_type VARCHAR NOT NULL,
                scale VARCHAR NOT NULL,
                items_answered SMALLINT NOT NULL,
                n BIGINT NOT NULL,
                sum_total BIGINT NOT NULL,
                sum_total2 BIGINT NOT NULL,
                favourable BIGINT NOT NULL,
                answered BIGINT NOT NULL
            )""",
            # Cronbach's alpha's sums, per wave, sector group, role group and scale of two or
            # more items, over the complete cases (respondents who answered every item): per
            # item position (1.. in item id order; 0 is the respondent's total) the count, the
            # sum and the sum of squares of the values after reverse coding. Integers, so exact;
            # kept with the score cells.
            """CREATE TABLE score_alpha_sums (
                wave_id INTEGER NOT NULL,
                sector VARCHAR NOT NULL,
                role VARCHAR NOT NULL,
                scale_type VARCHAR NOT NULL,
                scale VARCHAR NOT NULL,
                position INTEGER NOT NULL,
                n BIGINT NOT NULL,
                sum_x BIGINT NOT NULL,
                sum_x2 BIGINT NOT NULL
            )""",
        ],
    ),
    (
        11,
        "issue 18: each respondent's scale sums as one row of lists; the scores a view of them",
        [
            # Writing one row per respondent and scale (ten million for a million respondents
            # and ten scales) cost more than a second of a 1M import; one row per respondent
            # with lists costs a third of that. Readers keep respondent_scale_scores, now a
            # view. The rows are made again from the stored answers by the migration's fill
            # (base.MIGRATION_FILLS), which also rewrites the score cells.
            "DROP TABLE respondent_scale_scores",
            # An instrument's scales in a fixed order (as item_lists holds a file's items):
            # `needed` is the answers a score needs, half the scale's items rounded up.
            "CREATE SEQUENCE seq_scale_list START 1",
            """CREATE TABLE scale_lists (
                id INTEGER PRIMARY KEY DEFAULT nextval('seq_scale_list'),
                scale_types VARCHAR[] NOT NULL,
                scales VARCHAR[] NOT NULL,
                needed INTEGER[] NOT NULL
            )""",
            # Per respondent with an answer in some scale, in its scale list's order: the total
            # of the answers after reverse coding (an INTEGER: a scale may have thousands of
            # items), the answers and the favourable answers (4 or 5 after reverse coding).
            # Written with the answers in the import's transaction, deleted with them, rewritten
            # when the initiative's instrument changes. No foreign keys, as for respondents.
            """CREATE TABLE respondent_scale_lists (
                respondent_id BIGINT NOT NULL,
                wave_id INTEGER NOT NULL,
                scale_list_id INTEGER NOT NULL,
                totals INTEGER[] NOT NULL,
                answered SMALLINT[] NOT NULL,
                favourable SMALLINT[] NOT NULL
            )""",
            # Migration 8's rows: one per respondent and scale with at least one of the
            # scale's items answered, the score the mean of the answers after reverse coding
            # (NULL when fewer than `needed` are answered): a floating division of two
            # integers, as numpy's total / answered was. Each respondent's row is joined to its
            # list's scales and its values taken by position: DuckDB estimates that join's ten
            # rows a respondent, not an unnest's (it counts one), which made it hash the ten
            # million rows instead of the respondents a reader joins them to (4 times slower).
            """CREATE VIEW respondent_scale_scores AS
                SELECT r.respondent_id, r.wave_id, l.scale_type, l.scale,
                       CASE WHEN r.answered[l.position] >= l.needed
                            THEN CAST(r.totals[l.position] AS DOUBLE)
                                 / CAST(r.answered[l.position] AS DOUBLE)
                       END AS score,
                       r.answered[l.position] AS answered,
                       r.favourable[l.position] AS favourable
                FROM respondent_scale_lists r JOIN (
                    SELECT id, unnest(scale_types) AS scale_type, unnest(scales) AS scale,
                           unnest(needed) AS needed, generate_subscripts(scales, 1) AS position
                    FROM scale_lists
                ) l ON l.id = r.scale_list_id
                WHERE r.answered[l.position] > 0""",
        ],
    ),
]
