"""The search index's schema: FTS5 tables and triggers on SQLite, tsvector
triggers and GIN indexes on PostgreSQL (queries: ``sqlite.py``, ``postgres.py``).

Migration 0003 creates it. SQLite drops a table's triggers whenever a
migration rebuilds that table (which is how it alters columns), so
``ensure()`` runs after every ``migrate`` and puts back any that are missing,
then refills the index from the tables.
"""

import re

# Triggers, not signals: bulk_create, queryset.update(), raw SQL and a tag renamed
# in taggit's own admin all keep the index current, on either database.

# The names of a paper's tags, one string; {paper} is an expression for its id.
TAG_NAMES = """(SELECT group_concat(t.name, ' ') FROM digests_taggedpaper tp
    JOIN taggit_tag t ON t.id = tp.tag_id WHERE tp.content_object_id = {paper})"""

# Two paper indexes: every field, and the head (title, authors, tags) alone.
# The head's word lists are short, so telling and ranking title, author and tag
# hits among thousands of matches reads little (``sqlite.py``).
SQLITE_PAPER_ROW = (
    """INSERT INTO digests_paper_fts(rowid, title, authors, tags, annotation, abstract)
    VALUES (new.id, new.title, new.authors, """
    + TAG_NAMES.format(paper="new.id")
    + """,
            new.annotation_text, new.abstract);
    INSERT INTO digests_paper_head_fts(rowid, title, authors, tags)
    VALUES (new.id, new.title, new.authors, """
    + TAG_NAMES.format(paper="new.id")
    + ");"
)
SQLITE_PAPER_GONE = """DELETE FROM digests_paper_fts WHERE rowid = old.id;
    DELETE FROM digests_paper_head_fts WHERE rowid = old.id;"""

SQLITE_PAPER_INDEXES = ("digests_paper_fts", "digests_paper_head_fts")
SQLITE_TAGS_OF = "".join(
    f"UPDATE {table} SET tags = " + TAG_NAMES + " WHERE rowid = {paper};"
    for table in SQLITE_PAPER_INDEXES
)

SQLITE_ISSUE_ROW = """INSERT INTO digests_issue_fts(rowid, title, intro)
    VALUES (new.id, new.title, new.intro_text);"""

SQLITE_CREATE = [
    # Porter stemming ("pruned" finds "pruning"), accents folded; one column per
    # field so that bm25 can weigh them: title, then authors and tags, then the
    # annotation, then the abstract.
    """CREATE VIRTUAL TABLE IF NOT EXISTS digests_paper_fts USING fts5(
        title, authors, tags, annotation, abstract,
        tokenize = 'porter unicode61 remove_diacritics 2')""",
    """INSERT INTO digests_paper_fts(digests_paper_fts, rank)
        VALUES ('rank', 'bm25(10.0, 4.0, 4.0, 2.0, 1.0)')""",
    """CREATE VIRTUAL TABLE IF NOT EXISTS digests_paper_head_fts USING fts5(
        title, authors, tags, tokenize = 'porter unicode61 remove_diacritics 2')""",
    """INSERT INTO digests_paper_head_fts(digests_paper_head_fts, rank)
        VALUES ('rank', 'bm25(10.0, 4.0, 4.0)')""",
    """CREATE VIRTUAL TABLE IF NOT EXISTS digests_issue_fts USING fts5(
        title, intro, tokenize = 'porter unicode61 remove_diacritics 2')""",
    """INSERT INTO digests_issue_fts(digests_issue_fts, rank) VALUES ('rank', 'bm25(10.0, 2.0)')""",
    "CREATE TRIGGER IF NOT EXISTS digests_paper_fts_insert AFTER INSERT ON digests_paper BEGIN "
    + SQLITE_PAPER_ROW
    + " END",
    "CREATE TRIGGER IF NOT EXISTS digests_paper_fts_update AFTER UPDATE OF title, authors, annotation_text, "
    "abstract ON digests_paper BEGIN " + SQLITE_PAPER_GONE + SQLITE_PAPER_ROW + " END",
    "CREATE TRIGGER IF NOT EXISTS digests_paper_fts_delete AFTER DELETE ON digests_paper BEGIN "
    + SQLITE_PAPER_GONE
    + " END",
    "CREATE TRIGGER IF NOT EXISTS digests_taggedpaper_fts_insert AFTER INSERT ON digests_taggedpaper BEGIN "
    + SQLITE_TAGS_OF.format(paper="new.content_object_id")
    + " END",
    "CREATE TRIGGER IF NOT EXISTS digests_taggedpaper_fts_delete AFTER DELETE ON digests_taggedpaper BEGIN "
    + SQLITE_TAGS_OF.format(paper="old.content_object_id")
    + " END",
    "CREATE TRIGGER IF NOT EXISTS digests_taggedpaper_fts_update AFTER UPDATE ON digests_taggedpaper BEGIN "
    + SQLITE_TAGS_OF.format(paper="old.content_object_id")
    + SQLITE_TAGS_OF.format(paper="new.content_object_id")
    + " END",
    "CREATE TRIGGER IF NOT EXISTS digests_tag_fts_rename AFTER UPDATE OF name ON taggit_tag BEGIN "
    + "".join(
        f"UPDATE {table} SET tags = "
        + TAG_NAMES.format(paper=f"{table}.rowid")
        + " WHERE rowid IN (SELECT content_object_id FROM digests_taggedpaper WHERE tag_id = new.id);"
        for table in SQLITE_PAPER_INDEXES
    )
    + " END",
    "CREATE TRIGGER IF NOT EXISTS digests_issue_fts_insert AFTER INSERT ON digests_issue BEGIN "
    + SQLITE_ISSUE_ROW
    + " END",
    "CREATE TRIGGER IF NOT EXISTS digests_issue_fts_update AFTER UPDATE OF title, intro_text ON digests_issue "
    "BEGIN DELETE FROM digests_issue_fts WHERE rowid = old.id; " + SQLITE_ISSUE_ROW + " END",
    """CREATE TRIGGER IF NOT EXISTS digests_issue_fts_delete AFTER DELETE ON digests_issue BEGIN
        DELETE FROM digests_issue_fts WHERE rowid = old.id; END""",
]

SQLITE_FILL = [
    "DELETE FROM digests_paper_fts",
    "DELETE FROM digests_paper_head_fts",
    "DELETE FROM digests_issue_fts",
    "INSERT INTO digests_paper_fts(rowid, title, authors, tags, annotation, abstract) "
    "SELECT p.id, p.title, p.authors, "
    + TAG_NAMES.format(paper="p.id")
    + ", p.annotation_text, p.abstract FROM digests_paper p",
    "INSERT INTO digests_paper_head_fts(rowid, title, authors, tags) "
    "SELECT rowid, title, authors, tags FROM digests_paper_fts",
    "INSERT INTO digests_issue_fts(rowid, title, intro) "
    "SELECT id, title, intro_text FROM digests_issue",
]

SQLITE_TRIGGERS = [sql for sql in SQLITE_CREATE if "CREATE TRIGGER" in sql]
SQLITE_DROP_TRIGGERS = [
    "DROP TRIGGER IF EXISTS " + re.search(r"IF NOT EXISTS (\w+)", sql).group(1)
    for sql in SQLITE_TRIGGERS
]
SQLITE_DROP = SQLITE_DROP_TRIGGERS + [
    f"DROP TABLE IF EXISTS {table}"
    for table in ("digests_paper_fts", "digests_paper_head_fts", "digests_issue_fts")
]

GAP = "'''|'':1'::tsvector"

POSTGRES_CREATE = [
    # Weights: A title, B authors and tags, C annotation, D abstract.
    # Fields are joined with a one-position gap (a lexeme no query can hold), so
    # that a phrase never matches across two fields, as in FTS5's columns.
    # search_head holds the first two weights alone: a small vector with its own
    # index, so a query matching thousands of papers ranks the title, author and
    # tag hits without reading every long vector (see postgres.py).
    """CREATE FUNCTION digests_paper_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_head :=
            setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') || GAP
            || setweight(to_tsvector('english', coalesce(NEW.authors, '')), 'B') || GAP
            || setweight(to_tsvector('english', coalesce((
                SELECT string_agg(t.name, ' ') FROM digests_taggedpaper tp
                JOIN taggit_tag t ON t.id = tp.tag_id WHERE tp.content_object_id = NEW.id
            ), '')), 'B');
        NEW.search_vector := NEW.search_head || GAP
            || setweight(to_tsvector('english', coalesce(NEW.annotation_text, '')), 'C') || GAP
            || setweight(to_tsvector('english', coalesce(NEW.abstract, '')), 'D');
        RETURN NEW;
    END $$""".replace("GAP", GAP),
    # Setting search_vector to NULL is how the other triggers ask for a recount.
    """CREATE TRIGGER digests_paper_search BEFORE INSERT OR UPDATE OF
        title, authors, annotation_text, abstract, search_vector
        ON digests_paper FOR EACH ROW EXECUTE FUNCTION digests_paper_search_vector()""",
    # Statement triggers with transition tables: a bulk_create of 10,000 tag
    # rows recounts each paper once, not once per tag.
    """CREATE FUNCTION digests_taggedpaper_search_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            UPDATE digests_paper SET search_vector = NULL
            WHERE id IN (SELECT content_object_id FROM old_rows);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            UPDATE digests_paper SET search_vector = NULL
            WHERE id IN (SELECT content_object_id FROM new_rows);
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER digests_taggedpaper_search_insert AFTER INSERT ON digests_taggedpaper
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
        EXECUTE FUNCTION digests_taggedpaper_search_refresh()""",
    """CREATE TRIGGER digests_taggedpaper_search_delete AFTER DELETE ON digests_taggedpaper
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
        EXECUTE FUNCTION digests_taggedpaper_search_refresh()""",
    """CREATE TRIGGER digests_taggedpaper_search_update AFTER UPDATE ON digests_taggedpaper
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
        EXECUTE FUNCTION digests_taggedpaper_search_refresh()""",
    """CREATE FUNCTION digests_tag_search_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE digests_paper SET search_vector = NULL WHERE id IN (
            SELECT content_object_id FROM digests_taggedpaper WHERE tag_id = NEW.id);
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER digests_tag_search_rename AFTER UPDATE OF name ON taggit_tag
        FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
        EXECUTE FUNCTION digests_tag_search_refresh()""",
    """CREATE FUNCTION digests_issue_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_vector :=
            setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') || GAP
            || setweight(to_tsvector('english', coalesce(NEW.intro_text, '')), 'C');
        RETURN NEW;
    END $$""".replace("GAP", GAP),
    """CREATE TRIGGER digests_issue_search BEFORE INSERT OR UPDATE OF
        title, intro_text, search_vector
        ON digests_issue FOR EACH ROW EXECUTE FUNCTION digests_issue_search_vector()""",
    "CREATE INDEX digests_paper_search_gin ON digests_paper USING gin (search_vector)",
    "CREATE INDEX digests_paper_search_head_gin ON digests_paper USING gin (search_head)",
    # Long text and vectors out of line: the rows a search scans and counts stay
    # narrow, so a count reads a fraction of the heap (bench/README.md).
    "ALTER TABLE digests_paper SET (toast_tuple_target = 256)",
    "CREATE INDEX digests_issue_search_gin ON digests_issue USING gin (search_vector)",
    "UPDATE digests_paper SET search_vector = NULL",
    "UPDATE digests_issue SET search_vector = NULL",
]

POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS digests_paper_search ON digests_paper",
    "DROP TRIGGER IF EXISTS digests_taggedpaper_search_insert ON digests_taggedpaper",
    "DROP TRIGGER IF EXISTS digests_taggedpaper_search_delete ON digests_taggedpaper",
    "DROP TRIGGER IF EXISTS digests_taggedpaper_search_update ON digests_taggedpaper",
    "DROP TRIGGER IF EXISTS digests_tag_search_rename ON taggit_tag",
    "DROP TRIGGER IF EXISTS digests_issue_search ON digests_issue",
    "DROP FUNCTION IF EXISTS digests_paper_search_vector()",
    "DROP FUNCTION IF EXISTS digests_taggedpaper_search_refresh()",
    "DROP FUNCTION IF EXISTS digests_tag_search_refresh()",
    "DROP FUNCTION IF EXISTS digests_issue_search_vector()",
    "DROP INDEX IF EXISTS digests_paper_search_gin",
    "DROP INDEX IF EXISTS digests_paper_search_head_gin",
    "ALTER TABLE digests_paper RESET (toast_tuple_target)",
    "DROP INDEX IF EXISTS digests_issue_search_gin",
]

# The head vector is read for every match of a search (is this a title, author
# or tag hit? how does it rank?). toast_tuple_target would move it out of line
# with the long text; STORAGE MAIN keeps it in the row unless a row outgrows a
# whole page, so ranking head hits reads no out-of-line value. Setting
# search_vector to NULL rewrites every row, which is what moves existing ones.
POSTGRES_HEAD_IN_ROW = [
    "ALTER TABLE digests_paper ALTER COLUMN search_head SET STORAGE MAIN",
    "UPDATE digests_paper SET search_vector = NULL",
]
POSTGRES_HEAD_OUT_OF_ROW = [
    "ALTER TABLE digests_paper ALTER COLUMN search_head SET STORAGE EXTENDED",
]


def _execute(connection, statements):
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def create(connection):
    if connection.vendor == "sqlite":
        _execute(connection, SQLITE_CREATE + SQLITE_FILL)
    elif connection.vendor == "postgresql":
        _execute(connection, POSTGRES_CREATE)
    else:
        raise RuntimeError("digests supports SQLite and PostgreSQL only.")


def drop(connection):
    _execute(connection, SQLITE_DROP if connection.vendor == "sqlite" else POSTGRES_DROP)


def rebuild(connection):
    """Index every paper and issue again, from the tables as stored."""
    if connection.vendor == "sqlite":
        _execute(connection, SQLITE_FILL)
    else:  # NULL asks the row triggers for fresh vectors
        _execute(
            connection,
            [
                "UPDATE digests_paper SET search_vector = NULL",
                "UPDATE digests_issue SET search_vector = NULL",
            ],
        )


def missing_triggers(connection):
    if connection.vendor != "sqlite":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'digests_%fts%'"
        )
        return len(SQLITE_TRIGGERS) - cursor.fetchone()[0]


def ensure(connection):
    """Put back SQLite triggers a table rebuild dropped, and refill the index.

    Returns the number of triggers that were missing (0 when all was well)."""
    missing = missing_triggers(connection)
    if missing:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'digests_paper_fts'")
            if not cursor.fetchone()[0]:
                return 0  # migration 0003 has not run yet: it will create everything
        _execute(connection, SQLITE_CREATE + SQLITE_FILL)
    return missing


def add_sqlite_head_index(connection):
    """Migration 0011: the head index, and triggers that keep both paper indexes."""
    if connection.vendor == "sqlite":
        _execute(connection, SQLITE_DROP_TRIGGERS + SQLITE_CREATE + SQLITE_FILL)


def keep_head_in_row(connection):
    if connection.vendor == "postgresql":
        _execute(connection, POSTGRES_HEAD_IN_ROW)


def let_head_out_of_row(connection):
    if connection.vendor == "postgresql":
        _execute(connection, POSTGRES_HEAD_OUT_OF_ROW)
