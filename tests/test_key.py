"""The NNLS chroma and the key estimator on it: synthesized notes, rendered cadences."""

import numpy as np
import pretty_midi
import pytest

from sklearn_music import KeyEstimator
from sklearn_music.datasets import render_midi
from sklearn_music.features.key_profiles import KEY_NAMES
from sklearn_music.mir._chroma import chroma_frames

SR = 22050


def harmonic_tone(midi, seconds=2.0, sr=SR, partials=10, decay=0.8):
    """A steady tone with ``partials`` harmonics of geometrically decaying amplitude."""
    t = np.arange(int(seconds * sr)) / sr
    freq = 440.0 * 2 ** ((midi - 69) / 12)
    return sum(
        decay**k * np.sin(2 * np.pi * (k + 1) * freq * t)
        for k in range(partials)
        if (k + 1) * freq < 0.45 * sr
    ).astype(np.float32)


def pitch_classes(chroma, n):
    return sorted(np.argsort(chroma.mean(axis=1))[-n:])


@pytest.mark.parametrize("notes", [(60, 64, 67), (57, 60, 64), (50, 54, 57, 60)])
def test_nnls_chroma_recovers_the_pitch_classes_of_a_chord(notes):
    y = sum(harmonic_tone(n) for n in notes)
    chroma = chroma_frames(y, sr=SR, kind="nnls", fmin=65.41, hop_length=2048, tuning=0.0)
    assert chroma.shape[0] == 12
    assert pitch_classes(chroma, len(notes)) == sorted(n % 12 for n in notes)


def test_nnls_chroma_of_silence_and_low_sample_rates():
    assert not chroma_frames(np.zeros(SR), sr=SR, kind="nnls").any()
    y = harmonic_tone(60, sr=8000, partials=3)
    chroma = chroma_frames(y, sr=8000, kind="nnls", tuning=0.0)
    assert np.argmax(chroma.mean(axis=1)) == 0


@pytest.mark.parametrize("n_iter", [0, 5, 100])
def test_batched_nnls_equals_scipy_frame_by_frame(n_iter):
    # 0 iterations leave every active set unknown (each frame goes to scipy's solver), 5
    # settle some, 100 (the default) nearly all: the answer is the same either way.
    from scipy.optimize import nnls

    from sklearn_music.mir._chroma import _nnls_columns, _note_dictionary

    rng = np.random.default_rng(0)
    dictionary = _note_dictionary(48)
    X = np.maximum(rng.normal(size=(144, 40)), 0.0) * rng.exponential(size=40)
    X[:, 3] = 0.0  # a silent frame
    X[:, 4] = dictionary @ np.maximum(rng.normal(size=48), 0.0)  # exactly a sum of notes
    expected = np.column_stack([nnls(dictionary, x)[0] for x in X.T])
    np.testing.assert_allclose(_nnls_columns(dictionary, X, n_iter=n_iter), expected,
                               rtol=0, atol=1e-10)


def rendered_progression(tonic, steps, seconds=0.8):
    """Rendered block chords (root offset from the tonic, intervals) over their roots, twice."""
    pm = pretty_midi.PrettyMIDI()
    piano, bass = pretty_midi.Instrument(program=0), pretty_midi.Instrument(program=33)
    for i, (root, intervals) in enumerate(steps * 2):
        start, end = seconds * i, seconds * (i + 1)
        for interval in intervals:
            pitch = 60 + (tonic + root + interval) % 12
            piano.notes.append(pretty_midi.Note(80, pitch, start, end))
        bass.notes.append(pretty_midi.Note(90, 36 + (tonic + root) % 12, start, end))
    pm.instruments += [piano, bass]
    return render_midi(pm, sr=SR)[0]


def cadence(minor):
    """I-IV-V-I, or i-iv-V-i with the harmonic minor's major dominant."""
    tonic = (0, 3, 7) if minor else (0, 4, 7)
    return [(0, tonic), (5, tonic), (7, (0, 4, 7)), (0, tonic)]


@pytest.mark.parametrize("chroma", ["nnls", "cqt"])
def test_key_estimator_finds_the_key_of_rendered_cadences(chroma):
    keys = [(2, False), (9, True), (10, False), (4, True)]
    X = [rendered_progression(tonic, cadence(minor)) for tonic, minor in keys]
    expected = [KEY_NAMES[tonic + 12 * minor] for tonic, minor in keys]
    assert list(KeyEstimator(chroma=chroma).predict(X)) == expected


def test_default_key_estimator_tells_a_rendered_minor_key_from_its_relative_major():
    # i-VI-III-V (Am F C E in A minor): more C and E than A, but the E major dominant
    minor, major = (0, 3, 7), (0, 4, 7)
    steps = [(0, minor), (8, major), (3, major), (7, major)]
    X = [rendered_progression(tonic, steps) for tonic in (0, 6, 9)]
    assert list(KeyEstimator().predict(X)) == [KEY_NAMES[12 + t] for t in (0, 6, 9)]


def test_threads_leave_blas_threads_as_they_found_them():
    # threadpoolctl's limit is process-wide: analyses overlapping in threads left BLAS on
    # one thread for the rest of the process.
    from joblib import parallel_config
    from threadpoolctl import threadpool_info

    from sklearn_music import MFCC

    def blas_threads():
        return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]

    before = blas_threads()
    clips = [harmonic_tone(60 + i, seconds=1.0) for i in range(6)]
    with parallel_config(backend="threading"):
        for _ in range(3):
            KeyEstimator(n_jobs=3).predict(clips)
            MFCC(n_jobs=3).fit_transform(clips)
    assert blas_threads() == before
