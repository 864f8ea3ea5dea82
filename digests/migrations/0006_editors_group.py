"""The Editors group, with its permissions, also on a brand-new database.

Django creates permissions after all migrations have run (post_migrate), so
on a fresh database they do not exist yet when this runs: create them here
first, for every app, from this migration's view of the models.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from digests.editor.roles import EDITORS_GROUP, ensure_editors_group


def create_group(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
        app_config.models_module = None
    ensure_editors_group(apps)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=EDITORS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("digests", "0005_history"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
