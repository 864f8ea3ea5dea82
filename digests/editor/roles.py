"""The Editors group: what an editor may do in the admin, in one place.

Editors run issues, papers, sections, tags and the comment queue, and may read
the history of issues and papers. They never manage accounts (users, groups):
that stays with superusers.
"""

from django.apps import apps as global_apps
from django.db.models import Q

EDITORS_GROUP = "Editors"
ACTIONS = ("add", "change", "delete", "view")
EDITED_MODELS = {
    "digests": ("issue", "paper", "section", "comment", "blockedterm"),
    "taggit": ("tag",),
}
HISTORY_MODELS = {"digests": ("historicalissue", "historicalpaper")}


def editor_permissions_q():
    rule = Q(pk__in=[])
    for app_label, models in EDITED_MODELS.items():
        rule |= Q(
            content_type__app_label=app_label,
            content_type__model__in=models,
            codename__in=[f"{action}_{model}" for action in ACTIONS for model in models],
        )
    for app_label, models in HISTORY_MODELS.items():
        rule |= Q(
            content_type__app_label=app_label,
            codename__in=[f"view_{model}" for model in models],
        )
    return rule


def ensure_editors_group(apps=global_apps):
    """Create the Editors group if needed and give it every editor permission.

    Permissions someone added to the group by hand are kept. ``apps`` is the
    migration's app registry when called from a migration."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    group.permissions.add(*Permission.objects.filter(editor_permissions_q()))
    return group
