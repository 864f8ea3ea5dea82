# SQLite: a second, small full-text index of each paper's title, authors and
# tags, which a search uses to tell and rank those hits (digests/search.py).
# The paper and tag triggers are made again to keep both indexes current, and
# both are filled from the tables. Nothing to do on PostgreSQL, whose head
# vector has been in the paper's row since 0010. Going back leaves the head
# index in place and kept current: nothing reads it then.

from django.db import migrations

from digests.search import schema as search_schema


def add_head_index(apps, schema_editor):
    search_schema.add_sqlite_head_index(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("digests", "0010_search_head_in_row"),
    ]

    operations = [
        migrations.RunPython(add_head_index, migrations.RunPython.noop),
    ]
