"""schema.org JSON-LD for search engines: the magazine, its issues and papers."""

from django.conf import settings
from django.urls import reverse


def periodical(absolute):
    return {
        "@type": "Periodical",
        "name": settings.DIGESTS_SITE_NAME,
        "description": settings.DIGESTS_SITE_TAGLINE,
        "url": absolute(reverse("digests:home")),
    }


def issue(item, absolute):
    data = {
        "@context": "https://schema.org",
        "@type": "PublicationIssue",
        "name": item.title,
        "url": absolute(item.get_absolute_url()),
        "isPartOf": periodical(absolute),
        "hasPart": [
            {"@type": "ScholarlyArticle", "name": p.title, "url": absolute(p.get_absolute_url())}
            for p in item.papers.all()
        ],
    }
    if item.published_at:
        data["datePublished"] = item.published_at.isoformat()
    if item.intro:
        data["description"] = " ".join(item.intro.split())[:300]
    return data


def paper(item, absolute):
    return {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "headline": item.title[:110],
        "name": item.title,
        "url": absolute(item.get_absolute_url()),
        "sameAs": item.abs_url,
        "identifier": {"@type": "PropertyValue", "propertyID": "arXiv", "value": item.arxiv_id},
        # Added while arXiv was down, the id gives only the month (ISO 8601 allows 2023-07).
        "datePublished": item.arxiv_date.strftime("%Y-%m")
        if item.metadata_missing
        else item.arxiv_date.isoformat(),
        "author": [
            {"@type": "Person", "name": author.name, "url": absolute(author.get_absolute_url())}
            for author in item.author_records
        ],
        "keywords": [tag.name for tag in item.tag_list],
        "encoding": {
            "@type": "MediaObject",
            "contentUrl": item.pdf_url,
            "encodingFormat": "application/pdf",
        },
        "isPartOf": {
            "@type": "PublicationIssue",
            "name": item.issue.title,
            "url": absolute(item.issue.get_absolute_url()),
            "isPartOf": periodical(absolute),
        },
    }


def website(absolute):
    return {"@context": "https://schema.org", **periodical(absolute)}
