"""Key, tempo, beat and chord estimation: sklearn_music against librosa's plain way.

Run from the repository root::

    python benchmarks/key_tempo.py [--gtzan ../shared/data/gtzan-mini-dev] [--n-rendered 100]
                                   [--soundfonts default /usr/share/sounds/sf2/FluidR3_GM.sf2]
                                   [--tasks key tempo chords]

``--tasks`` runs some of the tasks only (``tempo`` includes beats), on the same audio;
``--n-rendered 0`` leaves the rendered music out.

Everything is measured in the same run, on the same audio:

- real music: the GTZAN slice (key, tempo and beat annotations); estimators fitted on
  labels are cross-validated by genre (GroupKFold over the genres, so no test clip's genre
  or artist is seen in training);
- rendered music: pieces of known key (``make_key_pieces``) and grooves of known tempo
  (``make_grooves``), plus chord progressions of known chords; fitted estimators learn from
  a separately seeded training set rendered with the default SoundFont (TimGM6mb) and are
  tested on every SoundFont given (by default TimGM6mb and, where installed, FluidR3 and
  sf_GMbank: instruments the training set never heard).

librosa's plain way is the mean of ``librosa.feature.chroma_cqt`` correlated with the
Krumhansl-Kessler profiles (key), ``librosa.feature.tempo`` (tempo) and
``librosa.beat.beat_track`` (beats), all at their defaults. On GTZAN, the time the default
estimators and librosa's way take on the same decoded audio is printed too (seconds per
minute of audio, one process unless ``--n-jobs`` says otherwise, and their ratio).
"""

import argparse
import time
from pathlib import Path

import librosa
import mir_eval
import numpy as np
import pretty_midi
from sklearn.model_selection import GroupKFold, cross_val_predict

from sklearn_music import ChordEstimator, KeyEstimator, TempoEstimator
from sklearn_music._input import as_waveforms
from sklearn_music.datasets import load_gtzan, make_grooves, make_key_pieces, render_midi
from sklearn_music.features.key_profiles import KEY_NAMES, PITCH_CLASSES, key_profiles
from sklearn_music.metrics import (
    chord_score,
    mirex_key_score,
    tempo_accuracy1,
    tempo_accuracy2,
)

SR = 22050
TASKS = ("key", "tempo", "chords")


def librosa_keys(waves):
    """Mean chroma_cqt correlated with the 24 Krumhansl-Kessler profiles."""
    profiles = key_profiles("krumhansl")
    profiles = profiles - profiles.mean(axis=1, keepdims=True)
    profiles /= np.linalg.norm(profiles, axis=1, keepdims=True)
    keys = []
    for y in waves:
        chroma = librosa.feature.chroma_cqt(y=y, sr=SR).mean(axis=1)
        chroma = chroma - chroma.mean()
        keys.append(KEY_NAMES[int(np.argmax(profiles @ chroma))])
    return np.array(keys)


def librosa_tempi(waves):
    return np.array([librosa.feature.tempo(y=y, sr=SR)[0] for y in waves])


def librosa_beats(waves):
    return [librosa.beat.beat_track(y=y, sr=SR, units="time")[1] for y in waves]


def beat_f_measure(references, estimates):
    return float(
        np.mean(
            [
                mir_eval.beat.f_measure(mir_eval.beat.trim_beats(r), mir_eval.beat.trim_beats(e))
                for r, e in zip(references, estimates)
            ]
        )
    )


def timed(func, waves):
    """``func(waves)`` and the seconds it took, after one untimed call on the first clip:
    one-time costs (librosa compiles its beat tracker with numba on its first call) are
    not counted against either side."""
    func(waves[:1])
    start = time.perf_counter()
    out = func(waves)
    return out, time.perf_counter() - start


def speed_line(task, waves, ours, librosas):
    minutes = sum(len(y) for y in waves) / SR / 60
    print(f"# {task} time: sklearn_music {ours / minutes:.2f} s per minute of audio, "
          f"librosa's way {librosas / minutes:.2f} s ({ours / librosas:.1f} times its time)",
          flush=True)  # fmt: skip


def row(task, data, method, **scores):
    text = "  ".join(f"{k}={v:.3f}" for k, v in scores.items())
    print(f"{task:6} | {data:38} | {method:46} | {text}", flush=True)


def key_row(what, method, reference, estimate):
    row("key", what, method, mirex=mirex_key_score(reference, estimate))


def tempo_row(what, method, reference, estimate):
    acc1, acc2 = tempo_accuracy1(reference, estimate), tempo_accuracy2(reference, estimate)
    row("tempo", what, method, acc1=acc1, acc2=acc2)


def gtzan(root, n_jobs, tasks):
    data = load_gtzan(root)
    genre = np.array([g.split("/")[0] for g in data.groups])
    print(f"# GTZAN slice {root}: {len(data.paths)} clips, {len(set(genre))} genres")
    if "key" in tasks:
        gtzan_keys(data, genre, n_jobs)
    if "tempo" in tasks:
        gtzan_tempi(data, genre, n_jobs)


def gtzan_keys(data, genre, n_jobs):
    """Key rows on the clips with a key label; fitted estimators cross-validated by genre."""
    known = np.array([k is not None for k in data.key])
    waves = as_waveforms(data.paths[known], sr=SR)
    keys = data.key[known].astype(str)
    what = f"GTZAN key ({known.sum()} clips)"
    lib, lib_seconds = timed(librosa_keys, waves)
    key_row(what, "librosa chroma_cqt + Krumhansl", keys, lib)
    for profile in ("krumhansl", "temperley", "triad"):
        estimator = KeyEstimator(profile=profile, harmony=0.0, n_jobs=n_jobs)
        pred = estimator.predict(waves)
        key_row(what, f"KeyEstimator(profile={profile!r}, harmony=0)", keys, pred)
    pred = KeyEstimator(chroma="cqt", n_jobs=n_jobs).predict(waves)
    key_row(what, "KeyEstimator(chroma='cqt')", keys, pred)
    ours, seconds = timed(KeyEstimator(n_jobs=n_jobs).predict, waves)
    key_row(what, "KeyEstimator()", keys, ours)
    speed_line("key", waves, seconds, lib_seconds)
    fitted = cross_val_predict(KeyEstimator(n_jobs=n_jobs), waves, keys, groups=genre[known],
                               cv=GroupKFold(n_splits=5))
    key_row(what, "KeyEstimator().fit, 5-fold CV by genre", keys, fitted)


def gtzan_tempi(data, genre, n_jobs):
    """Tempo and beat rows; the fitted estimator cross-validated by genre."""
    annotated = np.isfinite(data.tempo)
    waves, tempo = as_waveforms(data.paths[annotated], sr=SR), data.tempo[annotated]
    what = f"GTZAN tempo ({annotated.sum()} clips)"
    lib, lib_seconds = timed(librosa_tempi, waves)
    tempo_row(what, "librosa.feature.tempo", tempo, lib)
    ours, seconds = timed(TempoEstimator(n_jobs=n_jobs).predict, waves)
    tempo_row(what, "TempoEstimator() (prior, no fit)", tempo, ours)
    speed_line("tempo", waves, seconds, lib_seconds)
    fitted = cross_val_predict(TempoEstimator(n_jobs=n_jobs), waves, tempo,
                               groups=genre[annotated], cv=GroupKFold(n_splits=5))
    tempo_row(what, "TempoEstimator().fit, 5-fold CV by genre", tempo, fitted)

    beaten = np.array([b is not None for b in data.beats])
    waves, reference = as_waveforms(data.paths[beaten], sr=SR), list(data.beats[beaten])
    what = f"GTZAN beats ({beaten.sum()} clips)"
    lib, lib_seconds = timed(librosa_beats, waves)
    row("beats", what, "librosa.beat.beat_track", f=beat_f_measure(reference, lib))
    ours, seconds = timed(TempoEstimator(n_jobs=n_jobs).predict_beats, waves)
    row("beats", what, "TempoEstimator().predict_beats", f=beat_f_measure(reference, ours))
    speed_line("beats", waves, seconds, lib_seconds)


def chord_progressions(n, seed):
    """Random major/minor triads (1 to 2 s each) over a bass, with a hi-hat; 16 s each."""
    rng = np.random.default_rng(seed)
    waves, references = [], []
    for _ in range(n):
        pm = pretty_midi.PrettyMIDI()
        chords = pretty_midi.Instrument(program=int(rng.choice([0, 24, 48, 19])))
        bass = pretty_midi.Instrument(program=33)
        hat = pretty_midi.Instrument(program=0, is_drum=True)
        t, intervals, labels = 0.0, [], []
        while t < 16.0:
            root, minor = int(rng.integers(12)), bool(rng.integers(2))
            length = float(rng.choice([1.0, 1.5, 2.0]))
            for step in (0, 3 if minor else 4, 7):
                pitch = 60 + (root + step) % 12  # close voicing around middle C
                chords.notes.append(pretty_midi.Note(80, pitch, t, t + length))
            bass.notes.append(pretty_midi.Note(90, 36 + root, t, t + length))
            for beat in np.arange(t, t + length, 0.5):
                hat.notes.append(pretty_midi.Note(70, 42, beat, beat + 0.05))
            intervals.append([t, t + length])
            labels.append(f"{PITCH_CLASSES[root]}:{'min' if minor else 'maj'}")
            t += length
        pm.instruments += [chords, bass, hat]
        y, _ = render_midi(pm, sr=SR)
        waves.append(y[: int(t * SR)])
        references.append((np.array(intervals), labels))
    return waves, references


def _font_name(soundfont):
    return "TimGM6mb" if soundfont is None else Path(soundfont).stem


def rendered(n, n_jobs, soundfonts, tasks):
    if "key" in tasks or "tempo" in tasks:
        print(f"# Rendered: {n} test clips per task and SoundFont (seed 1); fitted "
              f"estimators learn from {n} clips (seed 2) rendered with TimGM6mb")  # fmt: skip
        train = make_key_pieces(n, random_state=2)
    if "key" in tasks:
        key_fitted = KeyEstimator(n_jobs=n_jobs).fit(train.data, train.target)
    if "tempo" in tasks:
        grooves_train = make_grooves(n, random_state=2)
        tempo_fitted = {
            "make_key_pieces": TempoEstimator(n_jobs=n_jobs).fit(train.data, train.tempo),
            "make_grooves": TempoEstimator(n_jobs=n_jobs).fit(grooves_train.data,
                                                              grooves_train.target),
        }
    for soundfont in soundfonts if "key" in tasks or "tempo" in tasks else ():
        test = make_key_pieces(n, random_state=1, soundfont=soundfont)
        if "key" in tasks:
            rendered_keys(test, key_fitted, n_jobs)
        if "tempo" in tasks:
            grooves = make_grooves(n, random_state=1, soundfont=soundfont)
            rendered_tempi(test, grooves, tempo_fitted, n_jobs)
    if "chords" in tasks:
        waves, references = chord_progressions(max(4, n // 5), seed=1)
        what = f"rendered progressions ({len(waves)})"
        for params in ({"method": "template"}, {}, {"beat_sync": True}):
            pred = ChordEstimator(n_jobs=n_jobs, **params).predict(waves)
            name = ", ".join(f"{k}={v!r}" for k, v in params.items())
            row("chords", what, f"ChordEstimator({name})",
                majmin=chord_score(references, pred),
                root=chord_score(references, pred, vocabulary="root"))  # fmt: skip


def rendered_keys(test, key_fitted, n_jobs):
    """Key rows on one SoundFont's test pieces."""
    what = f"make_key_pieces key ({len(test.target)}, {_font_name(test.soundfont)})"
    key_row(what, "librosa chroma_cqt + Krumhansl", test.target, librosa_keys(test.data))
    for profile in ("krumhansl", "temperley", "triad"):
        estimator = KeyEstimator(profile=profile, harmony=0.0, n_jobs=n_jobs)
        pred = estimator.predict(test.data)
        key_row(what, f"KeyEstimator(profile={profile!r}, harmony=0)", test.target, pred)
    pred = KeyEstimator(chroma="cqt", n_jobs=n_jobs).predict(test.data)
    key_row(what, "KeyEstimator(chroma='cqt')", test.target, pred)
    pred = KeyEstimator(n_jobs=n_jobs).predict(test.data)
    key_row(what, "KeyEstimator()", test.target, pred)
    pred = key_fitted.predict(test.data)
    key_row(what, "KeyEstimator().fit(seed-2 TimGM6mb pieces)", test.target, pred)


def rendered_tempi(test, grooves, tempo_fitted, n_jobs):
    """Tempo rows on one SoundFont's pieces and grooves, and beat rows on its grooves."""
    n, font = len(grooves.target), _font_name(grooves.soundfont)
    for name, X, tempo in (
        ("make_key_pieces", test.data, test.tempo),
        ("make_grooves", grooves.data, grooves.target),
    ):
        what = f"{name} tempo ({n}, {font})"
        tempo_row(what, "librosa.feature.tempo", tempo, librosa_tempi(X))
        tempo_row(what, "TempoEstimator() (prior, no fit)", tempo,
                  TempoEstimator(n_jobs=n_jobs).predict(X))  # fmt: skip
        tempo_row(what, "TempoEstimator().fit(seed-2 TimGM6mb clips)", tempo,
                  tempo_fitted[name].predict(X))  # fmt: skip
    what = f"make_grooves beats ({n}, {font})"
    lib = librosa_beats(grooves.data)
    row("beats", what, "librosa.beat.beat_track", f=beat_f_measure(grooves.beats, lib))
    ours = TempoEstimator(n_jobs=n_jobs).predict_beats(grooves.data)
    row("beats", what, "TempoEstimator().predict_beats", f=beat_f_measure(grooves.beats, ours))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_gtzan = Path(__file__).resolve().parents[2] / "shared" / "data" / "gtzan-mini-dev"
    parser.add_argument("--gtzan", default=str(default_gtzan))
    parser.add_argument("--n-rendered", type=int, default=100)
    parser.add_argument("--n-jobs", type=int, default=1)
    installed = [f for f in ("/usr/share/sounds/sf2/FluidR3_GM.sf2",
                             "/usr/share/sounds/sf2/sf_GMbank.sf2") if Path(f).is_file()]
    parser.add_argument("--soundfonts", nargs="+", default=["default", *installed],
                        help="test SoundFonts ('default' is TimGM6mb)")
    parser.add_argument("--tasks", nargs="+", choices=TASKS, default=list(TASKS),
                        help="tasks to measure (tempo includes beats)")
    args = parser.parse_args()
    soundfonts = [None if f == "default" else f for f in args.soundfonts]
    start = time.perf_counter()
    if Path(args.gtzan).is_dir():
        gtzan(args.gtzan, args.n_jobs, args.tasks)
    else:
        print(f"# {args.gtzan} is missing: GTZAN part skipped")
    if args.n_rendered > 0:
        rendered(args.n_rendered, args.n_jobs, soundfonts, args.tasks)
    print(f"# {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
