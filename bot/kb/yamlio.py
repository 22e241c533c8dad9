"""YAML loading that remembers the line of every value, so errors can name file and line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

Loc = tuple[str | int, ...]


_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: 5-10x faster start-up


class KBLoader(_Base):  # type: ignore[misc,valid-type]
    """Safe loader where only true/false are booleans: in term lists `no`, `on`, `yes` are words."""


KBLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
KBLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class KBError(Exception):
    """One problem in the knowledge base, located as precisely as we can."""

    def __init__(self, file: Path | str, message: str, entry: str = "", field: str = "", line: int | None = None):
        self.file, self.message, self.entry, self.field, self.line = str(file), message, entry, field, line
        super().__init__(self.describe())

    def describe(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        parts = [where]
        if self.entry:
            parts.append(f"entry {self.entry}")
        if self.field:
            parts.append(f"field {self.field}")
        return ": ".join(parts) + f": {self.message}"


class LocatedYAML:
    """The parsed document plus a map from each value's path to its 1-based line."""

    def __init__(self, path: Path, data: Any, lines: dict[Loc, int]):
        self.path, self.data, self.lines = path, data, lines

    def line_of(self, loc: Loc) -> int | None:
        # The deepest known ancestor of loc: pydantic may point inside a value we did not map.
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get(())


def load_located(path: Path) -> LocatedYAML:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise KBError(path, f"not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
    loader = KBLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        raise KBError(path, f"YAML syntax error: {problem}", line=line) from None
    except yaml.YAMLError as exc:
        raise KBError(path, f"YAML error: {exc}") from None
    finally:
        loader.dispose()
    lines: dict[Loc, int] = {}
    if node is not None:
        _walk(node, (), lines)
    return LocatedYAML(path, data, lines)


def _walk(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _walk(value, loc + (str(key.value),), lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            _walk(value, loc + (i,), lines)
