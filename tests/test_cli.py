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
    for command in ["demo", "extract", "train", "evaluate", "predict", "analyze"]:
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


@pytest.mark.parametrize("model_kind", ["svm", "cnn"])
def test_train_class_weight_is_balanced_unless_asked_otherwise(note_folder, tmp_path,
                                                               model_kind, capsys):
    for option, expected in [([], "balanced"), (["--class-weight", "none"], None)]:
        out = tmp_path / f"{model_kind}-{expected}.joblib"
        assert main(["train", str(note_folder), "--out", str(out), "--model", model_kind,
                     "--sr", "16000", "--duration", "1.0", "--epochs", "1", *option,
                     "--json"]) == 0  # fmt: skip
        assert load_model(out).steps[-1][1].class_weight == expected


def test_extract_writes_a_named_table(note_folder, tmp_path, capsys):
    out = tmp_path / "features.csv"
    assert main(["extract", str(note_folder), "--out", str(out), "--sr", "16000",
                 "--features", "mfcc,spectral", "--stats", "mean,max", "--json"]) == 0
    table = pd.read_csv(out)
    assert len(table) == 16 and table.columns[0] == "path"
    assert "mfcc_3_mean" in table.columns and "mfcc_3_max" in table.columns


def test_folders_skip_hidden_files_as_load_audio_folder_does(note_folder, tmp_path, capsys):
    """macOS's ._song.wav beside song.wav is not audio: the scan of a folder skips it."""
    album = tmp_path / ".music" / "album"  # a hidden folder named by the user is read
    (album / "rock" / "clip.wav").mkdir(parents=True)  # a folder, not a file
    (album / ".trash").mkdir()
    song = next((note_folder / "bass").iterdir())
    for target in (album / "rock" / "song.wav", album / ".trash" / "old.wav"):
        target.write_bytes(song.read_bytes())
    (album / "rock" / "._song.wav").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")
    out = tmp_path / "features.csv"
    assert main(["extract", str(album), "--out", str(out), "--features", "mfcc",
                 "--stats", "mean", "--json"]) == 0  # fmt: skip
    assert pd.read_csv(out)["path"].tolist() == [str(album / "rock" / "song.wav")]
    assert main(["analyze", str(album), "--tasks", "tempo"]) == 0
    assert [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()
            if "\t" in line] == [str(album / "rock" / "song.wav")]  # fmt: skip


def test_errors_exit_1_and_name_the_problem(tmp_path, capsys):
    bad = tmp_path / "broken.wav"
    bad.write_text("not audio")
    assert main(["extract", str(bad), "--out", str(tmp_path / "x.csv")]) == 1
    assert "broken.wav" in capsys.readouterr().err
    assert main(["predict", str(tmp_path / "missing.joblib"), str(bad)]) == 1
    assert "missing.joblib" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_figure_format_comes_from_the_file_name_and_is_checked_first(tmp_path, capsys):
    from sklearn_music.plotting import plot_confusion_matrix, save_figure

    ax = plot_confusion_matrix(["a", "b"], ["a", "b"])
    written = save_figure(ax, tmp_path / "out.d" / "cm.svg")  # a dot in a folder's name
    assert open(written, "rb").read().lstrip().startswith(b"<?xml")
    for name in ("cm", "cm.d"):  # no extension; one that is no figure format
        with pytest.raises(ValueError, match=f"figure file .*{name}'.* end in one of .*png"):
            save_figure(ax, tmp_path / "out.d" / name)
    # evaluate refuses the name before it loads the model or predicts anything
    assert main(["evaluate", str(tmp_path / "missing.joblib"), str(tmp_path),
                 "--figure", str(tmp_path / "out.d" / "cmfig")]) == 1
    err = capsys.readouterr().err
    assert "cannot tell the format of the figure file" in err and "missing.joblib" not in err


@pytest.mark.parametrize("command", ["train", "extract"])
def test_an_output_that_is_a_folder_is_refused_before_the_work(tmp_path, capsys, command):
    folder = tmp_path / "out"
    folder.mkdir()
    data = tmp_path / "missing-data"  # nothing is read: the output is checked first
    args = [command, str(data), "--out", str(folder)]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "is a folder; give a file name" in err and "missing-data" not in err


def test_demo_runs_and_writes_its_files(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--per-family", "4", "--folds", "2",
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["clips"] == 44
    for path in result["files"].values():
        assert (tmp_path / path.split("/")[-1]).exists()
    assert 0.0 <= result["cv_accuracy"] <= 1.0


@pytest.fixture(scope="module")
def pieces(tmp_path_factory):
    """Two rendered pieces in known keys, and their paths."""
    from sklearn_music.datasets import make_key_pieces

    root = tmp_path_factory.mktemp("pieces")
    return make_key_pieces(2, duration=6.0, output_dir=root / "audio", random_state=0)


def test_analyze_writes_what_the_estimators_predict(pieces, tmp_path, capsys):
    import mir_eval
    import soundfile as sf

    from sklearn_music import ChordEstimator, KeyEstimator, TempoEstimator

    out = tmp_path / "out"
    assert main(["analyze", *map(str, pieces.paths), "--tasks", "key,tempo,beats,chords",
                 "--out-dir", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    rows = result["files"]
    assert [r["path"] for r in rows] == [str(p) for p in pieces.paths]
    # The same answers as the estimators give in Python, one decode per file.
    assert [r["key"] for r in rows] == list(KeyEstimator().predict(pieces.paths))
    assert [r["tempo"] for r in rows] == pytest.approx(TempoEstimator().predict(pieces.paths),
                                                       abs=0.01)
    table = pd.read_csv(out / "analysis.csv")
    assert table["key"].tolist() == [r["key"] for r in rows]
    assert table["tempo"].tolist() == pytest.approx([r["tempo"] for r in rows])
    for path, row in zip(pieces.paths, rows):
        stem = out / path.split("/")[-1].rsplit(".", 1)[0]
        beats = mir_eval.io.load_events(f"{stem}.beats")
        assert beats == pytest.approx(TempoEstimator().predict_beats([path])[0], abs=1e-3)
        intervals, labels = mir_eval.io.load_labeled_intervals(f"{stem}.lab")
        expected = ChordEstimator().predict([path])[0]
        assert labels == expected[1] and intervals == pytest.approx(expected[0], abs=1e-3)
        assert intervals[-1, 1] == pytest.approx(sf.info(path).duration, abs=0.01)
    assert sorted(result["written"]) == sorted(str(p) for p in out.iterdir())


def test_analyze_draws_a_figure_per_file(pieces, tmp_path, capsys):
    from matplotlib.image import imread

    out = tmp_path / "out"
    assert main(["analyze", pieces.paths[0], "--tasks", "key,chords,beats", "--out-dir",
                 str(out), "--figures"]) == 0
    image = imread(out / (pieces.paths[0].split("/")[-1].rsplit(".", 1)[0] + ".png"))
    assert image.ndim == 3 and image.shape[1] > image.shape[0] > 200
    assert "wrote 4 files" in capsys.readouterr().out  # table, beats, chords, figure
    assert main(["analyze", pieces.paths[0], "--figures"]) == 1
    assert "--out-dir" in capsys.readouterr().err


def test_analyze_prints_a_line_per_file(pieces, capsys):
    assert main(["analyze", *map(str, pieces.paths)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == [str(p) for p in pieces.paths]
    assert all(len(line.split("\t")) == 3 and float(line.split("\t")[2]) > 0 for line in lines)


def test_analyze_bad_input(pieces, tmp_path, capsys):
    import numpy as np
    import soundfile as sf

    bad = tmp_path / "broken.wav"
    bad.write_text("not audio")
    assert main(["analyze", str(bad), pieces.paths[0]]) == 1
    assert f"{bad}: cannot decode audio" in capsys.readouterr().err
    assert main(["analyze", str(bad), pieces.paths[0], "--on-error", "skip", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["dropped"][0]["path"] == str(bad)
    assert str(bad) in captured.err
    # Beats and chords go to files: without a folder for them, nothing runs.
    assert main(["analyze", pieces.paths[0], "--tasks", "chords"]) == 1
    assert "--out-dir" in capsys.readouterr().err
    assert main(["analyze", pieces.paths[0], "--tasks", "mode"]) == 1
    assert "unknown task(s) mode" in capsys.readouterr().err
    # Two files named alike would overwrite each other's beats.
    (tmp_path / "other").mkdir()
    twin = tmp_path / "other" / pieces.paths[0].split("/")[-1]
    twin.write_bytes(open(pieces.paths[0], "rb").read())
    assert main(["analyze", pieces.paths[0], str(twin), "--out-dir", str(tmp_path / "o")]) == 1
    assert "different --out-dir" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
    # A silent file is analysed, with its warning naming it.
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(22050 * 2), 22050)
    assert main(["analyze", str(silent), "--tasks", "tempo"]) == 0
    assert f"{silent}: 1 of 1 clips have no onsets" in capsys.readouterr().err
