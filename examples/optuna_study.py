"""Tune whole pipelines, features and model together, with a stored Optuna study.

Renders NSynth-style notes from the General MIDI SoundFont that ships with pretty_midi (no
download), then

1. tunes a classical pipeline (MFCC and spectral-shape features pooled over time, an RBF
   SVM): the MFCC count, the pooling statistics, C and gamma, by cross-validation in which
   an instrument never plays on both sides of a split (GroupKFold over GM programs);
2. with ``--cnn``, tunes a CNN on log-mel spectrograms (learning rate, batch size,
   dropout, weight decay, width, architecture, number of mel bands) on one grouped
   hold-out split, pruning hopeless trials after each epoch.

The studies live in ``optuna-example.db`` (SQLite): stop the script at any point and run it
again, and it carries on with the trials that are missing; raise ``--trials`` to run more.
Another ``--notes`` is another data set, which the stored studies refuse: delete
``optuna-example.db`` first. Optuna's plots go to ``optuna-example/``.

    python examples/optuna_study.py [--trials 20] [--cnn] [--cnn-trials 8]
"""

import argparse

import optuna
from sklearn.model_selection import GroupKFold, GroupShuffleSplit
from sklearn.pipeline import Pipeline, make_pipeline, make_union
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sklearn_music import CNNClassifier
from sklearn_music.datasets import make_notes
from sklearn_music.features import MFCC, MelSpectrogram, Pooling, SpectralFeatures
from sklearn_music.tuning import StudySearchCV, default_space, save_study_plots

SR = 16000
STORAGE = "sqlite:///optuna-example.db"


def report(name, search):
    print(f"\n{name}: {search.n_trials_} finished trials in study {search.study_name_!r}")
    print(f"  best cross-validated macro F1: {search.best_score_:.3f}")
    for param, value in search.best_params_.items():
        print(f"  {param} = {value!r}")
    pruned = sum(t.state == optuna.trial.TrialState.PRUNED for t in search.study_.trials)
    print(f"  pruned trials: {pruned}")
    plots = save_study_plots(search.study_, f"optuna-example/{name}")
    print("  plots: " + ", ".join(plots["saved"].values()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=20, help="classical study size")
    parser.add_argument("--cnn", action="store_true", help="also tune a CNN")
    parser.add_argument("--cnn-trials", type=int, default=8, help="CNN study size")
    parser.add_argument("--notes", type=int, default=160, help="notes to render")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    notes = make_notes(args.notes, families=["bass", "brass", "flute", "guitar", "keyboard"],
                       sr=SR, duration=2.0, note_duration=1.5, random_state=0)
    X, y, groups = notes.data, notes.target, notes.program
    print(f"{len(y)} notes of {len(set(groups))} instruments, families "
          f"{', '.join(notes.target_names)}")

    classical = Pipeline([
        ("features", make_union(
            make_pipeline(MFCC(sr=SR), Pooling()),
            make_pipeline(SpectralFeatures(sr=SR), Pooling()),
        )),
        ("scale", StandardScaler()),
        ("svm", SVC(class_weight="balanced")),
    ])
    print("search space:", ", ".join(default_space(classical)))
    search = StudySearchCV(classical, cv=GroupKFold(4), n_trials=args.trials,
                           storage=STORAGE, study_name="notes-svm", random_state=0)
    report("notes-svm", search.fit(X, y, groups=groups))

    if args.cnn:
        cnn = Pipeline([
            ("mel", MelSpectrogram(sr=SR, n_mels=64, hop_length=256)),
            ("cnn", CNNClassifier(max_epochs=20, patience=5, random_state=0)),
        ])
        space = default_space(cnn, {"mel__hop_length": None})  # keep 256: short notes
        hold_out = GroupShuffleSplit(n_splits=1, test_size=0.25, random_state=0)
        search = StudySearchCV(cnn, space, cv=hold_out, n_trials=args.cnn_trials,
                               storage=STORAGE, study_name="notes-cnn", random_state=0)
        report("notes-cnn", search.fit(X, y, groups=groups))


if __name__ == "__main__":
    main()
