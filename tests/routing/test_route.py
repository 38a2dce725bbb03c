"""Routes honour closures, risk limits, via points and overlap limits; failures name the cut."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.errors import RouteError
from corridor.network import FLAG_BRIDGE, Network
from corridor.routing import RouteOptions, Waypoint, route, route_nodes
from corridor.routing._alternatives import overlap_share
from tests.routing.conftest import random_hazards

KREMS_CENTRE = (48.4105, 15.6030)
SOUTH_OF_DANUBE = (48.3800, 15.6200)


def _wp(node: int, role: str) -> Waypoint:
    return Waypoint(0.0, 0.0, node, 0.0, role)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 2**32 - 1),
    close=st.floats(0.0, 0.4),
    weight=st.floats(0.0, 100.0),
    data=st.data(),
)
def test_route_never_uses_a_closed_edge(
    krems_network: Network, seed: int, close: float, weight: float, data: st.DataObject
) -> None:
    net = krems_network
    risk, closed = random_hazards(net, seed, cover=0.5, close=close)
    s = data.draw(st.integers(0, net.n_nodes - 1))
    t = data.draw(st.integers(0, net.n_nodes - 1))
    try:
        result = route_nodes(
            net,
            [_wp(s, "origin"), _wp(t, "destination")],
            risk=risk,
            closed=closed,
            options=RouteOptions(risk_weight=weight),
        )
    except RouteError as exc:
        assert "closed" in str(exc)
        return
    assert not closed[result.best.edges].any()
    assert 0.0 <= result.best.risk < 1.0


def test_max_risk_is_respected_and_costs_no_less_than_unconstrained(krems_network: Network) -> None:
    net = krems_network
    risk, _ = random_hazards(net, 3, cover=0.6, close=0.0)
    ends = [_wp(5, "origin"), _wp(net.n_nodes - 7, "destination")]
    fastest = route_nodes(net, ends, risk=risk, options=RouteOptions(risk_weight=0)).best
    safest = route_nodes(net, ends, risk=risk, options=RouteOptions(risk_weight=1e5)).best
    assert safest.risk < fastest.risk  # otherwise the limit below would be vacuous
    limit = (safest.risk + fastest.risk) / 2
    capped = route_nodes(
        net, ends, risk=risk, options=RouteOptions(risk_weight=0, max_risk=limit)
    ).best
    assert capped.risk <= limit + 1e-12
    assert fastest.time_s <= capped.time_s <= safest.time_s + 1e-9
    with pytest.raises(RouteError, match="safest route has risk"):
        route_nodes(net, ends, risk=risk, options=RouteOptions(max_risk=safest.risk * 0.5))


def test_pareto_front_is_non_dominated_and_spans_fastest_to_safest(krems_network: Network) -> None:
    net = krems_network
    risk, _ = random_hazards(net, 5, cover=0.6, close=0.0)
    ends = [_wp(5, "origin"), _wp(net.n_nodes - 7, "destination")]
    front = route_nodes(net, ends, risk=risk, options=RouteOptions(pareto=True)).routes
    times = [r.time_s for r in front]
    risks = [r.risk for r in front]
    assert times == sorted(times) and risks == sorted(risks, reverse=True)
    assert len(set(times)) == len(times)
    fastest = route_nodes(net, ends, risk=risk, options=RouteOptions(risk_weight=0)).best
    safest = route_nodes(net, ends, risk=risk, options=RouteOptions(risk_weight=1e5)).best
    assert times[0] == pytest.approx(fastest.time_s)
    assert risks[-1] == pytest.approx(safest.risk)
    # every weighted-sum optimum lies on the front
    for w in (1.0, 10.0, 100.0):
        best = route_nodes(net, ends, risk=risk, options=RouteOptions(risk_weight=w)).best
        assert any(
            abs(r.time_s - best.time_s) < 1e-6 and abs(r.risk - best.risk) < 1e-9 for r in front
        )


def test_alternatives_differ_and_pass_via_points(krems_network: Network) -> None:
    via = (48.4040, 15.5960)
    opts = RouteOptions(alternatives=2, max_overlap=0.6, max_stretch=2.0)
    result = route(
        krems_network, origin=KREMS_CENTRE, destination=SOUTH_OF_DANUBE, via=[via], options=opts
    )
    assert len(result.routes) >= 2
    via_node = result.waypoints[1].node
    for r in result.routes:
        assert via_node in r.nodes(krems_network)
        assert r.cost_s <= 2.0 * result.best.cost_s + 1e-6
    for i, a in enumerate(result.routes[1:], start=1):
        for b in result.routes[:i]:
            assert overlap_share(krems_network, a.edges, b.edges) <= 0.6


def test_no_route_names_the_closed_bridges(krems_network: Network) -> None:
    net = krems_network
    bridges = (net.edge_flags & FLAG_BRIDGE) != 0
    with pytest.raises(RouteError) as info:
        route(net, origin=KREMS_CENTRE, destination=SOUTH_OF_DANUBE, closed=bridges)
    message = str(info.value)
    assert "bridge" in message and "Wachaubrücke" in message
    # opening the bridges the message names restores a route
    named = [e for e in np.flatnonzero(bridges) if net.edge_label(int(e)) in message]
    reopened = bridges.copy()
    reopened[named] = False
    assert route(net, origin=KREMS_CENTRE, destination=SOUTH_OF_DANUBE, closed=reopened).best


def test_bad_options_are_input_errors() -> None:
    with pytest.raises(RouteError):
        RouteOptions(max_risk=1.5)
    with pytest.raises(RouteError):
        RouteOptions(pareto=True, alternatives=2)
