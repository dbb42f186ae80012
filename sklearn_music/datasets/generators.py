"""Labelled music rendered from a General MIDI SoundFont, like scikit-learn's ``make_*``.

Every generator draws its material from ``random_state``, builds MIDI, and renders it with
real sampled instruments (see :mod:`sklearn_music.datasets.soundfont`), so the same seed
gives the same audio with the same SoundFont, and another SoundFont gives the same music
played by other instruments.
"""

import os
from numbers import Integral, Real

import mido
import numpy as np
import pandas as pd
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ..features.key_profiles import KEY_NAMES, PITCH_CLASSES
from .soundfont import ENGINES, check_soundfont, render_clips, sounding

__all__ = ["make_notes", "make_mixtures", "make_key_pieces", "make_grooves", "FAMILIES",
           "PROGRESSIONS", "STYLES"]

# NSynth's 11 instrument families, in NSynth's own index order (which is alphabetical).
FAMILIES = ("bass", "brass", "flute", "guitar", "keyboard", "mallet", "organ", "reed",
            "string", "synth_lead", "vocal")

# General MIDI programs (0-based) of each family. The GM groups map onto NSynth's families,
# with these moves, made by how the instrument sounds rather than where GM files it:
# choir, voice and synth voice (52-54) and the voice lead (85) are vocal, not string or
# synth lead; accordion, harmonica and tango accordion (21-23) are free reeds, so reed.
# Timpani (47) and orchestra hit (55) are neither strings nor pitched one-shot notes, and
# pads, effects, ethnic, percussive and sound-effect programs (88-127) have no NSynth family.
FAMILY_PROGRAMS = {
    "bass": tuple(range(32, 40)),
    "brass": tuple(range(56, 64)),
    "flute": tuple(range(72, 80)),
    "guitar": tuple(range(24, 32)),
    "keyboard": tuple(range(0, 8)),
    "mallet": tuple(range(8, 16)),
    "organ": tuple(range(16, 21)),
    "reed": tuple(range(64, 72)) + (21, 22, 23),
    "string": tuple(range(40, 47)) + tuple(range(48, 52)),
    "synth_lead": (80, 81, 82, 83, 84, 86, 87),
    "vocal": (52, 53, 54, 85),
}

# MIDI pitches where each family's instruments commonly play (inclusive).
FAMILY_PITCHES = {
    "bass": (28, 55),
    "brass": (41, 77),
    "flute": (60, 96),
    "guitar": (40, 81),
    "keyboard": (28, 96),
    "mallet": (53, 96),
    "organ": (36, 84),
    "reed": (41, 81),
    "string": (36, 88),
    "synth_lead": (40, 88),
    "vocal": (48, 79),
}

# NSynth's instrument sources for GM programs: synthesizers, electric instruments, the rest.
_SYNTHETIC = {38, 39, 50, 51, 54, 62, 63, *range(80, 88)}
_ELECTRONIC = {2, 4, 5, 16, 17, 18, *range(26, 32), 33, 34, 35, 36, 37}

NSYNTH_VELOCITIES = (25, 50, 75, 100, 127)
_PEAK = 0.9  # NSynth's notes are peak-normalised; leave a little headroom
# Seconds of silence rendered after a note is cut, for its fade-out and the reverb that
# SoundFonts send notes to themselves (TimGM6mb's decays by about 60 dB a second): 1.25 s
# after the release at least, so that a note hears less than -60 dB of the one before.
_TAIL = 1.25
_MIN_GAP = 0.25
_MAX_DRAWS = 20
_DRY = (91, 93)  # reverb and chorus send controllers, set to 0 for dry one-shot notes


def _source(program):
    if program in _SYNTHETIC:
        return "synthetic"
    return "electronic" if program in _ELECTRONIC else "acoustic"


def _instrument_name(program):
    import pretty_midi

    return pretty_midi.program_to_instrument_name(int(program))


def _check_families(families):
    if families is None:
        return list(FAMILIES)
    if isinstance(families, str):
        families = [families]
    families = list(families)
    unknown = [f for f in families if f not in FAMILY_PROGRAMS]
    if unknown or not families:
        raise ValueError(
            f"families must be a non-empty list drawn from {list(FAMILIES)}, got {families!r}"
        )
    return sorted(set(families), key=FAMILIES.index)


def _check_midi_values(values, name, low=0):
    values = np.asarray(values).ravel()
    if values.size == 0 or values.dtype.kind not in "iu" or not low <= values.min() \
            or values.max() > 127:
        raise ValueError(f"{name} must be a non-empty list of integers in [{low}, 127], got "
                         f"{values.tolist()!r}")
    return values


def _draw_sounding(rng, draw, n, fonts, engine):
    """Draw n notes, (program, pitch, velocity) = ``draw(i)``, none of them silent.

    Note i is played by the SoundFont ``fonts[i]``. A note its SoundFont has no sample for
    (outside an instrument's key or velocity ranges) is drawn again. Returns an (n, 3) int
    array.
    """
    notes = np.zeros((n, 3), dtype=int)
    todo = np.arange(n)
    for _ in range(_MAX_DRAWS):
        for i in todo:
            notes[i] = draw(i)
        silent = np.zeros(todo.size, dtype=bool)
        for font in dict.fromkeys(fonts[todo]):
            mine = fonts[todo] == font
            silent[mine] = ~sounding(notes[todo[mine]], font, engine)
        todo = todo[silent]
        if todo.size == 0:
            return notes
    raise ValueError(
        f"soundfont {fonts[todo[0]]!r} has no sample for notes such as (program, pitch, "
        f"velocity) = {tuple(int(v) for v in notes[todo[0]])} after {_MAX_DRAWS} draws; "
        "widen pitches or velocities, or use another soundfont"
    )


def _check_parts_sound(clips, fonts, engine):
    """Raise when a part of a clip (a MIDI channel) starts on a note its SoundFont plays no
    sound for: one without a General MIDI program or the drum kit would leave the part
    silent under a label that says it plays (the sampler engine skips such notes)."""
    firsts = []  # per clip: the first (program or None for drums, pitch, velocity) per part
    for clip in clips:
        program, first = {}, {}
        for _, message in clip:
            channel = getattr(message, "channel", 0)
            if message.type == "program_change":
                program[channel] = message.program
            elif message.type == "note_on" and message.velocity > 0 and channel not in first:
                drum = channel == 9
                first[channel] = (None if drum else program.get(channel, 0), message.note,
                                  message.velocity)
        firsts.append(list(first.values()))
    for font in dict.fromkeys(fonts):
        notes = list(dict.fromkeys(n for i in np.flatnonzero(fonts == font) for n in firsts[i]))
        heard = sounding(notes, font, engine) if notes else []
        silent = [note for note, ok in zip(notes, heard) if not ok]
        if silent:
            program, pitch, velocity = silent[0]
            what = "its drum kit (bank 128)" if program is None else f"GM program {program}"
            raise ValueError(
                f"soundfont {font!r} plays nothing for {what} at pitch {pitch}, velocity "
                f"{velocity}: it lacks that instrument or its range; use a General MIDI "
                "SoundFont"
            )


def _check_soundfonts(soundfont, engine, n_clips):
    """One SoundFont or several -> the checked path of each clip's, in turn, and a summary.

    Returns ``(fonts, used)``: an object array with clip i's SoundFont,
    ``soundfont[i % len(soundfont)]``, and what the Bunch's ``soundfont`` holds (the one
    path, or ``fonts`` when there are several).
    """
    if soundfont is None or isinstance(soundfont, (str, os.PathLike)):
        soundfont = [soundfont]
    paths = [check_soundfont(font, engine) for font in soundfont]
    if not paths:
        raise ValueError("soundfont must name at least one SoundFont file, got an empty list")
    fonts = _object_array([paths[i % len(paths)] for i in range(n_clips)])
    return fonts, paths[0] if len(paths) == 1 else fonts


def _render(clips, fonts, *, paths=None, **kwargs):
    """:func:`render_clips` for clips of several SoundFonts: one call per SoundFont."""
    distinct = list(dict.fromkeys(fonts))
    if len(distinct) == 1:
        return render_clips(clips, soundfont=distinct[0], paths=paths, **kwargs)
    out = None
    for font in distinct:
        mine = np.flatnonzero(fonts == font)
        part = None if paths is None else [paths[i] for i in mine]
        waves = render_clips([clips[i] for i in mine], soundfont=font, paths=part, **kwargs)
        if waves is not None:
            if out is None:
                out = np.empty((len(clips), waves.shape[1]), np.float32)
            out[mine] = waves
    return out


def _rendered_from(used):
    """The end of a DESCR: which SoundFont(s) played the clips."""
    if isinstance(used, str):
        return f"rendered from {used}."
    distinct = list(dict.fromkeys(used))
    return f"rendered from {len(distinct)} SoundFonts in turn: {', '.join(distinct)}."


def _check_range(value, name, kind):
    """A number or a (low, high) pair -> (low, high), checked."""
    low, high = (value, value) if isinstance(value, kind) else tuple(value)
    if not (isinstance(low, kind) and isinstance(high, kind)) or not 0 < low <= high:
        raise ValueError(f"{name} must be a positive number or a (low, high) pair with "
                         f"0 < low <= high, got {value!r}")
    return low, high


def _object_array(items):
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _note_events(channel, program, pitch, velocity, start, end, dry):
    events = [(start, mido.Message("program_change", channel=channel, program=int(program)))]
    if dry:
        events += [(start, mido.Message("control_change", channel=channel, control=c, value=0))
                   for c in _DRY]
    events += [
        (start, mido.Message("note_on", channel=channel, note=int(pitch), velocity=int(velocity))),
        (end, mido.Message("note_off", channel=channel, note=int(pitch), velocity=0)),
    ]
    return events


def _file_names(output_dir, stems):
    os.makedirs(output_dir, exist_ok=True)
    return [os.path.join(os.fspath(output_dir), f"{stem}.wav") for stem in stems]


def _finish(bunch, X_key, X, target, *, return_X_y, as_frame, frame_columns):
    """Attach data or paths, the target and (as_frame) a metadata DataFrame to a Bunch."""
    bunch[X_key] = X
    bunch.target = target
    if as_frame:
        frame = pd.DataFrame(frame_columns)
        if not isinstance(bunch.soundfont, str):
            frame["soundfont"] = bunch.soundfont
        if X_key == "paths":
            frame.insert(0, "path", X)
        bunch.frame = frame
        if np.ndim(target) == 1:
            bunch.target = pd.Series(target, name="target")
        else:
            bunch.target = pd.DataFrame(target, columns=bunch.target_names)
    if return_X_y:
        return bunch[X_key], bunch.target
    return bunch


_COMMON_CONSTRAINTS = {
    "sr": [Interval(Integral, 1000, None, closed="left")],
    "soundfont": [str, os.PathLike, list, tuple, None],
    "output_dir": [str, os.PathLike, None],
    "return_X_y": ["boolean"],
    "as_frame": ["boolean"],
    "n_jobs": [Integral, None],
    "engine": [StrOptions(set(ENGINES))],
    "random_state": ["random_state"],
}


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "families": [list, tuple, str, None],
        "pitches": ["array-like", None],
        "velocities": ["array-like"],
        "duration": [Interval(Real, 0, None, closed="neither")],
        "note_duration": [Interval(Real, 0, None, closed="neither")],
        "onset_jitter": [Interval(Real, 0, None, closed="left")],
        "normalize": ["boolean"],
        **_COMMON_CONSTRAINTS,
    },
    prefer_skip_nested_validation=True,
)
def make_notes(n_samples=100, *, families=None, pitches=None, velocities=NSYNTH_VELOCITIES,
               sr=16000, duration=4.0, note_duration=3.0, onset_jitter=0.064, normalize=True,
               soundfont=None, output_dir=None, return_X_y=False, as_frame=False, n_jobs=None,
               engine="midirenderer", random_state=None):
    """Make NSynth-style one-shot notes played by sampled instruments, labelled by family.

    Each note draws a family (uniformly), a General MIDI program of that family, a pitch
    and a velocity, and is rendered dry (no reverb or chorus): held for ``note_duration``
    seconds, then released, and cut at ``duration`` seconds, as NSynth's notes are
    (held 3 s, 4 s long, 16 kHz).

    Parameters
    ----------
    n_samples : int, default=100
        Number of notes.
    families : list of str or None, default=None
        Families to draw from, among NSynth's 11: "bass", "brass", "flute", "guitar",
        "keyboard", "mallet", "organ", "reed", "string", "synth_lead", "vocal"; None means all.
    pitches : array-like of int or None, default=None
        MIDI pitches to draw from, uniformly. None draws from a range each family commonly
        plays (see ``FAMILY_PITCHES``), so basses are low and flutes high.
    velocities : array-like of int, default=(25, 50, 75, 100, 127)
        MIDI velocities to draw from (NSynth's five by default).
    sr : int, default=16000
        Sample rate in Hz.
    duration : float, default=4.0
        Seconds per note clip.
    note_duration : float, default=3.0
        Seconds the key is held before its release.
    onset_jitter : float, default=0.064
        Largest delay, in seconds, before a note starts (drawn uniformly per note, to
        about a millisecond). A recording starts anywhere within an analysis frame, a
        rendered note on its first sample; a network trained only on the second kind
        misreads the first (see "Where the onset falls within a frame" in
        docs/deep-models-experiments.md), so the default covers a frame of 1,024 samples at
        16 kHz. 0 starts every note at once, as NSynth's do.
    normalize : bool, default=True
        Scale each note to a peak of 0.9, as NSynth's notes are peak-normalised. With False
        the SoundFont's levels are kept, so velocity also sets loudness.
    soundfont : str, os.PathLike, list of them or None, default=None
        A General MIDI ``.sf2`` file; None uses ``TimGM6mb.sf2`` from pretty_midi. A list
        renders clip ``i`` with ``soundfont[i % len(soundfont)]``, so that one training
        set holds several SoundFonts' instruments.
    output_dir : str, os.PathLike or None, default=None
        Write the notes there as 16-bit WAV files and return their paths instead of the
        waveforms. Files are named ``<index>_<family>_<program>-<pitch>-<velocity>.wav``.
    return_X_y : bool, default=False
        Return ``(data, target)`` (``(paths, target)`` with ``output_dir``) instead of a Bunch.
    as_frame : bool, default=False
        Also give the metadata as a DataFrame (``frame``), and the target as a Series.
    n_jobs : int or None, default=None
        Processes rendering in parallel; None means 1.
    engine : {"midirenderer", "sampler"}, default="midirenderer"
        The synthesizer: midirenderer (a Rust synthesizer with the SoundFont's effects,
        48 kHz stereo, mixed down and resampled) or sklearn-music's own sample player
        (dry, mono, straight at ``sr``, several times faster; no vibrato or tremolo LFOs).
        See :func:`~sklearn_music.datasets.soundfont.render_clips`.
    random_state : int, RandomState instance or None, default=None
        Seeds every draw; an int gives the same notes on every call.

    Returns
    -------
    data : Bunch
        With fields:

        - ``data``: ndarray of shape (n_samples, round(duration * sr)), float32, the notes
          (absent with ``output_dir``, where ``paths`` holds the written files instead);
        - ``target``: ndarray of str, each note's family;
        - ``target_names``: the families drawn from;
        - ``groups``: the GM program of each note: keep an instrument on one side of a split
          (``GroupKFold``), as NSynth's test set holds instruments unseen in training;
        - ``program``, ``instrument`` (GM name), ``source`` ("acoustic", "electronic" or
          "synthetic", as in NSynth), ``pitch``, ``velocity``;
        - ``sr``, ``soundfont`` (the file used; with several, an array of each note's),
          ``DESCR``; ``frame`` with ``as_frame`` (with a ``soundfont`` column when several).

    (data, target) : tuple
        With ``return_X_y``.

    See Also
    --------
    load_nsynth : The real NSynth notes.
    make_mixtures : Several families playing at once (multi-label).

    Examples
    --------
    >>> from sklearn_music.datasets import make_notes
    >>> notes = make_notes(6, families=["bass", "flute"], duration=1.0, note_duration=0.5,
    ...                    random_state=0)
    >>> notes.data.shape, notes.data.dtype
    ((6, 16000), dtype('float32'))
    >>> notes.target.tolist()
    ['bass', 'flute', 'flute', 'bass', 'flute', 'flute']
    >>> notes.target_names
    ['bass', 'flute']

    sklearn-music's own sample player renders the same notes several times faster:

    >>> fast = make_notes(6, families=["bass", "flute"], duration=1.0, note_duration=0.5,
    ...                   engine="sampler", random_state=0)
    >>> fast.data.shape, fast.target.tolist() == notes.target.tolist()
    ((6, 16000), True)
    """
    rng = check_random_state(random_state)
    families = _check_families(families)
    velocities = _check_midi_values(velocities, "velocities", low=1)
    if pitches is not None:
        pitches = _check_midi_values(pitches, "pitches")
    fonts, soundfont = _check_soundfonts(soundfont, engine, n_samples)

    family = np.array(families)[rng.randint(len(families), size=n_samples)]

    def draw(i):
        low, high = FAMILY_PITCHES[family[i]]
        pitch = rng.randint(low, high + 1) if pitches is None else rng.choice(pitches)
        return rng.choice(FAMILY_PROGRAMS[family[i]]), pitch, rng.choice(velocities)

    program, pitch, velocity = _draw_sounding(rng, draw, n_samples, fonts, engine).T
    end = min(note_duration, duration)
    start = rng.uniform(0.0, min(onset_jitter, duration), size=n_samples)
    clips = [_note_events(0, program[i], pitch[i], velocity[i], start[i],
                          min(start[i] + end, duration), dry=True)
             for i in range(n_samples)]
    paths = None
    if output_dir is not None:
        paths = _file_names(output_dir, [
            f"{i:05d}_{f}_{p:03d}-{q:03d}-{v:03d}"
            for i, (f, p, q, v) in enumerate(zip(family, program, pitch, velocity))
        ])
    gap = max(_MIN_GAP, _TAIL - (duration - end))
    waves = _render(clips, fonts, duration=duration, sr=sr, gap=gap,
                    peak=_PEAK if normalize else None, paths=paths, n_jobs=n_jobs,
                    engine=engine)

    instrument = np.array([_instrument_name(p) for p in program])
    source = np.array([_source(p) for p in program])
    bunch = Bunch(
        target_names=families, groups=program, program=program, instrument=instrument,
        source=source, pitch=pitch, velocity=velocity, sr=sr, soundfont=soundfont,
        DESCR=(f"{n_samples} one-shot notes of {len(families)} instrument families, "
               f"{duration} s at {sr} Hz, {_rendered_from(soundfont)}"),
    )
    X_key, X = ("data", waves) if paths is None else ("paths", np.array(paths))
    return _finish(bunch, X_key, X, family, return_X_y=return_X_y, as_frame=as_frame,
                   frame_columns={"family": family, "program": program,
                                  "instrument": instrument, "source": source,
                                  "pitch": pitch, "velocity": velocity})


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "families": [list, tuple, str, None],
        "n_families": [Interval(Integral, 1, None, closed="left"), tuple],
        "duration": [Interval(Real, 0, None, closed="neither")],
        "note_duration": [Interval(Real, 0, None, closed="neither")],
        **_COMMON_CONSTRAINTS,
    },
    prefer_skip_nested_validation=True,
)
def make_mixtures(n_samples=100, *, families=None, n_families=(1, 3), sr=16000, duration=4.0,
                  note_duration=3.0, soundfont=None, output_dir=None, return_X_y=False,
                  as_frame=False, n_jobs=None, engine="midirenderer", random_state=None):
    """Make clips where several instrument families play at once: multi-label targets.

    Each clip draws how many families play (uniformly in ``n_families``), which ones (all
    different), a General MIDI program in each, and a chord (major or minor triad on a
    random root) whose notes the families share out, each in its own register. Every
    family holds one note; onsets differ by up to 50 ms and velocities vary, as players'
    do. Clips are rendered dry and scaled to a peak of 0.9.

    Parameters
    ----------
    n_samples : int, default=100
        Number of clips.
    families : list of str or None, default=None
        Families to draw from (see :func:`make_notes`); None means all 11.
    n_families : int or (int, int), default=(1, 3)
        How many families play in a clip: a number, or the (smallest, largest) drawn from.
    sr : int, default=16000
        Sample rate in Hz.
    duration : float, default=4.0
        Seconds per clip.
    note_duration : float, default=3.0
        Seconds the notes are held before their release.
    soundfont : str, os.PathLike, list of them or None, default=None
        A General MIDI ``.sf2`` file; None uses ``TimGM6mb.sf2`` from pretty_midi. A list
        renders clip ``i`` with ``soundfont[i % len(soundfont)]``, so that one training
        set holds several SoundFonts' instruments.
    output_dir : str, os.PathLike or None, default=None
        Write the clips there as 16-bit WAV files and return their paths instead.
    return_X_y : bool, default=False
        Return ``(data, target)`` (``(paths, target)`` with ``output_dir``).
    as_frame : bool, default=False
        Also give the metadata as a DataFrame (``frame``) and the target as a DataFrame.
    n_jobs : int or None, default=None
        Processes rendering in parallel; None means 1.
    engine : {"midirenderer", "sampler"}, default="midirenderer"
        The synthesizer: midirenderer (a Rust synthesizer with the SoundFont's effects,
        48 kHz stereo, mixed down and resampled) or sklearn-music's own sample player
        (dry, mono, straight at ``sr``, several times faster; no vibrato or tremolo LFOs).
        See :func:`~sklearn_music.datasets.soundfont.render_clips`.
    random_state : int, RandomState instance or None, default=None
        Seeds every draw.

    Returns
    -------
    data : Bunch
        With fields ``data`` (n_samples, round(duration * sr)) float32 (or ``paths``),
        ``target`` (n_samples, n_families) 0/1 int array, one column per family, in
        ``target_names`` order (as MultiLabelBinarizer gives), ``families`` (the families of
        each clip, a tuple), ``programs`` (their GM programs), ``pitches``, ``sr``,
        ``soundfont`` (with several, an array of each clip's), ``DESCR``; ``frame`` with
        ``as_frame``.
    (data, target) : tuple
        With ``return_X_y``.

    See Also
    --------
    make_notes : One family at a time.

    Examples
    --------
    >>> from sklearn_music.datasets import make_mixtures
    >>> mix = make_mixtures(4, families=["bass", "flute", "string"], duration=1.0,
    ...                     note_duration=0.5, random_state=0)
    >>> mix.data.shape, mix.target_names
    ((4, 16000), ['bass', 'flute', 'string'])
    >>> mix.target
    array([[0, 0, 1],
           [1, 0, 1],
           [0, 1, 0],
           [1, 1, 1]])
    """
    rng = check_random_state(random_state)
    families = _check_families(families)
    low, high = _check_range(n_families, "n_families", Integral)
    if high > len(families):
        raise ValueError(
            f"n_families asks for up to {high} families playing at once, but only "
            f"{len(families)} are drawn from ({families})"
        )
    fonts, soundfont = _check_soundfonts(soundfont, engine, n_samples)
    end = min(note_duration, duration)
    chosen, chords = [], []
    for _ in range(n_samples):
        k = rng.randint(low, high + 1)
        chosen.append(tuple(sorted(rng.choice(families, size=k, replace=False).tolist(),
                                   key=FAMILIES.index)))
        chords.append((rng.randint(12) + np.array([0, 3 + (rng.rand() < 0.5), 7])) % 12)
    parts = [(i, family) for i, fams in enumerate(chosen) for family in fams]

    def draw(j):
        i, family = parts[j]
        low, high = FAMILY_PITCHES[family]
        pitch = rng.choice([p for p in range(low, high + 1) if p % 12 in chords[i]])
        return rng.choice(FAMILY_PROGRAMS[family]), pitch, rng.randint(60, 121)

    notes = _draw_sounding(rng, draw, len(parts), fonts[[i for i, _ in parts]],
                           engine)
    clips = [[] for _ in range(n_samples)]
    programs, pitches = [[] for _ in range(n_samples)], [[] for _ in range(n_samples)]
    for (i, _), (program, pitch, velocity) in zip(parts, notes):
        onset = rng.uniform(0, 0.05)
        channel = len(programs[i]) + (len(programs[i]) >= 9)  # channel 10 (9) is drums
        clips[i] += _note_events(channel, program, pitch, velocity, onset, end, dry=True)
        programs[i].append(int(program))
        pitches[i].append(int(pitch))
    programs, pitches = [tuple(p) for p in programs], [tuple(p) for p in pitches]
    target = np.array([[int(f in c) for f in families] for c in chosen])
    paths = None
    if output_dir is not None:
        paths = _file_names(output_dir, [f"{i:05d}_{'+'.join(c)}" for i, c in enumerate(chosen)])
    gap = max(_MIN_GAP, _TAIL - (duration - end))
    waves = _render(clips, fonts, duration=duration, sr=sr, gap=gap,
                    peak=_PEAK, paths=paths, n_jobs=n_jobs, engine=engine)
    bunch = Bunch(
        target_names=families, families=_object_array(chosen), programs=_object_array(programs),
        pitches=_object_array(pitches), sr=sr, soundfont=soundfont,
        DESCR=(f"{n_samples} clips of {low} to {high} instrument families playing at once, "
               f"{duration} s at {sr} Hz, {_rendered_from(soundfont)}"),
    )
    X_key, X = ("data", waves) if paths is None else ("paths", np.array(paths))
    return _finish(bunch, X_key, X, target, return_X_y=return_X_y, as_frame=as_frame,
                   frame_columns={"families": bunch.families, "programs": bunch.programs,
                                  "pitches": bunch.pitches})


# ---------------------------------------------------------------------------------------
# Pieces in a known key

_SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}
# Chord progressions as scale degrees (0 = tonic). In minor the dominant (degree 4) is a
# major chord, with the harmonic minor's raised leading tone, as in common practice; that
# is what tells a minor key from its relative major.
PROGRESSIONS = {
    "major": {
        "I-IV-V-I": (0, 3, 4, 0), "I-vi-IV-V": (0, 5, 3, 4), "ii-V-I-I": (1, 4, 0, 0),
        "I-V-vi-IV": (0, 4, 5, 3), "I-IV-I-V": (0, 3, 0, 4), "vi-ii-V-I": (5, 1, 4, 0),
        "I-iii-IV-V": (0, 2, 3, 4), "IV-V-iii-vi": (3, 4, 2, 5),
    },
    "minor": {
        "i-iv-V-i": (0, 3, 4, 0), "i-VI-iv-V": (0, 5, 3, 4), "ii°-V-i-i": (1, 4, 0, 0),
        "i-VII-VI-V": (0, 6, 5, 4), "i-iv-i-V": (0, 3, 0, 4), "i-III-iv-V": (0, 2, 3, 4),
        "iv-V-i-VI": (3, 4, 0, 5), "i-VI-III-V": (0, 5, 2, 4),
    },
}
# GM programs for each part of a piece: chords, bass, melody.
_CHORD_PROGRAMS = (0, 1, 2, 4, 5, 6, 16, 17, 19, 24, 25, 26, 27, 46, 48, 49, 50, 52, 61,
                   88, 89, 90, 91, 94)
_BASS_PROGRAMS = (32, 33, 34, 35, 36, 38, 39, 42, 43, 58)
_MELODY_PROGRAMS = (0, 11, 12, 24, 26, 40, 41, 52, 53, 56, 60, 64, 65, 66, 68, 71, 73, 74,
                    75, 80, 81, 82)
_WET_GAP = 1.5  # seconds after a clip with reverb: its tail dies by about 90 dB


def _key_parts(key):
    tonic, mode = key.split()
    return PITCH_CLASSES.index(tonic), mode


def _check_keys(keys):
    if keys is None:
        return list(KEY_NAMES)
    keys = [keys] if isinstance(keys, str) else list(keys)
    unknown = [k for k in keys if k not in KEY_NAMES]
    if unknown or not keys:
        raise ValueError(f"keys must be a non-empty list drawn from {list(KEY_NAMES)}, got "
                         f"{keys!r}")
    return keys


def _chord(tonic, mode, degree, seventh):
    """Pitch classes of the chord on a scale degree, root first."""
    scale = _SCALES[mode]
    tones = [scale[(degree + step) % 7] for step in ((0, 2, 4, 6) if seventh else (0, 2, 4))]
    if mode == "minor" and degree == 4:
        tones = [11 if t == 10 else t for t in tones]  # the raised leading tone
    return [(tonic + t) % 12 for t in tones]


def _voicing(pcs, inversion, low, spread):
    """MIDI pitches of a chord: inversion, lowest note at or above ``low``, close or open."""
    order = pcs[inversion:] + pcs[:inversion]
    pitches = [low + (order[0] - low) % 12]
    for pc in order[1:]:
        pitches.append(pitches[-1] + 1 + (pc - pitches[-1] - 1) % 12)
    if spread and len(pitches) >= 3:
        pitches[1] += 12
    return sorted(pitches)


class _Part:
    """The events of one instrument on one channel."""

    def __init__(self, channel, program, rng, *, reverb):
        self.channel = channel
        self.events = [
            (0.0, mido.Message("program_change", channel=channel, program=int(program))),
            (0.0, mido.Message("control_change", channel=channel, control=7,
                               value=int(rng.randint(85, 118)))),
            (0.0, mido.Message("control_change", channel=channel, control=91, value=reverb)),
        ]
        self.rng = rng

    def note(self, pitch, start, length, velocity, jitter=0.008):
        """Add a note, humanised; notes before the excerpt's start are left out."""
        start = start + self.rng.normal(0, jitter)
        velocity = int(np.clip(velocity + self.rng.randint(-8, 9), 1, 127))
        pitch = int(pitch)
        if start < 0:
            return
        self.events.append((start, mido.Message("note_on", channel=self.channel, note=pitch,
                                                velocity=velocity)))
        self.events.append((start + length, mido.Message("note_off", channel=self.channel,
                                                         note=pitch, velocity=0)))


def _piece(rng, key, tempo, duration):
    """Events and metadata of one piece: chords, often a bass line and a melody."""
    tonic, mode = _key_parts(key)
    beat = 60.0 / tempo
    meter = 3 if rng.rand() < 0.2 else 4
    chord_beats = meter if meter == 3 or rng.rand() < 0.6 else 2
    name = list(PROGRESSIONS[mode])[rng.randint(len(PROGRESSIONS[mode]))]
    degrees = PROGRESSIONS[mode][name]
    rotate = rng.randint(len(degrees))  # excerpts start anywhere in the progression
    degrees = degrees[rotate:] + degrees[:rotate]
    reverb = int(rng.randint(20, 80))
    chords = _Part(0, rng.choice(_CHORD_PROGRAMS), rng, reverb=reverb)
    bass = _Part(1, rng.choice(_BASS_PROGRAMS), rng, reverb=reverb) if rng.rand() < 0.7 else None
    melody = (_Part(2, rng.choice(_MELODY_PROGRAMS), rng, reverb=reverb)
              if rng.rand() < 0.75 else None)
    style = ("block", "beats", "arpeggio", "alberti")[rng.randint(4)]
    bass_style = ("roots", "beats", "root-fifth")[rng.randint(3)]
    low, spread = int(rng.randint(45, 60)), rng.rand() < 0.4
    melody_pitch = int(rng.randint(62, 79))
    start = rng.uniform(0, 0.5)
    n_chords = int(np.ceil((duration - start) / (chord_beats * beat))) + 1
    for c in range(n_chords):
        t0 = start + c * chord_beats * beat
        degree = degrees[c % len(degrees)]
        pcs = _chord(tonic, mode, degree, seventh=degree == 4 and rng.rand() < 0.3)
        inversion = int(rng.choice([0, 0, 1, 2])) % len(pcs)
        voiced = _voicing(pcs, inversion, low, spread)
        velocity = rng.randint(55, 90)
        if style == "block":
            for p in voiced:
                chords.note(p, t0, chord_beats * beat * 0.95, velocity)
        elif style == "beats":
            for b in range(chord_beats):
                for p in voiced:
                    chords.note(p, t0 + b * beat, beat * 0.8, velocity - 10 * (b > 0))
        else:
            cycle = voiced + voiced[-2:0:-1] if style == "arpeggio" else [
                voiced[0], voiced[-1], voiced[len(voiced) // 2], voiced[-1]]
            for s in range(2 * chord_beats):
                chords.note(cycle[s % len(cycle)], t0 + s * beat / 2, beat * 0.6, velocity)
        if bass is not None:
            root = 28 + (pcs[0] - 28) % 12 + 12 * (rng.rand() < 0.3)
            if bass_style == "roots":
                bass.note(root, t0, chord_beats * beat * 0.9, 95)
            else:
                for b in range(chord_beats):
                    fifth = bass_style == "root-fifth" and b % 2 == 1  # the chord's own
                    bass.note(root + (pcs[2] - pcs[0]) % 12 * fifth, t0 + b * beat,
                              beat * 0.85, 90 - 10 * (b > 0))
        if melody is not None:
            # Chord tones on strong beats, steps of the scale between; in minor, the
            # dominant's bar uses the harmonic minor (raised leading tone).
            scale = [(tonic + d) % 12 for d in _SCALES[mode]]
            if mode == "minor" and degree == 4:
                scale[6] = (tonic + 11) % 12
            half = 0  # position in the chord, in half beats
            while half < 2 * chord_beats:
                length = int(rng.choice([1, 2, 2, 4])) if half < 4 else 2
                length = min(length, 2 * chord_beats - half)
                leap = 7 if half % 2 == 0 else 4  # the melody stays within G3-G6
                near = range(max(55, melody_pitch - leap), min(91, melody_pitch + leap) + 1)
                if half % 2 == 0:
                    targets = [p for p in near if p % 12 in pcs[:3]]
                else:
                    targets = [p for p in near if p % 12 in scale and p != melody_pitch]
                melody_pitch = int(rng.choice(targets))
                if rng.rand() > 0.1:  # an occasional rest
                    melody.note(melody_pitch, t0 + half * beat / 2, length * beat / 2 * 0.9,
                                rng.randint(75, 115))
                half += length
    parts = [p for p in (chords, bass, melody) if p is not None]
    events = [e for p in parts for e in p.events if e[0] < duration]
    programs = tuple(int(p.events[0][1].program) for p in parts)
    return events, dict(tonic=PITCH_CLASSES[tonic], mode=mode, tempo=tempo, meter=meter,
                        progression=name, programs=programs)


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "keys": [list, tuple, str, None],
        "tempo_range": [tuple, list],
        "duration": [Interval(Real, 0, None, closed="neither")],
        **_COMMON_CONSTRAINTS,
    },
    prefer_skip_nested_validation=True,
)
def make_key_pieces(n_samples=100, *, keys=None, tempo_range=(60.0, 160.0), duration=10.0,
                    sr=22050, soundfont=None, output_dir=None, return_X_y=False,
                    as_frame=False, n_jobs=None, engine="midirenderer", random_state=None):
    """Make short pieces in a known key: chord progressions, bass lines and melodies.

    Each piece draws a key (uniformly), a tempo, a meter (4/4, or 3/4 one time in five),
    a progression of that mode (see ``PROGRESSIONS``: I-IV-V-I, ii-V-I, I-V-vi-IV,
    i-iv-V-i, the Andalusian i-VII-VI-V, ...), rotated so that the excerpt may start on
    any chord, and instruments for its parts. Chords change voicing (inversions, close or
    open spacing, register) and accompaniment (block chords, chords on the beat, arpeggios,
    Alberti bass); a bass line plays seven pieces in ten and a melody in the scale three in
    four, its strong beats on chord tones. In minor keys the dominant is major, with the
    harmonic minor's leading tone, so a minor key is audibly not its relative major.
    Notes are humanised (timing and velocity) and played with some reverb.

    Parameters
    ----------
    n_samples : int, default=100
        Number of pieces.
    keys : list of str or None, default=None
        Keys to draw from, spelt as in :data:`~sklearn_music.features.key_profiles.KEY_NAMES`
        ("C major", "C# major", ..., "Eb minor", "B minor": the spelling KeyEstimator
        predicts and mir_eval reads); None means all 24.
    tempo_range : (float, float), default=(60.0, 160.0)
        Tempi in BPM, drawn uniformly.
    duration : float, default=10.0
        Seconds per piece.
    sr : int, default=22050
        Sample rate in Hz.
    soundfont : str, os.PathLike, list of them or None, default=None
        A General MIDI ``.sf2`` file; None uses ``TimGM6mb.sf2`` from pretty_midi. A list
        renders clip ``i`` with ``soundfont[i % len(soundfont)]``, so that one training
        set holds several SoundFonts' instruments.
    output_dir : str, os.PathLike or None, default=None
        Write the pieces there as 16-bit WAV files and return their paths instead.
    return_X_y : bool, default=False
        Return ``(data, target)`` (``(paths, target)`` with ``output_dir``).
    as_frame : bool, default=False
        Also give the metadata as a DataFrame (``frame``) and the target as a Series.
    n_jobs : int or None, default=None
        Processes rendering in parallel; None means 1.
    engine : {"midirenderer", "sampler"}, default="midirenderer"
        The synthesizer: midirenderer (a Rust synthesizer with the SoundFont's reverb and
        chorus) or sklearn-music's own sample player (dry: no reverb, chorus or LFOs; about
        as fast here, its cost growing with the voices playing). See
        :func:`~sklearn_music.datasets.soundfont.render_clips`.
    random_state : int, RandomState instance or None, default=None
        Seeds every draw.

    Returns
    -------
    data : Bunch
        With fields ``data`` (n_samples, round(duration * sr)) float32 (or ``paths``),
        ``target`` (key names), ``target_names`` (the keys drawn from), ``tonic``, ``mode``,
        ``tempo`` (BPM), ``meter`` (beats a bar), ``progression`` (roman numerals),
        ``programs`` (GM programs of chords, bass, melody), ``sr``, ``soundfont`` (with
        several, an array of each piece's), ``DESCR``; ``frame`` with ``as_frame``.
    (data, target) : tuple
        With ``return_X_y``.

    See Also
    --------
    sklearn_music.KeyEstimator : Estimate the key of a recording.

    Examples
    --------
    >>> from sklearn_music.datasets import make_key_pieces
    >>> pieces = make_key_pieces(3, duration=2.0, sr=8000, random_state=0)
    >>> pieces.data.shape
    (3, 16000)
    >>> pieces.target.tolist()
    ['C minor', 'Eb minor', 'A minor']
    """
    rng = check_random_state(random_state)
    keys = _check_keys(keys)
    low, high = _check_range(tuple(tempo_range), "tempo_range", Real)
    fonts, soundfont = _check_soundfonts(soundfont, engine, n_samples)
    key = np.array(keys)[rng.randint(len(keys), size=n_samples)]
    clips, meta = [], []
    for k in key:
        events, info = _piece(rng, k, float(rng.uniform(low, high)), duration)
        clips.append(events)
        meta.append(info)
    _check_parts_sound(clips, fonts, engine)
    paths = None
    if output_dir is not None:
        paths = _file_names(output_dir, [f"{i:05d}_{k.replace(' ', '_')}"
                                         for i, k in enumerate(key)])
    waves = _render(clips, fonts, duration=duration, sr=sr, gap=_WET_GAP,
                    peak=_PEAK, paths=paths, n_jobs=n_jobs, engine=engine)
    columns = {name: [m[name] for m in meta] for name in meta[0]}
    columns["programs"] = _object_array(columns["programs"])
    columns["tempo"] = np.array(columns["tempo"])
    columns["meter"] = np.array(columns["meter"])
    bunch = Bunch(
        target_names=keys, sr=sr, soundfont=soundfont,
        DESCR=(f"{n_samples} pieces in {len(keys)} keys, {duration} s at {sr} Hz, tempi "
               f"{low}-{high} BPM, {_rendered_from(soundfont)}"),
        **{name: np.asarray(values) if name != "programs" else values
           for name, values in columns.items()},
    )
    X_key, X = ("data", waves) if paths is None else ("paths", np.array(paths))
    return _finish(bunch, X_key, X, key, return_X_y=return_X_y, as_frame=as_frame,
                   frame_columns={"key": key, **columns})


# ---------------------------------------------------------------------------------------
# Grooves at a known tempo

_KICK, _SNARE, _STICK, _CLAP = 36, 38, 37, 39
_CLOSED_HAT, _PEDAL_HAT, _OPEN_HAT, _CRASH, _RIDE = 42, 44, 46, 49, 51
# Drum patterns of one bar of 4/4: {drum: {step: velocity}}. Straight styles count 16
# sixteenths a bar, swung ones 12 triplet eighths. Some steps are drawn per groove (see
# _groove) so that no two grooves of a style need be the same.
STYLES = {
    "rock": (16, {_KICK: {0: 110, 8: 105}, _SNARE: {4: 110, 12: 112},
                  _CLOSED_HAT: {s: 95 if s % 4 == 0 else 70 for s in range(0, 16, 2)}}),
    "funk": (16, {_KICK: {0: 115, 6: 95, 10: 105}, _SNARE: {4: 115, 7: 35, 9: 30, 12: 115},
                  _CLOSED_HAT: {s: 90 if s % 2 == 0 else 55 for s in range(16) if s != 14},
                  _OPEN_HAT: {14: 80}}),
    "disco": (16, {_KICK: {0: 115, 4: 110, 8: 112, 12: 110}, _CLAP: {4: 100, 12: 100},
                   _CLOSED_HAT: {s: 60 for s in range(0, 16, 4)},
                   _OPEN_HAT: {s: 90 for s in range(2, 16, 4)}}),
    "halftime": (16, {_KICK: {0: 115, 10: 95}, _SNARE: {8: 118},
                      _CLOSED_HAT: {s: 85 if s % 4 == 0 else 60 for s in range(0, 16, 2)}}),
    "swing": (12, {_RIDE: {0: 95, 3: 90, 5: 60, 6: 95, 9: 90, 11: 60},
                   _PEDAL_HAT: {3: 80, 9: 80}, _KICK: {0: 45, 3: 40, 6: 45, 9: 40}}),
    "shuffle": (12, {_KICK: {0: 110, 6: 105}, _SNARE: {3: 110, 9: 112},
                     _CLOSED_HAT: {s: 90 if s % 3 == 0 else 65 for s in range(12) if s % 3 != 1}}),
}
_COMP_PROGRAMS = (0, 4, 16, 17, 25, 26, 27, 28, 61, 62)


def _bass_line(style, steps, rng, root):
    """(step, pitch offset) of a bar's bass notes: on the kick, walking, or in eighths."""
    if style == "swing":  # walking quarter notes through chord and scale tones
        return [(0, 0)] + [(s, int(rng.choice([2, 4, 5, 7, 9, 10, 12]))) for s in (3, 6, 9)]
    if style == "disco":  # octaves in eighths
        return [(s, 12 * (s // 2 % 2)) for s in range(0, 16, 2)]
    if style in ("rock", "shuffle"):
        every = 2 if style == "rock" else 3
        return [(s, 0) for s in range(0, steps, every)] + (
            [(steps - every, 7)] if rng.rand() < 0.5 else [])
    kicks = sorted(STYLES[style][1][_KICK])  # funk and half-time: lock to the kick drum
    return [(s, int(rng.choice([0, 0, 7, 12]))) for s in kicks]


def _groove(rng, style, tempo, duration):
    """Events of one groove, and its beat times."""
    steps, pattern = STYLES[style]
    pattern = {drum: dict(hits) for drum, hits in pattern.items()}
    if style in ("rock", "halftime") and rng.rand() < 0.5:
        pattern[_KICK][int(rng.choice([3, 6, 7, 10, 14]))] = 90  # a syncopated kick
    if style in ("rock", "halftime", "funk") and rng.rand() < 0.3:
        pattern[_RIDE] = pattern.pop(_CLOSED_HAT)  # ride instead of hi-hat
    if style == "swing":
        pattern[_SNARE] = {int(s): int(rng.randint(30, 60))
                           for s in rng.choice(12, size=2, replace=False)}  # comping
    beat = 60.0 / tempo
    step = 4 * beat / steps
    offset = rng.uniform(0, 4 * beat)  # the excerpt starts anywhere in a bar
    reverb = int(rng.randint(10, 60))
    drums = _Part(9, 0, rng, reverb=reverb)
    bass = _Part(1, rng.choice(_BASS_PROGRAMS[:7]), rng, reverb=reverb)
    comp = _Part(2, rng.choice(_COMP_PROGRAMS), rng, reverb=reverb) if rng.rand() < 0.5 else None
    key = int(rng.randint(12))
    changes = PROGRESSIONS["major"][list(PROGRESSIONS["major"])[rng.randint(8)]]
    n_bars = int(np.ceil((duration + offset) / (4 * beat)))
    for bar in range(n_bars):
        t0 = bar * 4 * beat - offset
        fill = bar % 4 == 3 and rng.rand() < 0.5
        for drum, hits in pattern.items():
            for s, velocity in hits.items():
                if fill and s >= steps * 3 // 4 and drum in (_SNARE, _CLAP, _KICK):
                    continue
                drums.note(drum, t0 + s * step, step, velocity, jitter=0.004)
        if fill:  # a snare fill over the last beat
            for s in range(steps * 3 // 4, steps):
                drums.note(_SNARE, t0 + s * step, step, 70 + 10 * (s % 2), jitter=0.004)
        if bar % 4 == 0 and rng.rand() < 0.5:
            drums.note(_CRASH, t0, beat, 100, jitter=0.004)
        degree = changes[bar % len(changes)]
        root = 28 + (key + _SCALES["major"][degree] - 28) % 12
        for s, interval in _bass_line(style, steps, rng, root):
            bass.note(root + interval, t0 + s * step, step * 1.6, 95, jitter=0.006)
        if comp is not None:  # chord stabs on the backbeats
            chord = _voicing(_chord(key, "major", degree, seventh=False), 0, 55, False)
            for b in (1, 3):
                for p in chord:
                    comp.note(p, t0 + b * beat, beat * 0.4, 70)
    parts = [p for p in (drums, bass, comp) if p is not None]
    events = [e for p in parts for e in p.events if e[0] < duration]
    first = (-offset) % beat
    beats = first + beat * np.arange(int(np.ceil((duration - first) / beat)))
    return events, beats[beats < duration]


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "tempo_range": [tuple, list],
        "styles": [list, tuple, str, None],
        "duration": [Interval(Real, 0, None, closed="neither")],
        **_COMMON_CONSTRAINTS,
    },
    prefer_skip_nested_validation=True,
)
def make_grooves(n_samples=100, *, tempo_range=(60.0, 180.0), styles=None, duration=10.0,
                 sr=22050, soundfont=None, output_dir=None, return_X_y=False, as_frame=False,
                 n_jobs=None, engine="midirenderer", random_state=None):
    """Make drum-and-bass grooves at a known tempo, with their beat times.

    Each groove draws a tempo (uniformly in ``tempo_range``), a style (rock, funk, disco,
    half-time, swing, shuffle; see ``STYLES``) with a few of its hits drawn per groove,
    a bass line over a chord progression in a random key and, one groove in two, chord
    stabs on the backbeats. General MIDI drums play on channel 10. Fills, crashes, timing
    and velocity humanisation vary the bars, and the excerpt starts anywhere in a bar.
    The tempo is that of the quarter note, as annotators count it; a half-time groove's
    snare still sounds half as often, so its tempo is ambiguous by an octave, as in real
    music (metrics such as Acc2 allow for this).

    Parameters
    ----------
    n_samples : int, default=100
        Number of grooves.
    tempo_range : (float, float), default=(60.0, 180.0)
        Tempi in BPM, drawn uniformly.
    styles : list of str or None, default=None
        Styles to draw from, among "rock", "funk", "disco", "halftime", "swing", "shuffle";
        None means all.
    duration : float, default=10.0
        Seconds per groove.
    sr : int, default=22050
        Sample rate in Hz.
    soundfont : str, os.PathLike, list of them or None, default=None
        A General MIDI ``.sf2`` file; None uses ``TimGM6mb.sf2`` from pretty_midi. A list
        renders clip ``i`` with ``soundfont[i % len(soundfont)]``, so that one training
        set holds several SoundFonts' instruments.
    output_dir : str, os.PathLike or None, default=None
        Write the grooves there as 16-bit WAV files and return their paths instead.
    return_X_y : bool, default=False
        Return ``(data, target)`` (``(paths, target)`` with ``output_dir``).
    as_frame : bool, default=False
        Also give the metadata as a DataFrame (``frame``) and the target as a Series.
    n_jobs : int or None, default=None
        Processes rendering in parallel; None means 1.
    engine : {"midirenderer", "sampler"}, default="midirenderer"
        The synthesizer: midirenderer (a Rust synthesizer with the SoundFont's reverb and
        chorus) or sklearn-music's own sample player (dry: no reverb, chorus or LFOs; about
        as fast here, its cost growing with the voices playing). See
        :func:`~sklearn_music.datasets.soundfont.render_clips`.
    random_state : int, RandomState instance or None, default=None
        Seeds every draw.

    Returns
    -------
    data : Bunch
        With fields ``data`` (n_samples, round(duration * sr)) float32 (or ``paths``),
        ``target`` (tempo in BPM, float), ``beats`` (each groove's beat times in seconds,
        an array each), ``style``, ``sr``, ``soundfont`` (with several, an array of each
        groove's), ``DESCR``; ``frame`` with ``as_frame``.
    (data, target) : tuple
        With ``return_X_y``.

    See Also
    --------
    sklearn_music.TempoEstimator : Estimate the tempo of a recording.

    Examples
    --------
    >>> from sklearn_music.datasets import make_grooves
    >>> grooves = make_grooves(2, duration=3.0, sr=8000, random_state=0)
    >>> grooves.data.shape
    (2, 24000)
    >>> grooves.target.round(1).tolist(), grooves.style.tolist()
    ([125.9, 145.8], ['halftime', 'halftime'])
    """
    rng = check_random_state(random_state)
    if styles is None:
        styles = list(STYLES)
    styles = [styles] if isinstance(styles, str) else list(styles)
    if not styles or any(s not in STYLES for s in styles):
        raise ValueError(f"styles must be a non-empty list drawn from {list(STYLES)}, got "
                         f"{styles!r}")
    low, high = _check_range(tuple(tempo_range), "tempo_range", Real)
    fonts, soundfont = _check_soundfonts(soundfont, engine, n_samples)
    tempo = rng.uniform(low, high, size=n_samples)
    style = np.array(styles)[rng.randint(len(styles), size=n_samples)]
    clips, beats = [], []
    for t, s in zip(tempo, style):
        events, beat_times = _groove(rng, s, float(t), duration)
        clips.append(events)
        beats.append(beat_times)
    _check_parts_sound(clips, fonts, engine)
    paths = None
    if output_dir is not None:
        paths = _file_names(output_dir, [f"{i:05d}_{s}_{t:.1f}bpm"
                                         for i, (s, t) in enumerate(zip(style, tempo))])
    waves = _render(clips, fonts, duration=duration, sr=sr, gap=_WET_GAP,
                    peak=_PEAK, paths=paths, n_jobs=n_jobs, engine=engine)
    bunch = Bunch(
        beats=_object_array(beats), style=style, sr=sr, soundfont=soundfont,
        DESCR=(f"{n_samples} grooves at {low}-{high} BPM, {duration} s at {sr} Hz, "
               f"{_rendered_from(soundfont)}"),
    )
    X_key, X = ("data", waves) if paths is None else ("paths", np.array(paths))
    return _finish(bunch, X_key, X, tempo, return_X_y=return_X_y, as_frame=as_frame,
                   frame_columns={"tempo": tempo, "style": style, "beats": bunch.beats})
