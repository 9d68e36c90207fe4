"""Every job's command line, run as a user runs it (python -m, in a fresh process): a mistake is
exactly one line on stderr, ``<job>: error: ...``, and exit code 2, with nothing from Spark."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"


def run_cli(job, args, env_extra=None):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYSPARK_GATEWAY", "MARKETPULSE_")) and k != "SPARK_ENV_LOADED"
    }
    env["PYTHONPATH"] = str(SRC)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", f"marketpulse_jobs.{job}", *[str(a) for a in args]],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def assert_one_line_usage_error(proc, job, message):
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert proc.stderr.endswith("\n")
    assert lines[0].startswith(f"{job}: error: ") and message in lines[0], lines[0]


def date(*more):
    return ["--date", "2024-01-02", *more]


# One case per job with a missing input root (generate has none: its Bronze root is an output,
# here one that cannot be created). These are found before Spark starts.
@pytest.mark.parametrize(
    ("job", "args", "message"),
    [
        (
            "bronze_to_silver",
            date("--bronze", "{tmp}/missing", "--silver", "{tmp}/s", "--quarantine", "{tmp}/q"),
            "Bronze root not found: file://",
        ),
        (
            "silver_to_gold",
            date("--silver", "{tmp}/missing", "--gold", "{tmp}/g"),
            "Silver root not found: file://",
        ),
        (
            "bronze_to_gold",
            date(
                *["--bronze", "{tmp}/missing", "--silver", "{tmp}/s"],
                *["--quarantine", "{tmp}/q", "--gold", "{tmp}/g"],
            ),
            "Bronze root not found: file://",
        ),
        (
            "generate",
            date("--symbols", "1", "--seed", "1", "--bronze", "{tmp}/a_file/bronze"),
            "Bronze root cannot be created",
        ),
    ],
)
def test_a_missing_root_is_one_line_and_exit_code_2(tmp_path, job, args, message):
    (tmp_path / "a_file").write_text("not a folder\n")
    proc = run_cli(job, [a.format(tmp=tmp_path) for a in args])
    assert_one_line_usage_error(proc, job, message)
    assert not (tmp_path / "s").exists() and not (tmp_path / "g").exists()


# Mistakes only Spark can see (the root exists, but not the day's partitions): Spark has
# started, and its start-up must not have printed anything.
@pytest.mark.parametrize(
    ("job", "args", "message"),
    [
        (
            "bronze_to_silver",
            date("--bronze", "{tmp}", "--silver", "{tmp}/s", "--quarantine", "{tmp}/q"),
            "no Bronze input under file://",
        ),
        ("silver_to_gold", date("--silver", "{tmp}", "--gold", "{tmp}/g"), "no Silver input"),
    ],
)
def test_a_mistake_found_by_spark_is_still_one_line(tmp_path, job, args, message):
    proc = run_cli(job, [a.format(tmp=tmp_path) for a in args])
    assert_one_line_usage_error(proc, job, message)


def test_marketpulse_log_level_still_shows_spark_logs(tmp_path):
    args = date("--silver", tmp_path, "--gold", tmp_path / "g")
    proc = run_cli("silver_to_gold", args, {"MARKETPULSE_LOG_LEVEL": "INFO"})
    assert proc.returncode == 2
    assert " INFO SparkContext: Running Spark version" in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("silver_to_gold:")]
    assert errors == [f"silver_to_gold: error: no Silver input under {tmp_path.as_uri()}/"
                      "{prices,news}/ for 2024-01-02"]  # fmt: skip


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MARKETPULSE_LOG_LEVEL": "LOUD"}, "MARKETPULSE_LOG_LEVEL='LOUD' is not a log level"),
        ({"MARKETPULSE_DRIVER_MEMORY": "8 GB"}, "MARKETPULSE_DRIVER_MEMORY='8 GB'"),
    ],
)
def test_a_bad_environment_variable_is_one_line(tmp_path, env, message):
    proc = run_cli("silver_to_gold", date("--silver", tmp_path, "--gold", tmp_path / "g"), env)
    assert_one_line_usage_error(proc, "silver_to_gold", message)
