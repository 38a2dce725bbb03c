"""How a Network presents itself to tools that print it."""

from __future__ import annotations

from corridor.network import Network


def test_a_network_prints_as_one_summary_line_in_hypothesis_reports(krems_network: Network) -> None:
    """Hypothesis prints a dataclass field by field; a town's arrays made 50 kB, and its size
    warning (an error in this suite) hid the failing example."""
    from hypothesis.vendor.pretty import pretty

    text = pretty(krems_network)
    assert text == repr(krems_network)
    assert len(text) < 200
