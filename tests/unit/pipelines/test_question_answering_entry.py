"""`dlsuite run question_answering`'s flags and data checks: a folder the bAbI reader rejects is one
line and exit 2, naming the file and line, before any work; flags of the other model are refused."""

import pytest

from keras_models.memory import babi
from pipelines.question_answering import configs, entry
from tools import cli


def _main(capsys, tmp_path, *argv):
    try:
        code = cli.main(["run", "question_answering", *map(str, argv), "--output-dir", str(tmp_path / "out")])
    except SystemExit as e:  # argparse's usage errors
        code = e.code
    err = capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    return code, err


def _write(folder, tasks=(1,), splits=("train", "test"), questions=10):
    folder.mkdir(exist_ok=True)
    for task in tasks:
        for split in splits:
            babi.write(
                babi.generate(task, questions, seed=0), folder / f"qa{task}_{babi.TASKS[task]}_{split}.txt"
            )
    return folder


def test_the_bad_line_of_a_file_is_named(capsys, tmp_path):
    data = _write(tmp_path / "babi")
    path = data / "qa1_single-supporting-fact_train.txt"
    lines = path.read_text().splitlines()
    lines[1] = lines[1].split(" ", 1)[1]  # the line lost its id
    path.write_text("\n".join(lines) + "\n")
    code, err = _main(capsys, tmp_path, "--data", data)
    assert code == 2 and err.count("\n") == 1, err
    assert f"{path}:2:" in err, err


@pytest.mark.parametrize(
    "splits, flags, expected",
    [
        ((), (), "has no bAbI files (qa{N}_{task}_train.txt and _test.txt)"),
        (("train",), (), "task 1 has no test file"),
        (("train", "test"), ("--tasks", "3"), "--tasks 3: "),
    ],
)
def test_folders_that_are_not_babi_data_sets(capsys, tmp_path, splits, flags, expected):
    data = _write(tmp_path / "babi", splits=splits)
    code, err = _main(capsys, tmp_path, "--data", data, *flags)
    assert code == 2 and err.count("\n") == 1 and expected in err, err


def test_missing_data_names_the_generator(capsys, tmp_path):
    code, err = _main(capsys, tmp_path)
    assert code == 2 and "dlsuite data generate babi" in err, err


@pytest.mark.parametrize(
    "flags, expected",
    [
        (("--model", "entnet", "--hops", "2"), "--hops applies to --model memn2n, not entnet"),
        (("--model", "entnet", "--no-linear-start"), "--linear-start applies to --model memn2n"),
        (("--slots", "10"), "--slots applies to --model entnet, not memn2n"),
        (("--tasks", "0"), "must be task numbers between 1 and 20"),
        (("--tasks", "one"), "must be task numbers like 1,2,3"),
    ],
)
def test_flags_that_do_not_apply_are_refused(capsys, tmp_path, flags, expected):
    data = _write(tmp_path / "babi")
    code, err = _main(capsys, tmp_path, "--data", data, *flags)
    assert code == 2 and expected in err, err


def test_each_model_gets_its_own_fields():
    parser = cli.build_parser()
    memn2n = entry.train_config(parser.parse_args(["run", "question_answering", "--hops", "2"]))
    assert memn2n == configs.TrainConfig(hops=2)
    entnet = entry.train_config(
        parser.parse_args(["run", "question_answering", "--model", "entnet", "--slots", "8", "--epochs", "3"])
    )
    assert entnet == configs.TrainConfig(model="entnet", slots=8, epochs=3)


def test_generated_tasks_make_a_pipeline(capsys, tmp_path):
    data = tmp_path / "babi"
    assert cli.main(["data", "generate", "babi", str(data), "--tasks", "1,6"]) == 0
    assert "next: dlsuite run question_answering --data" in capsys.readouterr().out
    names = sorted(path.name for path in data.iterdir())
    assert names == [f"qa{t}_{babi.TASKS[t]}_{s}.txt" for t in (1, 6) for s in ("test", "train")]
    assert sum(line.count("\t") > 0 for line in (data / names[0]).read_text().splitlines()) == 1000
    args = cli.build_parser().parse_args(["run", "question_answering", "--data", str(data), "--tasks", "6"])
    entry.check_args(args)
    args.beam_args = []
    pipeline = entry.build(
        args, pipeline_root=str(tmp_path / "root"), data_root=str(data),
        serving_model_dir=str(tmp_path / "serving"), metadata_path=str(tmp_path / "m.db"),
    )  # fmt: skip
    ids = [component.id for component in pipeline.components]
    assert ids[0] == "BabiExampleGen" and "Evaluator" in ids and ids[-1] == "Pusher", ids
    assert pipeline.components[0].exec_properties["tasks"] == "6"
