from django import template
from django.db.models import Count

from ..models import Comment, Subscriber

register = template.Library()


@register.simple_tag(takes_context=True)
def pending_comments(context):
    """How many comments wait for an editor (only for those who may moderate)."""
    user = context["request"].user
    if not user.has_perm("digests.change_comment"):
        return 0
    return Comment.objects.filter(status=Comment.Status.PENDING).count()


@register.simple_tag(takes_context=True)
def subscriber_counts(context):
    """Subscribers by status, in one grouped query (None for who may not see them)."""
    if not context["request"].user.has_perm("digests.view_subscriber"):
        return None
    counts = dict(Subscriber.objects.order_by().values_list("status").annotate(total=Count("pk")))
    status = Subscriber.Status
    return {
        "confirmed": counts.get(status.CONFIRMED, 0),
        "pending": counts.get(status.PENDING, 0),
        "unsubscribed": counts.get(status.UNSUBSCRIBED, 0),
        "bounced": counts.get(status.BOUNCED, 0) + counts.get(status.COMPLAINED, 0),
    }
