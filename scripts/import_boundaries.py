"""The import-boundary check (import-linter, contracts in pyproject.toml), run by scripts/test.

numbers/ is imported as the package ``numbers_app`` (see the README), which only exists once ``portal``
is imported; import-linter finds packages by their import spec, so this gives it one first.
"""

import importlib.machinery
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import portal  # noqa: E402, F401 (registers numbers_app)

numbers_app = sys.modules["numbers_app"]
numbers_app.__spec__ = importlib.machinery.ModuleSpec("numbers_app", None, is_package=True)
numbers_app.__spec__.submodule_search_locations = numbers_app.__path__

from importlinter.cli import lint_imports  # noqa: E402

sys.exit(lint_imports())
