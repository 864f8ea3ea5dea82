from django import template

from ..models import Comment

register = template.Library()


@register.simple_tag(takes_context=True)
def pending_comments(context):
    """How many comments wait for an editor (only for those who may moderate)."""
    user = context["request"].user
    if not user.has_perm("digests.change_comment"):
        return 0
    return Comment.objects.filter(status=Comment.Status.PENDING).count()
