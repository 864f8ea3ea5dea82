"""Stored Markdown rendered again: bare links no longer swallow the punctuation
after them (``https://arxiv.org/abs/2307.03172:`` linked "2307.03172:"), see
``markup.linkify_trailing_punctuation``. Only the HTML changes (its words are
the same, so the search text stays); rows whose HTML is unchanged are not
written. Also the index of the paper browser's "Most useful" order.
Backwards: the HTML stays as it is (the old rendering was the bug).
"""

from django.db import migrations, models

from digests.markup import render_markdown

BATCH = 500


def rerender(model, db, fields):
    """Render ``fields`` ({markdown field: html field}) of every row of ``model`` again."""
    rows = model.objects.using(db).order_by("pk")
    last = 0
    names = ["pk", *fields, *fields.values()]
    while batch := list(rows.filter(pk__gt=last).values(*names)[:BATCH]):
        last = batch[-1]["pk"]
        for row in batch:
            rendered = {html: render_markdown(row[source]) for source, html in fields.items()}
            changed = {html: value for html, value in rendered.items() if value != row[html]}
            if changed:
                model.objects.using(db).filter(pk=row["pk"]).update(**changed)


def rerender_all(apps, schema_editor):
    db = schema_editor.connection.alias
    rerender(apps.get_model("digests", "Paper"), db, {"annotation": "annotation_html"})
    rerender(
        apps.get_model("digests", "Issue"),
        db,
        {"intro": "intro_html", "closing_note": "closing_note_html"},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("digests", "0015_fill_authors"),
    ]

    operations = [
        migrations.RunPython(rerender_all, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="paper",
            index=models.Index(fields=["useful_count", "arxiv_date"], name="paper_useful_idx"),
        ),
    ]
