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
