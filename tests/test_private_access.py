"""No code of the project reads a library's private state.

A name with a leading underscore is an implementation detail of whoever defines
it: it may change in any release without notice. This test reads every Python
file of the project (migrations aside, being generated) and names each place
that reaches for one from outside:

- ``obj._name``, unless ``obj`` is the bare name ``self`` or ``cls``;
- ``super()._name``;
- ``getattr``/``setattr``/``hasattr``/``delattr(obj, "_name")`` (and pytest's
  ``monkeypatch.setattr``/``delattr``, ``mock.patch.object``) with the name
  written out, or a dotted target such as ``"module._name"``;
- ``from library import _name``;
- ``self._name`` (or ``cls._name``) in a class built on a class from outside the
  project, when neither that class nor any of its bases in the project assigns or
  defines ``_name``: the name is then the library's.

A few names have a leading underscore and are nonetheless documented public API;
they are allowed.
"""

import ast
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("digests", "config", "bench", "tests")
# Documented public APIs despite the underscore: Django's Model._meta and its
# managers, and namedtuple's methods and field list.
ALLOWED = {
    "_meta",
    "_default_manager",
    "_base_manager",
    "_replace",
    "_asdict",
    "_fields",
    "_make",
}
OWN = {"self", "cls"}
ATTRIBUTE_FUNCTIONS = {"getattr", "setattr", "hasattr", "delattr"}


def is_private(name):
    dunder = name.startswith("__") and name.endswith("__")
    return len(name) > 1 and name.startswith("_") and not dunder and name not in ALLOWED


def in_project(module):
    return module.split(".")[0] in FOLDERS


@dataclass
class Module:
    name: str  # dotted, as imported
    where: str  # its path from the project's root
    tree: ast.Module
    is_package: bool
    imports: dict = field(default_factory=dict)  # local name -> (module, name or None)
    classes: dict = field(default_factory=dict)  # top-level class name -> ClassDef


def absolute(module, node):
    """The module an ``ImportFrom`` names, relative imports resolved."""
    if not node.level:
        return node.module
    package = module.name.split(".")
    if not module.is_package:
        package.pop()
    package = package[: len(package) - (node.level - 1)]
    return ".".join(package + ([node.module] if node.module else []))


def parse_module(where, source):
    parts = where.removesuffix(".py").split("/")
    is_package = parts[-1] == "__init__"
    module = Module(
        name=".".join(parts[:-1] if is_package else parts),
        where=where,
        tree=ast.parse(source, filename=where),
        is_package=is_package,
    )
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    module.imports[alias.asname] = (alias.name, None)
                else:
                    top = alias.name.split(".")[0]
                    module.imports[top] = (top, None)
        elif isinstance(node, ast.ImportFrom):
            source = absolute(module, node)
            for alias in node.names:
                module.imports[alias.asname or alias.name] = (source, alias.name)
    for node in module.tree.body:
        if isinstance(node, ast.ClassDef):
            module.classes[node.name] = node
    return module


def project_modules():
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            where = path.relative_to(ROOT).as_posix()
            if "/migrations/" not in where:
                yield parse_module(where, path.read_text())


class Project:
    def __init__(self, modules):
        self.modules = {module.name: module for module in modules}

    # --- where a base class comes from ---
    def find_class(self, module_name, name, depth=0):
        """(module, ClassDef) of a project class, following re-exports; None if not found."""
        module = self.modules.get(module_name)
        if module is None or depth > 5:
            return None
        if name in module.classes:
            return module, module.classes[name]
        if name in module.imports:
            source, imported = module.imports[name]
            if in_project(source):
                if imported is None:
                    return None
                return self.find_class(source, imported, depth + 1)
        return None

    def resolve(self, module, expression):
        """What a base-class expression is: ("external", text), ("project", (module,
        ClassDef)) or ("builtin", text) for names nobody imported."""
        text = ast.unparse(expression)
        if isinstance(expression, ast.Subscript):  # Generic[T], list[str]
            return self.resolve(module, expression.value)
        if isinstance(expression, ast.Call):  # namedtuple("Point", ...)
            return self.resolve(module, expression.func)
        chain = []
        while isinstance(expression, ast.Attribute):
            chain.insert(0, expression.attr)
            expression = expression.value
        if not isinstance(expression, ast.Name):
            return ("builtin", text)
        root = expression.id
        if not chain and root in module.classes:
            return ("project", (module, module.classes[root]))
        if root not in module.imports:
            return ("builtin", text)
        source, imported = module.imports[root]
        if not in_project(source):
            return ("external", text)
        path = [source] + ([imported] if imported else []) + chain
        found = self.find_class(".".join(path[:-1]), path[-1])
        return ("project", found) if found else ("unresolved", text)

    def lineage(self, module, cls, seen=None):
        """(names defined by the class and its project bases, the outside bases it
        stands on, project bases that could not be found)."""
        seen = seen if seen is not None else set()
        if id(cls) in seen:
            return set(), [], []
        seen.add(id(cls))
        names, outside, unresolved = defined_names(cls), [], []
        for base in cls.bases:
            kind, what = self.resolve(module, base)
            if kind == "external":
                outside.append(what)
            elif kind == "unresolved":
                unresolved.append(what)
            elif kind == "project":
                more, more_outside, more_unresolved = self.lineage(*what, seen)
                names |= more
                outside += more_outside
                unresolved += more_unresolved
        return names, outside, unresolved


def defined_names(cls):
    """Names the class body defines, and attributes its methods assign on self/cls."""
    names = set()
    for statement in cls.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(statement.name)
        targets = []
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, ast.AnnAssign | ast.AugAssign):
            targets = [statement.target]
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name):
                    names.add(node.id)
    for node in own_nodes(cls):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store | ast.Del)
            and isinstance(node.value, ast.Name)
            and node.value.id in OWN
        ):
            names.add(node.attr)
        if isinstance(node, ast.Call) and call_name(node) == "setattr" and node.args:
            first, name = node.args[0], literal_name(node)
            if isinstance(first, ast.Name) and first.id in OWN and name:
                names.add(name)
    return names


def own_nodes(cls):
    """Every node of a class body, nested classes excluded (their self is another)."""
    stack = [cls]
    while stack:
        for child in ast.iter_child_nodes(stack.pop()):
            if not isinstance(child, ast.ClassDef):
                yield child
                stack.append(child)


def call_name(call):
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def literal_name(call):
    """The attribute name written out as the second argument, if it is one."""
    if len(call.args) >= 2:
        argument = call.args[1]
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            return argument.value
    return None


def dotted_target(call):
    """A "package.module._name" string given as the first argument (monkeypatch, patch)."""
    argument = call.args[0] if call.args else None
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return argument.value if "." in argument.value and " " not in argument.value else None
    return None


def names_an_attribute(call):
    """getattr() and its kin, monkeypatch.setattr/delattr, mock.patch.object."""
    name = call_name(call)
    if name in ATTRIBUTE_FUNCTIONS:
        return True
    func = call.func
    return (
        name == "object"
        and isinstance(func, ast.Attribute)
        and ast.unparse(func.value).endswith("patch")
    )


def is_own(node):
    return isinstance(node, ast.Name) and node.id in OWN


def problems_in(project, module):
    """(path, line, what) for each place of the module that reads private state."""
    found = []

    def report(node, message):
        found.append((module.where, node.lineno, message))

    for node in ast.walk(module.tree):
        if isinstance(node, ast.Attribute) and is_private(node.attr):
            owner = node.value
            if is_own(owner):
                continue  # see self_reads
            if isinstance(owner, ast.Call) and ast.unparse(owner.func) == "super":
                report(node, f"super().{node.attr}: a base class's private attribute")
            else:
                report(node, f"{ast.unparse(node)}: private attribute of another object")
        elif isinstance(node, ast.Call):
            attribute = literal_name(node)
            # getattr(self, "_name") is for self_reads to judge.
            named = attribute and is_private(attribute) and names_an_attribute(node)
            if named and not is_own(node.args[0]):
                owner = ast.unparse(node.args[0])
                report(node, f'{ast.unparse(node.func)}({owner}, "{attribute}"): private')
            if call_name(node) in ("setattr", "delattr", "patch"):
                target = dotted_target(node)
                if target and any(is_private(part) for part in target.split(".")):
                    report(node, f'{ast.unparse(node.func)}("{target}"): private')
        elif isinstance(node, ast.ImportFrom):
            source = absolute(module, node) or ""
            if not in_project(source):
                for alias in node.names:
                    if is_private(alias.name):
                        report(node, f"from {source} import {alias.name}: private name")
        elif isinstance(node, ast.ClassDef):
            found.extend(self_reads(project, module, node))
    return found


def self_reads(project, module, cls):
    """self._name (or getattr(self, "_name")) in a class built on an outside class,
    when the name is defined by none of the project's classes in its lineage."""
    names, outside, unresolved = project.lineage(module, cls)
    if not outside or unresolved:
        return []
    found = []
    for node in own_nodes(cls):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            owner, name = node.value, node.attr
        elif isinstance(node, ast.Call) and names_an_attribute(node) and literal_name(node):
            owner, name = node.args[0], literal_name(node)
        else:
            continue
        if is_own(owner) and is_private(name) and name not in names:
            message = (
                f"{owner.id}.{name} in {cls.name}: defined by none of the project's "
                f"classes, so it is private state of {', '.join(outside)}"
            )
            found.append((module.where, node.lineno, message))
    return found


EXAMPLE = """
from unittest import mock

from django.contrib import admin
from django.db import models
from django.utils.text import _format_lazy  # flagged: from django.utils.text import _format_lazy
from .helpers import _own_helper


class Paper(models.Model):
    _cache = None

    def save(self, *args, **kwargs):
        self._seen = True
        super()._do_update()  # flagged: super()._do_update
        self._state.adding  # flagged: self._state in Paper
        return self._seen, self._cache, self._meta, self.pk, self.__class__

    class Meta:
        ordering = ["pk"]

    @classmethod
    def build(cls):
        return cls._from_db  # flagged: cls._from_db in Paper


class Mixin:
    def _helper(self):
        return self._anything  # a project class: its own business


class PaperAdmin(Mixin, admin.ModelAdmin):
    def changelist_view(self, request):
        self._helper()
        getattr(self, "_lookup")  # flagged: self._lookup in PaperAdmin
        return self._changelist  # flagged: self._changelist in PaperAdmin


def elsewhere(obj, queryset, point, monkeypatch):
    obj._secret  # flagged: obj._secret
    queryset.model._meta, point._replace(x=1), point._asdict(), obj.__dict__
    queryset.query._filter_or_exclude  # flagged: queryset.query._filter_or_exclude
    obj._cache = None  # flagged: obj._cache
    getattr(obj, "_hidden")  # flagged: getattr(obj, "_hidden")
    hasattr(obj, "visible"), getattr(obj, "__dict__")
    monkeypatch.setattr(obj, "_hook", None)  # flagged: monkeypatch.setattr(obj, "_hook")
    monkeypatch.setattr("digests.client._limit", 1)  # flagged: monkeypatch.setattr("digests.client._limit")
    mock.patch.object(obj, "_fetch")  # flagged: mock.patch.object(obj, "_fetch")
"""  # noqa: E501


def test_the_checker_sees_each_kind_of_private_access():
    module = parse_module("digests/example.py", EXAMPLE)
    found = [
        (line, message.split(":")[0]) for _, line, message in problems_in(Project([module]), module)
    ]
    expected = [
        (number, line.split("# flagged: ")[1])
        for number, line in enumerate(EXAMPLE.splitlines(), start=1)
        if "# flagged: " in line
    ]
    assert sorted(found) == expected


def test_no_code_reads_private_state():
    modules = list(project_modules())
    project = Project(modules)
    found = sorted(problem for module in modules for problem in problems_in(project, module))
    listing = "\n".join(f"{where}:{line}: {message}" for where, line, message in found)
    assert not found, f"{len(found)} reads of private state:\n{listing}"
