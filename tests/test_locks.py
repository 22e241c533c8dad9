"""The lock files pin what pyproject.toml asks for (remade by `make lock`): every dependency is there at a version
its range allows, the runtime lock is the full one less the test tools, and opencv-python (GUI, libGL) is not."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bot.config import ROOT

PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^ ;#]+)\s*(;[^#]*)?")


def pins(name: str) -> dict[tuple[str, str], str]:
    """(package, marker) -> version."""
    out = {}
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        m = PIN.match(line)
        if m:
            out[(canonicalize_name(m.group(1)), (m.group(3) or "").strip("; ").strip())] = m.group(2)
    return out


def project() -> dict:  # type: ignore[type-arg]
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _check(requirements: list[str], locked: dict[tuple[str, str], str]) -> None:
    for spec in requirements:
        req = Requirement(spec)
        versions = [v for (pkg, _), v in locked.items() if pkg == canonicalize_name(req.name)]
        assert versions, f"{req.name} is not in the lock: run `make lock`"
        for v in versions:
            assert req.specifier.contains(v, prereleases=True), f"{req.name}=={v} is outside {req.specifier}"


def test_every_dependency_is_locked_within_its_range() -> None:
    _check(project()["dependencies"], pins("requirements-run.lock"))
    _check(project()["dependencies"] + project()["optional-dependencies"]["test"], pins("requirements.lock"))


def test_the_runtime_lock_has_the_same_versions_as_the_full_one() -> None:
    full, run = pins("requirements.lock"), pins("requirements-run.lock")
    assert run and set(run.items()) <= set(full.items())
    assert not {pkg for pkg, _ in run} & {"pytest", "mypy", "ruff", "hypothesis"}


def test_opencv_with_gui_is_never_installed() -> None:
    for name in ("requirements.lock", "requirements-run.lock"):
        names = {pkg for pkg, _ in pins(name)}
        assert "opencv-python" not in names and "opencv-python-headless" in names
