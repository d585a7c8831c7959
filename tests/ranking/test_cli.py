"""``flask consolidate``: dry runs print the same bytes and store nothing; real runs store one."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.ranking.models import ConsolidationRun


def _runs() -> int:
    return db.session.scalar(select(func.count(ConsolidationRun.id)))


def test_dry_run_json_is_byte_identical_and_stores_nothing(scene, runner):
    args = ["consolidate", scene.consultation.slug, "--dry-run", "--json", "--seed", "s",
            "--slots", "2"]
    first = runner.invoke(args=args)
    second = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert first.stdout_bytes == second.stdout_bytes
    result = json.loads(first.stdout)
    assert result["seed"] == "s" and result["parameters"]["slots_per_axis"] == 2
    assert str(scene.proposals["kept"].id) in result["proposals"]
    assert _runs() == 0


def test_run_stores_and_reports(scene, runner):
    result = runner.invoke(args=["consolidate", scene.consultation.slug, "--support-weight",
                                 "0.7", "--budget", "500000", "--label", "CLI"])
    assert result.exit_code == 0, result.output
    run = db.session.scalar(select(ConsolidationRun))
    assert run is not None and run.label == "CLI"
    assert run.parameters["support_weight"] == 0.7 and run.parameters["budget"] == 500000
    assert f"stored run: {run.id}" in result.stdout


def test_unknown_consultation(runner, app):
    result = runner.invoke(args=["consolidate", "nope", "--dry-run"])
    assert result.exit_code != 0 and "nope" in result.output
