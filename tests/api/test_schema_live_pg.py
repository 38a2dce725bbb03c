"""The live schemathesis run of test_schema_live.py, against PostgreSQL.

The same tests and server fixture; a module of its own so that pytest-xdist's ``loadfile``
runs it beside the SQLite run on the other worker instead of after it.
"""

from __future__ import annotations

import pytest

from tests.api.test_schema_live import *  # noqa: F403 - the same tests, collected here again

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("live", ["postgresql"], indirect=True)]
