"""The sklearn-music command line, run in-process through main(argv)."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from sklearn_music.cli import main
from sklearn_music.datasets import make_notes
from sklearn_music.persistence import load_model


@pytest.fixture(scope="module")
def note_folder(tmp_path_factory):
    """A class-per-subfolder collection of rendered notes (bass vs flute)."""
    root = tmp_path_factory.mktemp("notes")
    notes = make_notes(16, families=["bass", "flute"], duration=1.0, note_duration=0.6,
                       output_dir=root / "flat", random_state=0)
    for path, label in zip(notes.paths, notes.target):
        (root / "data" / label).mkdir(parents=True, exist_ok=True)
        src = root / "flat" / str(path).split("/")[-1]
        src.rename(root / "data" / label / src.name)
    return root / "data"


def test_help_for_every_command(capsys):
    for command in ["demo", "extract", "train", "evaluate", "predict"]:
        with pytest.raises(SystemExit) as info:
            main([command, "--help"])
        assert info.value.code == 0
        assert "usage: sklearn-music " + command in capsys.readouterr().out


def test_usage_error_exit_code():
    with pytest.raises(SystemExit) as info:
        main(["train"])
    assert info.value.code == 2


def test_console_script_entry_point():
    result = subprocess.run([sys.executable, "-m", "sklearn_music.cli", "--version"],
                            capture_output=True, text=True)
    assert result.returncode == 0 and "sklearn-music" in result.stdout


def test_train_evaluate_predict_round_trip(note_folder, tmp_path, capsys):
    model = tmp_path / "model.joblib"
    assert main(["train", str(note_folder), "--out", str(model), "--sr", "16000",
                 "--duration", "1.0", "--cv", "2", "--json"]) == 0
    trained = json.loads(capsys.readouterr().out)
    assert trained["clips"] == 16 and trained["classes"] == ["bass", "flute"]
    assert 0.0 <= trained["cv_f1_macro"]["mean"] <= 1.0 and model.exists()
    params = load_model(model).get_params()  # the training cache is not saved with it
    assert all(v is None for k, v in params.items() if k.endswith("memory"))

    figure = tmp_path / "cm.png"
    assert main(["evaluate", str(model), str(note_folder), "--figure", str(figure),
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["accuracy"] >= 0.9  # training data: bass and flute are easy apart
    assert figure.read_bytes()[:4] == b"\x89PNG"

    files = sorted(str(p) for p in note_folder.rglob("*.wav"))[:3]
    assert main(["predict", str(model), *files, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["path"] for r in rows] == files
    assert {r["label"] for r in rows} <= {"bass", "flute"}


def test_extract_writes_a_named_table(note_folder, tmp_path, capsys):
    out = tmp_path / "features.csv"
    assert main(["extract", str(note_folder), "--out", str(out), "--sr", "16000",
                 "--features", "mfcc,spectral", "--stats", "mean,max", "--json"]) == 0
    table = pd.read_csv(out)
    assert len(table) == 16 and table.columns[0] == "path"
    assert "mfcc_3_mean" in table.columns and "mfcc_3_max" in table.columns


def test_errors_exit_1_and_name_the_problem(tmp_path, capsys):
    bad = tmp_path / "broken.wav"
    bad.write_text("not audio")
    assert main(["extract", str(bad), "--out", str(tmp_path / "x.csv")]) == 1
    assert "broken.wav" in capsys.readouterr().err
    assert main(["predict", str(tmp_path / "missing.joblib"), str(bad)]) == 1
    assert "missing.joblib" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_demo_runs_and_writes_its_files(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--per-family", "4", "--folds", "2",
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["clips"] == 44
    for path in result["files"].values():
        assert (tmp_path / path.split("/")[-1]).exists()
    assert 0.0 <= result["cv_accuracy"] <= 1.0
