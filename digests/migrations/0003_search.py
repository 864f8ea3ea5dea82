# Full-text search: plain-text copies of the rendered Markdown, a search vector
# on PostgreSQL, FTS5 tables on SQLite, and the triggers that keep them current.

import re
from html import unescape

import django.contrib.postgres.search
from django.db import migrations, models

from digests.search import schema as search_schema


# --- Plain text of rendered Markdown, for the index and for snippets ---------------

def _text(html):
    return " ".join(unescape(re.sub(r"<[^>]*>", " ", html or "")).split())


def fill_plain_text(apps, schema_editor):
    Paper = apps.get_model("digests", "Paper")
    Issue = apps.get_model("digests", "Issue")
    for model, source, target in ((Paper, "annotation_html", "annotation_text"),
                                  (Issue, "intro_html", "intro_text")):
        rows = model.objects.exclude(**{source: ""}).only("pk", source)
        batch = []
        for row in rows.iterator(chunk_size=2000):
            setattr(row, target, _text(getattr(row, source)))
            batch.append(row)
            if len(batch) == 2000:
                model.objects.bulk_update(batch, [target])
                batch = []
        model.objects.bulk_update(batch, [target])


# --- The index and its triggers: digests/search_schema.py (also re-applied after
# every migrate, because SQLite drops a table's triggers when a migration rebuilds it).

def create_index(apps, schema_editor):
    search_schema.create(schema_editor.connection)


def drop_index(apps, schema_editor):
    search_schema.drop(schema_editor.connection)

class Migration(migrations.Migration):

    dependencies = [
        ('digests', '0002_comments'),
    ]

    operations = [
        migrations.AddField(
            model_name='issue',
            name='intro_text',
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name='issue',
            name='search_vector',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='paper',
            name='annotation_text',
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name='paper',
            name='search_vector',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='paper',
            name='search_head',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(fill_plain_text, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
