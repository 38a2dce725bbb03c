"""Monitoring a running corridor: field reports, the picture by event time, violations of named
terms, rules (suspend, alert, re-route, re-plan) and the events live views subscribe to.

The package loads its modules on first use (PEP 562), so checking a rules file
(``corridor rules check``) does not import the store, SQLAlchemy or the agreement stack, and
the database-only commands (``corridor rules set|show``, ``corridor convoys``) reach
``_stored``'s plain SQL without the report functions' SQLAlchemy (issue 14, defect 10).
"""

from __future__ import annotations

import typing as _typing

from corridor import _lazy

if _typing.TYPE_CHECKING:
    from corridor.monitoring._checked import (
        checked,
        checked_plans,
        first_problem,
    )
    from corridor.monitoring._derive import (
        ConvoyState,
        IncidentView,
        Picture,
        Progress,
        Settings,
        Stop,
        Violation,
        derive,
    )
    from corridor.monitoring._geo import (
        distance_m,
        distance_to_line_m,
    )
    from corridor.monitoring._model import (
        ATTACHMENT_TYPES,
        MAX_ATTACHMENT_BYTES,
        Attachment,
        Checkin,
        CheckinStatus,
        Incident,
        IncidentKind,
        report_body,
    )
    from corridor.monitoring._replan import (
        unmoved,
    )
    from corridor.monitoring._rules import (
        DEFAULT_RULES_YAML,
        MAX_RULES_BYTES,
        Action,
        Rule,
        RuleSet,
        default_rules,
        parse_rules,
    )
    from corridor.monitoring._schedule import (
        ConvoyPlan,
        ExpectedStop,
    )
    from corridor.monitoring._service import (
        Submitted,
        confirm_incident,
        events_after,
        network_bbox,
        picture,
        picture_data,
        reassess,
        report_rows,
        submit_checkin,
        submit_incident,
    )
    from corridor.monitoring._stored import (
        EVENT_CHANNEL,
        add_convoys,
        convoy_plans,
        emit,
        monitored_agreement,
        rules_in_force,
        set_rules,
    )

#: public name -> (the module that defines it, its name there)
_WHERE: dict[str, tuple[str, str]] = {
    "ATTACHMENT_TYPES": ("corridor.monitoring._model", "ATTACHMENT_TYPES"),
    "Action": ("corridor.monitoring._rules", "Action"),
    "Attachment": ("corridor.monitoring._model", "Attachment"),
    "Checkin": ("corridor.monitoring._model", "Checkin"),
    "CheckinStatus": ("corridor.monitoring._model", "CheckinStatus"),
    "ConvoyPlan": ("corridor.monitoring._schedule", "ConvoyPlan"),
    "ConvoyState": ("corridor.monitoring._derive", "ConvoyState"),
    "DEFAULT_RULES_YAML": ("corridor.monitoring._rules", "DEFAULT_RULES_YAML"),
    "EVENT_CHANNEL": ("corridor.monitoring._stored", "EVENT_CHANNEL"),
    "ExpectedStop": ("corridor.monitoring._schedule", "ExpectedStop"),
    "Incident": ("corridor.monitoring._model", "Incident"),
    "IncidentKind": ("corridor.monitoring._model", "IncidentKind"),
    "IncidentView": ("corridor.monitoring._derive", "IncidentView"),
    "MAX_ATTACHMENT_BYTES": ("corridor.monitoring._model", "MAX_ATTACHMENT_BYTES"),
    "MAX_RULES_BYTES": ("corridor.monitoring._rules", "MAX_RULES_BYTES"),
    "Picture": ("corridor.monitoring._derive", "Picture"),
    "Progress": ("corridor.monitoring._derive", "Progress"),
    "Rule": ("corridor.monitoring._rules", "Rule"),
    "RuleSet": ("corridor.monitoring._rules", "RuleSet"),
    "Settings": ("corridor.monitoring._derive", "Settings"),
    "Stop": ("corridor.monitoring._derive", "Stop"),
    "Submitted": ("corridor.monitoring._service", "Submitted"),
    "Violation": ("corridor.monitoring._derive", "Violation"),
    "add_convoys": ("corridor.monitoring._stored", "add_convoys"),
    "checked": ("corridor.monitoring._checked", "checked"),
    "checked_plans": ("corridor.monitoring._checked", "checked_plans"),
    "confirm_incident": ("corridor.monitoring._service", "confirm_incident"),
    "convoy_plans": ("corridor.monitoring._stored", "convoy_plans"),
    "default_rules": ("corridor.monitoring._rules", "default_rules"),
    "derive": ("corridor.monitoring._derive", "derive"),
    "distance_m": ("corridor.monitoring._geo", "distance_m"),
    "distance_to_line_m": ("corridor.monitoring._geo", "distance_to_line_m"),
    "emit": ("corridor.monitoring._stored", "emit"),
    "events_after": ("corridor.monitoring._service", "events_after"),
    "first_problem": ("corridor.monitoring._checked", "first_problem"),
    "monitored_agreement": ("corridor.monitoring._stored", "monitored_agreement"),
    "network_bbox": ("corridor.monitoring._service", "network_bbox"),
    "parse_rules": ("corridor.monitoring._rules", "parse_rules"),
    "picture": ("corridor.monitoring._service", "picture"),
    "picture_data": ("corridor.monitoring._service", "picture_data"),
    "reassess": ("corridor.monitoring._service", "reassess"),
    "report_body": ("corridor.monitoring._model", "report_body"),
    "report_rows": ("corridor.monitoring._service", "report_rows"),
    "rules_in_force": ("corridor.monitoring._stored", "rules_in_force"),
    "set_rules": ("corridor.monitoring._stored", "set_rules"),
    "submit_checkin": ("corridor.monitoring._service", "submit_checkin"),
    "submit_incident": ("corridor.monitoring._service", "submit_incident"),
    "unmoved": ("corridor.monitoring._replan", "unmoved"),
}


__getattr__, __dir__ = _lazy.exports(__name__, _WHERE)


__all__ = [
    "ATTACHMENT_TYPES",
    "DEFAULT_RULES_YAML",
    "EVENT_CHANNEL",
    "MAX_ATTACHMENT_BYTES",
    "MAX_RULES_BYTES",
    "Action",
    "Attachment",
    "Checkin",
    "CheckinStatus",
    "ConvoyPlan",
    "ConvoyState",
    "ExpectedStop",
    "Incident",
    "IncidentKind",
    "IncidentView",
    "Picture",
    "Progress",
    "Rule",
    "RuleSet",
    "Settings",
    "Stop",
    "Submitted",
    "Violation",
    "add_convoys",
    "checked",
    "checked_plans",
    "confirm_incident",
    "convoy_plans",
    "default_rules",
    "derive",
    "distance_m",
    "distance_to_line_m",
    "emit",
    "events_after",
    "first_problem",
    "monitored_agreement",
    "network_bbox",
    "parse_rules",
    "picture",
    "picture_data",
    "reassess",
    "report_body",
    "report_rows",
    "rules_in_force",
    "set_rules",
    "submit_checkin",
    "submit_incident",
    "unmoved",
]
