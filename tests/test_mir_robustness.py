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


@pytest.mark.parametrize(
    "estimator",
    [ChordEstimator(), ChordEstimator(chroma="cens"), KeyEstimator(chroma="cqt"),
     KeyEstimator(chroma="cens"), KeyEstimator()],  # fmt: skip
    ids=["chords-cqt", "chords-cens", "key-cqt", "key-cens", "key-nnls"],
)
def test_short_clips_do_not_leak_librosa_padding_warnings(estimator):
    # librosa pads clips shorter than the constant-Q filters (under about 2 s) and warned
    # "n_fft=1024 is too large for input signal of length=...".
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        estimator.predict([a_minor(seconds=0.5)])


@pytest.mark.parametrize("sr", [8000, 22050])
def test_key_or_chords_of_a_clip_shorter_than_one_analysis_window_warn(sr):
    # The key of a 50 ms clip was arbitrary, without a word (TempoEstimator warned), and
    # so were the chords of a 5 ms clip.
    X = [a_minor(sr, seconds=0.05), a_minor(sr, seconds=0.1)]
    message = r"1 of 2 clips last less than one analysis window, 93 ms \(indices \[0\]\)"
    with pytest.warns(UserWarning, match=message + ": too short to hold a key"):
        KeyEstimator(sr=sr, chroma="cqt").predict(X)
    with pytest.warns(UserWarning, match=message):
        KeyEstimator(sr=sr, chroma="cqt").fit(X, ["A minor", "A minor"])
    with pytest.warns(UserWarning, match=message + ": too short to hold a chord"):
        ChordEstimator(sr=sr).predict(X)


def test_a_clip_of_dc_alone_is_silence():
    # librosa warned "Trying to estimate tuning from empty frequency set" on it, and the
    # steps at its ends were heard as chords.
    dc = np.full(2 * 22050, 0.1, dtype=np.float32)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Trying to estimate tuning")
        assert ChordEstimator().predict([dc])[0][1] == ["N"]
        with pytest.warns(UserWarning, match="no pitched sound"):
            KeyEstimator().predict([dc])


def dense_c_major(level_db, sr=22050, seconds=3.0):
    """A C major triad over the nine other pitch classes ``level_db`` below it."""
    t = np.arange(int(seconds * sr)) / sr
    y = sum(
        (1.0 if k in (0, 4, 7) else 10 ** (level_db / 20))
        * sum(np.sin(2 * np.pi * h * 261.63 * 2 ** (k / 12) * t) / h for h in (1, 2, 3))
        for k in range(12)
    )
    return (0.1 * y / np.abs(y).max()).astype(np.float32)


@pytest.mark.parametrize("method", ["hmm", "template"])
def test_dense_harmony_is_a_chord_not_no_chord(method):
    # Real mixes' compressed chroma is close to flat: the flat "N" template used to beat
    # the triad here, and took 93 % of the time of the GTZAN slice.
    assert ChordEstimator(method=method).predict([dense_c_major(-12.0)])[0][1] == ["C:maj"]


def test_silence_around_a_chord_is_still_no_chord():
    y = np.concatenate([np.zeros(22050, np.float32), dense_c_major(-30.0, seconds=2.0),
                        np.zeros(22050, np.float32)])  # fmt: skip
    intervals, labels = ChordEstimator().predict([y])[0]
    assert labels == ["N", "C:maj", "N"]
    np.testing.assert_allclose(intervals[1], [1.0, 3.0], atol=0.25)


@pytest.mark.slow
def test_real_music_is_mostly_chords(gtzan_paths):
    paths = list(gtzan_paths)[::10][:5]
    no_chord = total = 0.0
    for intervals, labels in ChordEstimator().predict(paths):
        durations = np.diff(intervals, axis=1).ravel()
        total += durations.sum()
        no_chord += durations[np.array(labels) == "N"].sum()
    assert no_chord / total < 0.05


def test_a_dc_offset_changes_neither_key_nor_chords():
    y = two_chords(22050, change=1.15)
    offset = y + np.float32(0.2)
    chords, chords_offset = ChordEstimator().predict([y, offset])
    assert chords_offset[1] == chords[1]
    np.testing.assert_allclose(chords_offset[0], chords[0])
    scores = KeyEstimator().decision_function([y, offset])
    np.testing.assert_allclose(scores[1], scores[0], atol=1e-3)
