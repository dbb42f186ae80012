"""The main job on built-in data: ``sklearn-music demo``.

Notes of NSynth's instrument families are rendered from the General MIDI SoundFont that
pretty_midi ships (nothing is downloaded), pooled MFCC and spectral features are
extracted once with a progress bar, and a scaled SVM is cross-validated with instruments
(GM programs) grouped, so every fold is scored on instruments it never heard in training.
"""

import json
import time
from pathlib import Path

import numpy as np

__all__ = ["run_demo"]


def run_demo(out="sklearn-music-demo", *, per_family=24, n_splits=4, random_state=0,
             progress=True):
    """Run the demo and write its report, confusion matrix and a spectrogram to ``out``.

    Parameters
    ----------
    out : str or os.PathLike, default="sklearn-music-demo"
        Output folder (created when missing).
    per_family : int, default=24
        Notes per instrument family, on average (families are drawn at random).
    n_splits : int, default=4
        Cross-validation folds, grouped by instrument.
    random_state : int, default=0
        Seeds the rendered notes and the classifier.
    progress : bool, default=True
        Print progress and the report.

    Returns
    -------
    result : dict
        Scores, per-fold macro F1, timings and the files written.
    """
    from sklearn.model_selection import GroupKFold, cross_val_predict, cross_validate
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    from .datasets import make_notes
    from .datasets.generators import FAMILIES
    from .evaluation import summarize_classification
    from .features import MelSpectrogram
    from .pipelines import extract_with_progress, make_feature_union
    from .plotting import plot_confusion_matrix, plot_spectrogram, save_figure

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    say = print if progress else (lambda *a, **k: None)
    sr = 16000

    t0 = time.perf_counter()
    say(f"Rendering {per_family * len(FAMILIES)} notes of {len(FAMILIES)} instrument families "
        "from the bundled General MIDI SoundFont (TimGM6mb) ...")
    notes = make_notes(per_family * len(FAMILIES), sr=sr, random_state=random_state)
    t_render = time.perf_counter() - t0

    t0 = time.perf_counter()
    # Timbre, not pitch class, tells instruments apart: MFCC and spectral shape, with the
    # maximum over frames to keep the attack that the mean and deviation wash out.
    union = make_feature_union(sr=sr, features=("mfcc", "spectral"), stats=("mean", "std", "max"))
    union.set_output(transform="pandas")
    X = extract_with_progress(union, notes.data, progress=progress)
    t_features = time.perf_counter() - t0

    model = make_pipeline(StandardScaler(), SVC(C=10.0, class_weight="balanced"))
    cv = GroupKFold(n_splits=n_splits)
    t0 = time.perf_counter()
    scores = cross_validate(model, X, notes.target, groups=notes.groups, cv=cv,
                            scoring=["accuracy", "f1_macro"])
    predictions = cross_val_predict(model, X, notes.target, groups=notes.groups, cv=cv)
    t_cv = time.perf_counter() - t0
    summary = summarize_classification(notes.target, predictions)

    figure = save_figure(
        plot_confusion_matrix(notes.target, predictions,
                              title="Instrument family, unseen instruments (CV)"),
        out / "confusion_matrix.png",
    )
    first = int(np.flatnonzero(notes.target == notes.target[0])[0])
    mel = MelSpectrogram(sr=sr, n_mels=64).fit_transform(notes.data[first:first + 1])[0]
    spectrogram = save_figure(
        plot_spectrogram(np.asarray(mel), sr=sr, title=f"{notes.instrument[first]}, "
                         f"MIDI pitch {notes.pitch[first]}"),
        out / "spectrogram.png",
    )
    result = {
        "task": "instrument family of rendered notes, instruments grouped across folds",
        "clips": int(len(notes.target)),
        "instruments": int(len(np.unique(notes.groups))),
        "features": int(X.shape[1]),
        "cv_folds": n_splits,
        "cv_accuracy": float(scores["test_accuracy"].mean()),
        "cv_f1_macro": float(scores["test_f1_macro"].mean()),
        "cv_f1_macro_folds": scores["test_f1_macro"].tolist(),
        "seconds": {"render": round(t_render, 2), "features": round(t_features, 2),
                    "cross_validation": round(t_cv, 2)},
        "summary": summary.to_dict(),
        "files": {"confusion_matrix": figure, "spectrogram": spectrogram},
    }
    report = out / "report.json"
    from ._atomic import atomic_path

    with atomic_path(report) as tmp:
        Path(tmp).write_text(json.dumps(result, indent=2))
    result["files"]["report"] = str(report)

    say(f"\n{summary}\n")
    say(f"{n_splits}-fold CV grouped by instrument ({result['instruments']} GM programs): "
        f"accuracy {result['cv_accuracy']:.3f}, macro F1 {result['cv_f1_macro']:.3f} "
        f"(folds: {', '.join(f'{s:.2f}' for s in result['cv_f1_macro_folds'])})")
    say(f"time: render {t_render:.1f} s, features {t_features:.1f} s, CV {t_cv:.1f} s")
    say(f"wrote {report}, {figure}, {spectrogram}")
    return result
