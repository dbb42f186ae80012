"""A SoundFont 2 sample player in NumPy and SciPy, rendering mono audio at any sample rate.

This is sklearn-music's own rendering engine (``engine="sampler"`` in
:func:`~sklearn_music.datasets.soundfont.render_clips` and the generators). It follows the
SoundFont 2.01 specification for what decides the sound of a held note:

- the RIFF file: 16-bit samples (``smpl``, with ``sm24`` for 24 bits when present) and the
  preset, instrument and sample headers (``pdta``); SoundFont 3 files, whose samples are
  Ogg Vorbis streams, are decoded sample by sample with soundfile;
- zones picked by bank and program (bank 128, the drum kits, on MIDI channel 10), key and
  velocity ranges (preset and instrument ranges intersect), with global zones; preset
  generators are added to instrument generators;
- pitch from the overriding root key or the sample's original pitch, coarse and fine tune,
  scale tuning and the sample's pitch correction; sample start, end and loop offsets
  (fine and coarse); sample modes (no loop, loop, loop until release);
- the volume envelope (delay, attack, hold, decay, sustain, release, with key number to
  hold and decay), the modulation envelope to pitch and filter cutoff, initial
  attenuation (scaled by 0.4, as FluidSynth does), a resonant low-pass filter
  (``initialFilterFc``, ``initialFilterQ``, updated every 64 samples when the modulation
  envelope moves it), pan (mixed to mono), exclusive classes (an open hi-hat cut by the
  closed one);
- modulators: the default ones of note-on velocity, to attenuation (gain
  ``(velocity / 127)**2``, the DLS concave curve, whose levels match midirenderer's) and to
  filter cutoff (-2400 cents at velocity 0, linear), and those stored in the file
  (``imod``, ``pmod``) whose sources are note-on velocity, key number or none, with their
  curves, polarities and directions. An instrument's modulator replaces the default or
  global one of the same sources, destination and transform, and a preset's adds to the
  instrument's: most zones of the General MIDI banks tried (TimGM6mb, FluidR3, csound's,
  MuseScore's) switch the velocity-to-cutoff default off, and MuseScore's pianos open
  their filter with the velocity and the modulation envelope. Channel volume (CC 7) and
  expression (CC 11) scale the gain the same way as velocity, and pan (CC 10) is read
  when a note starts.

Left out: the two LFOs (vibrato and tremolo), reverb and chorus (the generators' one-shot
notes are dry anyway), modulators from MIDI controllers, pressure or the pitch wheel, and
linked modulators; pitch bend, the sustain pedal and controller changes during a note.

Rendering is vectorised per voice: a phase array (wrapped into the loop), linear
interpolation, the envelope as an array, the filter with ``scipy.signal.lfilter``. Each
sample is first resampled with soxr to the output rate divided by the highest pitch ratio
it plays at (rounded up to a semitone) and cached, so that interpolation steps through it
at most one frame at a time and never aliases; voices are rendered directly at the
output rate and summed at their onsets.
"""

import io
import os
import struct
from functools import lru_cache

import numpy as np
import soxr
from scipy.signal import lfilter

from ._common import file_version

__all__ = ["load_soundfont", "render_events", "note_sounds", "soundfont_version"]

# Generator numbers of SoundFont 2.01, section 8.1.2.
START_OFFSET, END_OFFSET, STARTLOOP_OFFSET, ENDLOOP_OFFSET = 0, 1, 2, 3
START_COARSE, MOD_ENV_TO_PITCH, FILTER_FC, FILTER_Q = 4, 7, 8, 9
MOD_ENV_TO_FC, END_COARSE, PAN = 11, 12, 17
MOD_ENV = 25  # delay, attack, hold, decay, sustain, release, keynum to hold, to decay: 25-32
VOL_ENV = 33  # the same eight for the volume envelope: 33-40
INSTRUMENT, KEY_RANGE, VEL_RANGE, STARTLOOP_COARSE = 41, 43, 44, 45
KEYNUM, VELOCITY, ATTENUATION, ENDLOOP_COARSE = 46, 47, 48, 50
COARSE_TUNE, FINE_TUNE, SAMPLE_ID, SAMPLE_MODES = 51, 52, 53, 54
SCALE_TUNING, EXCLUSIVE_CLASS, ROOT_KEY = 56, 57, 58
N_GENERATORS = 61

_DEFAULTS = np.zeros(N_GENERATORS)
_DEFAULTS[FILTER_FC] = 13500
for _env in (MOD_ENV, VOL_ENV):
    _DEFAULTS[[_env, _env + 1, _env + 2, _env + 3, _env + 5]] = -12000  # timecents: ~1 ms
_DEFAULTS[[KEYNUM, VELOCITY, ROOT_KEY]] = -1
_DEFAULTS[SCALE_TUNING] = 100
# Generators that only instruments may set: in a preset zone they are ignored.
_INSTRUMENT_ONLY = [START_OFFSET, END_OFFSET, STARTLOOP_OFFSET, ENDLOOP_OFFSET, START_COARSE,
                    END_COARSE, STARTLOOP_COARSE, ENDLOOP_COARSE, KEYNUM, VELOCITY, SAMPLE_ID,
                    SAMPLE_MODES, EXCLUSIVE_CLASS, ROOT_KEY, INSTRUMENT, KEY_RANGE, VEL_RANGE]

_PHDR = np.dtype([("name", "S20"), ("preset", "<u2"), ("bank", "<u2"), ("bag", "<u2"),
                  ("library", "<u4"), ("genre", "<u4"), ("morphology", "<u4")])
_BAG = np.dtype([("gen", "<u2"), ("mod", "<u2")])
_GEN = np.dtype([("oper", "<u2"), ("amount", "<i2")])
_INST = np.dtype([("name", "S20"), ("bag", "<u2")])
_SHDR = np.dtype([("name", "S20"), ("start", "<u4"), ("end", "<u4"), ("startloop", "<u4"),
                  ("endloop", "<u4"), ("rate", "<u4"), ("pitch", "u1"), ("correction", "i1"),
                  ("link", "<u2"), ("type", "<u2")])
_ROM, _VORBIS = 0x8000, 0x10
_MOD = np.dtype([("src", "<u2"), ("dest", "<u2"), ("amount", "<i2"), ("amount_src", "<u2"),
                 ("transform", "<u2")])
# The default modulators of note-on velocity (SoundFont 2.04, section 8.4), by their
# identity (source, destination, amount source, transform), with their amounts. The one
# to attenuation, 960 cB along the concave curve, is the DLS gain (velocity / 127)**2. The
# one to the filter cutoff had a velocity switch as amount source in SoundFont 2.01, and
# banks made for either version switch it off (amount 0) in that version's form: both
# replace it.
_VELOCITY_TO_CUTOFF, _VELOCITY_TO_CUTOFF_201 = (0x0102, FILTER_FC, 0, 0), \
    (0x0102, FILTER_FC, 0x0D02, 0)
_DEFAULT_MODULATORS = {(0x0502, ATTENUATION, 0, 0): 960, _VELOCITY_TO_CUTOFF: -2400}
# Attenuation generators count at 0.4 times their centibels, as FluidSynth plays them
# (EMU's correction); modulators' in full.
_ATTENUATION_FACTOR = 0.4

_BLOCK = 64  # samples between updates of a time-varying filter
_SILENCE_DB = 100.0  # an envelope this far down has ended (SF2: 100% = 100 dB)
_KILL_SECONDS = 0.005  # release of a voice cut by its exclusive class or all-sound-off
_GUARD = 4  # zeros after each sample, read by interpolation at its end
_MAX_CACHED = 4096  # resampled samples kept per SoundFont
# Output gain: midirenderer plays at half scale. With this gain the sampler's notes match
# its levels: median +0.0 dB, 10th-90th percentile -1.0 to +0.3 dB over 150 TimGM6mb
# notes (benchmarks/sampler_accuracy.py).
_MASTER_GAIN = 0.5
# A cutoff moving with the modulation envelope changes in at most this many steps (each
# at least 10 cents), so that a sweep costs a few filter calls, not one per block.
_MAX_FILTER_STEPS = 16


class _Reader:
    """RIFF chunks of one file, with errors that name it."""

    def __init__(self, path):
        self.path = path
        self.size = os.path.getsize(path)

    def error(self, problem):
        return ValueError(f"soundfont {self.path!r} is not a valid SoundFont 2 file: {problem}")

    def chunks(self, f, start, end):
        """(id, data offset, size) of the chunks in [start, end)."""
        pos, odd = start, False
        while pos + 8 <= end:
            chunk_id, size = self._header(f, pos)
            if pos + 8 + size > end and odd:
                # some writers (SoundFont 3 files among them) leave out the pad byte
                # after a chunk of odd size
                chunk_id, size = self._header(f, pos - 1)
                pos -= 1
            if pos + 8 + size > end:
                raise self.error(f"chunk {chunk_id!r} at byte {pos} runs past the end of the "
                                 "file (truncated?)")
            yield chunk_id, pos + 8, size
            pos, odd = pos + 8 + size + (size & 1), bool(size & 1)

    @staticmethod
    def _header(f, pos):
        f.seek(pos)
        header = f.read(8)
        return header[:4], struct.unpack("<I", header[4:])[0]

    def _riff_end(self, f):
        """Where the RIFF data of a 'sfbk' file ends, or None if it has no such header."""
        f.seek(0)
        header = f.read(12)
        if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"sfbk":
            return None
        return min(self.size, 8 + struct.unpack("<I", header[4:8])[0])

    def _top_lists(self, f, end):
        """(list type, data offset, size) of the top-level LIST chunks."""
        for chunk_id, offset, size in self.chunks(f, 12, end):
            if chunk_id == b"LIST" and size >= 4:
                f.seek(offset)
                yield f.read(4), offset + 4, size - 4

    def version(self, f):
        """Major version from the INFO list's ``ifil`` chunk (2 where there is none), or
        None for a file without a RIFF 'sfbk' header."""
        end = self._riff_end(f)
        if end is None:
            return None
        for kind, offset, size in self._top_lists(f, end):
            if kind == b"INFO":
                for chunk_id, data, length in self.chunks(f, offset, offset + size):
                    if chunk_id == b"ifil" and length >= 2:
                        f.seek(data)
                        return struct.unpack("<H", f.read(2))[0]
        return 2

    def lists(self, f):
        """{list type: (data offset, size)} of the top-level LIST chunks of a 'sfbk' file."""
        end = self._riff_end(f)
        if end is None:
            raise self.error("it does not start with a RIFF 'sfbk' header")
        found = {kind: (offset, size) for kind, offset, size in self._top_lists(f, end)}
        for kind in (b"sdta", b"pdta"):
            if kind not in found:
                raise self.error(f"it has no {kind.decode()!r} list")
        return found


class SoundFont:
    """A parsed SoundFont: its presets' regions and its samples, read when first played.

    Use :func:`load_soundfont`, which caches one per file.

    Parameters
    ----------
    path : str
        A ``.sf2`` (or ``.sf3``) file.

    Attributes
    ----------
    path : str
        The file.
    presets : dict of {(int, int): int}
        Index of each (bank, program) in the file's preset headers.
    """

    def __init__(self, path):
        self.path = path
        reader = _Reader(path)
        with open(path, "rb") as f:
            lists = reader.lists(f)
            sdta = {cid: (off, size) for cid, off, size in reader.chunks(f, lists[b"sdta"][0],
                                                                        sum(lists[b"sdta"]))}
            pdta = {}
            for cid, off, size in reader.chunks(f, lists[b"pdta"][0], sum(lists[b"pdta"])):
                f.seek(off)
                pdta[cid] = f.read(size)
        if b"smpl" not in sdta:
            raise reader.error("it has no 'smpl' chunk of samples")
        tables = {}
        for cid, dtype in ((b"phdr", _PHDR), (b"pbag", _BAG), (b"pgen", _GEN), (b"inst", _INST),
                           (b"ibag", _BAG), (b"igen", _GEN), (b"shdr", _SHDR)):
            data = pdta.get(cid)
            if data is None or len(data) % dtype.itemsize or len(data) < 2 * dtype.itemsize:
                raise reader.error(f"its {cid.decode()!r} chunk is missing or malformed")
            tables[cid] = np.frombuffer(data, dtype)
        for cid in (b"pmod", b"imod"):
            if cid not in pdta or len(pdta[cid]) % _MOD.itemsize:
                raise reader.error(f"its {cid.decode()!r} chunk is missing or malformed")
            tables[cid] = np.frombuffer(pdta[cid], _MOD)
        self._phdr, self._pbag, self._pgen = tables[b"phdr"], tables[b"pbag"], tables[b"pgen"]
        self._inst, self._ibag, self._igen = tables[b"inst"], tables[b"ibag"], tables[b"igen"]
        self._pmod, self._imod = tables[b"pmod"], tables[b"imod"]
        self._shdr = tables[b"shdr"]
        for head, bag, gen, name in ((self._phdr, self._pbag, self._pgen, "preset"),
                                     (self._inst, self._ibag, self._igen, "instrument")):
            bags = head["bag"].astype(int)
            if np.any(np.diff(bags) < 0) or bags[-1] >= len(bag) or \
                    np.any(np.diff(bag["gen"].astype(int)) < 0) or bag["gen"][-1] > len(gen):
                raise reader.error(f"its {name} zones point outside their tables")
        self.presets = {(int(p["bank"]), int(p["preset"])): i
                        for i, p in enumerate(self._phdr[:-1])}
        offset, size = sdta[b"smpl"]
        self._vorbis = bool(np.any(self._shdr["type"][:-1] & _VORBIS))
        if self._vorbis:
            self._smpl = np.memmap(path, np.uint8, "r", offset=offset, shape=(size,))
        else:
            self._smpl = np.memmap(path, "<i2", "r", offset=offset, shape=(size // 2,))
        sm24 = sdta.get(b"sm24")
        self._sm24 = None
        if sm24 is not None and not self._vorbis and sm24[1] >= size // 2:
            self._sm24 = np.memmap(path, np.uint8, "r", offset=sm24[0], shape=(size // 2,))
        self._regions = {}
        self._data = {}
        self._audible = {}

    # -- zones ---------------------------------------------------------------------------

    def _zones(self, bag, gen, mod, first, last, terminal):
        """The (global zone, local zones) between bags first and last, each a pair of
        ({gen: amount}, {modulator identity: amount})."""
        zones = []
        for b in range(first, last):
            g0, g1 = int(bag["gen"][b]), int(bag["gen"][b + 1])
            m0, m1 = int(bag["mod"][b]), min(int(bag["mod"][b + 1]), len(mod))
            zones.append((
                {int(o): int(a) for o, a in zip(gen["oper"][g0:g1], gen["amount"][g0:g1])
                 if o < N_GENERATORS},
                {(int(m["src"]), int(m["dest"]), int(m["amount_src"]), int(m["transform"])):
                 int(m["amount"]) for m in mod[m0:m1]},
            ))
        global_zone = zones.pop(0) if zones and terminal not in zones[0][0] else ({}, {})
        return global_zone, [z for z in zones if terminal in z[0]]

    @staticmethod
    def _range(zone, global_zone, gen):
        amount = zone.get(gen, global_zone.get(gen, 0x7F00)) & 0xFFFF
        return amount & 0xFF, amount >> 8

    def regions(self, bank, program):
        """Every (key range, velocity range, sample, generators, modulators) of a preset,
        or [] if absent.

        Generators are the instrument's (its global zone, then the zone) plus the preset's.
        Modulators, as a list of (identity, amount): the defaults, replaced by the
        instrument's global ones, replaced by its zone's, then the preset's (global,
        replaced by the zone's) added.
        """
        if (bank, program) in self._regions:
            return self._regions[bank, program]
        index = self.presets.get((bank, program))
        regions = []
        if index is not None:
            (p_global, p_global_mods), p_zones = self._zones(
                self._pbag, self._pgen, self._pmod, int(self._phdr["bag"][index]),
                int(self._phdr["bag"][index + 1]), INSTRUMENT)
            for p_zone, p_mods in p_zones:
                add = np.zeros(N_GENERATORS)
                for gen, amount in {**p_global, **p_zone}.items():
                    add[gen] = amount
                add[_INSTRUMENT_ONLY] = 0
                pk, pv = self._range(p_zone, p_global, KEY_RANGE), \
                    self._range(p_zone, p_global, VEL_RANGE)
                inst = p_zone[INSTRUMENT]
                if inst >= len(self._inst) - 1:
                    continue
                (i_global, i_global_mods), i_zones = self._zones(
                    self._ibag, self._igen, self._imod, int(self._inst["bag"][inst]),
                    int(self._inst["bag"][inst + 1]), SAMPLE_ID)
                for i_zone, i_mods in i_zones:
                    ik, iv = self._range(i_zone, i_global, KEY_RANGE), \
                        self._range(i_zone, i_global, VEL_RANGE)
                    keys = max(pk[0], ik[0]), min(pk[1], ik[1])
                    vels = max(pv[0], iv[0]), min(pv[1], iv[1])
                    sample = i_zone[SAMPLE_ID]
                    if keys[0] > keys[1] or vels[0] > vels[1] or sample >= len(self._shdr) - 1 \
                            or self._shdr["type"][sample] & _ROM:
                        continue
                    gens = _DEFAULTS.copy()
                    for gen, amount in {**i_global, **i_zone}.items():
                        gens[gen] = amount
                    instrument_mods = {**i_global_mods, **i_mods}
                    defaults = dict(_DEFAULT_MODULATORS)
                    if _VELOCITY_TO_CUTOFF_201 in instrument_mods:  # replaces it too
                        del defaults[_VELOCITY_TO_CUTOFF]
                    mods = list({**defaults, **instrument_mods}.items()) + \
                        list({**p_global_mods, **p_mods}.items())
                    regions.append((keys, vels, sample, gens + add, mods))
        self._regions[bank, program] = regions
        return regions

    def find(self, bank, program, key, velocity):
        """The (sample, generators) of the regions that play a note, the generators
        modulated by its key and velocity."""
        return [(sample, _apply_modulators(gens, mods, key, velocity))
                for (k0, k1), (v0, v1), sample, gens, mods in self.regions(bank, program)
                if k0 <= key <= k1 and v0 <= velocity <= v1]

    # -- samples -------------------------------------------------------------------------

    def _raw(self, sample):
        """A sample's frames as float32 and its loop points relative to its start."""
        h = self._shdr[sample]
        start, end = int(h["start"]), int(h["end"])
        loop = int(h["startloop"]) - start, int(h["endloop"]) - start
        if h["type"] & _VORBIS:
            import soundfile as sf

            try:
                y, _ = sf.read(io.BytesIO(self._smpl[start:end].tobytes()), dtype="float32")
            except (RuntimeError, sf.LibsndfileError) as exc:
                raise ValueError(f"soundfont {self.path!r}: sample {sample} "
                                 f"({h['name'].decode(errors='replace')!r}) cannot be decoded "
                                 f"({exc}); use engine='midirenderer'") from exc
            y = y if y.ndim == 1 else y.mean(axis=1)
            return y, (int(h["startloop"]), int(h["endloop"]))  # sf3: relative already
        if not 0 <= start <= end <= len(self._smpl):
            raise ValueError(f"soundfont {self.path!r}: sample {sample} lies outside the "
                             "sample data (truncated file?)")
        y = self._smpl[start:end].astype(np.float32)
        if self._sm24 is not None:
            y = (y * 256 + self._sm24[start:end]) * np.float32(1 / 8388608)
        else:
            y *= np.float32(1 / 32768)
        return y, loop

    def sample(self, sample, rate):
        """(frames at ``rate`` with guard zeros, native length, loop points), cached."""
        key = (sample, rate)
        if key not in self._data:
            if len(self._data) >= _MAX_CACHED:
                self._data.clear()
            y, loop = self._raw(sample)
            native = self.native_rate(sample)
            n = len(y)
            if rate != native and n:
                y = soxr.resample(y, native, rate, quality="HQ").astype(np.float32)
            self._data[key] = (np.concatenate([y, np.zeros(_GUARD, np.float32)]), n, loop)
        return self._data[key]

    def audible(self, sample):
        """Whether a sample has a non-zero frame (decoded once per sample, then cached)."""
        if sample not in self._audible:
            y, _ = self._raw(sample)
            self._audible[sample] = bool(y.size and np.abs(y).max() > 0)
        return self._audible[sample]

    def native_rate(self, sample):
        """A sample's rate in Hz (44100 where the header says 0)."""
        return int(self._shdr["rate"][sample]) or 44100

    def original_pitch(self, sample):
        """A sample's MIDI key (60 where unset) and pitch correction in cents."""
        pitch = int(self._shdr["pitch"][sample])
        return 60 if pitch > 127 else pitch, int(self._shdr["correction"][sample])


def soundfont_version(path):
    """The major version of a SoundFont file (2 or 3), or None if it is not one.

    Read from the ``ifil`` chunk of its INFO list; a RIFF 'sfbk' file without one is taken
    as SoundFont 2, the engines reporting whatever else is wrong with it.

    Raises
    ------
    ValueError
        A chunk runs past the end of the file (truncated); the message names it.

    Examples
    --------
    >>> from sklearn_music.datasets import default_soundfont
    >>> from sklearn_music.datasets._sampler import soundfont_version
    >>> soundfont_version(default_soundfont())
    2
    """
    reader = _Reader(os.fspath(path))
    with open(reader.path, "rb") as f:
        return reader.version(f)


@lru_cache(maxsize=2)
def _load(path, mtime_ns, size):
    return SoundFont(path)


def load_soundfont(path):
    """Parse a SoundFont, cached while the file is unchanged (same path, mtime and size).

    Parameters
    ----------
    path : str or os.PathLike
        A ``.sf2`` file (``.sf3`` with Ogg Vorbis samples also works).

    Returns
    -------
    soundfont : SoundFont

    Raises
    ------
    ValueError
        The file is not a SoundFont 2 file, or is truncated; the message names it.

    Examples
    --------
    >>> from sklearn_music.datasets import default_soundfont
    >>> from sklearn_music.datasets._sampler import load_soundfont
    >>> sf2 = load_soundfont(default_soundfont())
    >>> (0, 0) in sf2.presets, (128, 0) in sf2.presets  # a piano and a drum kit
    (True, True)
    """
    return _load(*file_version(os.path.abspath(os.fspath(path))))


# -- voices ------------------------------------------------------------------------------


def _concave(value):
    """SoundFont's concave curve of a 0-127 source value: 0 to 1, like a level in dB."""
    return 1.0 if value >= 127 else min(1.0, -5 / 12 * np.log10((127 - value) / 127))


def _source_value(oper, key, velocity):
    """A modulator source's value at note-on (SoundFont 2.01, section 8.2), or None for
    the sources left out (MIDI controllers, pressure, the pitch wheel, unknown curves)."""
    index, curve = oper & 0x7F, oper >> 10
    if oper & 0x80 or index not in (0, 2, 3) or curve > 3:
        return None
    if index == 0:
        return 1.0  # no controller: the amount as it is
    value = velocity if index == 2 else key
    if oper & 0x100:  # from the maximum to the minimum
        value = 127 - value
    x = (value / 128, _concave(value), 1 - _concave(127 - value), float(value >= 64))[curve]
    return 2 * x - 1 if oper & 0x200 else x  # bipolar: -1 to 1


def _apply_modulators(gens, mods, key, velocity):
    """The generators of a note: ``gens`` plus what each modulator adds at its key and
    velocity (or the zone's fixed ones)."""
    key = int(gens[KEYNUM]) if gens[KEYNUM] >= 0 else key
    velocity = int(gens[VELOCITY]) if gens[VELOCITY] > 0 else velocity
    gens = gens.copy()
    for (src, dest, amount_src, transform), amount in mods:
        x, scale = _source_value(src, key, velocity), _source_value(amount_src, key, velocity)
        if x is None or scale is None or dest >= N_GENERATORS or transform not in (0, 2):
            continue  # linked modulators (dest bit 15) and unknown transforms too
        value = amount * x * scale
        value = abs(value) if transform == 2 else value
        # render_voice reads attenuation at 0.4 times its value (FluidSynth's correction of
        # the generators SoundFonts store); a modulator's centibels count in full
        gens[dest] += value / _ATTENUATION_FACTOR if dest == ATTENUATION else value
    return gens


def _seconds(timecents):
    return 2.0 ** (min(max(float(timecents), -12000.0), 8000.0) / 1200)


def _envelope_times(gens, base, key):
    """Delay, attack, hold, decay, release in seconds, and sustain (generator units)."""
    delay, attack = _seconds(gens[base]), _seconds(gens[base + 1])
    hold = _seconds(gens[base + 2] + gens[base + 6] * (60 - key))
    decay = _seconds(gens[base + 3] + gens[base + 7] * (60 - key))
    return delay, attack, hold, decay, max(gens[base + 4], 0.0), _seconds(gens[base + 5])


def _volume_envelope(n, sr, release_at, gens, key, release=None):
    """The volume envelope's gain for n samples, and where it falls silent (100 dB down)."""
    delay, attack, hold, decay, sustain, release_s = _envelope_times(gens, VOL_ENV, key)
    release_s = release_s if release is None else release
    sustain_db = min(sustain / 10, _SILENCE_DB)
    decay_start = delay + attack + hold
    attack = max(attack, 1e-9)

    def attenuation_db(t):  # before any release: attack (linear gain), hold, decay in dB
        rise = min(max((t - delay) / attack, 0.0), 1.0)
        fall = min(max((t - decay_start) * _SILENCE_DB / decay, 0.0), sustain_db)
        return fall - 20 * np.log10(max(rise, 1e-5))

    end = n
    if sustain_db >= _SILENCE_DB:  # it decays to silence even while held
        end = min(end, int(np.ceil((decay_start + decay) * sr)) + 1)
    level_db = 0.0
    if release_at < end:  # the release falls 100 dB a release time, from the level it finds
        level_db = attenuation_db(release_at / sr)
        left = max(_SILENCE_DB - level_db, 0.0) / _SILENCE_DB * release_s
        end = min(end, release_at + int(np.ceil(left * sr)) + 1)
    t = np.arange(end, dtype=np.float32) / np.float32(sr)
    rise = t - np.float32(delay)
    rise *= np.float32(1 / attack)
    np.maximum(rise, 0, out=rise)
    np.minimum(rise, 1, out=rise)
    fall = t - np.float32(decay_start)
    fall *= np.float32(_SILENCE_DB / decay)
    np.maximum(fall, 0, out=fall)
    np.minimum(fall, np.float32(sustain_db), out=fall)
    if release_at < end:
        r = release_at
        fall[r:] = (t[r:] - t[r]) * np.float32(_SILENCE_DB / release_s) + np.float32(level_db)
        rise[r:] = 1
    fall *= np.float32(-np.log(10) / 20)
    np.exp(fall, out=fall)
    fall *= rise
    return fall, end


def _modulation_envelope(n, sr, release_at, gens, key):
    """The modulation envelope (0 to 1) at the start of each block of 64 samples."""
    delay, attack, hold, decay, sustain, release_s = _envelope_times(gens, MOD_ENV, key)
    level = 1 - min(sustain, 1000) / 1000
    t = np.arange(0, n, _BLOCK) / sr
    env = np.clip((t - delay) / max(attack, 1e-9), 0, 1)
    decaying = t >= delay + attack + hold
    env[decaying] = np.maximum(1 - (t[decaying] - delay - attack - hold) / decay, level)
    r = -(-release_at // _BLOCK)
    if r < len(t):
        env[r:] = np.maximum(env[r] - (t[r:] - t[r]) / release_s, 0)
    return env


def _lowpass(cutoff, q_db, sr):
    """Coefficients (b, a) of a resonant two-pole low-pass (RBJ), its DC gain lowered by
    half the resonance in dB, as FluidSynth does."""
    q = 10 ** (q_db / 20) / np.sqrt(2)
    w = 2 * np.pi * cutoff / sr
    alpha, cos = np.sin(w) / (2 * q), np.cos(w)
    gain = 10 ** (-q_db / 40)
    b = np.array([(1 - cos) / 2, 1 - cos, (1 - cos) / 2]) * gain
    a = np.array([1 + alpha, -2 * cos, 1 - alpha])
    return b / a[0], a / a[0]


def _filter(y, gens, mod_env, sr):
    """Apply the voice's low-pass filter; its cutoff moves with the modulation envelope
    (one value a block of 64 samples), in steps."""
    if not len(y):
        return y
    cents = gens[FILTER_FC]
    q_db = max(gens[FILTER_Q], 0) / 10
    top = 1200 * np.log2(0.45 * sr / 8.176)  # cents of 0.45 sr: higher means no filter
    depth = gens[MOD_ENV_TO_FC]
    if depth == 0 or mod_env is None:
        cents = min(max(cents, 1500), 13500)
        if cents >= top:
            return y
        b, a = _lowpass(8.176 * 2 ** (cents / 1200), q_db, sr)
        return lfilter(b, a, y).astype(np.float32)
    block_cents = np.clip(cents + depth * mod_env[: -(-len(y) // _BLOCK)], 1500, 13500)
    block_cents = np.minimum(block_cents, top)
    if block_cents.min() >= top:
        return y
    step = max(10.0, np.ptp(block_cents) / _MAX_FILTER_STEPS)
    block_cents = np.round(block_cents / step) * step
    out = np.empty_like(y)
    state = np.zeros(2)
    changes = np.flatnonzero(np.diff(block_cents)) + 1
    for first, last in zip(np.r_[0, changes], np.r_[changes, len(block_cents)]):
        b, a = _lowpass(8.176 * 2 ** (min(block_cents[first], top) / 1200), q_db, sr)
        lo, hi = first * _BLOCK, min(last * _BLOCK, len(y))
        out[lo:hi], state = lfilter(b, a, y[lo:hi], zi=state)
    return out


def _pan_gain(pan):
    """Mono gain of a voice panned by ``pan`` (-500 left to 500 right): the mean of the
    constant-power left and right gains."""
    angle = (np.clip(pan, -500, 500) + 500) / 1000 * np.pi / 2
    return (np.cos(angle) + np.sin(angle)) / 2


def render_voice(soundfont, sample, gens, key, n, release_at, sr, *, gain=1.0, release=None):
    """Render one voice: a sample played through its envelopes and filter.

    Parameters
    ----------
    soundfont : SoundFont
    sample : int
        Index of the sample header.
    gens : ndarray of shape (61,)
        The note's generators, modulated by its key and velocity (see
        :meth:`SoundFont.find`).
    key : int
        The MIDI note.
    n : int
        Samples available (to the end of the clip).
    release_at : int
        Sample where the key is released (n or more for never).
    sr : int
        Output sample rate.
    gain : float, default=1.0
        Gain from the channel (volume, expression, pan).
    release : float or None, default=None
        Release time in seconds instead of the envelope's (a voice cut short).

    Returns
    -------
    y : ndarray of shape (m,), dtype float32, with m <= n
        The voice; it ends where it falls silent.
    """
    key = int(gens[KEYNUM]) if gens[KEYNUM] >= 0 else key
    root, correction = soundfont.original_pitch(sample)
    if gens[ROOT_KEY] >= 0:
        root = int(gens[ROOT_KEY])
    cents = gens[SCALE_TUNING] * (key - root) + 100 * gens[COARSE_TUNE] + gens[FINE_TUNE] \
        + correction
    pitch_depth = gens[MOD_ENV_TO_PITCH]
    native = soundfont.native_rate(sample)
    # The sample is resampled (band-limited) to the output rate divided by the highest
    # pitch ratio it plays at, rounded up to a semitone, so that linear interpolation
    # steps through it at most one frame at a time: no aliasing, and the step is close to
    # one, where linear interpolation is most accurate. Native data serves when slower.
    semitones = np.ceil((cents + max(pitch_depth, 0)) / 100 - 1e-9)
    rate = min(native, int(round(sr * 2 ** (-semitones / 12))))
    data, length, (loop_start, loop_end) = soundfont.sample(sample, rate)
    scale = rate / native

    def address(base, fine, coarse):
        return np.clip(base + gens[fine] + 32768 * gens[coarse], 0, length) * scale

    start = address(0, START_OFFSET, START_COARSE)
    end = address(length, END_OFFSET, END_COARSE)
    loop_start = address(loop_start, STARTLOOP_OFFSET, STARTLOOP_COARSE)
    loop_end = min(address(loop_end, ENDLOOP_OFFSET, ENDLOOP_COARSE), end)
    mode = int(gens[SAMPLE_MODES]) & 3
    looping = mode in (1, 3) and loop_end - loop_start >= scale

    atten_db = 0.1 * _ATTENUATION_FACTOR * gens[ATTENUATION]  # centibels, corrected
    gain = gain * 10 ** (-atten_db / 20) * _pan_gain(gens[PAN])
    envelope, n = _volume_envelope(n, sr, release_at, gens, key, release)
    mod_env = None
    if pitch_depth or gens[MOD_ENV_TO_FC]:
        mod_env = _modulation_envelope(n, sr, release_at, gens, key)
    step = 2 ** (cents / 1200) * rate / sr
    if pitch_depth:  # the pitch follows the modulation envelope, interpolated between blocks
        env = np.interp(np.arange(n), np.arange(len(mod_env)) * _BLOCK, mod_env)
        steps = step * 2 ** (pitch_depth * env / 1200)
        position = start + np.concatenate([[0.0], np.cumsum(steps[:-1])])
    else:
        position = np.arange(n, dtype=np.float64)
        position *= step
        position += start
    if looping:
        span = loop_end - loop_start
        wrap = int(np.searchsorted(position, loop_end))
        released = mode == 3 and release_at < n  # loop until release, then play on
        stop = max(wrap, release_at) if released else n
        if released and release_at > wrap:  # where the loop is at the release
            position[release_at:] -= position[release_at] - loop_start - \
                np.fmod(position[release_at] - loop_start, span)
        looped = position[wrap:stop]  # into the loop: modulo by floor (np.fmod is slow)
        looped -= loop_start
        turns = looped * (1 / span)
        np.floor(turns, out=turns)
        turns *= span
        looped -= turns
        looped += loop_start
        if released:
            n = release_at + int(np.searchsorted(position[release_at:], end - 1))
    else:
        n = int(np.searchsorted(position, end - 1))
    position = position[:n]
    index = position.astype(np.intp)
    position -= index
    y = data[1:][index]  # linear interpolation, in place: left + frac * (right - left)
    left = data[index]
    y -= left
    y *= position.astype(np.float32)
    y += left
    y *= envelope[:n]
    y = _filter(y, gens, mod_env, sr)
    y *= np.float32(gain * _MASTER_GAIN)
    return y


# -- notes and clips -----------------------------------------------------------------------


def _preset(soundfont, bank, program, drums):
    """Regions source for a channel: GM fallbacks when the exact preset is absent."""
    if drums:
        for candidate in ((128, program), (128, 0)):
            if candidate in soundfont.presets:
                return candidate
        return None
    for candidate in ((bank, program), (0, program)):
        if candidate in soundfont.presets:
            return candidate
    return None


def note_sounds(soundfont, program, key, velocity):
    """Whether a note plays any sample: a region covers it and its sample is not silent.

    Parameters
    ----------
    soundfont : SoundFont
    program : int or None
        General MIDI program, or None for the drum kit (channel 10).
    key, velocity : int
        The MIDI note.

    Returns
    -------
    sounds : bool

    Examples
    --------
    >>> from sklearn_music.datasets import default_soundfont
    >>> from sklearn_music.datasets._sampler import load_soundfont, note_sounds
    >>> sf2 = load_soundfont(default_soundfont())
    >>> note_sounds(sf2, 0, 60, 100), note_sounds(sf2, None, 38, 100)
    (True, True)
    """
    drums = program is None
    preset = _preset(soundfont, 0, 0 if drums else program, drums)
    if preset is None:
        return False
    return any(soundfont.audible(sample) for sample, _ in soundfont.find(*preset, key, velocity))


def event_order(message):
    """Sort key of MIDI messages within one instant (both engines order them so):
    controllers and programs, then note-offs, then note-ons."""
    if message.type == "note_on" and message.velocity > 0:
        return 2
    return 1 if message.type in ("note_off", "note_on") else 0


def render_events(soundfont, events, n_samples, sr):
    """Render one clip of MIDI events to mono audio.

    Every channel starts reset: program 0, volume 100, expression 127, pan centred;
    channel 10 (index 9) plays the drum kits (bank 128).

    Parameters
    ----------
    soundfont : SoundFont
        From :func:`load_soundfont`.
    events : list of (float, mido.Message)
        Events timed in seconds from the clip's start: note_on, note_off, program_change
        and control_change (bank select 0, volume 7, pan 10, expression 11, all sound off
        120, reset all controllers 121, all notes off 123; others are ignored).
    n_samples : int
        Length of the clip; sound still playing then is cut.
    sr : int
        Sample rate.

    Returns
    -------
    y : ndarray of shape (n_samples,), dtype float32

    Examples
    --------
    >>> import mido
    >>> from sklearn_music.datasets import default_soundfont
    >>> from sklearn_music.datasets._sampler import load_soundfont, render_events
    >>> events = [(0.0, mido.Message("note_on", note=69, velocity=100)),
    ...           (0.5, mido.Message("note_off", note=69))]
    >>> y = render_events(load_soundfont(default_soundfont()), events, 8000, 8000)
    >>> y.shape, bool(abs(y).max() > 0.01)
    ((8000,), True)
    """
    program, bank = [0] * 16, [0] * 16
    volume, expression, pan = [100] * 16, [127] * 16, [64] * 16
    voices = []  # [onset, release sample or None, release seconds or None, note data]
    held = {}  # (channel, key) -> indices of voices not yet released
    for time, message in sorted(events, key=lambda e: (e[0], event_order(e[1]))):
        at = int(round(time * sr))
        channel = getattr(message, "channel", 0)
        if message.type == "program_change":
            program[channel] = message.program
        elif message.type == "control_change":
            control, value = message.control, message.value
            if control == 0:
                bank[channel] = value
            elif control == 7:
                volume[channel] = value
            elif control == 10:
                pan[channel] = value
            elif control == 11:
                expression[channel] = value
            elif control == 121:
                expression[channel], pan[channel] = 127, 64
            elif control in (120, 123):
                for voice in voices:
                    if voice[4] == channel and (voice[1] is None or voice[1] > at):
                        voice[1] = at
                        voice[2] = _KILL_SECONDS if control == 120 else None
                held = {k: v for k, v in held.items() if k[0] != channel}
        elif message.type == "note_off" or (message.type == "note_on" and message.velocity == 0):
            for i in held.pop((channel, message.note), []):
                if voices[i][1] is None:  # not cut already
                    voices[i][1] = at
        elif message.type == "note_on" and at < n_samples:
            preset = _preset(soundfont, bank[channel], program[channel], channel == 9)
            if preset is None:
                continue
            gain = (volume[channel] / 127) ** 2 * (expression[channel] / 127) ** 2
            pan_cents = (pan[channel] - 64) / 64 * 500
            for sample, gens in soundfont.find(*preset, message.note, message.velocity):
                exclusive = int(gens[EXCLUSIVE_CLASS])
                if exclusive:
                    for voice in voices:
                        if voice[4] == channel and voice[5] == exclusive and \
                                (voice[1] is None or voice[1] > at):
                            voice[1], voice[2] = at, _KILL_SECONDS
                held.setdefault((channel, message.note), []).append(len(voices))
                gens[PAN] += pan_cents  # find gave this note its own generators
                voices.append([at, None, None, (sample, gens, message.note, gain), channel,
                               exclusive])
    out = np.zeros(n_samples, np.float32)
    for onset, release_at, release, (sample, gens, key, gain), _, _ in voices:
        n = n_samples - onset
        release_at = n if release_at is None else release_at - onset
        y = render_voice(soundfont, sample, gens, key, n, release_at, sr, gain=gain,
                         release=release)
        out[onset : onset + len(y)] += y
    return out
