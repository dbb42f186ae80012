"""Rendering MIDI with a General MIDI SoundFont: real sampled instruments, no network.

The default SoundFont is ``TimGM6mb.sf2`` (6 MB), which ships inside the ``pretty_midi``
package, so rendering works wherever sklearn-music installs. Any other General MIDI
``.sf2`` can be named instead, for example Debian's FluidR3
(``/usr/share/sounds/sf2/FluidR3_GM.sf2``, from ``apt-get install fluid-soundfont-gm``).
Two engines render: ``engine="midirenderer"`` (a Rust SoundFont synthesizer with the
SoundFont's reverb and chorus, which renders at 48 kHz in stereo; the result is mixed to
mono and resampled with soxr), and ``engine="sampler"``, sklearn-music's own sample player
(:mod:`sklearn_music.datasets._sampler`: dry, mono, rendered directly at the requested
rate; no LFOs, reverb or chorus; several times faster for one-shot notes, about as fast
for clips where many voices play at once).

With midirenderer the generators render many clips through one MIDI file: clips are laid
out one after another, every channel is silenced and reset at each clip boundary, and the
rendering is cut back into clips. The sampler renders each clip on its own. Long jobs are
split into chunks that can render in parallel.
"""

import io
import os
import struct
from functools import lru_cache
from importlib.util import find_spec

import mido
import numpy as np
import soundfile as sf
from joblib import Parallel, delayed, effective_n_jobs

from ..io import _resample, fix_length
from . import _sampler
from ._common import file_version

__all__ = ["ENGINES", "default_soundfont", "render_clips", "render_midi", "sounding"]

ENGINES = ("midirenderer", "sampler")

TICKS_PER_SECOND = 960  # 480 ticks a beat at MIDI's default 120 BPM
# The synthesizer takes MIDI events at the start of blocks of 64 samples at 48 kHz. Clips
# start on a block boundary (a multiple of 32 ticks, 1600 samples) and their events come
# one tick (50 samples) later, well inside the block, so that rounding in the synthesizer's
# clock never moves a clip by a block: each clip renders exactly as it would alone.
_BLOCK_TICKS = 32
_TICKS_PER_BEAT = 480
_CHUNK_SECONDS = 120.0  # audio rendered per call: ~23 MB of 48 kHz stereo 16-bit
_ALL_SOUND_OFF, _RESET_CONTROLLERS = 120, 121
_SAMPLER_CHUNK = 64  # clips per chunk with the sampler


def default_soundfont():
    """Path of the General MIDI SoundFont used when none is named: ``TimGM6mb.sf2``.

    It is installed with ``pretty_midi`` (a dependency), so no download is needed.

    Returns
    -------
    path : str

    Examples
    --------
    >>> from sklearn_music.datasets import default_soundfont
    >>> default_soundfont().endswith("TimGM6mb.sf2")
    True
    """
    spec = find_spec("pretty_midi")
    return os.path.join(os.path.dirname(spec.origin), "TimGM6mb.sf2")


def check_soundfont(soundfont, engine=None):
    """Return the absolute path of a SoundFont, checking that it is a readable SoundFont file.

    Parameters
    ----------
    soundfont : str, os.PathLike or None
        A ``.sf2`` (or, for the sampler, ``.sf3``) file, or None for
        :func:`default_soundfont`.
    engine : {"midirenderer", "sampler"} or None, default=None
        The engine that will play it, when known: checked too, and midirenderer cannot
        play SoundFont 3 files (their samples are compressed).

    Returns
    -------
    path : str

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    ValueError
        The file is not a SoundFont 2 or 3 file or is truncated (a chunk runs past its
        end), the engine is unknown, or the engine cannot play the file. The message
        names the file.

    Examples
    --------
    >>> from sklearn_music.datasets.soundfont import check_soundfont
    >>> check_soundfont(None, "sampler").endswith("TimGM6mb.sf2")
    True
    """
    path = default_soundfont() if soundfont is None else os.fspath(soundfont)
    if engine is not None:
        check_engine(engine)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"soundfont {path!r} does not exist (expected a .sf2 file)")
    version = _sampler.soundfont_version(path)
    if version is None:
        raise ValueError(
            f"soundfont {path!r} is not a SoundFont file: a .sf2 or .sf3 starts with a RIFF "
            "'sfbk' header"
        )
    reader = _sampler._Reader(path)
    with open(path, "rb") as f:  # a chunk past the end: midirenderer's own error names no file
        list(reader.chunks(f, 12, reader._riff_end(f)))
    if version >= 3 and engine == "midirenderer":
        raise ValueError(
            f"soundfont {path!r} is a SoundFont {version} file (compressed samples), which "
            "midirenderer cannot play; use engine='sampler'"
        )
    return os.path.abspath(path)


@lru_cache(maxsize=2)
def _read_soundfont(path, mtime_ns, size):
    """The bytes of a SoundFont, cached while the file is unchanged."""
    with open(path, "rb") as f:
        return f.read()


def check_engine(engine):
    """Check a rendering engine's name: one of :data:`ENGINES`."""
    if not isinstance(engine, str) or engine not in ENGINES:
        raise ValueError(f"engine must be one of {list(ENGINES)}, got {engine!r}")
    return engine


def _soundfont_bytes(path):
    return _read_soundfont(*file_version(path))


def _decode_wav(wav):
    """Parse the 16-bit PCM WAV bytes midirenderer returns: (frames, n_channels) int16, rate."""
    if wav[:4] != b"RIFF" or wav[8:12] != b"WAVE":
        raise RuntimeError("the MIDI renderer did not return WAV data")
    pos, fmt = 12, None
    while pos + 8 <= len(wav):
        chunk, size = wav[pos : pos + 4], struct.unpack("<I", wav[pos + 4 : pos + 8])[0]
        if chunk == b"fmt ":
            fmt = struct.unpack("<HHIIHH", wav[pos + 8 : pos + 24])
        elif chunk == b"data":
            if fmt is None or fmt[0] != 1 or fmt[5] != 16:
                raise RuntimeError(f"the MIDI renderer returned an unexpected WAV format {fmt}")
            n_channels, rate = fmt[1], fmt[2]
            size = min(size, len(wav) - pos - 8) // (2 * n_channels) * (2 * n_channels)
            frames = np.frombuffer(wav, dtype="<i2", count=size // 2, offset=pos + 8)
            return frames.reshape(-1, n_channels), rate
        pos += 8 + size + (size & 1)
    raise RuntimeError("the MIDI renderer returned WAV data without samples")


def _render_bytes(midi_bytes, soundfont_path):
    import midirenderer

    return _decode_wav(midirenderer.render_wave_from(_soundfont_bytes(soundfont_path), midi_bytes))


def _to_float(frames, mono):
    """int16 frames (n, n_channels) -> float32 mono (n,) or (n_channels, n) in [-1, 1]."""
    if not mono:
        return frames.T.astype(np.float32) * np.float32(1 / 32768)
    y = frames[:, 0].astype(np.float32)
    for channel in range(1, frames.shape[1]):
        y += frames[:, channel]
    return y * np.float32(1 / (32768 * frames.shape[1]))


def render_midi(midi, *, sr=22050, mono=True, soundfont=None, engine="midirenderer"):
    """Render a MIDI file with a General MIDI SoundFont.

    Parameters
    ----------
    midi : str, os.PathLike, bytes, pretty_midi.PrettyMIDI or mido.MidiFile
        A Standard MIDI File (path or bytes), or a MIDI object in memory.
    sr : int or None, default=22050
        Sample rate of the result; None keeps the renderer's own 48 kHz.
    mono : bool, default=True
        Average the two channels into one. The sampler renders mono only.
    soundfont : str, os.PathLike or None, default=None
        A ``.sf2`` file; None uses :func:`default_soundfont`.
    engine : {"midirenderer", "sampler"}, default="midirenderer"
        The synthesizer: midirenderer (with the SoundFont's reverb and chorus) or
        sklearn-music's own sample player (dry, mono; see :func:`render_clips`).

    Returns
    -------
    y : ndarray of shape (n_samples,) or (2, n_samples), dtype float32
        The rendering; it ends with the last MIDI event.
    sr : int
        Its sample rate.

    Examples
    --------
    >>> import pretty_midi
    >>> from sklearn_music.datasets import render_midi
    >>> pm = pretty_midi.PrettyMIDI()
    >>> piano = pretty_midi.Instrument(program=0)
    >>> piano.notes.append(pretty_midi.Note(velocity=100, pitch=69, start=0.0, end=1.0))
    >>> pm.instruments.append(piano)
    >>> y, sr = render_midi(pm, sr=16000)
    >>> y.dtype, sr, round(len(y) / sr, 1)
    (dtype('float32'), 16000, 1.0)
    >>> y, sr = render_midi(pm, sr=16000, engine="sampler")
    >>> y.shape == (len(y),), round(len(y) / sr, 1)
    (True, 1.0)
    """
    path = check_soundfont(soundfont, engine)
    if engine == "sampler" and not mono:
        raise ValueError("engine='sampler' renders mono only: use mono=True, or "
                         "engine='midirenderer' for stereo")
    if isinstance(midi, (bytes, bytearray)):
        data = bytes(midi)
    elif isinstance(midi, (str, os.PathLike)):
        with open(midi, "rb") as f:
            data = f.read()
    elif hasattr(midi, "write") or hasattr(midi, "save"):
        buf = io.BytesIO()
        midi.write(buf) if hasattr(midi, "write") else midi.save(file=buf)
        data = buf.getvalue()
    else:
        raise TypeError(
            "midi must be a path, bytes, a pretty_midi.PrettyMIDI or a mido.MidiFile, "
            f"got {type(midi).__name__}"
        )
    if data[:4] != b"MThd":
        raise ValueError("midi is not a Standard MIDI File (it does not start with 'MThd')")
    if engine == "sampler":
        sr = 48000 if sr is None else int(sr)
        events, time = [], 0.0
        for message in mido.MidiFile(file=io.BytesIO(data)):
            time += message.time
            if not message.is_meta:
                events.append((time, message))
        return _sampler.render_events(_sampler.load_soundfont(path), events,
                                      int(round(time * sr)), sr), sr
    frames, rate = _render_bytes(data, path)
    y = _to_float(frames, mono)
    if sr is not None and sr != rate:
        y = _resample(y, rate, sr)
    return y, int(rate if sr is None else sr)


# Silence (all sound off) and reset (reset all controllers) every channel, so that no clip
# hears the one before it: 32 control changes, one delta-time of 0 between each.
_RESET = b"\x00".join(bytes([0xB0 | channel, control, 0])
                      for channel in range(16) for control in (_ALL_SOUND_OFF, _RESET_CONTROLLERS))
_TEMPO = b"\x00\xff\x51\x03\x07\xa1\x20"  # 500,000 us a beat: 120 BPM
_END_OF_TRACK = b"\x00\xff\x2f\x00"


def _variable_length(value):
    """A MIDI variable-length quantity: 7 bits a byte, most significant first."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def _midi_file(clips, slot_ticks, clip_ticks):
    """One type-0 Standard MIDI File holding every clip, clip k starting at tick k * slot_ticks.

    Every channel is silenced at the end of each clip, so that the gap after it holds the
    voices' fade-out and the effects' tails, and reset again when the next clip starts.
    The file is written directly (mido would validate every message once more, which
    costs as much as a fifth of the rendering).
    """
    events = []
    for k, clip in enumerate(clips):
        start = k * slot_ticks
        events.append((start, -1, _RESET))
        for time, message in clip:
            tick = start + 1 + min(int(round(time * TICKS_PER_SECOND)), clip_ticks - 2)
            events.append((tick, _sampler.event_order(message), bytes(message.bytes())))
        events.append((start + clip_ticks, -1, _RESET))
    events.append((len(clips) * slot_ticks, -1, _RESET))  # the last event ends the rendering
    events.sort(key=lambda e: (e[0], e[1]))
    track, last = [_TEMPO], 0
    for tick, _, data in events:
        track.append(_variable_length(tick - last))
        track.append(data)
        last = tick
    track.append(_END_OF_TRACK)
    body = b"".join(track)
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, _TICKS_PER_BEAT)
    return header + b"MTrk" + struct.pack(">I", len(body)) + body


_SOUNDING = {}  # (soundfont path, mtime, size, engine) -> {(program, pitch, velocity): bool}


def sounding(notes, soundfont=None, engine="midirenderer"):
    """Whether a SoundFont has a sample for each (program, pitch, velocity).

    SoundFonts map each program to samples over key and velocity ranges; a note outside
    every range is silent (FluidR3's contrabass has nothing above MIDI 59, for example).
    Each note is probed once, rendered alone, and the answer is cached per SoundFont.

    Parameters
    ----------
    notes : iterable of (int or None, int, int)
        General MIDI (program, pitch, velocity) triples; program None means the drum kit
        (channel 10), where the pitch picks the drum.
    soundfont : str, os.PathLike or None, default=None
        A ``.sf2`` file; None uses :func:`default_soundfont`.
    engine : {"midirenderer", "sampler"}, default="midirenderer"
        Who plays the notes. The sampler answers from the SoundFont's zones (a region
        covers the note and its sample is not all zeros), without rendering.

    Returns
    -------
    sounding : ndarray of bool
        One answer per note.

    Examples
    --------
    >>> from sklearn_music.datasets.soundfont import sounding
    >>> sounding([(0, 60, 100), (None, 38, 100), (None, 5, 100)])  # piano C4, snare, no drum
    array([ True,  True, False])
    """
    path = check_soundfont(soundfont, engine)
    known = _SOUNDING.setdefault((*file_version(path), engine), {})
    notes = [(None if p is None else int(p), int(q), int(v)) for p, q, v in notes]
    new = set(notes) - set(known)
    if engine == "sampler":
        font = _sampler.load_soundfont(path)
        for note in new:
            known[note] = _sampler.note_sounds(font, *note)
    elif new:
        new = sorted(new, key=lambda n: (n[2], n[0] is None, n[0] or 0, n[1]))  # softest first
        heard = dict(zip(new, _probe(new, path)))
        if len(new) > 1:  # one judged silent may have hidden under the tail before it
            heard.update((note, _probe([note], path)[0]) for note in new if not heard[note])
        known.update(heard)
    return np.array([known[n] for n in notes], dtype=bool)


def _probe(notes, path):
    """Whether each note sounds, rendered with midirenderer one after another.

    Each probe is 0.1 s of the note in a 0.3 s slot. The last 0.1 s of the slot holds only
    the tail of its effects (SoundFonts send to the reverb themselves), still decaying, so
    it bounds what reaches the next probe; a note sounds when its clip is well above the
    tail before it.
    """
    clips = []
    for program, pitch, velocity in notes:
        channel = 9 if program is None else 0
        clip = [] if program is None else [
            (0.0, mido.Message("program_change", channel=0, program=program))]
        clips.append(clip + [
            (0.0, mido.Message("note_on", channel=channel, note=pitch, velocity=velocity)),
        ])
    clip_ticks, slot_ticks = 3 * _BLOCK_TICKS, 9 * _BLOCK_TICKS  # 0.1 s, 0.3 s
    frames, rate = _render_bytes(_midi_file(clips, slot_ticks, clip_ticks), path)
    size = clip_ticks * rate // TICKS_PER_SECOND
    heard, tail = [], 0
    for k in range(len(notes)):
        start = k * slot_ticks * rate // TICKS_PER_SECOND
        end = start + slot_ticks * rate // TICKS_PER_SECOND
        peak = int(np.abs(frames[start : start + size].astype(np.int32)).max(initial=0))
        heard.append(peak > 2 * tail + 1)
        tail = int(np.abs(frames[end - size : end].astype(np.int32)).max(initial=0))
    return heard


def _normalize(y, peak):
    top = np.abs(y).max()
    return y * np.float32(peak / top) if top > 0 else y


def _store(waves, n_clips, n_out, sr, peak, paths, out):
    """Put rendered clips into ``out`` (or a new array), or write them to ``paths``."""
    if out is None and paths is None:
        out = np.empty((n_clips, n_out), np.float32)
    for k, y in enumerate(waves):
        if peak is not None:
            y = _normalize(y, peak)
        if paths is None:
            out[k] = y
        else:
            sf.write(paths[k], y, sr, subtype="PCM_16")
    return out


def _render_chunk(clips, soundfont_path, slot_ticks, clip_ticks, n_out, sr, peak, paths,
                  out=None):
    """Render clips through one MIDI file, cutting each clip's slot out of the result."""
    frames, rate = _render_bytes(_midi_file(clips, slot_ticks, clip_ticks), soundfont_path)

    def waves():
        for k in range(len(clips)):
            start = k * slot_ticks * rate // TICKS_PER_SECOND
            y = _to_float(frames[start:start + clip_ticks * rate // TICKS_PER_SECOND],
                          mono=True)
            yield fix_length(y if sr == rate else _resample(y, rate, sr), n_out)

    return _store(waves(), len(clips), n_out, sr, peak, paths, out)


def _render_chunk_sampler(clips, soundfont_path, n_out, sr, peak, paths, out=None):
    """Render clips one by one with the sampler."""
    font = _sampler.load_soundfont(soundfont_path)
    waves = (_sampler.render_events(font, clip, n_out, sr) for clip in clips)
    return _store(waves, len(clips), n_out, sr, peak, paths, out)


def render_clips(clips, *, duration, sr, soundfont=None, gap=0.0, peak=None, paths=None,
                 n_jobs=None, engine="midirenderer"):
    """Render many short MIDI clips fast, through a few long MIDI files.

    Parameters
    ----------
    clips : list of list of (float, mido.Message)
        Each clip's events, timed in seconds from the clip's start. Every channel starts
        each clip reset (program 0, default controllers), so a clip sets its own programs.
    duration : float
        Seconds per clip; sound still playing at the end is cut, as in NSynth.
    sr : int
        Sample rate of the clips.
    soundfont : str, os.PathLike or None, default=None
        A ``.sf2`` file; None uses :func:`default_soundfont`.
    gap : float, default=0.0
        Seconds rendered and thrown away after each clip, for reverb tails to die out
        (midirenderer only: the sampler renders each clip alone, with no effects).
    peak : float or None, default=None
        Scale each clip to this peak amplitude; None keeps the SoundFont's levels.
    paths : list of str or None, default=None
        Write clip k to ``paths[k]`` (16-bit WAV) instead of returning it.
    n_jobs : int or None, default=None
        Chunks rendered in parallel (joblib processes); None means 1.
    engine : {"midirenderer", "sampler"}, default="midirenderer"
        The synthesizer. ``"midirenderer"`` (a Rust synthesizer, FluidSynth-like) renders
        at 48 kHz in stereo with the SoundFont's reverb and chorus, then mixes to mono and
        resamples. ``"sampler"`` is sklearn-music's own sample player
        (:mod:`~sklearn_music.datasets._sampler`): envelopes, filter and modulation
        envelope as the SoundFont says, rendered dry and mono straight at ``sr``, several
        times faster for one-shot notes (its cost grows with the voices playing); it
        leaves out the LFOs (vibrato, tremolo), reverb and chorus, pitch bend and the
        sustain pedal. Both are deterministic.

    Returns
    -------
    waveforms : ndarray of shape (n_clips, round(duration * sr)), dtype float32, or None
        None when ``paths`` is given.

    Examples
    --------
    >>> import mido
    >>> from sklearn_music.datasets.soundfont import render_clips
    >>> def note(pitch):
    ...     return [(0.0, mido.Message("note_on", note=pitch, velocity=100)),
    ...             (0.5, mido.Message("note_off", note=pitch))]
    >>> render_clips([note(60), note(64), note(67)], duration=1.0, sr=8000).shape
    (3, 8000)
    >>> render_clips([note(60), note(64)], duration=1.0, sr=8000, engine="sampler").shape
    (2, 8000)
    """
    path = check_soundfont(soundfont, engine)
    n_out = int(round(duration * sr))
    clip_ticks = int(np.ceil(duration * TICKS_PER_SECOND))  # MIDI time covering the clip
    if engine == "sampler":  # each clip alone: no gap
        render, per_chunk, timing = _render_chunk_sampler, _SAMPLER_CHUNK, (n_out,)
    else:
        slot_ticks = clip_ticks + int(round(gap * TICKS_PER_SECOND))
        slot_ticks = -(-slot_ticks // _BLOCK_TICKS) * _BLOCK_TICKS
        per_chunk = max(1, int(_CHUNK_SECONDS * TICKS_PER_SECOND // slot_ticks))
        render, timing = _render_chunk, (slot_ticks, clip_ticks, n_out)
    starts = range(0, len(clips), per_chunk)
    out = np.empty((len(clips), n_out), np.float32) if paths is None else None

    def args(i):
        return (clips[i : i + per_chunk], path, *timing, sr, peak,
                None if paths is None else paths[i : i + per_chunk])

    if effective_n_jobs(n_jobs) == 1 or len(starts) <= 1:
        for i in starts:  # in this process: each chunk is written straight into the result
            render(*args(i), out=None if out is None else out[i : i + per_chunk])
    else:
        results = Parallel(n_jobs=n_jobs)(delayed(render)(*args(i)) for i in starts)
        if out is not None:
            for i, y in zip(starts, results):
                out[i : i + per_chunk] = y
    return out
