# PostgreSQL: the small head vector (title, authors, tags) stays in the paper's
# row, where every search reads it; see search_schema.POSTGRES_HEAD_IN_ROW.
# Nothing to do on SQLite. Run VACUUM ANALYZE on a large archive afterwards: the
# rewrite leaves every row in the GIN indexes' pending lists until then.

from django.db import migrations

from digests.search import schema as search_schema


def keep_head_in_row(apps, schema_editor):
    search_schema.keep_head_in_row(schema_editor.connection)


def let_head_out_of_row(apps, schema_editor):
    search_schema.let_head_out_of_row(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("digests", "0009_history_arxiv_fields"),
    ]

    operations = [
        migrations.RunPython(keep_head_in_row, let_head_out_of_row),
    ]
