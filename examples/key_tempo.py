"""Key and tempo estimation, scored as the field scores them.

``KeyEstimator`` (template matching on tuned, harmonic CQT chroma) and ``TempoEstimator``
(periodicity of onset strength with octave-error correction) predict without training;
both can also learn from labelled clips with ``fit``. They are scored with the MIREX
weighted key score and tempo Acc1/Acc2, beside librosa's plain way (mean chroma_cqt with
the Krumhansl template, ``librosa.feature.tempo``) on the same clips.

By default the clips are pieces and grooves rendered from the General MIDI SoundFont that
pretty_midi ships (no download); ``--gtzan-root`` uses GTZAN clips with Lerch's key and the
tempo annotations instead. The figure shows estimated against true tempo.

Run::

    python examples/key_tempo.py [--n-clips 24] [--gtzan-root path/to/gtzan] [--out key_tempo.png]
"""

import argparse
from pathlib import Path

import librosa
import numpy as np
from matplotlib.figure import Figure

from sklearn_music import AudioLoader, KeyEstimator, TempoEstimator
from sklearn_music.datasets import load_gtzan, make_grooves, make_key_pieces
from sklearn_music.features.key_profiles import KEY_NAMES, key_profiles
from sklearn_music.metrics import mirex_key_score, tempo_accuracy1, tempo_accuracy2
from sklearn_music.plotting import save_figure

SR = 22050


def librosa_key(y):
    """The plain way: mean CQT chroma correlated with the Krumhansl-Kessler profiles."""
    chroma = librosa.feature.chroma_cqt(y=y, sr=SR).mean(axis=1)
    scores = [np.corrcoef(chroma, profile)[0, 1] for profile in key_profiles("krumhansl")]
    return KEY_NAMES[int(np.nanargmax(scores))]


def librosa_tempo(y):
    return float(librosa.feature.tempo(y=y, sr=SR)[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-clips", type=int, default=24, help="rendered pieces and grooves")
    parser.add_argument("--gtzan-root", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=Path("key_tempo.png"))
    args = parser.parse_args()

    if args.gtzan_root:
        data = load_gtzan(args.gtzan_root)
        waves = AudioLoader(sr=SR, duration=30.0).fit_transform(data.paths)
        has_key = np.array([k is not None for k in data.key])
        key_waves, keys = waves[has_key], np.asarray(data.key)[has_key]
        has_tempo = np.isfinite(np.asarray(data.tempo, dtype=float))
        tempo_waves, tempi = waves[has_tempo], np.asarray(data.tempo, dtype=float)[has_tempo]
        source = f"GTZAN: {len(key_waves)} clips with a key, {len(tempo_waves)} with a tempo"
    else:
        pieces = make_key_pieces(args.n_clips, sr=SR, duration=12.0, random_state=0)
        grooves = make_grooves(args.n_clips, sr=SR, duration=12.0, random_state=1)
        key_waves, keys = pieces.data, pieces.target
        tempo_waves, tempi = grooves.data, grooves.target
        source = f"{args.n_clips} rendered pieces and {args.n_clips} grooves"

    ours_key = KeyEstimator(sr=SR).predict(key_waves)
    plain_key = [librosa_key(y) for y in key_waves]
    ours_tempo = TempoEstimator(sr=SR).predict(tempo_waves)
    plain_tempo = np.array([librosa_tempo(y) for y in tempo_waves])

    print(f"{source}")
    print(f"{'':22s}{'ours':>8s}{'librosa':>9s}")
    print(f"{'MIREX key score':22s}{mirex_key_score(keys, ours_key):8.3f}"
          f"{mirex_key_score(keys, plain_key):9.3f}")
    print(f"{'tempo Acc1':22s}{tempo_accuracy1(tempi, ours_tempo):8.3f}"
          f"{tempo_accuracy1(tempi, plain_tempo):9.3f}")
    print(f"{'tempo Acc2':22s}{tempo_accuracy2(tempi, ours_tempo):8.3f}"
          f"{tempo_accuracy2(tempi, plain_tempo):9.3f}")

    ax = Figure(figsize=(5, 5), layout="constrained").subplots()
    ax.scatter(tempi, plain_tempo, marker="x", label="librosa.feature.tempo")
    ax.scatter(tempi, ours_tempo, marker="o", facecolors="none", edgecolors="C1",
               label="TempoEstimator")
    line = np.array([min(tempi) * 0.8, max(tempi) * 1.2])
    for factor, style in [(1, "-"), (0.5, ":"), (2, ":")]:
        ax.plot(line, factor * line, color="grey", linestyle=style, linewidth=1)
    ax.set_xlabel("true tempo (BPM)")
    ax.set_ylabel("estimated tempo (BPM)")
    ax.set_title("Tempo: dotted lines are octave errors")
    ax.legend()
    print(f"wrote {save_figure(ax, args.out)}")


if __name__ == "__main__":
    main()
