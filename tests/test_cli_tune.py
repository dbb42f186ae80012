"""`sklearn-music tune CONFIG`: a study over a folder of rendered notes, resumed, with
plots, the refitted model, JSON output, a CNN run, and clear errors."""

import json
import re

import numpy as np
import optuna
import pytest
import soundfile as sf
import torch

from sklearn_music.cli import main
from sklearn_music.datasets import make_notes
from sklearn_music.persistence import load_model

SR = 16000


@pytest.fixture(autouse=True, scope="module")
def single_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def notes(tmp_path_factory):
    """24 one-second notes of three families, one subfolder per family."""
    root = tmp_path_factory.mktemp("tune") / "notes"
    data = make_notes(24, families=["bass", "flute", "guitar"], sr=SR, duration=1.0,
                      note_duration=0.8, random_state=0)
    for i, (wave, family) in enumerate(zip(data.data, data.target)):
        (root / family).mkdir(parents=True, exist_ok=True)
        sf.write(root / family / f"{i}.wav", wave, SR)
    return root


def _config(folder, text):
    path = folder.parent / "run.toml"
    path.write_text(f'[data]\nfolder = "{folder.name}"\n{text}')
    return path


def _tune(capsys, *args):
    code = main(["tune", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_tune_prints_best_parameters_saves_plots_and_resumes(notes, capsys):
    config = _config(notes, """
[pipeline]
sr = 16000
duration = 1.0
features = ["mfcc", "spectral"]
[study]
name = "svm"
n_trials = 3
cv = 2
[space]
clf__C = { low = 0.1, high = 100.0, log = true }
[output]
model = "best.joblib"
""")
    code, out, err = _tune(capsys, config)
    assert code == 0, err
    assert "study svm: 3 finished trials; best f1_macro" in out
    assert "clf__C = " in out and "features__mfcc__pooling__stats = (" in out
    out_dir = notes.parent / "svm-tuning"
    for plot in ("optimization_history", "param_importances", "intermediate_values"):
        assert (out_dir / f"{plot}.png").read_bytes()[:4] == b"\x89PNG"
    best = json.loads((out_dir / "best_params.json").read_text())
    assert 0 <= best["best_score"] <= 1 and "clf__C" in best["best_params"]
    model = load_model(notes.parent / "best.joblib")
    assert model.named_steps["clf"].C == pytest.approx(best["best_params"]["clf__C"])
    storage = f"sqlite:///{out_dir / 'svm.db'}"
    first = optuna.load_study(study_name="svm", storage=storage).trials

    code, out, err = _tune(capsys, config, "--n-trials", 5, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["trials"] == 5 and result["storage"] == storage
    trials = optuna.load_study(study_name="svm", storage=storage).trials
    assert len(trials) == 5
    assert [(t.params, t.value) for t in trials[:3]] == [(t.params, t.value) for t in first]
    assert result["best_score"] == max(t.value for t in trials if t.value is not None)
    assert (out_dir / "trials.csv").read_text().count("\n") == 6  # header and 5 trials


def test_tune_a_cnn_on_one_hold_out_split(notes, capsys):
    config = _config(notes, """
[pipeline]
kind = "cnn"
sr = 16000
duration = 1.0
n_mels = 32
architecture = "simple"
max_epochs = 2
module__width = 4
[study]
name = "cnn"
n_trials = 2
cv = 0.25
drop = ["cnn__architecture", "cnn__module__width", "mel__n_mels", "mel__hop_length"]
[space]
cnn__batch_size = [8]
""")
    code, out, err = _tune(capsys, config, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["trials"] == 2
    assert set(result["best_params"]) == {"cnn__lr", "cnn__batch_size", "cnn__dropout",
                                          "cnn__weight_decay"}
    trials = optuna.load_study(study_name="cnn", storage=result["storage"]).trials
    assert all(sorted(t.intermediate_values) == [0, 1] for t in trials)  # one per epoch
    assert np.isfinite(result["best_score"])


def test_tune_refuses_a_study_whose_config_changed(notes, capsys):
    study = """
[pipeline]
sr = 16000
duration = 1.0
features = ["mfcc"]
[study]
name = "changed"
n_trials = 1
cv = 2
drop = ["clf__gamma", "features__mfcc__mfcc__n_mfcc", "features__mfcc__pooling__stats"]
"""
    code, _, err = _tune(capsys, _config(notes, study + "[space]\nclf__C = [1.0, 10.0]\n"))
    assert code == 0, err
    code, out, err = _tune(capsys, _config(notes, study + "[space]\nclf__C = [1.0, 10.0]\n"
                                                          "clf__gamma = [0.01, 0.1]\n"),
                           "--n-trials", 2)
    assert code == 1 and out == ""
    assert ("study 'changed' holds the trials of another search: the search space: "
            "clf__gamma added. Use another study name") in err
    storage = f"sqlite:///{notes.parent / 'changed-tuning' / 'changed.db'}"
    assert len(optuna.load_study(study_name="changed", storage=storage).trials) == 1


@pytest.mark.parametrize("text, message", [
    ("[study]\nn_trials = 1\ndrop = ['clf__nope']\n", "drop names \\['clf__nope'\\]"),
    ("[pipeline]\nwindow = 3\n", "\\[pipeline\\] of kind 'classical': .*window"),
    ("[study]\nn_trials = 1\n[space]\nclf__CC = [1.0]\n", "Invalid parameter 'CC'"),
])
def test_tune_errors_exit_1_with_the_reason(notes, capsys, text, message):
    code, out, err = _tune(capsys, _config(notes, text))
    assert code == 1
    assert err.startswith("sklearn-music tune: error: ")
    assert re.search(message, err), err


def test_tune_missing_files_exit_1(tmp_path, capsys):
    code, _, err = _tune(capsys, tmp_path / "none.toml")
    assert code == 1 and "none.toml" in err
    config = tmp_path / "c.toml"
    config.write_text('[data]\nfolder = "missing"\n')
    code, _, err = _tune(capsys, config)
    assert code == 1 and "missing: no such folder" in err


def test_tune_help_names_the_config_sections(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["tune", "--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    assert "[data], [pipeline], [study], [space], [output]" in text
