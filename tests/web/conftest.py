"""The dashboard tests reuse the API fixtures: the real app, the Krems network, all roles."""

from tests.api.conftest import api, network_file

__all__ = ["api", "network_file"]
