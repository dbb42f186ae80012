"""NSynth: four-second notes of 1,006 instruments, labelled by family, source and pitch."""

import json

import numpy as np
import pandas as pd

from ._common import build_result, check_choice, check_root, drop_missing
from .generators import FAMILIES

__all__ = ["load_nsynth"]

_DATASET = "NSynth"
SUBSETS = ("train", "valid", "test")
#: NSynth's note qualities, in the order of each note's ``qualities`` vector.
QUALITIES = ("bright", "dark", "distortion", "fast_decay", "long_release", "multiphonic",
             "nonlinear_env", "percussive", "reverb", "tempo-synced")
_LAYOUT = "examples.json and audio/<note_str>.wav in it"

DESCR = """NSynth
======
NSynth (Engel et al., 2017): 305,979 musical notes, each 4 s at 16 kHz, of 1,006
instruments from commercial sample libraries, at every pitch of a standard MIDI piano
(21-108) and five velocities (25, 50, 75, 100, 127); the note is held 3 s and released.
Each note is labelled with its instrument family (11: bass, brass, flute, guitar,
keyboard, mallet, organ, reed, string, synth_lead, vocal), source (acoustic, electronic,
synthetic), pitch, velocity and ten sonic qualities. The official split (nsynth-train,
nsynth-valid, nsynth-test) keeps instruments apart: the test notes are played by
instruments unseen in training, so ``groups`` (the instrument) should be used for any
other split.

Engel, J., Resnick, C., Roberts, A., Dieleman, S., Eck, D., Simonyan, K., & Norouzi, M.
(2017). Neural audio synthesis of musical notes with WaveNet autoencoders. ICML.
"""


def _subset_folder(root, subset):
    if subset is not None:
        check_choice(subset, "subset", SUBSETS)
        folder = root / f"nsynth-{subset}"
        if not folder.is_dir():
            raise FileNotFoundError(
                f"{root} does not hold NSynth's {subset} subset: nsynth-{subset}/ is missing. "
                f"Expected nsynth-{subset}/ with {_LAYOUT}"
            )
        root = folder
    if not (root / "examples.json").is_file():
        present = [s for s in SUBSETS if (root / f"nsynth-{s}").is_dir()]
        hint = (f"; it holds {', '.join(f'nsynth-{s}/' for s in present)}: pass subset="
                f"{present[0]!r}" if present and subset is None else "")
        raise FileNotFoundError(
            f"{root} does not hold the NSynth layout: examples.json is missing. "
            f"Expected {_LAYOUT}{hint}"
        )
    return root


def _read_examples(path):
    try:
        with open(path, encoding="utf-8") as f:
            examples = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(examples, dict):
        raise ValueError(f"{path}: expected an object keyed by note_str, got "
                         f"{type(examples).__name__}")
    required = ("instrument_family_str", "instrument_source_str", "instrument_str", "pitch",
                "velocity", "qualities")
    for note_str, note in examples.items():
        if not isinstance(note, dict):
            raise ValueError(f"{path}: note {note_str!r} is {note!r}, not an object")
        missing = [k for k in required if k not in note]
        if missing:
            raise ValueError(f"{path}: note {note_str!r} lacks {missing}")
        problem = _note_problem(note)
        if problem:
            raise ValueError(f"{path}: note {note_str!r} {problem}")
    return examples


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _note_problem(note):
    """What is wrong with one note of examples.json, or None."""
    family, qualities = note["instrument_family_str"], note["qualities"]
    if family not in FAMILIES:
        return f"has instrument_family_str {family!r}, not one of NSynth's {list(FAMILIES)}"
    if not (isinstance(qualities, list) and len(qualities) == len(QUALITIES)
            and all(q in (0, 1) and _is_int(q) for q in qualities)):
        return f"has qualities {qualities!r}; expected a list of {len(QUALITIES)} 0/1 values"
    for key in ("pitch", "velocity"):
        if not _is_int(note[key]):
            return f"has {key} {note[key]!r}; expected an integer (MIDI)"
    return None


def load_nsynth(root, *, subset=None, keep_missing=False, as_frame=False):
    """Load NSynth's notes: audio paths, instrument families and the other labels.

    Parameters
    ----------
    root : str or os.PathLike
        A folder holding NSynth's ``examples.json`` and ``audio/<note_str>.wav``, or, with
        ``subset``, the folder holding NSynth's own ``nsynth-train/``, ``nsynth-valid/``
        and ``nsynth-test/`` (each laid out so).
    subset : {"train", "valid", "test"} or None, default=None
        Load ``root/nsynth-<subset>``; None loads ``root`` itself.
    keep_missing : bool, default=False
        Keep notes listed in ``examples.json`` whose audio file is missing (``has_audio``
        is False for them).
    as_frame : bool, default=False
        Return one DataFrame, the family in a ``target`` column, instead of a Bunch.

    Returns
    -------
    data : Bunch or DataFrame
        Bunch with, one entry per note, sorted by ``note_str``:

        - ``paths``; ``target``: the instrument family; ``target_names``: NSynth's 11
          families (whether or not all occur);
        - ``groups``: the instrument (``instrument_str``), for splits that keep an
          instrument on one side, as NSynth's own split does;
        - ``note_str``, ``instrument_str``, ``source`` (acoustic, electronic, synthetic),
          ``pitch`` (MIDI), ``velocity``;
        - ``qualities``: the qualities of each note, a tuple of names (``QUALITIES``);
          ``qualities_matrix``: the same as an (n_notes, 10) 0/1 array, for multi-label
          models;
        - ``has_audio``, ``frame`` (the metadata as a DataFrame) and ``DESCR``.

    Raises
    ------
    FileNotFoundError
        ``root`` is not the NSynth layout (the message says what is missing), or no note
        of ``examples.json`` has its audio (unless ``keep_missing``).
    ValueError
        ``examples.json`` is not NSynth's format (the message names the file and the note:
        e.g. a family that is not one of NSynth's 11, qualities that are not ten 0/1
        values, a pitch that is not an integer), or ``subset`` is not a subset name.

    Warns
    -----
    UserWarning
        Some notes (not all) have no audio file and are left out: the counts.

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> import numpy as np, soundfile as sf
    >>> from sklearn_music.datasets import load_nsynth
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "audio").mkdir()
    >>> note = dict(instrument_family_str="flute", instrument_source_str="acoustic",
    ...             instrument_str="flute_acoustic_002", pitch=72, velocity=100,
    ...             qualities=[0, 0, 0, 0, 0, 0, 0, 0, 1, 0])
    >>> _ = (root / "examples.json").write_text(json.dumps({"flute_acoustic_002-072-100": note}))
    >>> sf.write(root / "audio" / "flute_acoustic_002-072-100.wav", np.zeros(160), 16000)
    >>> data = load_nsynth(root)
    >>> data.target.tolist(), data.pitch.tolist(), data.qualities.tolist()
    (['flute'], [72], [('reverb',)])
    """
    root = check_root(root, _DATASET)
    folder = _subset_folder(root, subset)
    examples = _read_examples(folder / "examples.json")
    notes = sorted(examples)
    audio = folder / "audio"
    paths = [audio / f"{n}.wav" for n in notes]
    matrix = np.array([examples[n]["qualities"] for n in notes], dtype=np.int8).reshape(
        len(notes), len(QUALITIES))  # reshape: an empty examples.json gives (0, 10)
    frame = pd.DataFrame({
        "path": [str(p) for p in paths],
        "note_str": notes,
        "groups": [examples[n]["instrument_str"] for n in notes],
        "instrument_str": [examples[n]["instrument_str"] for n in notes],
        "source": [examples[n]["instrument_source_str"] for n in notes],
        "pitch": np.array([examples[n]["pitch"] for n in notes], dtype=int),
        "velocity": np.array([examples[n]["velocity"] for n in notes], dtype=int),
        "qualities": pd.Series([tuple(q for q, on in zip(QUALITIES, row) if on)
                                for row in matrix], dtype=object),
        "has_audio": np.array([p.is_file() for p in paths], dtype=bool),
    })
    target = np.array([examples[n]["instrument_family_str"] for n in notes], dtype=object)
    kept = drop_missing(frame, keep_missing, _DATASET, audio, source=folder / "examples.json",
                        fix=f"put the notes' <note_str>.wav files in {audio} (as NSynth's "
                            "archives extract)")
    rows = kept.index.to_numpy()
    result = build_result(kept, target=target[rows], target_names=list(FAMILIES), descr=DESCR,
                          as_frame=as_frame)
    if not as_frame:
        result.qualities_matrix = matrix[rows]
        result.quality_names = list(QUALITIES)
    return result
