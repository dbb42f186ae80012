"""Tests of the SoundFont generators: determinism, label correctness, files, errors."""

import os

import librosa
import mido
import numpy as np
import pandas as pd
import pytest

from sklearn_music import load_audio
from sklearn_music.datasets import make_notes
from sklearn_music.datasets.generators import FAMILIES, FAMILY_PITCHES, FAMILY_PROGRAMS
from sklearn_music.datasets.soundfont import render_clips

FLUID = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
SHORT = dict(duration=1.0, note_duration=0.6)


def _pitch_error(y, sr, pitch):
    """Semitones between a note's YIN f0 and its pitch, folded into [-6, 6)."""
    fmin, fmax = librosa.midi_to_hz([pitch - 13, pitch + 13])
    f0 = librosa.yin(y[sr // 20 : sr], fmin=fmin, fmax=fmax, sr=sr, frame_length=2048)
    error = np.median(librosa.hz_to_midi(f0)) - pitch
    return (error + 6) % 12 - 6


def test_make_notes_shapes_and_labels():
    notes = make_notes(12, random_state=0, **SHORT)
    assert notes.data.shape == (12, 16000) and notes.data.dtype == np.float32
    assert notes.target.shape == (12,) and set(notes.target) <= set(FAMILIES)
    assert notes.target_names == list(FAMILIES)
    for family, program, pitch in zip(notes.target, notes.program, notes.pitch):
        assert program in FAMILY_PROGRAMS[family]
        low, high = FAMILY_PITCHES[family]
        assert low <= pitch <= high
    assert set(notes.velocity) <= {25, 50, 75, 100, 127}
    np.testing.assert_array_equal(notes.groups, notes.program)
    assert set(notes.source) <= {"acoustic", "electronic", "synthetic"}
    assert notes.sr == 16000 and notes.soundfont.endswith(".sf2")
    np.testing.assert_allclose(np.abs(notes.data).max(axis=1), 0.9, rtol=1e-5)


def test_make_notes_is_seeded():
    a = make_notes(5, random_state=3, **SHORT)
    b = make_notes(5, random_state=3, **SHORT)
    c = make_notes(5, random_state=4, **SHORT)
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(a.target, b.target)
    assert not np.array_equal(a.pitch, c.pitch) or not np.array_equal(a.program, c.program)


def test_make_notes_pitch_is_audible():
    # Every family but mallet (inharmonic bars) sounds its pitch; organs' 16-foot stops
    # sound an octave low, so octave errors are allowed.
    families = [f for f in FAMILIES if f != "mallet"]
    notes = make_notes(60, families=families, duration=1.2, note_duration=1.0, random_state=1)
    errors = [_pitch_error(y, notes.sr, p) for y, p in zip(notes.data, notes.pitch)]
    assert np.mean(np.abs(errors) < 0.5) >= 0.85, errors


def test_make_notes_options():
    notes = make_notes(8, families="flute", pitches=[60, 72], velocities=[100], sr=8000,
                       random_state=0, **SHORT)
    assert notes.data.shape == (8, 8000)
    assert set(notes.target) == {"flute"} and notes.target_names == ["flute"]
    assert set(notes.pitch) <= {60, 72} and set(notes.velocity) == {100}


def test_make_notes_velocity_sets_loudness_without_normalize():
    loud = make_notes(1, families="keyboard", pitches=[60], velocities=[127], normalize=False,
                      random_state=0, **SHORT)
    soft = make_notes(1, families="keyboard", pitches=[60], velocities=[25], normalize=False,
                      random_state=0, **SHORT)
    assert loud.program[0] == soft.program[0]
    assert np.abs(loud.data).max() > 2 * np.abs(soft.data).max() > 0


def test_make_notes_return_X_y_and_frame():
    X, y = make_notes(4, random_state=0, return_X_y=True, **SHORT)
    assert X.shape == (4, 16000) and y.shape == (4,)
    notes = make_notes(4, random_state=0, as_frame=True, **SHORT)
    assert isinstance(notes.frame, pd.DataFrame) and len(notes.frame) == 4
    assert {"family", "program", "instrument", "pitch", "velocity", "source"} <= set(notes.frame)
    assert isinstance(notes.target, pd.Series)
    np.testing.assert_array_equal(notes.data, X)


def test_make_notes_writes_files(tmp_path):
    in_memory = make_notes(3, random_state=2, **SHORT)
    written = make_notes(3, random_state=2, output_dir=tmp_path / "notes", as_frame=True, **SHORT)
    assert "data" not in written and len(written.paths) == 3
    assert list(written.frame["path"]) == list(written.paths)
    for path, y, family in zip(written.paths, in_memory.data, in_memory.target):
        assert os.path.basename(path).split("_")[1] in family
        loaded, sr = load_audio(path, sr=None)
        assert sr == 16000
        np.testing.assert_allclose(loaded, y, atol=1e-4)


def test_clips_do_not_hear_each_other():
    def note(program, pitch, end):
        dry = [(0.0, mido.Message("control_change", channel=0, control=c, value=0))
               for c in (91, 93)]  # no reverb or chorus: their tails are global
        return dry + [(0.0, mido.Message("program_change", channel=0, program=program)),
                      (0.0, mido.Message("note_on", channel=0, note=pitch, velocity=100)),
                      (end, mido.Message("note_off", channel=0, note=pitch, velocity=0))]

    # A string note held past the clip's end would ring into the next clip if not cut,
    # and the gap takes its fade-out and the SoundFont's own reverb tail.
    clips = [note(48, 50, 5.0), note(0, 72, 0.5)]
    together = render_clips(clips, duration=1.0, sr=16000, gap=1.25)
    alone = render_clips(clips[1:], duration=1.0, sr=16000, gap=1.25)
    np.testing.assert_allclose(together[1], alone[0], atol=1e-4)
    without_gap = render_clips(clips, duration=1.0, sr=16000)
    assert np.abs(without_gap[1] - alone[0]).max() > 1e-2


@pytest.mark.skipif(not os.path.isfile(FLUID), reason="FluidR3_GM.sf2 is not installed")
def test_make_notes_other_soundfont():
    tim = make_notes(3, random_state=0, **SHORT)
    fluid = make_notes(3, random_state=0, soundfont=FLUID, **SHORT)
    np.testing.assert_array_equal(tim.target, fluid.target)
    np.testing.assert_array_equal(tim.pitch, fluid.pitch)
    assert not np.allclose(tim.data, fluid.data)
    assert fluid.soundfont == FLUID


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(families=["drums"]), "families must be"),
        (dict(families=[]), "families must be"),
        (dict(pitches=[60, 200]), "pitches must be"),
        (dict(velocities=[0]), "velocities must be"),
        (dict(n_samples=0), "n_samples"),
        (dict(duration=-1.0), "duration"),
    ],
)
def test_make_notes_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_notes(**{"n_samples": 2, **kwargs})


def test_make_notes_bad_soundfont(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.sf2"):
        make_notes(2, soundfont=tmp_path / "missing.sf2")
    fake = tmp_path / "fake.sf2"
    fake.write_bytes(b"not a soundfont at all")
    with pytest.raises(ValueError, match="fake.sf2.*not a SoundFont 2"):
        make_notes(2, soundfont=fake)
