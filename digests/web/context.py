from django.conf import settings


def site(request):
    """The magazine's name and tagline, for every template."""
    return {
        "site_name": settings.DIGESTS_SITE_NAME,
        "site_tagline": settings.DIGESTS_SITE_TAGLINE,
    }
