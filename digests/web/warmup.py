"""Load at a worker's start what its first requests would otherwise load.

Django imports the URLconf (and with it every view) on the first request
that needs a URL, and the cached template loader compiles each template the
first time a page uses it: a few hundred milliseconds that the first readers
of every new worker would wait (after each deploy, and each time gunicorn
recycles a worker). gunicorn's ``post_worker_init`` calls ``warm_up()``.
"""

import logging
from pathlib import Path

from django.conf import settings
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template
from django.urls import get_resolver

log = logging.getLogger(__name__)


def site_templates():
    """Names of the site's own templates (the project's templates folders)."""
    for folder in map(Path, settings.TEMPLATES[0]["DIRS"]):
        for path in sorted(folder.rglob("*.html")):
            name = path.relative_to(folder).as_posix()
            if not name.startswith("admin/"):
                yield name


def warm_up():
    """Import every view and compile the site's templates; returns how many."""
    get_resolver().url_patterns  # noqa: B018 (imports the URLconf and its views)
    compiled = 0
    for name in site_templates():
        try:
            get_template(name)
        except (TemplateDoesNotExist, TemplateSyntaxError) as error:
            log.error("template %s does not load: %s", name, error)
        else:
            compiled += 1
    return compiled
