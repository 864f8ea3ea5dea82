"""Social card images of issues and papers, and the og:image tags pointing at them.

A card is drawn once per text it shows: its key is the digest of that text
(``social_cards.Card.digest``), kept in the default cache, so an edit makes a
new card and nothing needs invalidating. Pages link to the card with that
digest in the address (``?v=``): social sites keep an image by its address,
so an edited title gets a new one, and proxies may keep a card named by its
digest for a year. Only published issues and papers have cards; drafts and
scheduled issues answer 404, and their previews carry no og:image.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import http_date

from . import social_cards
from .models import Issue, Paper

CACHE_SECONDS = 30 * 24 * 3600
# A card asked for by its digest never changes; without it, it may within the hour.
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=3600"


def card_of(thing):
    site = settings.DIGESTS_SITE_NAME
    if isinstance(thing, Issue):
        return social_cards.issue_card(thing, site, settings.DIGESTS_SITE_TAGLINE)
    return social_cards.paper_card(thing, site)


def card_url(thing):
    name = "digests:issue_card" if isinstance(thing, Issue) else "digests:paper_card"
    return reverse(name, args=[thing.slug])


def png_response(request, card, last_modified):
    digest = card.digest()
    key = f"social-card:{digest}"
    png = cache.get(key)
    if png is None:
        png = social_cards.render(card)
        cache.set(key, png, CACHE_SECONDS)
    response = HttpResponse(png, content_type="image/png")
    # The ETag the page cache gives a stored response: the same either way.
    response["ETag"] = f'"{hashlib.sha256(png).hexdigest()[:32]}"'
    response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = IMMUTABLE if request.GET.get("v") == digest[:12] else REVALIDATE
    return response


def issue_card(request, slug):
    issue = get_object_or_404(Issue.objects.published(), slug=slug)
    return png_response(request, card_of(issue), issue.updated_at)


def paper_card(request, slug):
    papers = Paper.objects.published().select_related("issue", "section")
    paper = get_object_or_404(papers, slug=slug)
    return png_response(request, card_of(paper), max(paper.updated_at, paper.issue.updated_at))


class SocialCardMixin:
    """Puts ``social_card`` (its absolute address and alt text) in the context
    of an issue's or a paper's page, for base.html's og:image and Twitter tags.
    Previews get none: their card would be a 404."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not context.get("preview"):
            card = card_of(self.object)
            url = f"{card_url(self.object)}?v={card.digest()[:12]}"
            context["social_card"] = {
                "url": self.request.build_absolute_uri(url),
                "alt": f"{card.site}: “{card.title}”, {card.dateline}",
            }
        return context
