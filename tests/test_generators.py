"""Tests of the SoundFont generators: determinism, label correctness, files, errors."""

import os

import librosa
import mido
import mir_eval
import numpy as np
import pandas as pd
import pytest

from sklearn_music import load_audio
from sklearn_music.datasets import make_grooves, make_key_pieces, make_mixtures, make_notes
from sklearn_music.datasets.generators import (
    FAMILIES,
    FAMILY_PITCHES,
    FAMILY_PROGRAMS,
    PROGRESSIONS,
    _SCALES,
    _chord,
    _key_parts,
    _piece,
    _voicing,
)
from sklearn_music.datasets import soundfont
from sklearn_music.datasets.soundfont import check_soundfont, render_clips
from sklearn_music.features.key_profiles import KEY_NAMES

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


def test_make_notes_onsets_fall_anywhere_within_a_frame():
    def onsets(notes):  # the first sample within 40 dB of the note's peak
        return np.array([np.argmax(np.abs(y) > 0.01 * np.abs(y).max()) for y in notes.data])

    late = make_notes(24, random_state=0, **SHORT)
    prompt = make_notes(24, random_state=0, onset_jitter=0.0, **SHORT)
    np.testing.assert_array_equal(late.program, prompt.program)  # the same notes
    np.testing.assert_array_equal(late.pitch, prompt.pitch)
    delay = (onsets(late) - onsets(prompt)) / late.sr
    assert delay.min() >= -0.002 and delay.max() <= 0.064 + 0.002
    assert delay.std() > 0.01  # spread over the frame, not one fixed offset
    assert onsets(prompt).max() / prompt.sr < 0.01  # without jitter: on the first frame
    with pytest.raises(ValueError, match="onset_jitter"):
        make_notes(2, onset_jitter=-0.1)


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


@pytest.mark.parametrize("engine", ["midirenderer", "sampler"])
def test_clips_last_duration_times_sr_samples(engine):
    # not rounded to MIDI's 1/960 s first (0.5003 s at 16 kHz is 8005 samples, not 8000)
    clip = [(0.0, mido.Message("note_on", note=60, velocity=100))]
    for duration, sr in ((0.5003, 16000), (1.2345, 11025)):
        y = render_clips([clip], duration=duration, sr=sr, engine=engine)
        assert y.shape == (1, round(duration * sr)) and np.abs(y[0, -100:]).max() > 0


def test_render_clips_in_chunks_and_processes(monkeypatch, tmp_path):
    # Two-clip chunks: the clips come back in order, the same from one process or two,
    # in memory or written to files.
    monkeypatch.setattr(soundfont, "_CHUNK_SECONDS", 2.0)
    clips = [[(0.0, mido.Message("note_on", note=pitch, velocity=100)),
              (0.5, mido.Message("note_off", note=pitch))] for pitch in (48, 55, 60, 64, 67)]
    one = render_clips(clips, duration=1.0, sr=8000, gap=0.25, peak=0.9)
    two = render_clips(clips, duration=1.0, sr=8000, gap=0.25, peak=0.9, n_jobs=2)
    np.testing.assert_array_equal(one, two)
    alone = render_clips(clips[3:4], duration=1.0, sr=8000, gap=0.25, peak=0.9)
    np.testing.assert_array_equal(one[3], alone[0])
    paths = [str(tmp_path / f"{k}.wav") for k in range(len(clips))]
    assert render_clips(clips, duration=1.0, sr=8000, gap=0.25, peak=0.9, paths=paths,
                        n_jobs=2) is None
    for path, y in zip(paths, one):
        np.testing.assert_allclose(load_audio(path, sr=None)[0], y, atol=1e-4)
    assert render_clips([], duration=1.0, sr=8000).shape == (0, 8000)


def test_sounding_is_not_fooled_by_tails(monkeypatch):
    # Probes of one velocity run programs first, then drums: the silent drum key 5 follows
    # a loud string note and its reverb tail, and a real snare follows that.
    monkeypatch.setattr(soundfont, "_SOUNDING", {})
    notes = [(48, 60, 127), (None, 5, 127), (None, 38, 127), (0, 127, 25), (48, 60, 25)]
    np.testing.assert_array_equal(soundfont.sounding(notes), [True, False, True, False, True])
    # A quiet note (TimGM6mb's low alto sax) after a louder one answers as it does alone
    for company in ([], [(0, 60, 100)], [(48, 21, 100)]):
        monkeypatch.setattr(soundfont, "_SOUNDING", {})
        assert soundfont.sounding(company + [(65, 21, 100)])[-1], company


@pytest.mark.skipif(not os.path.isfile(FLUID), reason="FluidR3_GM.sf2 is not installed")
def test_make_notes_other_soundfont():
    tim = make_notes(3, random_state=0, **SHORT)
    fluid = make_notes(3, random_state=0, soundfont=FLUID, **SHORT)
    np.testing.assert_array_equal(tim.target, fluid.target)
    np.testing.assert_array_equal(tim.pitch, fluid.pitch)
    assert not np.allclose(tim.data, fluid.data)
    assert fluid.soundfont == FLUID


@pytest.mark.skipif(not os.path.isfile(FLUID), reason="FluidR3_GM.sf2 is not installed")
def test_several_soundfonts_take_turns(tmp_path):
    alone = [make_notes(4, random_state=0, soundfont=font, **SHORT) for font in (None, FLUID)]
    both = make_notes(4, random_state=0, soundfont=[None, FLUID], as_frame=True, **SHORT)
    np.testing.assert_array_equal(both.pitch, alone[0].pitch)
    for i, y in enumerate(both.data):
        own, other = alone[i % 2].data[i], alone[1 - i % 2].data[i]
        assert np.abs(y - own).mean() < 0.1 * np.abs(y - other).mean()
    assert list(both.soundfont) == [alone[0].soundfont, FLUID] * 2
    assert list(both.frame["soundfont"]) == list(both.soundfont)
    assert "2 SoundFonts in turn" in both.DESCR
    mixes = make_mixtures(3, soundfont=(FLUID, None), output_dir=tmp_path, random_state=0,
                          **SHORT)
    assert list(mixes.soundfont) == [FLUID, alone[0].soundfont, FLUID]
    assert all(os.path.isfile(path) for path in mixes.paths)
    grooves = make_grooves(2, duration=2.0, soundfont=[None, FLUID], random_state=0)
    assert list(grooves.soundfont) == [alone[0].soundfont, FLUID]
    assert np.abs(grooves.data).max(axis=1).min() > 0.1
    with pytest.raises(ValueError, match="at least one SoundFont"):
        make_notes(2, soundfont=[])
    with pytest.raises(FileNotFoundError, match="missing.sf2"):
        make_notes(2, soundfont=[FLUID, tmp_path / "missing.sf2"])


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
    with pytest.raises(ValueError, match="fake.sf2.*not a SoundFont file"):
        make_notes(2, soundfont=fake)


def test_soundfont_3_needs_the_sampler(tmp_path):
    def soundfont(major):
        ifil = b"ifil" + (4).to_bytes(4, "little") + major.to_bytes(2, "little") + b"\0\0"
        info = b"LIST" + (4 + len(ifil)).to_bytes(4, "little") + b"INFO" + ifil
        return b"RIFF" + (4 + len(info)).to_bytes(4, "little") + b"sfbk" + info

    sf3, sf2 = tmp_path / "compressed.sf3", tmp_path / "plain.sf2"
    sf3.write_bytes(soundfont(3))
    sf2.write_bytes(soundfont(2))
    with pytest.raises(ValueError, match="compressed.sf3.*SoundFont 3.*engine='sampler'"):
        make_notes(2, soundfont=sf3)  # midirenderer, the default engine
    assert check_soundfont(sf3, "sampler") == str(sf3)
    assert check_soundfont(sf2, "midirenderer") == str(sf2)
    with pytest.raises(ValueError, match="engine must be one of"):
        check_soundfont(sf2, "fluidsynth")


# make_mixtures ---------------------------------------------------------------------------


def test_make_mixtures_multilabel_target():
    mix = make_mixtures(10, n_families=(2, 3), random_state=0, **SHORT)
    assert mix.data.shape == (10, 16000)
    assert mix.target.shape == (10, len(FAMILIES)) and mix.target_names == list(FAMILIES)
    assert set(mix.target.sum(axis=1)) <= {2, 3}
    for row, families, programs in zip(mix.target, mix.families, mix.programs):
        assert [f for f, on in zip(FAMILIES, row) if on] == list(families)
        assert all(p in FAMILY_PROGRAMS[f] for f, p in zip(families, programs))
    np.testing.assert_allclose(np.abs(mix.data).max(axis=1), 0.9, rtol=1e-5)
    again = make_mixtures(10, n_families=(2, 3), random_state=0, **SHORT)
    np.testing.assert_array_equal(mix.data, again.data)


def test_make_mixtures_families_are_audible():
    # Bass alone is darker than flute alone, and the two together lie between.
    mix = make_mixtures(30, families=["bass", "flute"], n_families=(1, 2), random_state=0,
                        **SHORT)
    centroid = librosa.feature.spectral_centroid(y=mix.data, sr=16000).mean(axis=(1, 2))
    bass_only = centroid[(mix.target == [1, 0]).all(axis=1)]
    flute_only = centroid[(mix.target == [0, 1]).all(axis=1)]
    assert len(bass_only) and len(flute_only)
    assert bass_only.max() < flute_only.min()


def test_make_mixtures_frame_and_errors(tmp_path):
    mix = make_mixtures(3, families=["bass", "reed"], n_families=2, as_frame=True,
                        output_dir=tmp_path, random_state=0, **SHORT)
    assert list(mix.target.columns) == ["bass", "reed"] and mix.target.to_numpy().all()
    assert all(os.path.isfile(p) for p in mix.paths)
    everything = make_mixtures(2, n_families=11, random_state=0, **SHORT)
    assert everything.target.all() and all(len(p) == 11 for p in everything.programs)
    with pytest.raises(ValueError, match="up to 3 families.*only 2"):
        make_mixtures(2, families=["bass", "reed"], n_families=(1, 3))
    with pytest.raises(ValueError, match="n_families"):
        make_mixtures(2, n_families=(3, 1))


# make_key_pieces ------------------------------------------------------------------------

_KK = np.array([[6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88],
                [6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17]])


def _krumhansl_key(y, sr):
    chroma = librosa.feature.chroma_cqt(y=y, sr=sr).mean(axis=1)
    templates = [np.roll(_KK[m], k) for m in (0, 1) for k in range(12)]
    return KEY_NAMES[int(np.argmax([np.corrcoef(chroma, t)[0, 1] for t in templates]))]


@pytest.mark.parametrize("engine", ["midirenderer", "sampler"])
def test_make_key_pieces_key_is_audible(engine):
    # A plain Krumhansl-Schmuckler estimate finds the labelled key in most pieces; its
    # mistakes are the usual neighbours (fifth, relative, parallel), never noise.
    pieces = make_key_pieces(24, duration=8.0, engine=engine, random_state=0)
    estimates = [_krumhansl_key(y, pieces.sr) for y in pieces.data]
    scores = [mir_eval.key.weighted_score(k, e) for k, e in zip(pieces.target, estimates)]
    assert np.mean(np.array(estimates) == pieces.target) >= 0.5
    assert np.mean(scores) >= 0.65


def test_make_key_pieces_labels():
    pieces = make_key_pieces(6, keys=["A minor", "Eb major"], tempo_range=(90, 100),
                             duration=3.0, sr=8000, random_state=1)
    assert pieces.data.shape == (6, 24000)
    assert set(pieces.target) <= {"A minor", "Eb major"}
    assert pieces.target_names == ["A minor", "Eb major"]
    for key, tonic, mode, progression in zip(pieces.target, pieces.tonic, pieces.mode,
                                             pieces.progression):
        assert key == f"{tonic} {mode}" and progression in PROGRESSIONS[mode]
        mir_eval.key.validate_key(key)
    assert ((pieces.tempo >= 90) & (pieces.tempo <= 100)).all()
    again = make_key_pieces(6, keys=["A minor", "Eb major"], tempo_range=(90, 100),
                            duration=3.0, sr=8000, random_state=1)
    np.testing.assert_array_equal(pieces.data, again.data)


def test_make_key_pieces_play_only_notes_of_their_key():
    # The scale of the key; minor keys also borrow the raised seventh for their dominant.
    rng = np.random.RandomState(0)
    for i in range(300):
        key = KEY_NAMES[i % 24]
        events, _ = _piece(rng, key, rng.uniform(60, 160), 10.0)
        tonic, mode = _key_parts(key)
        scale = {(tonic + d) % 12 for d in _SCALES[mode]} | {(tonic + 11) % 12}
        notes = [m.note for _, m in events if m.type == "note_on"]
        assert notes and {n % 12 for n in notes} <= scale, key


def test_chords_and_voicings():
    assert _chord(9, "minor", 4, seventh=False) == [4, 8, 11]  # E major in A minor: G#
    assert _chord(9, "minor", 6, seventh=False) == [7, 11, 2]  # G major: natural VII
    assert _chord(0, "major", 4, seventh=True) == [7, 11, 2, 5]  # G7 in C major
    first_inversion = _voicing([0, 4, 7], 1, 48, spread=False)
    assert first_inversion == [52, 55, 60]
    assert _voicing([0, 4, 7], 0, 50, spread=True) == [60, 67, 76]


def test_make_key_pieces_errors():
    with pytest.raises(ValueError, match="keys must be"):
        make_key_pieces(2, keys=["H major"])
    with pytest.raises(ValueError, match="tempo_range"):
        make_key_pieces(2, tempo_range=(120, 60))


# make_grooves -------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["midirenderer", "sampler"])
def test_make_grooves_tempo_is_audible(engine):
    # librosa's tempo estimate (a generic onset autocorrelation) agrees with the label up
    # to the usual octave and 2/3 ambiguities, and the beats are where the onsets are.
    grooves = make_grooves(20, duration=8.0, engine=engine, random_state=0)
    hits, f_measures = 0, []
    for y, tempo, beats in zip(grooves.data, grooves.target, grooves.beats):
        onsets = librosa.onset.onset_strength(y=y, sr=grooves.sr)
        estimate = librosa.feature.tempo(onset_envelope=onsets, sr=grooves.sr)[0]
        hits += any(abs(estimate - m * tempo) < 0.04 * m * tempo for m in (1 / 2, 1, 2, 3))
        _, tracked = librosa.beat.beat_track(onset_envelope=onsets, sr=grooves.sr, units="time")
        f_measures.append(mir_eval.beat.f_measure(mir_eval.beat.trim_beats(beats),
                                                  mir_eval.beat.trim_beats(tracked)))
    assert hits / 20 >= 0.75
    assert np.mean(f_measures) >= 0.6


def test_make_grooves_labels():
    grooves = make_grooves(6, tempo_range=(100, 110), styles=["rock", "swing"], duration=4.0,
                           sr=8000, random_state=2)
    assert grooves.data.shape == (6, 32000)
    assert ((grooves.target >= 100) & (grooves.target <= 110)).all()
    assert set(grooves.style) <= {"rock", "swing"}
    for tempo, beats in zip(grooves.target, grooves.beats):
        assert 0 <= beats[0] < 60 / tempo and beats[-1] < 4.0
        np.testing.assert_allclose(np.diff(beats), 60 / tempo)
    X, y = make_grooves(2, duration=2.0, sr=8000, random_state=0, return_X_y=True)
    assert X.shape == (2, 16000) and y.dtype == float
    with pytest.raises(ValueError, match="styles must be"):
        make_grooves(2, styles=["polka"])
