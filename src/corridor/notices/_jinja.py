"""Compiled templates kept between runs, as Python keeps ``.pyc`` files.

Jinja2 compiles every template from source in every process; for a notice that was a tenth
of a second of a command meant to start in under 0.3 s (issue 14, defect 10). Jinja2's own
file cache keeps the compiled code in ``templates`` under corridor's cache folder
(:mod:`corridor._cache`), keyed by the template's name and checked against a hash of its
source (an edited template is compiled afresh) and the Python version. The cache is an
optimisation only: a folder that cannot be made or written (read-only home, no home at all),
or that another account could write to, costs the compile time and nothing else.
"""

from __future__ import annotations

import contextlib
from functools import cache

import jinja2
from jinja2.bccache import Bucket


class _QuietCache(jinja2.FileSystemBytecodeCache):
    """A cache whose failures to write are ignored (the template was compiled anyway)."""

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # unreadable, truncated, not pickle/marshal data: compile instead
            bucket.reset()


@cache
def template_cache() -> jinja2.BytecodeCache | None:
    from corridor._cache import private_folder

    folder = private_folder("templates")  # loaded as code: this account's folder only
    if folder is None:
        return None
    return _QuietCache(str(folder))
