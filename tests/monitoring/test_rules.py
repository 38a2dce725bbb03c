"""Rules YAML: read defensively (size, aliases, unknown keys), and what fires on what."""

from __future__ import annotations

import pytest

from corridor._records import adapter
from corridor.errors import InputError
from corridor.monitoring import (
    MAX_RULES_BYTES,
    Action,
    Incident,
    IncidentView,
    default_rules,
    derive,
    parse_rules,
)
from corridor.monitoring._rules import evaluate
from tests.monitoring.hand import LAT, day, plan, terms, utc


def test_default_rules_read_and_settings() -> None:
    rules = default_rules()
    assert [r.name for r in rules.rules] == [
        "confirmed-shelling-suspends", "destroyed-bridge-reroutes", "hold-alerts",
        "unacknowledged-movement-alerts"]  # fmt: skip
    assert rules.settings.margin_minutes == 15 and rules.settings.near_route_m == 1000


def test_default_rules_are_the_yaml_as_it_reads() -> None:
    """The default rules are checked from data, not parsed on every report (issue 14, defect
    10): that data is what DEFAULT_RULES_YAML reads as, types and order alike, and the rule
    set is the one parsing it gives."""
    import json

    import yaml

    from corridor.monitoring import DEFAULT_RULES_YAML
    from corridor.monitoring._rules import _DEFAULT_RULES_DATA

    assert json.dumps(yaml.safe_load(DEFAULT_RULES_YAML)) == json.dumps(_DEFAULT_RULES_DATA)
    assert repr(default_rules()) == repr(parse_rules(DEFAULT_RULES_YAML))
    assert default_rules() == parse_rules(DEFAULT_RULES_YAML)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules: [&a {name: x, when: {}, then: [alert]}, *a]", "anchors are not allowed"),
        ("a: &x [1]\nb: *x\n", "anchors are not allowed"),
        ("rules:\n  - name: x\n    when: {incident: [shelling]}\n    then: [explode]\n", "then"),
        ("rules:\n  - name: x\n    when: {incidnet: [shelling]}\n    then: [alert]\n", "incidnet"),
        ("- just\n- a list\n", "must be a mapping"),
        ("rules: [\n", "not valid rules YAML"),
        ("margin_minutes: .nan\n", "margin_minutes"),
        ("!!python/object:os.system {}\n", "not valid rules YAML"),
    ],
)
def test_bad_rules_are_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_rules(text, source="rules.yaml")
    assert message in err.value.one_line() and "rules.yaml" in err.value.one_line()


def test_rules_over_the_size_limit_are_refused_before_parsing() -> None:
    text = "# " + "x" * MAX_RULES_BYTES + "\nrules: []\n"
    with pytest.raises(InputError, match="byte limit"):
        parse_rules(text)


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 30)]
    with pytest.raises(InputError, match="not allowed"):
        parse_rules("\n".join(lines))


def _shelling(confirmed: bool, dlat: float) -> tuple[Incident, bool]:
    inc = adapter(Incident).validate_python(
        {"id": f"s{dlat}", "corridor_id": "hand-1", "kind": "shelling",
         "at_utc": utc("11:00").isoformat(), "lat": LAT + dlat, "lon": 15.6}
    )  # fmt: skip
    return inc, confirmed


def test_suspension_needs_a_confirmed_shelling_within_500_m() -> None:
    t = terms()
    rules = default_rules()
    near, far = 0.0027, 0.0054  # 300 m and 600 m from the route
    fired = evaluate(rules, t, [_shelling(True, near)], [])
    assert [(f.rule, f.actions) for f in fired] == [
        ("confirmed-shelling-suspends", (Action.SUSPEND, Action.ALERT))]  # fmt: skip
    assert evaluate(rules, t, [_shelling(False, near)], []) == []
    assert evaluate(rules, t, [_shelling(True, far)], []) == []


def test_hold_violation_fires_the_alert_rule_once_per_violation() -> None:
    pic = derive(terms(), [plan()], day(), [IncidentView(_shelling(False, 0.0027)[0])])
    fired = evaluate(default_rules(), terms(), [], pic.violations)
    assert [f.key for f in fired] == ["hold-alerts@hold:bus-1:CP-A:1"]
