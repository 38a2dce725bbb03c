"""Compiled templates kept between runs, as Python keeps ``.pyc`` files.

Jinja2 compiles every template from source in every process; for a notice that was a tenth
of a second of a command meant to start in under 0.3 s (issue 14, defect 10). Jinja2's own
file cache keeps the compiled code in ``templates`` under corridor's cache folder
(:mod:`corridor._cache`), keyed by the template's name and checked against a hash of its
source (an edited template is compiled afresh) and the Python version. The cache is an
optimisation only: a folder that cannot be made or written (read-only home, no home at all),
or that another account could write to, costs the compile time and nothing else.

The first notice of an account (an empty cache folder) would still compile each template it
uses, a fifth of its start-up; so ``make`` also compiles every template at build time into
``_compiled`` beside this module (``python -m corridor.notices._jinja``, as it compiles the
message catalogues), and a template missing from the cache folder is read from there. That
code is checked as the cache's is: written for another source or another Python, it is not
used and the template is compiled as before.
"""

from __future__ import annotations

import contextlib
import hashlib
from functools import cache
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket

#: The code ``make`` compiles at build time (see the module docstring); not in git.
SHIPPED = Path(__file__).with_name("_compiled")


class _Bucket(Bucket):
    """A bucket that knows where the build would have put its code."""

    def __init__(self, environment: jinja2.Environment, key: str, checksum: str, shipped: str):
        super().__init__(environment, key, checksum)
        self.shipped = shipped


def _identity(environment: jinja2.Environment, name: str) -> str:
    """Template ``name`` as compiled by ``environment``: what both keys are made of."""
    return f"{name}\n{_compiled_as(environment)}"


def _shipped_name(identity: str) -> str:
    """The build's file for a template's :func:`_identity` (not by the folder the package
    happens to be installed in, as the cache's keys are)."""
    return hashlib.sha1(identity.encode(), usedforsecurity=False).hexdigest() + ".cache"


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
        identity = _identity(environment, name)
        key = self.get_cache_key(identity, filename)
        checksum = self.get_source_checksum(source)
        bucket = _Bucket(environment, key, checksum, _shipped_name(identity))
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
        if bucket.code is None and isinstance(bucket, _Bucket):
            try:
                with (SHIPPED / bucket.shipped).open("rb") as f:
                    bucket.load_bytecode(f)  # checks the Python version and the source's hash
            except Exception:  # not built, or damaged: compile
                bucket.reset()


@cache
def template_cache() -> jinja2.BytecodeCache | None:
    from corridor._cache import private_folder

    folder = private_folder("templates")  # loaded as code: this account's folder only
    if folder is None:
        return None
    return _QuietCache(str(folder))


def _compiled_as(env: jinja2.Environment) -> str:
    """The environment's settings that change the code a template compiles to (the i18n
    extension's among them: trimmed and new-style gettext compile differently), and Jinja's
    version, since its byte-code magic does not change with every release."""
    return repr(
        (
            jinja2.__version__,
            env.is_async,
            env.finalize is not None,
            getattr(env, "newstyle_gettext", None),
            sorted((k, v) for k, v in env.policies.items() if k.startswith("ext.i18n.")),
            env.autoescape if isinstance(env.autoescape, bool) else "by name",
            env.optimized,
            sorted(env.extensions),
            (env.block_start_string, env.block_end_string, env.variable_start_string),
            (env.variable_end_string, env.comment_start_string, env.comment_end_string),
            (env.line_statement_prefix, env.line_comment_prefix, env.newline_sequence),
            (env.trim_blocks, env.lstrip_blocks, env.keep_trailing_newline),
        )
    )


def build(folder: Path = SHIPPED) -> list[Path]:
    """Compile every template, for every environment that renders them, into ``folder``
    (what ``make`` runs; the files it wrote)."""
    from corridor.notices._movement_html import _env as movement_environment
    from corridor.notices._render import environment

    folder.mkdir(parents=True, exist_ok=True)
    movement = "movement.html.j2"  # the movement page's own environment (no i18n) reads it
    notices = [n for n in environment("en", autoescape=False).list_templates() if n != movement]
    written: list[Path] = []
    for env, names in (
        (environment("en", autoescape=False), notices),
        (environment("en", autoescape=True), notices),
        (movement_environment(), [movement]),
    ):
        assert env.loader is not None
        for name in names:
            source, filename, _ = env.loader.get_source(env, name)
            bucket = Bucket(env, "", jinja2.BytecodeCache().get_source_checksum(source))
            bucket.code = env.compile(source, name, filename)
            path = folder / _shipped_name(_identity(env, name))
            with path.open("wb") as f:
                bucket.write_bytecode(f)
            written.append(path)
    return written


if __name__ == "__main__":
    print(f"compiled {len(build())} templates into {SHIPPED}")
