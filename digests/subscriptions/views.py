"""The reader's side of e-mail subscriptions: the Subscribe form (on
/subscribe/ and at the end of every issue), the confirmation page and the
one-click unsubscribe page."""

from django.conf import settings
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from ..comments.rules import client_ip
from ..views import SubscribeView as FeedsView
from . import signup
from .forms import SubscribeForm
from .limits import SubscribeRefused, check_rate_limit


class SubscribeView(FeedsView):
    """/subscribe/: the e-mail form first, then the feeds. A POST from any
    Subscribe form gets one answer whatever the address's state."""

    def get_context_data(self, **kwargs):
        kwargs.setdefault("subscribe_form", SubscribeForm(auto_id="subscribe-%s"))
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        form = SubscribeForm(request.POST, auto_id="subscribe-%s")
        status, retry_after = 400, None
        if form.is_valid():
            address = form.cleaned_data["email"]
            if form.cleaned_data["website"]:  # the hidden field: answer alike, do nothing
                return sent(request)
            try:
                check_rate_limit(client_ip(request), address)
            except SubscribeRefused as refusal:
                form.add_error(None, refusal.message)
                status, retry_after = refusal.status, refusal.retry_after
            else:
                signup.request_subscription(address)
                return sent(request)
        response = self.render_to_response(self.get_context_data(subscribe_form=form))
        response.status_code = status
        if retry_after:
            response["Retry-After"] = str(retry_after)
        return response


def sent(request):
    return render(
        request,
        "digests/subscribe_sent.html",
        {"page_title": "Check your inbox", "confirm_days": settings.DIGESTS_SUBSCRIBE_CONFIRM_DAYS},
    )


@method_decorator(never_cache, name="dispatch")
class ConfirmView(View):
    """The link in the confirmation e-mail: a button, since mail scanners
    open links (GET changes nothing); the button's POST confirms."""

    template_name = "digests/subscribe_confirm.html"

    def get(self, request, token):
        subscriber = signup.confirmable(token)
        return self.answer(request, subscriber, done=False)

    def post(self, request, token):
        subscriber = signup.confirm(token)
        return self.answer(request, subscriber, done=subscriber is not None)

    def answer(self, request, subscriber, *, done):
        context = {
            "valid": subscriber is not None,
            "done": done,
            "page_title": "Subscription confirmed" if done else "Confirm your subscription",
        }
        if subscriber is None:
            context["page_title"] = "This link doesn't work"
        return render(request, self.template_name, context, status=200 if subscriber else 400)


@method_decorator(never_cache, name="dispatch")
@method_decorator(csrf_exempt, name="dispatch")  # the signed token is the credential (RFC 8058)
class UnsubscribeView(View):
    """The subscriber's own link: one button (GET changes nothing); a POST,
    the button's or a mail program's ``List-Unsubscribe=One-Click``, unsubscribes."""

    http_method_names = ["get", "post"]
    template_name = "digests/subscribe_unsubscribe.html"

    def get(self, request, token):
        return self.answer(request, signup.unsubscribable(token), done=False)

    def post(self, request, token):
        return self.answer(request, signup.unsubscribe(token), done=True)

    def answer(self, request, subscriber, *, done):
        valid = subscriber is not None
        context = {
            "valid": valid,
            "done": done and valid,
            "page_title": "Unsubscribed" if done and valid else "Unsubscribe",
        }
        return render(request, self.template_name, context, status=200 if valid else 400)
