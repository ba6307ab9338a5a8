import sys
import types
from pathlib import Path

# The numbers/ folder is imported as the package "numbers_app": a package called "numbers" would shadow
# the standard library's numbers module (which decimal and fractions import). The folder deliberately
# has no __init__.py, so "import numbers" still finds the standard library.
if "numbers_app" not in sys.modules:
    _numbers_app = types.ModuleType("numbers_app")
    _numbers_app.__path__ = [str(Path(__file__).resolve().parent.parent / "numbers")]
    _numbers_app.__file__ = None
    sys.modules["numbers_app"] = _numbers_app

from .celery import app as celery_app  # noqa: E402

__all__ = ("celery_app",)
