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
from sklearn.utils._param_validation import Interval, validate_params

from .soundfont import check_soundfont, render_clips, sounding

__all__ = ["make_notes", "FAMILIES"]

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
    if values.size == 0 or values.dtype.kind not in "iu" or values.min() < low or values.max() > 127:
        raise ValueError(f"{name} must be a non-empty list of integers in [{low}, 127], got "
                         f"{values.tolist()!r}")
    return values


def _draw_notes(rng, family, pitches, velocities, soundfont):
    """Draw a program, pitch and velocity for each note of the given families.

    A draw that the SoundFont has no sample for (outside an instrument's key or velocity
    ranges) is drawn again, so that no note is silent.
    """
    n = len(family)
    program, pitch, velocity = (np.zeros(n, dtype=int) for _ in range(3))
    todo = np.arange(n)
    for _ in range(_MAX_DRAWS):
        for i in todo:
            program[i] = rng.choice(FAMILY_PROGRAMS[family[i]])
            if pitches is None:
                pitch[i] = rng.randint(FAMILY_PITCHES[family[i]][0], FAMILY_PITCHES[family[i]][1] + 1)
            else:
                pitch[i] = rng.choice(pitches)
            velocity[i] = rng.choice(velocities)
        todo = todo[~sounding(zip(program[todo], pitch[todo], velocity[todo]), soundfont)]
        if todo.size == 0:
            return program, pitch, velocity
    raise ValueError(
        f"soundfont {soundfont!r} has no sample for {sorted(set(family[todo]))} notes at the "
        f"pitches and velocities asked for ({_MAX_DRAWS} draws tried); widen pitches or "
        "velocities, or use another soundfont"
    )


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
    "soundfont": [str, os.PathLike, None],
    "output_dir": [str, os.PathLike, None],
    "return_X_y": ["boolean"],
    "as_frame": ["boolean"],
    "n_jobs": [Integral, None],
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
        "normalize": ["boolean"],
        **_COMMON_CONSTRAINTS,
    },
    prefer_skip_nested_validation=True,
)
def make_notes(n_samples=100, *, families=None, pitches=None, velocities=NSYNTH_VELOCITIES,
               sr=16000, duration=4.0, note_duration=3.0, normalize=True, soundfont=None,
               output_dir=None, return_X_y=False, as_frame=False, n_jobs=None,
               random_state=None):
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
    normalize : bool, default=True
        Scale each note to a peak of 0.9, as NSynth's notes are peak-normalised. With False
        the SoundFont's levels are kept, so velocity also sets loudness.
    soundfont : str, os.PathLike or None, default=None
        A General MIDI ``.sf2`` file; None uses ``TimGM6mb.sf2`` from pretty_midi.
    output_dir : str, os.PathLike or None, default=None
        Write the notes there as 16-bit WAV files and return their paths instead of the
        waveforms. Files are named ``<index>_<family>_<program>-<pitch>-<velocity>.wav``.
    return_X_y : bool, default=False
        Return ``(data, target)`` (``(paths, target)`` with ``output_dir``) instead of a Bunch.
    as_frame : bool, default=False
        Also give the metadata as a DataFrame (``frame``), and the target as a Series.
    n_jobs : int or None, default=None
        Processes rendering in parallel; None means 1.
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
        - ``sr``, ``soundfont`` (the file used), ``DESCR``; ``frame`` with ``as_frame``.

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
    """
    rng = check_random_state(random_state)
    families = _check_families(families)
    velocities = _check_midi_values(velocities, "velocities", low=1)
    if pitches is not None:
        pitches = _check_midi_values(pitches, "pitches")
    soundfont = check_soundfont(soundfont)

    family = np.array(families)[rng.randint(len(families), size=n_samples)]
    program, pitch, velocity = _draw_notes(rng, family, pitches, velocities, soundfont)
    end = min(note_duration, duration)
    clips = [_note_events(0, program[i], pitch[i], velocity[i], 0.0, end, dry=True)
             for i in range(n_samples)]
    paths = None
    if output_dir is not None:
        paths = _file_names(output_dir, [
            f"{i:05d}_{f}_{p:03d}-{q:03d}-{v:03d}"
            for i, (f, p, q, v) in enumerate(zip(family, program, pitch, velocity))
        ])
    gap = max(_MIN_GAP, _TAIL - (duration - end))
    waves = render_clips(clips, duration=duration, sr=sr, soundfont=soundfont, gap=gap,
                         peak=_PEAK if normalize else None, paths=paths, n_jobs=n_jobs)

    instrument = np.array([_instrument_name(p) for p in program])
    source = np.array([_source(p) for p in program])
    bunch = Bunch(
        target_names=families, groups=program, program=program, instrument=instrument,
        source=source, pitch=pitch, velocity=velocity, sr=sr, soundfont=soundfont,
        DESCR=(f"{n_samples} one-shot notes of {len(families)} instrument families, "
               f"{duration} s at {sr} Hz, rendered from {soundfont}."),
    )
    X_key, X = ("data", waves) if paths is None else ("paths", np.array(paths))
    return _finish(bunch, X_key, X, family, return_X_y=return_X_y, as_frame=as_frame,
                   frame_columns={"family": family, "program": program,
                                  "instrument": instrument, "source": source,
                                  "pitch": pitch, "velocity": velocity})
