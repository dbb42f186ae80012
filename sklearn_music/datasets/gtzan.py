"""GTZAN: genre, with key, tempo and beat annotations when they are present."""

import re
import warnings

import numpy as np
import pandas as pd

from ._common import AUDIO_EXTENSIONS, build_result, check_root
from ..features.key_profiles import PITCH_CLASSES

__all__ = ["load_gtzan"]

_DATASET = "GTZAN"
_CLIP = re.compile(r"^(?P<genre>[A-Za-z0-9_-]+)\.(?P<index>\d+)$")
# Lerch's key annotations count pitch classes from A: 0 = A major ... 11 = G# major,
# 12 = A minor ... 23 = G# minor, -1 = modulating or unknown.
_LERCH_TONICS = tuple(PITCH_CLASSES[(9 + k) % 12] for k in range(12))

DESCR = """GTZAN
=====
GTZAN (Tzanetakis & Cook, 2002): 1,000 clips of 30 s, 22,050 Hz mono, 100 in each of 10
genres, laid out as genres/<genre>/<genre>.<5-digit index>.<wav|au|flac>.

Annotations attached when their folders sit beside genres/:
- key/<genre>.<index>.lerch.txt or key/<genre>/<genre>.<index>.lerch.txt (the layout of
  genres/ in Lerch's gtzan_key repository): A. Lerch's global key, one integer counted
  from A (0 = A major, 3 = C major, 12 = A minor; -1 = modulating or unknown -> None here);
- tempo/gtzan_<genre>_<index>.bpm: the tempo in BPM (Marchand & Peeters' annotations);
- beats/gtzan_<genre>_<index>.beats: beat times, a line "time<TAB>position in bar".

GTZAN has well-known faults (Sturm, 2013): repeated clips, mislabellings, distortions and,
above all, runs of consecutive clips by the same artist. ``groups`` puts each run of
``group_size`` consecutive clips of a genre in one group, so that GroupKFold keeps most
artists on one side of a split; random splits inflate scores. For a split with no
artist on two sides and the faulty clips removed, see load_gtzan_split.

Tzanetakis, G., & Cook, P. (2002). Musical genre classification of audio signals. IEEE
Trans. Speech and Audio Processing, 10(5), 293-302.
Sturm, B. L. (2013). The GTZAN dataset: its contents, its faults, their effects on
evaluation, and the future use of GTZAN. arXiv:1306.1461.
"""


def _genre_base(root):
    """The folder holding the genre folders: root/genres, root/genres_original or root."""
    for base in (root / "genres", root / "genres_original", root):
        if base.is_dir() and any(_clips_in(folder) for folder in _subfolders(base)):
            return base
    raise FileNotFoundError(
        f"{root} does not hold the GTZAN layout: expected genres/<genre>/<genre>.NNNNN.wav "
        "(or .au, .flac) under it, e.g. genres/blues/blues.00000.wav; genres_original/ or "
        "the genre folders directly in it are accepted too"
    )


def _subfolders(base):
    return sorted(p for p in base.iterdir() if p.is_dir())


def _clips_in(folder):
    """{index: path} of the clips <genre>.<index>.<audio ext> in a genre folder."""
    clips = {}
    for path in sorted(folder.iterdir()):
        match = _CLIP.match(path.stem)
        if (path.suffix.lower() in AUDIO_EXTENSIONS and match
                and match["genre"] == folder.name and path.is_file()):
            clips.setdefault(match["index"], path)
    return clips


def _read_number(path, kind):
    text = path.read_text(encoding="utf-8").split()
    try:
        return kind(float(text[0]))
    except (IndexError, ValueError):
        raise ValueError(f"{path}: expected one number, got {' '.join(text[:3])!r}") from None


def _lerch_key(path):
    value = _read_number(path, int)
    if value == -1:
        return None
    if not 0 <= value <= 23:
        raise ValueError(f"{path}: a Lerch key is an integer from -1 to 23, got {value}")
    return f"{_LERCH_TONICS[value % 12]} {'major' if value < 12 else 'minor'}"


def _read_beats(path):
    """(beat times, downbeat times) of a .beats file: lines 'time<TAB>position in bar'."""
    times, positions = [], []
    for line_number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        try:
            times.append(float(fields[0]))
            positions.append(int(float(fields[1])) if len(fields) > 1 else 0)
        except ValueError:
            raise ValueError(
                f"{path}, line {line_number}: expected 'time<TAB>position', got {line!r}"
            ) from None
    times, positions = np.asarray(times), np.asarray(positions)
    return times, times[positions == 1]


def _annotations(folder, candidates, read):
    """read() of each clip's annotation file, the first of its ``candidates`` that exists
    (None where none does); warn when ``folder`` holds no annotation of any clip."""
    paths = [next((p for p in names if p.is_file()), None) for names in candidates]
    if paths and all(p is None for p in paths):
        expected = " or ".join(str(p.relative_to(folder)) for p in candidates[0])
        warnings.warn(
            f"{_DATASET}: {folder} holds no annotation of any clip; expected files named "
            f"like {expected}",
            stacklevel=3,
        )
    return [None if p is None else read(p) for p in paths]


def load_gtzan(root, *, group_size=10, as_frame=False):
    """Load GTZAN: audio paths, genres, artist-safe groups, and key, tempo and beats.

    Parameters
    ----------
    root : str or os.PathLike
        The GTZAN folder, holding ``genres/<genre>/<genre>.NNNNN.wav`` (``.au`` and
        ``.flac`` too; ``genres_original/``, as in the Kaggle copy, or the genre folders
        directly in ``root`` are accepted) and, optionally, the annotation folders
        ``key/`` (``<genre>.NNNNN.lerch.txt`` files, in it or in its genre folders as
        Lerch's gtzan_key repository has them), ``tempo/`` and ``beats/``.
    group_size : int, default=10
        Consecutive clips of a genre that share a group. GTZAN's clips come in runs by the
        same artist (often ten or more: Sturm, 2013); grouping ten keeps most runs whole.
    as_frame : bool, default=False
        Return one DataFrame, the genre in a ``target`` column, instead of a Bunch.

    Returns
    -------
    data : Bunch or DataFrame
        Bunch with, one entry per clip, sorted by genre then index:

        - ``paths``: the audio files; ``target``: the genre (folder name);
          ``target_names``: the genres; ``clip``: e.g. ``"blues.00000"``;
        - ``groups``: ``"<genre>/<index // group_size>"``, for GroupKFold and friends;
        - ``key``: e.g. ``"G minor"`` (None when unknown, modulating or not annotated),
          when ``key/`` exists;
        - ``tempo``: BPM (NaN when not annotated), when ``tempo/`` exists;
        - ``beats`` and ``downbeats``: arrays of times in seconds (None when not
          annotated), when ``beats/`` exists;
        - ``frame`` (all of it as a DataFrame) and ``DESCR``.

    Raises
    ------
    FileNotFoundError
        ``root`` is not a folder or holds no GTZAN clip.
    ValueError
        An annotation file cannot be read (the message names it).

    Warns
    -----
    UserWarning
        An annotation folder holds no file named after any clip (a layout not read here).

    See Also
    --------
    load_gtzan_split : GTZAN's fault-filtered, artist-disjoint train/valid/test split.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np, soundfile as sf
    >>> from sklearn_music.datasets import load_gtzan
    >>> root = Path(tempfile.mkdtemp())
    >>> for genre in ["blues", "jazz"]:
    ...     (root / "genres" / genre).mkdir(parents=True)
    ...     for i in range(2):
    ...         sf.write(root / "genres" / genre / f"{genre}.{i:05d}.wav", np.zeros(220), 22050)
    >>> (root / "key").mkdir()
    >>> _ = (root / "key" / "jazz.00001.lerch.txt").write_text("3")
    >>> data = load_gtzan(root)
    >>> data.target.tolist(), data.groups.tolist()
    (['blues', 'blues', 'jazz', 'jazz'], ['blues/0', 'blues/0', 'jazz/0', 'jazz/0'])
    >>> data.key.tolist()
    [None, None, None, 'C major']
    """
    root = check_root(root, _DATASET)
    if isinstance(group_size, bool) or not isinstance(group_size, (int, np.integer)) \
            or group_size < 1:
        raise ValueError(f"group_size must be a positive int, got {group_size!r}")
    base = _genre_base(root)
    rows = []
    for folder in _subfolders(base):
        for index, path in _clips_in(folder).items():
            rows.append(dict(path=str(path), genre=folder.name, clip=f"{folder.name}.{index}",
                             groups=f"{folder.name}/{int(index) // group_size}",
                             index=index))
    frame = pd.DataFrame(rows)
    key, tempo, beats = root / "key", root / "tempo", root / "beats"
    if key.is_dir():
        names = [(key / f"{c}.lerch.txt", key / g / f"{c}.lerch.txt")
                 for g, c in zip(frame["genre"], frame["clip"])]
        frame["key"] = pd.Series(_annotations(key, names, _lerch_key), dtype=object)
    stems = [f"gtzan_{g}_{i}" for g, i in zip(frame["genre"], frame["index"])]
    if tempo.is_dir():
        values = _annotations(tempo, [(tempo / f"{s}.bpm",) for s in stems],
                              lambda p: _read_number(p, float))
        frame["tempo"] = np.array([np.nan if t is None else t for t in values])
    if beats.is_dir():
        values = _annotations(beats, [(beats / f"{s}.beats",) for s in stems], _read_beats)
        frame["beats"] = pd.Series([None if b is None else b[0] for b in values], dtype=object)
        frame["downbeats"] = pd.Series([None if b is None else b[1] for b in values],
                                       dtype=object)
    genres = sorted(frame["genre"].unique())
    return build_result(
        frame.drop(columns=["genre", "index"]),
        target=frame["genre"].to_numpy(dtype=object),
        target_names=genres,
        descr=DESCR,
        as_frame=as_frame,
    )
