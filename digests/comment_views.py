"""The discussion under an issue or a paper: reading it, posting to it, unsubscribing."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Subquery
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from . import comments, fragments
from .forms import CommentForm
from .models import Comment

HELD_MESSAGE = (
    "Thank you! Your comment is held for moderation and will appear here once an editor "
    "has read it."
)
PUBLISHED_MESSAGE = "Thank you! Your comment is published."


class CommentsMixin:
    """Adds the comment thread and form to a detail page, and accepts POSTed comments.

    The page says which issue and paper the discussion belongs to through
    ``discussion()``; an issue page hosts the issue-wide thread (paper=None).
    """

    comments_page_kwarg = "comments"

    def discussion(self):
        raise NotImplementedError  # -> (issue, paper or None)

    def discussion_counts(self):
        raise NotImplementedError  # -> (approved comments, approved threads), annotated

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        issue, paper = self.discussion()
        editor = request.user if comments.is_editor(request.user) else None
        form = CommentForm(request.POST, editor=editor)
        status, retry_after = 400, None
        if form.is_valid():
            data = form.cleaned_data
            try:
                comment = comments.create(
                    issue=issue,
                    paper=paper,
                    reply_to=self._reply_target(issue, data.get("reply_to"), editor),
                    body=data["body"],
                    author_name=data.get("author_name") or "",
                    author_email=data.get("author_email") or "",
                    user=editor,
                    ip=comments.client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                    notify_replies=data["notify_replies"],
                    honeypot=data["website"],
                )
            except comments.CommentRefused as refusal:
                form.add_error(None, refusal.message)
                status, retry_after = refusal.status, refusal.retry_after
            else:
                if comment.is_public:
                    messages.success(request, PUBLISHED_MESSAGE)
                    return HttpResponseRedirect(comment.get_absolute_url())
                messages.info(request, HELD_MESSAGE)
                return HttpResponseRedirect(self.object.get_absolute_url() + "#comments")
        form.data = form.renewed()  # keep the text, restart the clock
        context = self.get_context_data(object=self.object, comment_form=form)
        response = self.render_to_response(context)
        response.status_code = status
        if retry_after:
            response["Retry-After"] = str(retry_after)
        return response

    def _reply_target(self, issue, comment_id, editor):
        if not comment_id:
            return None
        candidates = Comment.objects.filter(pk=comment_id, issue=issue)
        if not editor:
            candidates = candidates.public()
        target = candidates.select_related("parent").first()
        if target is None:
            raise comments.CommentRefused("The comment you are replying to is not available.")
        return target

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        issue, paper = self.discussion()
        total, thread_total = self.discussion_counts()
        page, thread_list, replies = self._comment_page(issue, paper, thread_total)

        editor = self.request.user if comments.is_editor(self.request.user) else None
        form = kwargs.get("comment_form")
        reply_to = None
        if form is None:
            reply_to = self._requested_reply(issue, thread_list, replies)
            form = CommentForm(
                editor=editor, initial={"reply_to": reply_to.pk if reply_to else None}
            )
        elif getattr(form, "cleaned_data", {}).get("reply_to"):
            reply_to = (
                Comment.objects.public()
                .filter(pk=form.cleaned_data["reply_to"], issue=issue)
                .first()
            )
        context.update(
            comment_page=page,
            comment_threads=thread_list,
            comment_fragments=fragments.comments(thread_list),
            comment_form=form,
            comment_reply_to=reply_to,
            comments_closed=issue.comments_closed_reason() if not editor else "",
            discussion_about=paper or issue,
            discussion_count=total,
        )
        return context

    def _comment_page(self, issue, paper, thread_total):
        """One page of threads, then all their replies: two queries, whatever the numbers.

        The thread count comes annotated on the page's object and the replies
        are selected by a sliced subquery of the threads, so the page runs the
        same queries, each on an index, with 0, 50 or 500,000 comments.
        """
        threads = Comment.objects.public().threads().filter(issue=issue, paper=paper)
        paginator = Paginator(threads, settings.DIGESTS_COMMENTS_PER_PAGE)
        paginator.count = thread_total  # known already; saves a COUNT query
        page = paginator.get_page(self.request.GET.get(self.comments_page_kwarg))
        start = (page.number - 1) * paginator.per_page
        window = threads[start : start + paginator.per_page]
        thread_list = list(window)
        replies = {}
        # Always one query, even for an empty page: the cost never depends on the data.
        for reply in (
            Comment.objects.public()
            .filter(issue=issue, paper=paper, parent__in=Subquery(window.values("pk")))
            .select_related("in_reply_to")
            .order_by("created_at", "pk")
        ):
            replies.setdefault(reply.parent_id, []).append(reply)
        for thread in thread_list:
            thread.thread_replies = replies.get(thread.pk, [])
        return page, thread_list, replies

    def _requested_reply(self, issue, threads, replies):
        """``?reply=N`` (the no-JavaScript reply link) names a comment shown on this page."""
        wanted = self.request.GET.get("reply", "")
        if not (wanted.isascii() and wanted.isdigit()):
            return None
        shown = {c.pk: c for c in threads}
        for group in replies.values():
            shown.update({c.pk: c for c in group})
        return shown.get(int(wanted))


@method_decorator(csrf_exempt, name="dispatch")  # the signed token is the credential
class UnsubscribeView(View):
    """The link in every reply e-mail: one button (GET is safe from link scanners).

    Mail programs that support RFC 8058 POST here directly from their own
    "Unsubscribe" button, which makes it one click from the inbox.
    """

    template_name = "digests/unsubscribe.html"

    def get(self, request, token):
        valid = comments.unsubscribe_token_is_valid(token)
        return render(
            request,
            self.template_name,
            {"valid": valid, "done": False},
            status=200 if valid else 400,
        )

    def post(self, request, token):
        address = comments.unsubscribe(token)
        return render(
            request,
            self.template_name,
            {"valid": address is not None, "done": address is not None},
            status=200 if address else 400,
        )
