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
    """A cache whose failures to write are ignored (the template was compiled anyway), and
    whose code is kept apart for each way of compiling it.

    Jinja2 keys compiled code by the template's name and file only, while the environment's
    settings are compiled into it: ``_common.j2``, imported by the autoescaped HTML page and
    by the unescaped text and CAP notices, compiled for the page and served to a text notice
    printed a checkpoint "A&B" as "A&amp;B". So the key holds the settings the code depends
    on too (:func:`_compiled_as`).
    """

    def get_bucket(
        self, environment: jinja2.Environment, name: str, filename: str | None, source: str
    ) -> Bucket:
        key = self.get_cache_key(f"{name}\n{_compiled_as(environment)}", filename)
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

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


def _compiled_as(env: jinja2.Environment) -> str:
    """The environment's settings that change the code a template compiles to."""
    return repr(
        (
            env.autoescape if isinstance(env.autoescape, bool) else "by name",
            env.optimized,
            sorted(env.extensions),
            (env.block_start_string, env.block_end_string, env.variable_start_string),
            (env.variable_end_string, env.comment_start_string, env.comment_end_string),
            (env.line_statement_prefix, env.line_comment_prefix, env.newline_sequence),
            (env.trim_blocks, env.lstrip_blocks, env.keep_trailing_newline),
        )
    )
