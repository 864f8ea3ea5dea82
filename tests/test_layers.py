"""The app's rooms import downwards only, and no two modules import each other.

Each module of digests/ sits on a layer; a module may import from its own
layer or a lower one, never a higher one, and the imports between modules
form no loop. The layers, lowest first, are the architecture that
docs/architecture.md draws; a new module needs a line here, which is the
moment to decide where it belongs.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "digests"

# Lowest first. A module is matched by the longest prefix listed.
LAYERS = [
    # Plain rules and formats: no models, no requests.
    [
        "digests.visibility", "digests.markup", "digests.arxiv", "digests.citations",
        "digests.structured_data", "digests.preview_links", "digests.web",
        "digests.comments.text", "digests.comments.refusals",
        "digests.social_cards", "digests.mail_retry",
    ],
    # What is stored.
    [
        "digests.models", "digests.comments.models", "digests.subscriptions.models",
        "digests.newsletter.models",
    ],
    # Caches under a content version, and the template tags pages use.
    ["digests.caching", "digests.templatetags"],
    # The parts of the app, each over the stored models.
    [
        "digests.comments", "digests.search", "digests.drafts", "digests.editor",
        "digests.tags", "digests.useful", "digests.subscriptions", "digests.newsletter",
    ],
    # What serves them: pages, feeds, the admin, URLs, commands, app start.
    [
        "digests.views", "digests.page_views", "digests.search.views", "digests.feeds",
        "digests.web.errors", "digests.card_views",
        "digests.useful.views", "digests.subscriptions.views", "digests.subscriptions.admin",
        "digests.sitemaps", "digests.newsletter.webhooks", "digests.newsletter.admin",
        "digests.newsletter.issue_panel",
        "digests.admin", "digests.comments.admin", "digests.urls", "digests.apps",
        "digests.management",
    ],
]  # fmt: skip


def layer_of(module):
    best = None
    for number, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            matches = module == prefix or module.startswith(prefix + ".")
            if matches and (best is None or len(prefix) > len(best[1])):
                best = (number, prefix)
    return best[0] if best else None


def module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path):
    """The project modules ``path`` imports, at any depth of the file (name, line)."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            # ``from . import x`` imports the module x of the package.
            names = [f"{target}.{alias.name}" for alias in node.names]
            names = [name if is_module(name) else target for name in names]
        else:
            continue
        found += [(name, node.lineno) for name in names if name.startswith("digests")]
    return found


def is_module(name):
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def app_modules():
    """Every module of the app but its migrations and its empty top package."""
    for path in sorted(APP.rglob("*.py")):
        if "migrations" not in path.parts and path != APP / "__init__.py":
            yield path


def test_every_module_has_a_layer():
    unplaced = [module_name(path) for path in app_modules() if layer_of(module_name(path)) is None]
    assert unplaced == [], "give these modules a layer in tests/test_layers.py"


def test_no_module_imports_from_a_higher_layer():
    upward = []
    for path in app_modules():
        module = module_name(path)
        for target, line in imports_of(path):
            if layer_of(target) is not None and layer_of(target) > layer_of(module):
                upward.append(f"{path.relative_to(ROOT)}:{line} {module} -> {target}")
    assert upward == []


def test_no_two_modules_import_each_other_even_through_others():
    graph = {module_name(path): set() for path in app_modules()}
    for path in app_modules():
        for target, _ in imports_of(path):
            if target in graph and target != module_name(path):
                graph[module_name(path)].add(target)
    # The package faces that only hand names on (digests.models) are part of a
    # loop only if what they re-export imports back; follow them like any module.
    loops = []
    state = {}

    def visit(node, trail):
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                loops.append(" -> ".join([*trail[trail.index(target) :], target]))
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert loops == []


@pytest.mark.parametrize(
    ("room", "forbidden"),
    [
        ("digests.caching", "digests.comments"),  # the comment form registers its markers
        ("digests.models", "digests.caching"),
        ("digests.comments.models", "digests.models"),
    ],
)
def test_named_rooms_stay_apart(room, forbidden):
    """The cache knows no comment form, the models no cache, comments no content models."""

    def within(name, prefix):
        return name == prefix or name.startswith(prefix + ".")

    reaching = [
        f"{path.relative_to(ROOT)}:{line} -> {target}"
        for path in app_modules()
        if within(module_name(path), room)
        for target, line in imports_of(path)
        if within(target, forbidden)
    ]
    assert reaching == []
