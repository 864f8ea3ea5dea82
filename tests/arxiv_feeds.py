"""Answers in the shape of arXiv's export API (Atom 1.0 with arXiv's extensions).

Written for these tests from the API's documented format: a feed with
OpenSearch counts, one <entry> per paper, <published> for the first version,
the versioned abs URL as <id>, a PDF link and <arxiv:primary_category>; an
error is an entry whose <id> points into api/errors.
"""

from xml.sax.saxutils import escape

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<feed xmlns="http://www.w3.org/2005/Atom" '
    'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
    'xmlns:arxiv="http://arxiv.org/schemas/atom">\n'
    '  <link href="http://arxiv.org/api/query?id_list={ids}" rel="self" '
    'type="application/atom+xml"/>\n'
    '  <title type="html">ArXiv Query: id_list={ids}</title>\n'
    "  <id>http://arxiv.org/api/query-result-id</id>\n"
    "  <updated>2023-07-20T00:00:00-04:00</updated>\n"
    "  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
    "  <opensearch:startIndex>0</opensearch:startIndex>\n"
    "  <opensearch:itemsPerPage>{total}</opensearch:itemsPerPage>\n"
)

PAPERS = {
    "2307.03172": {
        "version": 3,
        "title": "Lost in the Middle: How Language\n      Models Use Long Contexts",
        "authors": ["Nelson F. Liu", "Kevin Lin", "John Hewitt"],
        "abstract": "  While recent language models have the ability to take long contexts\n"
        "as input, relatively little is known about how well they use them.  ",
        "published": "2023-07-06T17:54:11Z",
        "updated": "2023-11-20T18:50:44Z",
        "category": "cs.CL",
        "more_categories": ["cs.AI"],
    },
    "2307.01952": {
        "version": 1,
        "title": "SDXL: Improving Latent Diffusion Models for High-Resolution Image Synthesis",
        "authors": ["Dustin Podell", "Zion English"],
        "abstract": "We present SDXL, a latent diffusion model for text-to-image synthesis.",
        "published": "2023-07-04T17:57:38Z",
        "updated": "2023-07-04T17:57:38Z",
        "category": "cs.CV",
        "more_categories": [],
    },
    "2306.11987": {
        "version": 2,
        "title": "Training Transformers with 4-bit Integers",
        "authors": ["Haocheng Xi", "ChangHao Li", "Jianfei Chen", "Jun Zhu"],
        "abstract": "Quantizing the activation, weight, and gradient to 4-bit is promising.",
        "published": "2023-06-21T02:45:01Z",
        "updated": "2023-06-22T06:10:00Z",
        "category": "cs.LG",
        "more_categories": ["cs.NE"],
    },
    "hep-th/9901001": {
        "version": 1,
        "title": "An Old-Style Paper & Its <Ampersand>",
        "authors": ["A. Physicist"],
        "abstract": "Strings, briefly.",
        "published": "1999-01-01T10:00:00-05:00",
        "updated": "1999-01-01T10:00:00-05:00",
        "category": "hep-th",
        "more_categories": [],
    },
}


def entry(identifier, **overrides):
    paper = {**PAPERS[identifier], **overrides}
    versioned = f"{identifier}v{paper['version']}"
    authors = "".join(
        f"    <author>\n      <name>{escape(name)}</name>\n    </author>\n"
        for name in paper["authors"]
    )
    categories = "".join(
        f'    <category term="{term}" scheme="http://arxiv.org/schemas/atom"/>\n'
        for term in [paper["category"], *paper["more_categories"]]
    )
    return (
        "  <entry>\n"
        f"    <id>http://arxiv.org/abs/{versioned}</id>\n"
        f"    <updated>{paper['updated']}</updated>\n"
        f"    <published>{paper['published']}</published>\n"
        f"    <title>{escape(paper['title'])}</title>\n"
        f"    <summary>{escape(paper['abstract'])}</summary>\n"
        f"{authors}"
        '    <arxiv:comment xmlns:arxiv="http://arxiv.org/schemas/atom">12 pages</arxiv:comment>\n'
        f'    <link href="http://arxiv.org/abs/{versioned}" rel="alternate" type="text/html"/>\n'
        f'    <link title="pdf" href="http://arxiv.org/pdf/{versioned}" rel="related" '
        'type="application/pdf"/>\n'
        f'    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" '
        f'term="{paper["category"]}" scheme="http://arxiv.org/schemas/atom"/>\n'
        f"{categories}"
        "  </entry>\n"
    )


def feed(*identifiers, ids=None):
    """A successful answer holding the given papers (in that order)."""
    body = "".join(entry(identifier) for identifier in identifiers)
    return _wrap(body, ids or ",".join(identifiers), len(identifiers))


def error_feed(identifier, message=None):
    """arXiv's answer to an id it refuses: one entry pointing into api/errors."""
    message = message or f"incorrect id format for {identifier}"
    anchor = message.replace(" ", "_")
    body = (
        "  <entry>\n"
        f"    <id>http://arxiv.org/api/errors#{anchor}</id>\n"
        "    <title>Error</title>\n"
        f"    <summary>{escape(message)}</summary>\n"
        "    <updated>2023-07-20T00:00:00-04:00</updated>\n"
        f'    <link href="http://arxiv.org/api/errors#{anchor}" rel="alternate" '
        'type="text/html"/>\n'
        "    <author>\n      <name>arXiv api core</name>\n    </author>\n"
        "  </entry>\n"
    )
    return _wrap(body, identifier, 1)


def empty_feed(ids):
    """No entry at all: what arXiv sends for well-formed ids it does not have."""
    return _wrap("", ids, 0)


def _wrap(body, ids, total):
    return HEAD.format(ids=escape(ids), total=total) + body + "</feed>\n"


ATOM = "application/atom+xml; charset=utf-8"


def answer(request):
    """A werkzeug handler answering like arXiv: the papers asked for that it knows."""
    from werkzeug import Response

    ids = [i for i in request.args.get("id_list", "").split(",") if i in PAPERS]
    return Response(feed(*ids, ids=request.args.get("id_list", "")), content_type=ATOM)
