"""Multi-label instrument tagging: which families play in a mixture?

Mixtures of one to three instrument families are rendered from the General MIDI
SoundFont that pretty_midi ships (no download). Two taggers are trained on the same
clips and scored on mixtures played by General MIDI programs they never heard:

- ``CNNTagger``: one network, one sigmoid output per family, on log-mel spectrograms;
- ``MultiOutputClassifier(LogisticRegression)`` on pooled MFCC and spectral features.

Both are scored with ROC-AUC and PR-AUC (macro over families) and the CNN's per-family
ROC curves are saved as a PNG.

Run: ``python examples/multilabel_tagging.py [--quick] [--out tagging_roc.png]``
"""

import argparse
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_music import CNNTagger, MelSpectrogram
from sklearn_music.datasets import make_mixtures
from sklearn_music.metrics import tagging_scores
from sklearn_music.pipelines import make_feature_union
from sklearn_music.plotting import plot_roc_curves, save_figure

FAMILIES = ["bass", "brass", "flute", "guitar", "keyboard", "organ", "reed", "string"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-clips", type=int, default=800, help="rendered mixtures")
    parser.add_argument("--max-epochs", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="160 clips, 3 epochs (for CI)")
    parser.add_argument("--out", type=Path, default=Path("tagging_roc.png"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    n_clips, epochs = (160, 3) if args.quick else (args.n_clips, args.max_epochs)

    sr = 16000
    mixtures = make_mixtures(n_clips, families=FAMILIES, duration=3.0, note_duration=2.0,
                             sr=sr, random_state=args.seed)
    # A third of the GM programs never play in training: every mixture with one of them
    # goes to the test set, so each test clip brings at least one unseen instrument.
    test = np.array([any(p % 3 == 0 for p in programs) for programs in mixtures.programs])
    X_train, X_test = mixtures.data[~test], mixtures.data[test]
    y_train, y_test = mixtures.target[~test], mixtures.target[test]
    print(f"{len(X_train)} training and {len(X_test)} test mixtures of "
          f"{len(FAMILIES)} families")

    t0 = time.perf_counter()
    cnn = Pipeline([
        ("mel", MelSpectrogram(sr=sr, n_mels=64, hop_length=512)),
        ("cnn", CNNTagger(architecture="shortchunk", max_epochs=epochs, random_state=args.seed)),
    ]).fit(X_train, y_train)
    cnn_scores = tagging_scores(y_test, cnn.predict_proba(X_test))
    print(f"CNNTagger: ROC-AUC {cnn_scores['roc_auc_macro']:.3f}, "
          f"PR-AUC {cnn_scores['pr_auc_macro']:.3f} ({time.perf_counter() - t0:.0f} s)")

    t0 = time.perf_counter()
    classical = make_pipeline(
        make_feature_union(sr=sr, features=("mfcc", "spectral"), stats=("mean", "std", "max")),
        StandardScaler(),
        MultiOutputClassifier(LogisticRegression(C=0.1, max_iter=2000)),
    ).fit(X_train, y_train)
    proba = np.column_stack([p[:, 1] for p in classical.predict_proba(X_test)])
    lr_scores = tagging_scores(y_test, proba)
    print(f"MultiOutputClassifier(LogisticRegression): ROC-AUC "
          f"{lr_scores['roc_auc_macro']:.3f}, PR-AUC {lr_scores['pr_auc_macro']:.3f} "
          f"({time.perf_counter() - t0:.0f} s)")

    ax = plot_roc_curves(y_test, cnn.predict_proba(X_test), tag_names=mixtures.target_names,
                         title="CNNTagger on mixtures of unseen instruments")
    print(f"wrote {save_figure(ax, args.out)}")


if __name__ == "__main__":
    main()
