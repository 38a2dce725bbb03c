"""`corridor notice` and `corridor movement` as a user runs them: exit codes, files, errors."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from corridor.cli import app
from tests.notices.conftest import DETAILS_FILE, GOLDEN

runner = CliRunner()


def test_notice_writes_the_file_whole(demo_db: str, tmp_path: Path) -> None:
    out = tmp_path / "notice.txt"
    result = runner.invoke(
        app,
        [
            "notice",
            "krems-demo",
            "--lang",
            "uk",
            "--format",
            "text",
            "--details",
            str(DETAILS_FILE),
            "-o",
            str(out),
            "--db",
            demo_db,
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == (GOLDEN / "krems-demo.uk.txt").read_text(
        encoding="utf-8"
    )


def test_bad_input_is_one_line_exit_2_and_nothing_written(demo_db: str, tmp_path: Path) -> None:
    out = tmp_path / "notice.html"
    cases = [
        (
            ["--lang", "de", "--format", "html", "--details", str(DETAILS_FILE)],
            "'de' is not supported",
        ),
        (
            ["--lang", "uk", "--format", "pdf", "--details", str(DETAILS_FILE)],
            "'pdf' is not supported",
        ),
        (["--lang", "uk", "--format", "html"], "no notice details for krems-demo"),
    ]
    bad_details = tmp_path / "bad.yaml"
    bad_details.write_text("hotline: [1, 2]\n", encoding="utf-8")
    cases.append((["--lang", "uk", "--details", str(bad_details)], "notice details are invalid"))
    for args, message in cases:
        result = runner.invoke(
            app, ["notice", "krems-demo", *args, "-o", str(out), "--db", demo_db]
        )
        assert result.exit_code == 2, (args, result.output)
        assert message in " ".join(result.output.split()), result.output
        assert not out.exists()
        assert list(tmp_path.glob(".notice.html.*")) == []


def test_saved_details_serve_later_notices(demo_db: str) -> None:
    first = runner.invoke(
        app,
        [
            "notice",
            "krems-demo",
            "--lang",
            "en",
            "--format",
            "sms",
            "--details",
            str(DETAILS_FILE),
            "--save-details",
            "--db",
            demo_db,
        ],
    )
    assert first.exit_code == 0, first.output
    again = runner.invoke(
        app, ["notice", "krems-demo", "--lang", "en", "--format", "sms", "--db", demo_db]
    )
    assert again.exit_code == 0, again.output
    assert "EVACUATION 1 Mar 08:00 Kyiv time" in again.output
    assert "SMS GSM-7" in again.output


def test_movement_commands_end_to_end(demo_db: str, tmp_path: Path) -> None:
    import json

    import yaml

    from corridor.store import load_agreement, open_store
    from tests.notices.conftest import write_key

    with open_store(demo_db) as store, store.session(write=False) as s:
        digest = load_agreement(s, "krems-demo").digest
    from tests.notices.test_movements import movement_data

    movement = tmp_path / "movement.yaml"
    movement.write_text(yaml.safe_dump(movement_data(digest)), encoding="utf-8")
    keys = {name: write_key(name, tmp_path) for name in ("icrc", "army-north", "city-of-krems")}
    db = ["--db", demo_db]
    sent = runner.invoke(app, ["movement", "sign", str(movement), "--key", str(keys["icrc"]), *db])
    assert sent.exit_code == 0, sent.output
    assert "must acknowledge by 2027-03-01 04:00 UTC" in " ".join(sent.output.split())
    again = runner.invoke(app, ["movement", "sign", str(movement), "--key", str(keys["icrc"]), *db])
    assert again.exit_code == 2 and "already exists" in again.output
    late = runner.invoke(
        app, ["movement", "status", "krems-demo-m1", "--at", "2027-03-01T04:30:00Z", *db]
    )
    flat = " ".join(late.output.split())
    assert late.exit_code == 2 and "FLAGGED: DO NOT DEPART" in flat, late.output
    for party in ("army-north", "city-of-krems"):
        ack = runner.invoke(
            app, ["movement", "ack", "krems-demo-m1", "--key", str(keys[party]), *db]
        )
        assert ack.exit_code == 0, ack.output
    # Acknowledged now (2026), long before the 2027 deadline: cleared at the deadline.
    ok = runner.invoke(
        app, ["movement", "status", "krems-demo-m1", "--at", "2027-03-01T04:00:00Z", *db]
    )
    assert ok.exit_code == 0 and "CLEARED" in ok.output, ok.output
    out = tmp_path / "m1.json"
    exported = runner.invoke(app, ["movement", "export", "krems-demo-m1", "-o", str(out), *db])
    assert exported.exit_code == 0, exported.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert [a["party"] for a in doc["acknowledgements"]] == ["army-north", "city-of-krems"]
    bad = runner.invoke(app, ["movement", "export", "krems-demo-m1", "--format", "pdf", *db])
    assert bad.exit_code == 2 and "'pdf' is not supported" in bad.output


def test_movement_commands_run_without_sqlalchemy(demo_db: str, tmp_path: Path) -> None:
    """Issue 14, defect 10: the movement commands run on the bare driver (corridor.store._sql)
    in a fresh interpreter, each succeeding, without SQLAlchemy, psycopg 3 or Alembic."""
    import yaml

    from corridor.store import load_agreement, open_store
    from tests.notices.conftest import write_key
    from tests.notices.test_movements import movement_data
    from tests.test_startup import assert_on_the_sql_path

    with open_store(demo_db) as store, store.session(write=False) as s:
        digest = load_agreement(s, "krems-demo").digest
    movement = tmp_path / "movement.yaml"
    movement.write_text(yaml.safe_dump(movement_data(digest)), encoding="utf-8")
    keys = {name: write_key(name, tmp_path) for name in ("icrc", "army-north", "city-of-krems")}
    db = ["--db", demo_db]
    commands = [
        ["movement", "sign", str(movement), "--key", str(keys["icrc"]), *db],
        *(["movement", "ack", "krems-demo-m1", "--key", str(keys[p]), *db]
          for p in ("army-north", "city-of-krems")),
        ["movement", "status", "krems-demo-m1", "--at", "2027-03-01T04:00:00Z", *db],
        ["movement", "list", *db],
        ["movement", "export", "krems-demo-m1", "-o", str(tmp_path / "m1.json"), *db],
    ]  # fmt: skip
    assert_on_the_sql_path(commands)
