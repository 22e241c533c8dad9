"""The one build step pyproject.toml cannot say: the data the bot reads at run time goes into the wheel.

knowledge/, locales/ and config.yaml stay at the top of the repository (the knowledge base is edited there and
reviewed on its own), and are copied into the package as bot/_data/ when a wheel is built, so a plain
`pip install .` (or the Docker image) finds them without the source tree (bot/config.py: DATA_ROOT). An editable
install (`make`) reads them from the source tree and gets no copy. corpus/ is not shipped: the bot never reads it
at run time (see README, "Running your own").
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
DATA = ("knowledge", "locales", "config.yaml")
TARGET = Path("bot") / "_data"
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".*", "*.mo")


class build_py_with_data(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / TARGET
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for name in DATA:
            src = HERE / name
            if not src.exists():
                raise SystemExit(f"setup.py: {name} is missing; build from a checkout of the repository or an sdist")
            if src.is_dir():
                shutil.copytree(src, target / name, ignore=SKIP)
            else:
                shutil.copy2(src, target / name)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        target = Path(self.build_lib) / TARGET
        if target.exists():
            outputs += [str(p) for p in target.rglob("*") if p.is_file()]
        return outputs


setup(cmdclass={"build_py": build_py_with_data})
