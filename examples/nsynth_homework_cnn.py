"""The NSynth homework with scikit-learn tools: a CNN on 64x64 log-mels, 11 families.

The classic exercise: classify NSynth notes into their 11 instrument families (bass,
brass, flute, guitar, keyboard, mallet, organ, reed, string, synth_lead, vocal) with a
small CNN on 64x64 log-mel spectrograms, and watch the training and validation curves.
Here the whole model is one scikit-learn Pipeline::

    AudioLoader -> MelSpectrogram(64 x 64) -> CNNClassifier(architecture="simple")

Real NSynth is big, so by default the notes are rendered from a General MIDI SoundFont
(``make_notes``), and the test set holds instruments (GM programs) never seen in
training, as NSynth's own split does. Give ``--nsynth-root`` to use NSynth instead (a
folder with ``examples.json`` and ``audio/``; the test set then holds out instruments by
``instrument_str``). ``--soundfont``, repeated, renders the notes from several SoundFonts
in turn, which carries the network to more kinds of instruments than one SoundFont does.

Run from the repository root::

    python examples/nsynth_homework_cnn.py            # 1100 notes, a few minutes on a CPU
    python examples/nsynth_homework_cnn.py --quick    # 220 notes, 4 epochs: a smoke run
    python examples/nsynth_homework_cnn.py --nsynth-root path/to/nsynth-valid
    python examples/nsynth_homework_cnn.py --soundfont default \
        --soundfont /usr/share/sounds/sf2/FluidR3_GM.sf2

It prints accuracy and macro F1 on the held-out instruments and writes the training
curves and the confusion matrix to ``nsynth_cnn.png``.
"""

import argparse
import sys
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from sklearn.model_selection import GroupShuffleSplit
from sklearn.pipeline import Pipeline

from sklearn_music import AudioLoader, CNNClassifier, MelSpectrogram
from sklearn_music.datasets import load_nsynth, make_notes
from sklearn_music.evaluation import summarize_classification
from sklearn_music.plotting import plot_confusion_matrix, plot_training_curves, save_figure

SR = 16000


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nsynth-root", type=Path, default=None,
                        help="NSynth notes (examples.json + audio/); default: rendered notes")
    parser.add_argument("--n-notes", type=int, default=1100, help="rendered notes")
    parser.add_argument("--soundfont", action="append", default=None,
                        help="SoundFont of the rendered notes, repeatable: the notes take "
                             "turns ('default': TimGM6mb, the default)")
    parser.add_argument("--max-epochs", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="220 notes, 4 epochs")
    parser.add_argument("--out", type=Path, default=Path("nsynth_cnn.png"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.quick:
        args.n_notes, args.max_epochs = 220, 4
    return args


def load_notes(args):
    """Audio (paths or waveforms), families, and the instrument of each note."""
    if args.nsynth_root is not None:
        data = load_nsynth(args.nsynth_root)
        return np.asarray(data.paths), data.target, data.groups
    fonts = [None if f == "default" else f for f in args.soundfont or ["default"]]
    notes = make_notes(args.n_notes, soundfont=fonts, random_state=args.seed)
    return notes.data, notes.target, notes.groups


def main(argv=None):
    args = parse_args(argv)
    X, y, instruments = load_notes(args)
    train, test = next(GroupShuffleSplit(n_splits=1, test_size=0.25, random_state=args.seed)
                       .split(X, y, groups=instruments))
    model = Pipeline([
        ("load", AudioLoader(sr=SR, duration=4.0)),
        # 64 bands x 64 frames over the whole 4 s note: a hop of 1000 samples
        ("mel", MelSpectrogram(sr=SR, n_fft=1024, hop_length=1000, n_mels=64, n_frames=64)),
        # 62.5-ms frames: learn through vibrato (real players' notes waver, samples do not)
        ("cnn", CNNClassifier(architecture="simple", max_epochs=args.max_epochs, vibrato=1,
                              random_state=args.seed, verbose=1)),
    ])
    model.fit(X[train], y[train])
    y_pred = model.predict(X[test])
    print(f"\n{len(test)} notes of {len(set(instruments[test]))} instruments unseen in "
          "training:")
    print(summarize_classification(y[test], y_pred))

    figure = Figure(figsize=(12, 4.5), layout="constrained")
    loss_ax, acc_ax, cm_ax = figure.subplots(1, 3, width_ratios=(1, 1, 1.3))
    history = model.named_steps["cnn"].history
    plot_training_curves(history, ax=loss_ax, title="loss")
    plot_training_curves(history, metrics=("valid_acc",), ax=acc_ax,
                         title="validation accuracy")
    plot_confusion_matrix(y[test], y_pred, ax=cm_ax, title="unseen instruments")
    print(f"curves and confusion matrix: {save_figure(figure, args.out)}")


if __name__ == "__main__":
    main(sys.argv[1:])
