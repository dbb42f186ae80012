"""Tests of sklearn-music's SoundFont sample player (engine="sampler").

A tiny SoundFont is written in each test that needs one (sine samples with loops, zones
with known generators), so that pitch, loops, envelopes, zone choice and gains can be
checked against numbers worked out by hand; the real TimGM6mb bank is then rendered by
both engines and compared.
"""

import os
import struct

import librosa
import mido
import numpy as np
import pytest

from sklearn_music.datasets import (
    default_soundfont,
    make_grooves,
    make_key_pieces,
    make_mixtures,
    make_notes,
    render_midi,
)
from sklearn_music.datasets import _sampler
from sklearn_music.datasets._sampler import (
    ATTENUATION,
    COARSE_TUNE,
    EXCLUSIVE_CLASS,
    FILTER_FC,
    FINE_TUNE,
    INSTRUMENT,
    KEY_RANGE,
    MOD_ENV,
    MOD_ENV_TO_PITCH,
    PAN,
    ROOT_KEY,
    SAMPLE_ID,
    SAMPLE_MODES,
    SCALE_TUNING,
    VEL_RANGE,
    VOL_ENV,
    load_soundfont,
    render_events,
)
from sklearn_music.datasets.generators import FAMILIES
from sklearn_music.datasets.soundfont import render_clips, sounding

SR = 16000
RATE = 44000  # sample rate of the test samples: 440 Hz is exactly 100 samples a period
_RANGES = (KEY_RANGE, VEL_RANGE)


def _sine(freq, seconds=0.5, rate=RATE):
    t = np.arange(int(seconds * rate)) / rate
    return np.round(16000 * np.sin(2 * np.pi * freq * t)).astype("<i2")


def _chunk(chunk_id, data):
    return chunk_id + struct.pack("<I", len(data)) + data + b"\0" * (len(data) & 1)


def _list(kind, chunks):
    return _chunk(b"LIST", kind + b"".join(chunks))


def _gens(zone):
    out = b""
    for gen, amount in zone:
        if gen == "mod":
            continue
        if gen in _RANGES:
            out += struct.pack("<HBB", gen, *amount)
        elif gen in (INSTRUMENT, SAMPLE_ID, SAMPLE_MODES):
            out += struct.pack("<HH", gen, amount)
        else:
            out += struct.pack("<Hh", gen, amount)
    return out


def _zone_tables(items, name_size=20, bag_format="<H"):
    """Header, bag, modulator and generator chunks of presets or instruments: items of
    (header, zones); a zone's ("mod", (source, destination, amount, amount source,
    transform)) items are its modulators."""
    heads, bags, mods, gens = b"", b"", b"", b""
    n_bags = n_gens = n_mods = 0
    for header, zones in items:
        heads += header(n_bags)
        for zone in zones:
            bags += struct.pack("<HH", n_gens, n_mods)
            gens += _gens(zone)
            zone_mods = [mod for gen, mod in zone if gen == "mod"]
            mods += b"".join(struct.pack("<HHhHH", *mod) for mod in zone_mods)
            n_bags += 1
            n_gens += len(zone) - len(zone_mods)
            n_mods += len(zone_mods)
    bags += struct.pack("<HH", n_gens, n_mods)
    mods += b"\0" * 10
    gens += struct.pack("<HH", 0, 0)
    return heads, n_bags, bags, mods, gens


def write_sf2(path, samples, instruments, presets):
    """Write a SoundFont 2 file.

    samples: list of (int16 frames, rate, original key, pitch correction, (loop start, end)).
    instruments: list of zone lists; a zone is a list of (generator, amount), the range
    generators taking (low, high) and the last generator of a local zone being SAMPLE_ID.
    presets: list of (bank, program, zones), each zone ending with INSTRUMENT.
    """
    smpl, shdr = b"", b""
    for frames, rate, key, correction, (loop_start, loop_end) in samples:
        start = len(smpl) // 2
        smpl += frames.astype("<i2").tobytes() + b"\0" * 92  # 46 zero points after each
        shdr += struct.pack("<20sIIIIIBbHH", b"s", start, start + len(frames),
                            start + loop_start, start + loop_end, rate, key, correction, 0, 1)
    shdr += struct.pack("<20sIIIIIBbHH", b"EOS", 0, 0, 0, 0, 0, 0, 0, 0, 0)
    inst, n_bags, ibag, imod, igen = _zone_tables(
        [(lambda bag: struct.pack("<20sH", b"i", bag), zones) for zones in instruments])
    inst += struct.pack("<20sH", b"EOI", n_bags)
    phdr, n_bags, pbag, pmod, pgen = _zone_tables(
        [(lambda bag, b=bank, p=program: struct.pack("<20sHHHIII", b"p", p, b, bag, 0, 0, 0),
          zones) for bank, program, zones in presets])
    phdr += struct.pack("<20sHHHIII", b"EOP", 0, 0, n_bags, 0, 0, 0)
    body = b"sfbk" + b"".join([
        _list(b"INFO", [_chunk(b"ifil", struct.pack("<HH", 2, 1))]),
        _list(b"sdta", [_chunk(b"smpl", smpl)]),
        _list(b"pdta", [_chunk(b"phdr", phdr), _chunk(b"pbag", pbag),
                        _chunk(b"pmod", pmod), _chunk(b"pgen", pgen),
                        _chunk(b"inst", inst), _chunk(b"ibag", ibag),
                        _chunk(b"imod", imod), _chunk(b"igen", igen),
                        _chunk(b"shdr", shdr)]),
    ])
    with open(path, "wb") as f:
        f.write(_chunk(b"RIFF", body))
    return str(path)


def _sine_bank(tmp_path, instrument_zones, *, presets=None, samples=None, name="test.sf2"):
    """A bank whose sample 0 is a looped 440 Hz sine at key 69, and instrument 0 plays it."""
    samples = samples or [(_sine(440), RATE, 69, 0, (11000, 21000))]
    presets = presets or [(0, 0, [[(INSTRUMENT, 0)]])]
    return write_sf2(tmp_path / name, samples, [instrument_zones], presets)


def _note(key, velocity=100, end=1.5, program=0, channel=0):
    return [(0.0, mido.Message("program_change", channel=channel, program=program)),
            (0.0, mido.Message("note_on", channel=channel, note=key, velocity=velocity)),
            (end, mido.Message("note_off", channel=channel, note=key))]


def _render(path, events, seconds=2.0, sr=SR):
    return render_events(load_soundfont(path), events, int(seconds * sr), sr)


def _frequency(y, sr=SR):
    """Frequency of the strongest partial: zero-padded FFT, parabolic peak."""
    spectrum = np.abs(np.fft.rfft(y * np.hanning(len(y)), 16 * len(y)))
    k = int(np.argmax(spectrum))
    a, b, c = np.log(spectrum[k - 1 : k + 2])
    return (k + 0.5 * (a - c) / (a - 2 * b + c)) * sr / (16 * len(y))


def _cents(f, reference):
    return 1200 * np.log2(f / reference)


def _amplitude(y, t, sr=SR, width=0.01):
    """Amplitude of a sine around time t (RMS over ``width`` seconds, times sqrt 2)."""
    frame = y[int(t * sr) : int((t + width) * sr)]
    return np.sqrt(2 * np.mean(frame**2))


LOOPED = [(SAMPLE_MODES, 1), (SAMPLE_ID, 0)]


# -- pitch ---------------------------------------------------------------------------------


@pytest.mark.parametrize("key, expected", [(57, 220.0), (69, 440.0), (76, 659.255), (81, 880.0)])
def test_pitch_follows_the_key(tmp_path, key, expected):
    y = _render(_sine_bank(tmp_path, [LOOPED]), _note(key))
    assert abs(_cents(_frequency(y[SR // 10 : SR]), expected)) < 2


def test_root_key_tuning_and_correction(tmp_path):
    samples = [(_sine(440), RATE, 69, -10, (11000, 21000))]  # sample tuned 10 cents flat
    zones = [
        [(KEY_RANGE, (0, 59)), (ROOT_KEY, 57), (SAMPLE_MODES, 1), (SAMPLE_ID, 0)],
        [(KEY_RANGE, (60, 69)), (FINE_TUNE, 50), (COARSE_TUNE, -12), (SAMPLE_MODES, 1),
         (SAMPLE_ID, 0)],
        [(KEY_RANGE, (70, 127)), (SCALE_TUNING, 0), (SAMPLE_MODES, 1), (SAMPLE_ID, 0)],
    ]
    path = _sine_bank(tmp_path, zones, samples=samples)
    cases = [(57, 440.0, -10),  # overridingRootKey 57: key 57 plays the sample as recorded
             (45, 220.0, -10),
             (69, 220.0, 40),  # an octave down (coarse), 50 cents up (fine), 10 down
             (100, 440.0, -10)]  # scaleTuning 0: every key plays the root's pitch
    for key, frequency, cents in cases:
        y = _render(path, _note(key))
        assert abs(_cents(_frequency(y[SR // 10 : SR]), frequency) - cents) < 2, key


def test_preset_generators_add_to_instrument_generators(tmp_path):
    presets = [(0, 0, [[(COARSE_TUNE, 12), (INSTRUMENT, 0)]])]
    path = _sine_bank(tmp_path, [[(COARSE_TUNE, -5)] + LOOPED], presets=presets)
    y = _render(path, _note(69))
    assert abs(_cents(_frequency(y[SR // 10 : SR]), 440.0) - 700) < 2


def test_modulation_envelope_to_pitch(tmp_path):
    # The modulation envelope holds full level (sustain 0): the whole note is an octave up.
    zone = [(MOD_ENV + 4, 0), (MOD_ENV_TO_PITCH, 1200)] + LOOPED
    y = _render(_sine_bank(tmp_path, [zone]), _note(69))
    assert abs(_cents(_frequency(y[SR // 10 : SR]), 880.0)) < 2


# -- loops and sample modes -------------------------------------------------------------


def test_loop_sustains_beyond_the_sample(tmp_path):
    looped = _render(_sine_bank(tmp_path, [LOOPED]), _note(69, end=2.5), seconds=3.0)
    # the sample lasts 0.5 s; the loop holds the note at a steady level to its release
    levels = [_amplitude(looped, t) for t in (0.2, 0.6, 1.2, 2.4)]
    np.testing.assert_allclose(levels, levels[0], rtol=0.02)
    assert abs(_cents(_frequency(looped[SR : 2 * SR]), 440.0)) < 2


def test_unlooped_sample_ends_with_its_data(tmp_path):
    once = _render(_sine_bank(tmp_path, [[(SAMPLE_ID, 0)]]), _note(69), seconds=1.0)
    assert _amplitude(once, 0.3) > 0.05
    assert np.abs(once[int(0.51 * SR) :]).max() == 0  # 0.5 s of data at the root key


def test_loop_until_release_plays_the_tail_after_release(tmp_path):
    zone = [(VOL_ENV + 5, 2400), (SAMPLE_MODES, 3), (SAMPLE_ID, 0)]  # 4 s release
    y = _render(_sine_bank(tmp_path, [zone]), _note(69, end=1.0), seconds=2.0)
    assert _amplitude(y, 0.9) > 0.05  # looping while held, past the sample's 0.5 s
    # after the release the sample plays on from where the loop was to its end (at most
    # 11000 of its 22000 frames, 0.25 s), then stops
    assert _amplitude(y, 1.0) > 0.05
    assert np.abs(y[int(1.25 * SR) + 1 :]).max() == 0
    assert np.abs(y[int(1.0 * SR) : int(1.25 * SR)]).min() < np.abs(y[int(1.0 * SR) :]).max()


# -- envelope and gains -----------------------------------------------------------------


def test_volume_envelope_timing(tmp_path):
    timecents = {name: int(round(1200 * np.log2(seconds))) for name, seconds in
                 dict(attack=0.1, hold=0.1, decay=1.0, release=0.5).items()}
    zone = [(VOL_ENV + 1, timecents["attack"]), (VOL_ENV + 2, timecents["hold"]),
            (VOL_ENV + 3, timecents["decay"]), (VOL_ENV + 4, 200),  # sustain 20 dB down
            (VOL_ENV + 5, timecents["release"])] + LOOPED
    y = _render(_sine_bank(tmp_path, [zone]), _note(69, end=1.0), seconds=1.5)
    peak = _amplitude(y, 0.12)
    # linear attack over 0.1 s, hold, then 100 dB a decay time (1 s) down to -20 dB
    assert abs(_amplitude(y, 0.045) / peak - 0.5) < 0.06
    assert abs(20 * np.log10(_amplitude(y, 0.25) / peak) - (-5)) < 1
    assert abs(20 * np.log10(_amplitude(y, 0.7) / peak) - (-20)) < 0.5
    # release: 100 dB per 0.5 s from the note-off at 1 s, the voice ending with it
    assert abs(20 * np.log10(_amplitude(y, 1.1) / peak) - (-20 - 20)) < 1.5
    assert np.abs(y[int(1.41 * SR) :]).max() < peak * 1e-4
    assert not y[int(1.51 * SR) :].any()


def test_attenuation_velocity_and_pan(tmp_path):
    zones = [[(KEY_RANGE, (0, 63))] + LOOPED,
             [(KEY_RANGE, (64, 127)), (ATTENUATION, 250)] + LOOPED]
    path = _sine_bank(tmp_path, zones)

    def level(key, velocity=127, pan=64):
        events = [(0.0, mido.Message("control_change", control=10, value=pan))]
        return _amplitude(_render(path, events + _note(key, velocity)), 0.5)

    # initialAttenuation 250 cB is 10 dB after the 0.4 factor (as FluidSynth applies)
    assert abs(20 * np.log10(level(69) / level(57)) - (-10)) < 0.2
    # default velocity curve: gain (velocity / 127) ** 2
    assert abs(level(57, 64) / level(57, 127) - (64 / 127) ** 2) < 0.01
    # hard left: the mono mix is the mean of left (1) and right (0) gains
    assert abs(level(57, pan=0) / level(57) - 0.5 / np.cos(np.pi / 4)) < 0.01


KEY_TO_ATTENUATION = (0x0003, ATTENUATION, 192, 0, 0)  # linear: 192 * key / 128 cB
VELOCITY_TO_CUTOFF = (0x0102, FILTER_FC, -2400, 0, 0)  # the default modulator


def test_modulators_stored_in_the_file(tmp_path):
    # Key number to attenuation: at key 69, 192 * 69 / 128 = 103.5 cB, 10.35 dB (in
    # full: the 0.4 factor corrects the attenuation generators only, as in FluidSynth).
    # A global zone's modulator is replaced by the zone's identical one; a preset's adds
    # to the instrument's.
    plain = _sine_bank(tmp_path, [LOOPED], name="plain.sf2")
    zone = _sine_bank(tmp_path, [[("mod", KEY_TO_ATTENUATION)] + LOOPED], name="zone.sf2")
    replaced = _sine_bank(tmp_path, [[("mod", KEY_TO_ATTENUATION[:2] + (9999, 0, 0))],
                                     [("mod", KEY_TO_ATTENUATION)] + LOOPED], name="global.sf2")
    both = _sine_bank(tmp_path, [[("mod", KEY_TO_ATTENUATION)] + LOOPED], name="both.sf2",
                      presets=[(0, 0, [[("mod", KEY_TO_ATTENUATION), (INSTRUMENT, 0)]])])

    def db(path):
        return 20 * np.log10(_amplitude(_render(path, _note(69)), 0.5)
                             / _amplitude(_render(plain, _note(69)), 0.5))

    assert db(zone) == pytest.approx(-10.35, abs=0.1)
    assert db(replaced) == pytest.approx(-10.35, abs=0.1)
    assert db(both) == pytest.approx(-20.7, abs=0.1)


def test_instrument_modulator_replaces_the_default_velocity_to_cutoff(tmp_path):
    # A 440 Hz sine through a low-pass at 7000 cents (467 Hz): at velocity 64 the default
    # modulator lowers the cut-off by 1181 cents, to 236 Hz; an instrument that switches
    # it off (amount 0) keeps 467 Hz, a preset's copy of the default still adds.
    closed = [(FILTER_FC, 7000)] + LOOPED
    off = [("mod", VELOCITY_TO_CUTOFF[:2] + (0, 0, 0))] + closed
    default = _sine_bank(tmp_path, [closed], name="default.sf2")
    switched_off = _sine_bank(tmp_path, [off], name="off.sf2")
    preset_adds = _sine_bank(tmp_path, [off], name="preset.sf2",
                             presets=[(0, 0, [[("mod", VELOCITY_TO_CUTOFF), (INSTRUMENT, 0)]])])
    # SoundFont 2.01's form of the default (a velocity switch as amount source), as most
    # General MIDI banks write it to switch the default off, replaces it too
    off_201 = _sine_bank(tmp_path, [[("mod", VELOCITY_TO_CUTOFF[:2] + (0, 0x0D02, 0))] + closed],
                         name="off201.sf2")

    def level(path, velocity=64):
        return _amplitude(_render(path, _note(69, velocity)), 0.5)

    assert level(default) < 0.5 * level(switched_off)
    assert level(preset_adds) == pytest.approx(level(default), rel=1e-3)
    assert level(switched_off, 127) == pytest.approx(level(default, 127), rel=1e-3)
    assert level(off_201) == pytest.approx(level(switched_off), rel=1e-3)


def test_generators_refuse_a_soundfont_without_the_parts_they_play(tmp_path):
    # The sampler plays nothing for a program or drum kit the SoundFont lacks: a piece or
    # groove would come out with a silent part under its labels.
    piano_only = _sine_bank(tmp_path, [LOOPED])
    with pytest.raises(ValueError, match="plays nothing for its drum kit"):
        make_grooves(2, duration=1.0, sr=8000, soundfont=piano_only, engine="sampler",
                     random_state=0)
    with pytest.raises(ValueError, match="plays nothing for GM program"):
        make_key_pieces(2, duration=1.0, sr=8000, soundfont=piano_only, engine="sampler",
                        random_state=0)


def test_stereo_pair_is_mixed_to_mono(tmp_path):
    samples = [(_sine(f), RATE, 69, 0, (11000, 21000)) for f in (440, 660)]
    zones = [[(PAN, -500), (SAMPLE_MODES, 1), (SAMPLE_ID, 0)],
             [(PAN, 500), (SAMPLE_MODES, 1), (SAMPLE_ID, 1)]]
    y = _render(_sine_bank(tmp_path, zones, samples=samples), _note(69))
    spectrum = np.abs(np.fft.rfft(y[SR // 10 : SR // 10 + SR]))
    assert spectrum[440] / spectrum[660] == pytest.approx(1.0, rel=0.02)


def test_filter_cutoff(tmp_path):
    zones = [[(KEY_RANGE, (0, 100))] + LOOPED,
             [(KEY_RANGE, (101, 127)), (FILTER_FC, 6900)] + LOOPED]  # ~440 Hz cut-off
    path = _sine_bank(tmp_path, zones)
    # a 2637 Hz sine 2.6 octaves above a 440 Hz two-pole low-pass: 31 dB down (analogue),
    # a little more after the bilinear transform
    open_ = _amplitude(_render(path, _note(100)), 0.5)
    closed = _amplitude(_render(path, _note(101)), 0.5)
    assert -40 < 20 * np.log10(closed / open_) < -28


def test_exclusive_class_cuts_the_earlier_note(tmp_path):
    zones = [[(EXCLUSIVE_CLASS, 1), (KEY_RANGE, (0, 63))] + LOOPED,
             [(EXCLUSIVE_CLASS, 1), (KEY_RANGE, (64, 127))] + LOOPED]
    path = _sine_bank(tmp_path, zones)
    events = _note(57, end=1.5) + [(0.5, mido.Message("note_on", note=69, velocity=100))]
    y = _render(path, events)
    spectrum = np.abs(np.fft.rfft(y[int(0.6 * SR) : int(1.6 * SR)]))
    assert spectrum[220] < 1e-3 * spectrum[440]


# -- zones ---------------------------------------------------------------------------------


def test_start_offset_past_the_end_is_silent(tmp_path):
    zone = [(_sampler.START_COARSE, 1), (_sampler.MOD_ENV_TO_FC, -2400), (FILTER_FC, 9000),
            (SAMPLE_ID, 0)]  # 32768 frames in: past the 22000 of the sample
    assert not _render(_sine_bank(tmp_path, [zone]), _note(69)).any()


def test_render_midi_with_the_sampler(tmp_path):
    path = _sine_bank(tmp_path, [LOOPED])
    midi = mido.MidiFile()
    track = mido.MidiTrack()
    track += [mido.Message("note_on", note=81, velocity=100, time=0),
              mido.Message("note_off", note=81, time=960)]  # 1 s at 120 BPM, 480 a beat
    midi.tracks.append(track)
    y, sr = render_midi(midi, sr=SR, soundfont=path, engine="sampler")
    assert sr == SR and len(y) == SR
    assert abs(_cents(_frequency(y[1600:SR]), 880)) < 2


def test_velocity_ranges_pick_zones(tmp_path):
    samples = [(_sine(f), RATE, 69, 0, (11000, 21000)) for f in (440, 660)]
    zones = [[(VEL_RANGE, (0, 63))] + LOOPED,
             [(VEL_RANGE, (64, 127)), (SAMPLE_MODES, 1), (SAMPLE_ID, 1)]]
    presets = [(0, 0, [[(VEL_RANGE, (0, 100)), (INSTRUMENT, 0)]])]
    path = _sine_bank(tmp_path, zones, samples=samples, presets=presets)
    assert abs(_cents(_frequency(_render(path, _note(69, 40))[1600:SR]), 440)) < 2
    assert abs(_cents(_frequency(_render(path, _note(69, 90))[1600:SR]), 660)) < 2
    # the preset zone stops at velocity 100: the ranges intersect
    assert not _render(path, _note(69, 110)).any()


def test_global_zones_apply_to_every_zone(tmp_path):
    zones = [[(COARSE_TUNE, 12)], [(KEY_RANGE, (0, 63))] + LOOPED,
             [(KEY_RANGE, (64, 127)), (COARSE_TUNE, 0)] + LOOPED]
    path = _sine_bank(tmp_path, zones)
    assert abs(_cents(_frequency(_render(path, _note(57))[1600:SR]), 440)) < 2
    assert abs(_cents(_frequency(_render(path, _note(69))[1600:SR]), 440)) < 2


def test_absent_program_and_drums_are_silent(tmp_path):
    path = _sine_bank(tmp_path, [LOOPED])
    assert not _render(path, _note(69, program=5)).any()
    assert not _render(path, _note(38, channel=9)).any()  # no drum kit in this bank
    np.testing.assert_array_equal(
        sounding([(0, 69, 100), (5, 69, 100), (None, 38, 100)], path, engine="sampler"),
        [True, False, False])


def test_a_zone_with_a_silent_sample_does_not_sound(tmp_path):
    samples = [(_sine(440), RATE, 69, 0, (11000, 21000)),
               (np.zeros(RATE, np.int16), RATE, 69, 0, (11000, 21000))]
    zones = [[(KEY_RANGE, (0, 63)), (SAMPLE_MODES, 1), (SAMPLE_ID, 0)],
             [(KEY_RANGE, (64, 127)), (SAMPLE_MODES, 1), (SAMPLE_ID, 1)]]
    path = _sine_bank(tmp_path, zones, samples=samples)
    notes = [(0, 60, 100), (0, 69, 100), (0, 70, 100)]
    np.testing.assert_array_equal(sounding(notes, path, engine="sampler"), [True, False, False])


def test_drum_kit_on_channel_10(tmp_path):
    presets = [(128, 0, [[(KEY_RANGE, (35, 40)), (INSTRUMENT, 0)]])]
    path = _sine_bank(tmp_path, [LOOPED], presets=presets)
    assert _render(path, _note(38, channel=9)).any()
    assert not _render(path, _note(41, channel=9)).any()
    assert not _render(path, _note(38)).any()  # no melodic program 0


# -- files -----------------------------------------------------------------------------------


def test_parse_errors_name_the_file(tmp_path):
    path = _sine_bank(tmp_path, [LOOPED])
    data = open(path, "rb").read()
    truncated = tmp_path / "truncated.sf2"
    truncated.write_bytes(data[: len(data) - 200])
    with pytest.raises(ValueError, match="truncated.sf2.*not a valid SoundFont 2"):
        load_soundfont(truncated)
    other = tmp_path / "song.wav"
    other.write_bytes(b"RIFF\x04\x00\x00\x00WAVE")
    with pytest.raises(ValueError, match="song.wav.*RIFF 'sfbk'"):
        load_soundfont(other)
    no_pdta = tmp_path / "no_pdta.sf2"
    no_pdta.write_bytes(_chunk(b"RIFF", b"sfbk" + _list(b"sdta", [_chunk(b"smpl", b"\0" * 8)])))
    with pytest.raises(ValueError, match="no_pdta.sf2.*'pdta'"):
        load_soundfont(no_pdta)


def test_parsed_soundfont_is_cached_until_the_file_changes(tmp_path):
    path = _sine_bank(tmp_path, [LOOPED])
    first = load_soundfont(path)
    assert load_soundfont(path) is first
    _sine_bank(tmp_path, [[(COARSE_TUNE, 12)] + LOOPED])
    os.utime(path, ns=(0, os.stat(path).st_mtime_ns + 10**9))
    assert load_soundfont(path) is not first
    assert abs(_cents(_frequency(_render(path, _note(69))[1600:SR]), 880)) < 2


SF3 = "/usr/share/sounds/sf3/MuseScore_General_Lite.sf3"


@pytest.mark.skipif(not os.path.isfile(SF3), reason="MuseScore_General_Lite.sf3 is not installed")
def test_sf3_samples_are_decoded():
    # SoundFont 3: Ogg Vorbis samples, and an odd-sized chunk without its pad byte
    y = render_clips([_note(69, end=0.8)], duration=1.0, sr=SR, soundfont=SF3,
                     engine="sampler")[0]
    assert abs(_cents(_frequency(y[1600:8000]), 440)) < 5


# -- the engine in render_clips and the generators ---------------------------------------


def test_engine_is_validated():
    clip = _note(60, end=0.5)
    with pytest.raises(ValueError, match="engine must be one of"):
        render_clips([clip], duration=1.0, sr=8000, engine="fluidsynth")
    with pytest.raises(ValueError, match="engine"):
        make_notes(2, engine="fluidsynth")
    with pytest.raises(ValueError, match="mono only"):
        render_midi(b"MThd", engine="sampler", mono=False)


def test_render_clips_sampler_is_deterministic_and_parallel(monkeypatch):
    monkeypatch.setattr("sklearn_music.datasets.soundfont._SAMPLER_CHUNK", 2)
    clips = [_note(p, end=0.5, program=q) for p, q in ((48, 0), (55, 40), (60, 73), (64, 33))]
    one = render_clips(clips, duration=1.0, sr=8000, peak=0.9, engine="sampler")
    two = render_clips(clips, duration=1.0, sr=8000, peak=0.9, engine="sampler", n_jobs=2)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_allclose(np.abs(one).max(axis=1), 0.9, rtol=1e-6)
    alone = render_clips(clips[2:3], duration=1.0, sr=8000, peak=0.9, engine="sampler")
    np.testing.assert_array_equal(one[2], alone[0])


def test_make_notes_with_the_sampler_is_seeded_and_labelled():
    kwargs = dict(duration=1.2, note_duration=1.0, engine="sampler")
    a = make_notes(40, random_state=1, **kwargs)
    b = make_notes(40, random_state=1, **kwargs)
    np.testing.assert_array_equal(a.data, b.data)
    assert a.data.shape == (40, 19200)
    np.testing.assert_allclose(np.abs(a.data).max(axis=1), 0.9, rtol=1e-5)
    # each note sounds its pitch (not mallets: inharmonic bars; organs may sound an
    # octave low), as with midirenderer
    errors = []
    for y, pitch, family in zip(a.data, a.pitch, a.target):
        if family == "mallet":
            continue
        fmin, fmax = librosa.midi_to_hz([pitch - 13, pitch + 13])
        f0 = librosa.yin(y[SR // 20 : SR], fmin=fmin, fmax=fmax, sr=SR, frame_length=2048)
        errors.append((np.median(librosa.hz_to_midi(f0)) - pitch + 6) % 12 - 6)
    assert np.mean(np.abs(errors) < 0.5) >= 0.85, errors


def test_make_mixtures_with_the_sampler_families_are_audible():
    mix = make_mixtures(30, families=["bass", "flute"], n_families=(1, 2), duration=1.0,
                        note_duration=0.6, engine="sampler", random_state=0)
    centroid = librosa.feature.spectral_centroid(y=mix.data, sr=SR).mean(axis=(1, 2))
    bass_only = centroid[(mix.target == [1, 0]).all(axis=1)]
    flute_only = centroid[(mix.target == [0, 1]).all(axis=1)]
    assert len(bass_only) and len(flute_only) and bass_only.max() < flute_only.min()
    assert mix.target_names == ["bass", "flute"] and set(FAMILIES) >= set(mix.target_names)


# -- against midirenderer on a real bank --------------------------------------------------


@pytest.mark.parametrize("program, key", [(0, 60), (24, 52), (40, 67), (56, 60), (73, 79),
                                          (33, 40), (19, 48), (52, 64)])
def test_sounds_like_midirenderer(program, key):
    # piano, nylon guitar, violin, trumpet, flute, fingered bass, church organ, choir
    clip = [(0.0, mido.Message("control_change", control=c, value=0)) for c in (91, 93)]
    clip += _note(key, 100, end=1.5, program=program)
    ref, ours = render_clips([clip, clip], duration=2.0, sr=SR, gap=1.25)[0], \
        render_clips([clip], duration=2.0, sr=SR, engine="sampler")[0]
    f0 = [np.median(librosa.yin(y[SR // 10 : SR], fmin=30, fmax=2000, sr=SR)) for y in (ref, ours)]
    assert abs(_cents(f0[1], f0[0])) < 5
    rms = [librosa.feature.rms(y=y)[0] for y in (ref, ours)]
    assert np.corrcoef(*rms)[0, 1] > 0.95
    assert abs(20 * np.log10(rms[1].max() / rms[0].max())) < 3  # same level, within 3 dB
    mel = [np.log(librosa.feature.melspectrogram(y=y[: int(1.5 * SR)], sr=SR).mean(axis=1)
                  + 1e-8) for y in (ref, ours)]
    assert np.corrcoef(*mel)[0, 1] > 0.9


def test_default_soundfont_parses_every_preset():
    font = load_soundfont(default_soundfont())
    assert len(font.presets) > 128
    assert all(font.regions(*preset) for preset in font.presets)
