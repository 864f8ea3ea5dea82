# The plain text of annotations and issue introductions (search index and
# snippets) used to put a space wherever an inline tag was, so "**W**eights"
# was indexed as "W eights". markup.html_to_text now keeps such words whole;
# this recomputes the stored text where it changes (the search triggers
# re-index those rows). Going back leaves the better text in place.

from django.db import migrations

from digests.markup import html_to_text

BATCH = 500


def refresh(model, html_field, text_field):
    changed = []
    rows = model.objects.only("pk", html_field, text_field).order_by("pk")
    for row in rows.iterator(chunk_size=BATCH):
        text = html_to_text(getattr(row, html_field))
        if text != getattr(row, text_field):
            setattr(row, text_field, text)
            changed.append(row)
        if len(changed) == BATCH:
            model.objects.bulk_update(changed, [text_field])
            changed = []
    if changed:
        model.objects.bulk_update(changed, [text_field])


def recompute(apps, schema_editor):
    refresh(apps.get_model("digests", "Paper"), "annotation_html", "annotation_text")
    refresh(apps.get_model("digests", "Issue"), "intro_html", "intro_text")


class Migration(migrations.Migration):

    dependencies = [
        ("digests", "0011_sqlite_head_index"),
    ]

    operations = [
        migrations.RunPython(recompute, migrations.RunPython.noop),
    ]
