"""`dlsuite experiment --all` and runs/experiments/index.md, on two stand-in experiments (one breaks)."""

import json
import sys
import types

import pytest

from tools import cli, experiments
from tools.experiments import index
from tools.experiments.report import Finding, Report


def _experiment(name, status, broken=False):
    def run(output_dir, quick=False, seed=0):
        if broken:
            raise RuntimeError("the data went missing\nsecond line")
        findings = [Finding("part", "the only part", status, f"seed {seed}")]
        return Report(name, f"{name} holds.", ["one line"], ["x"], [["1"]], [], findings, {})

    return types.SimpleNamespace(CLAIM=f"{name} holds | with a pipe.", run=run)


@pytest.fixture
def stand_ins(monkeypatch):
    fakes = {
        "first": _experiment("first", "reproduced"),
        "broken": _experiment("broken", "reproduced", broken=True),
        "last": _experiment("last", "not reproduced"),
    }
    for name, fake in fakes.items():
        monkeypatch.setitem(sys.modules, f"fake_experiments.{name}", fake)
    monkeypatch.setattr(experiments, "EXPERIMENTS", {name: f"fake_experiments.{name}" for name in fakes})
    return fakes


def _rows(text):
    return {line.split(" | ")[0].strip("| "): line for line in text.splitlines() if line.startswith("| ")}


def test_all_runs_every_experiment_and_writes_the_index_even_when_one_fails(stand_ins, tmp_path, capsys):
    assert cli.main(["experiment", "--all", "--quick", "--output-dir", str(tmp_path), "--seed", "4"]) == 1
    out, err = capsys.readouterr()
    assert "first: reproduced" in out and "last: not reproduced" in out
    assert "broken: failed — RuntimeError: the data went missing" in err
    assert "2 of 3 ran" in out.splitlines()[-1]

    rows = _rows((tmp_path / "index.md").read_text())
    assert list(rows)[1:] == ["first", "broken", "last"]  # the course's order, after the header
    assert "**reproduced**" in rows["first"] and "(quick)" in rows["first"]
    assert "holds \\| with a pipe." in rows["first"]  # a claim's pipe does not break the table
    assert "**failed**" in rows["broken"] and "second line" not in rows["broken"]
    assert "**not reproduced**" in rows["last"]
    (first,) = (tmp_path / "first").iterdir()
    assert f"(first/{first.name}/report.md)" in rows["first"]
    results = json.loads((first / "results.json").read_text())
    assert results["quick"] is True and results["seed"] == 4


def test_skipped_experiments_keep_their_last_run_in_the_index(stand_ins, tmp_path, capsys):
    assert cli.main(["experiment", "last", "--output-dir", str(tmp_path)]) == 0
    (before,) = (tmp_path / "last").iterdir()
    assert cli.main(["experiment", "--all", "--skip", "broken,last", "--output-dir", str(tmp_path)]) == 0
    assert "1 of 1 ran" in capsys.readouterr().out
    assert [p.name for p in (tmp_path / "last").iterdir()] == [before.name]  # not run again
    rows = _rows((tmp_path / "index.md").read_text())
    assert "**reproduced**" in rows["first"] and f"(last/{before.name}/report.md)" in rows["last"]
    assert "**not run yet**" in rows["broken"]


def test_one_run_refreshes_the_index_from_the_latest_runs(stand_ins, tmp_path, capsys):
    assert cli.main(["experiment", "last", "--output-dir", str(tmp_path)]) == 0
    rows = _rows((tmp_path / "index.md").read_text())
    assert "**not run yet**" in rows["first"] and "`dlsuite experiment first`" in rows["first"]
    assert "**not reproduced**" in rows["last"] and "(full)" in rows["last"]


def test_latest_run_skips_unfinished_runs(tmp_path):
    for stamp, finished in (
        ("20260101T000000Z", True),
        ("20260102T000000Z", True),
        ("20260103T000000Z", False),
    ):
        folder = tmp_path / "x" / stamp
        folder.mkdir(parents=True)
        if finished:
            (folder / "results.json").write_text(json.dumps({"stamp": stamp}))
    folder, results = index.latest_run(str(tmp_path), "x")
    assert folder.endswith("20260102T000000Z") and results == {"stamp": "20260102T000000Z"}
    assert index.latest_run(str(tmp_path), "never") == (None, None)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--all", "first"], "give a NAME or --all, not both"),
        ([], "name an experiment (or --all)"),
        (["nope"], "unknown experiment 'nope'"),
        (["first", "--skip", "last"], "--skip goes with --all"),
        (["--all", "--skip", "last,nope"], "--skip: unknown experiment 'nope'"),
    ],
)
def test_name_and_all_are_checked_before_anything_runs(stand_ins, tmp_path, capsys, argv, message):
    assert cli.main(["experiment", *argv, "--output-dir", str(tmp_path / "out")]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert message in line and "choose one of: broken, first, last" in line
    assert not (tmp_path / "out").exists()


def test_all_refuses_an_output_dir_it_cannot_write(stand_ins, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert cli.main(["experiment", "--all", "--output-dir", str(blocker / "sub")]) == 2
    assert "cannot write there" in capsys.readouterr().err
