"""The discussion under an issue or a paper: reading it, posting to it, unsubscribing."""

import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.forms.renderers import Jinja2
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from ..caching.fragments import Fragments
from ..templatetags.digests import RELATIVE_TIME_SPAN, relative_time
from . import notify, rules
from .forms import CommentForm
from .models import Comment
from .refusals import CommentRefused

HELD_MESSAGE = "Thank you! Your comment is held for moderation."
PUBLISHED_MESSAGE = "Thank you! Your comment is published."
# The notice after posting is a message (so the page that shows it is one
# reader's, never the page cache's) tagged with this and the comment's id;
# the comment section draws it where the comment is, or where it was posted.
NOTICE_TAG = "comment-notice"
NOTICE_PK = re.compile(r"comment-(\d{1,19})")
NOTICE_ANCHOR = "comment-posted"
# The comment form's fields as Django's Jinja2 widget templates draw them (the
# same markup as its Django ones, in less time; the page body is Jinja2 too).
FORM_RENDERER = Jinja2()


@dataclass
class PostedNotice:
    """What the comment section says to the reader who has just posted."""

    text: str
    published: bool
    comment_pk: int
    where: tuple | None = None  # ("comment", pk), ("thread", pk) or None: above the form


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
        editor = rules.editor_for(request.user)
        form = CommentForm(request.POST, editor=editor)
        status, retry_after = 400, None
        if form.is_valid():
            data = form.cleaned_data
            try:
                comment = rules.create(
                    issue=issue,
                    paper=paper,
                    reply_to=data.get("reply_to"),
                    body=data["body"],
                    author_name=data.get("author_name") or "",
                    author_email=data.get("author_email") or "",
                    editor=editor,
                    ip=rules.client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                    notify_replies=data["notify_replies"],
                    honeypot=data["website"],
                )
            except CommentRefused as refusal:
                form.add_error(None, refusal.message)
                status, retry_after = refusal.status, refusal.retry_after
            else:
                return self.posted(request, comment)
        # The form is shown again with the reader's text (its time drawn afresh).
        context = self.get_context_data(object=self.object, comment_form=form, editor=editor)
        response = self.render_to_response(context)
        response.status_code = status
        if retry_after:
            response["Retry-After"] = str(retry_after)
        return response

    def posted(self, request, comment):
        """To the page (and comment page) where the new comment is, or would be
        once approved, at its notice: ``#comment-posted``."""
        tags = f"{NOTICE_TAG} comment-{comment.pk}"
        if comment.is_approved:
            messages.success(request, PUBLISHED_MESSAGE, extra_tags=tags)
            page = comment.get_absolute_url().split("#")[0]
        else:
            messages.info(request, HELD_MESSAGE, extra_tags=tags)
            # A held reply is announced under its thread, on the thread's page.
            thread = comment.parent if comment.parent and comment.parent.is_approved else None
            page = (thread.get_absolute_url() if thread else "").split("#")[0]
            page = page or self.object.get_absolute_url()
        return HttpResponseRedirect(f"{page}#{NOTICE_ANCHOR}")

    def posted_notice(self, issue, paper, shown):
        """This reader's notice after posting, taken from their messages (a page
        with a message is never served from or stored in the page cache):
        (notice or None, the other messages, for the top of the page).

        ``notice.where`` says where the comment section draws it: around the
        new comment when this page shows it, ("comment", pk); under its thread
        for a held reply, ("thread", pk); else None, just above the form."""
        notice, others = None, []
        for message in messages.get_messages(self.request):
            tags = (message.extra_tags or "").split()
            found = NOTICE_PK.fullmatch(tags[-1]) if NOTICE_TAG in tags else None
            if notice is None and found:
                published = message.level == messages.SUCCESS
                notice = PostedNotice(str(message), published, int(found.group(1)))
            else:
                others.append(message)
        if notice is None:
            return None, others
        comment = (
            Comment.objects.filter(pk=notice.comment_pk, issue=issue, paper=paper)
            .only("pk", "parent")
            .first()
        )
        if comment is not None and notice.published and comment.pk in shown:
            notice.where = ("comment", comment.pk)
        elif comment is not None and not notice.published and comment.parent_id in shown:
            notice.where = ("thread", comment.parent_id)
        return notice, others

    def get_context_data(self, **kwargs):
        editor = kwargs.pop("editor") if "editor" in kwargs else rules.editor_for(self.request.user)
        context = super().get_context_data(**kwargs)
        issue, paper = self.discussion()
        total, thread_total = self.discussion_counts()
        page, thread_list, replies = self._comment_page(issue, paper, thread_total)

        form = kwargs.get("comment_form")
        reply_to = None
        if form is None:
            reply_to = self._requested_reply(issue, thread_list, replies)
            form = CommentForm(
                editor=editor,
                initial={"reply_to": reply_to.pk if reply_to else None},
                renderer=FORM_RENDERER,
            )
        elif getattr(form, "cleaned_data", {}).get("reply_to"):
            try:
                reply_to = rules.reply_target(issue, form.cleaned_data["reply_to"], editor=editor)
            except CommentRefused:
                reply_to = None
        shown = {c.pk for c in thread_list} | {c.pk for group in replies.values() for c in group}
        notice, other_messages = self.posted_notice(issue, paper, shown)
        if notice is not None:
            context["messages"] = other_messages  # the notice is drawn in the comment section
        context.update(
            comment_notice=notice,
            comment_page=page,
            comment_threads=thread_list,
            comment_fragments=comment_fragments(thread_list),
            comment_form=form,
            comment_reply_to=reply_to,
            comments_closed=issue.comments_closed_reason() if not editor else "",
            discussion_about=paper or issue,
            discussion_of="paper" if paper else "issue",
            discussion_count=total,
        )
        return context

    def _comment_page(self, issue, paper, thread_total):
        """One page of threads, then all their replies: at most two queries.

        The thread count comes annotated on the page's object, so a discussion
        with no thread costs no query at all; otherwise the page's threads are
        one query and their replies another, each on an index, with 50 or
        500,000 comments.
        """
        threads = Comment.objects.discussion(issue, paper).threads()
        paginator = Paginator(threads, settings.DIGESTS_COMMENTS_PER_PAGE)
        paginator.count = thread_total  # known already; saves a COUNT query
        page = paginator.get_page(self.request.GET.get(self.comments_page_kwarg))
        start = (page.number - 1) * paginator.per_page
        thread_list = list(threads[start : start + paginator.per_page]) if thread_total else []
        replies = {}
        if thread_list:
            for reply in (
                Comment.objects.discussion(issue, paper)
                .filter(parent__in=[thread.pk for thread in thread_list])
                .order_by("created_at", "pk")
            ):
                replies.setdefault(reply.parent_id, []).append(reply)
        for thread in thread_list:
            thread.thread_replies = replies.get(thread.pk, [])
            # A reply answers its thread or another reply of it, all on hand
            # (one that is no longer shown is not named).
            shown = {thread.pk: thread, **{reply.pk: reply for reply in thread.thread_replies}}
            for reply in thread.thread_replies:
                reply.answering = shown.get(reply.in_reply_to_id)
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
        valid = notify.address_from_token(token) is not None
        return render(
            request,
            self.template_name,
            {"valid": valid, "done": False},
            status=200 if valid else 400,
        )

    def post(self, request, token):
        address = notify.unsubscribe(token)
        return render(
            request,
            self.template_name,
            {"valid": address is not None, "done": address is not None},
            status=200 if address else 400,
        )


# --- Comments as cached fragments ----------------------------------------------------


def comment_shown(comment, context, thread=None):
    """Everything templates/jinja2/digests/_comment.jinja shows of a comment, here and now."""
    page = context.get("comment_page")
    replying_to = comment.answering if thread else None
    return (
        comment.pk,
        comment.author_name,
        comment.is_editor,
        comment.body,
        comment.created_at,
        # "3 hours ago" moves on with the clock; older comments show their date,
        # which ``created_at`` already decides (and formatting it costs more).
        relative_time(comment.created_at) if _is_recent(comment.created_at) else None,
        thread.pk if thread else None,
        (replying_to.pk, replying_to.author_name) if replying_to else None,
        bool(context.get("comments_closed")),
        page.number if page is not None else None,
    )


def _is_recent(moment):
    return timezone.now() - moment < RELATIVE_TIME_SPAN


def comment_entries(threads):
    """A page of threads with their replies, as the comment section shows them."""
    for thread in threads:
        yield thread, {"thread": None}
        for reply in thread.thread_replies:
            yield reply, {"thread": thread}


def comment_fragments(threads):
    """The comments of one page of a discussion, cached by what they show."""
    entries = list(comment_entries(threads))
    return Fragments("comment", "digests/_comment.jinja", "comment", comment_shown, entries)
