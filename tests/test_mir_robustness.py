"""The MIR estimators under conditions of real recordings: sample rates, silence, level."""

import warnings

import numpy as np
import pytest

from sklearn_music import ChordEstimator, KeyEstimator

C_MAJOR = (261.63, 329.63, 392.0)
A_MINOR = (220.0, 261.63, 329.63)


def two_chords(sr, change, seconds=2.5):
    """C major until ``change`` seconds, then A minor (sine triads)."""
    t = np.arange(int(seconds * sr)) / sr
    c, a = (sum(np.sin(2 * np.pi * f * t) for f in freqs) for freqs in (C_MAJOR, A_MINOR))
    return (0.2 * np.where(t < change, c, a)).astype(np.float32)


@pytest.mark.parametrize("sr", [8000, 16000, 22050, 44100])
def test_chord_frames_last_as_long_at_any_sample_rate(sr):
    # With a hop fixed in samples, 8 kHz audio had 256 ms frames and lost the first chord.
    intervals, labels = ChordEstimator(sr=sr).predict([two_chords(sr, change=1.15)])[0]
    assert labels == ["C:maj", "A:min"]
    assert intervals[0, 1] == pytest.approx(1.15, abs=0.1)
    assert intervals[-1, 1] == pytest.approx(2.5, abs=1e-3)


def test_default_hop_is_2048_samples_at_22050_hz():
    y = two_chords(22050, change=1.15)
    default = ChordEstimator().predict([y])[0]
    explicit = ChordEstimator(hop_length=2048).predict([y])[0]
    np.testing.assert_array_equal(default[0], explicit[0])
    assert default[1] == explicit[1]


def a_minor(sr=22050, seconds=2.0):
    t = np.arange(int(seconds * sr)) / sr
    return (0.2 * sum(np.sin(2 * np.pi * f * t) for f in A_MINOR)).astype(np.float32)


def test_key_of_a_silent_clip_warns():
    # A stereo file whose channels cancel is digital silence once mixed to mono: the key
    # estimator used to answer "C major" for it without a word.
    silent = np.zeros(2 * 22050, dtype=np.float32)
    with pytest.warns(UserWarning, match=r"1 of 2 clips hold no pitched sound \(indices \[0\]\)"):
        keys = KeyEstimator().predict([silent, a_minor()])
    assert keys[1] == "A minor"


@pytest.mark.parametrize("chroma", ["nnls", "cqt"])
def test_key_of_music_does_not_warn(chroma):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert KeyEstimator(chroma=chroma).predict([a_minor()])[0] == "A minor"


def test_clips_without_pitch_raise_no_tuning_warning():
    # librosa warns "Trying to estimate tuning from empty frequency set" on such clips.
    dc = np.full(2 * 22050, 0.1, dtype=np.float32)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Trying to estimate tuning")
        assert ChordEstimator().predict([dc])[0][1] == ["N"]
        KeyEstimator().predict([dc])
