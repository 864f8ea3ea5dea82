"""Authors and authorships from the papers' author lines as they stand.

Runs ``write_authorships`` (digests/models/authors.py, the same rules as every
later save) over the papers in batches of 1,000 by id; 25,000 papers take a
few seconds. Backwards it does nothing: 0014's reversal drops the tables.
"""

from django.db import migrations

from digests.models.authors import write_authorships

BATCH = 1000


def fill_authors(apps, schema_editor):
    paper_model = apps.get_model("digests", "Paper")
    author_model = apps.get_model("digests", "Author")
    authorship_model = apps.get_model("digests", "Authorship")
    db = schema_editor.connection.alias
    papers = paper_model.objects.using(db).order_by("pk")
    last = 0
    while batch := list(papers.filter(pk__gt=last).values_list("pk", "authors")[:BATCH]):
        write_authorships(author_model, authorship_model, batch, using=db)
        last = batch[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("digests", "0014_authors_and_useful"),
    ]

    operations = [
        migrations.RunPython(fill_authors, migrations.RunPython.noop, elidable=True),
    ]
