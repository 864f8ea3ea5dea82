"""The Useful button's addresses: marking a paper (POST) and the current counts (GET).

Both live under /useful/, which the page cache never stores: a mark must
not bump the content version of every page, so the counts a cached page
shows are as of its last rebuild, and the page's script asks for the
current ones (one small query).
"""

from django.contrib import messages
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_POST

from ..comments.rules import client_ip
from ..models import Paper
from . import rules

MAX_COUNTS = 100  # papers one request may ask about (an issue holds some 20)


def wants_json(request):
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def back_to(paper, request):
    """Where the no-JavaScript form returns: the paper's card on its issue page,
    or the button on the paper's own page."""
    if request.POST.get("back") == "issue":
        return f"{paper.issue.get_absolute_url()}#useful-{paper.slug}"
    return f"{paper.get_absolute_url()}#useful"


@require_POST
def mark_useful(request, slug):
    paper = get_object_or_404(Paper.objects.published().select_related("issue"), slug=slug)
    already = rules.marked(request)
    try:
        counted, count = rules.mark(paper, already, client_ip(request))
    except rules.MarkRefused as refusal:
        if wants_json(request):
            response = JsonResponse(
                {"error": refusal.message, "retry_after": refusal.retry_after},
                status=refusal.status,
            )
        else:
            response = render(
                request,
                "digests/useful_refused.html",
                {
                    "paper": paper,
                    "heading": "Not counted yet"
                    if refusal.status != 429
                    else "That's a lot of useful papers",
                    "message": refusal.message,
                    "back": back_to(paper, request),
                    "page_title": "Not counted yet",
                },
                status=refusal.status,
            )
        response["Retry-After"] = str(refusal.retry_after)
        return response
    if wants_json(request):
        response = JsonResponse(
            {"paper": paper.pk, "marked": True, "counted": counted, "count": count}
        )
    else:
        # The message's cookie makes the page it returns to a fresh one (the page
        # cache leaves it alone), so the reader sees the new count at once.
        if counted:
            messages.success(request, f"Thank you! You marked “{paper.title}” as useful.")
        else:
            messages.info(request, f"You have already marked “{paper.title}” as useful.")
        response = HttpResponseRedirect(back_to(paper, request), status=303)
    if paper.pk not in already:
        rules.remember(response, [*already, paper.pk])
    return response


@require_GET
def useful_counts(request):
    """``?paper=1&paper=2`` → {"counts": {"1": 4, "2": 0}}: published papers only."""
    wanted = request.GET.getlist("paper")
    if not wanted or len(wanted) > MAX_COUNTS:
        return JsonResponse(
            {"error": f"Ask for 1 to {MAX_COUNTS} papers: ?paper=<id>&paper=<id>."}, status=400
        )
    if not all(value.isascii() and value.isdigit() and len(value) < 12 for value in wanted):
        return JsonResponse({"error": "Paper ids are whole numbers."}, status=400)
    counts = rules.counts({int(value) for value in wanted})
    response = JsonResponse({"counts": {str(pk): count for pk, count in counts.items()}})
    patch_cache_control(response, no_cache=True)
    return response
