"""Shared plumbing of the dataset loaders: layout checks, audio lookup, result building.

Every loader reads a dataset's own metadata files in their original layout, builds one
pandas DataFrame with a row per clip, and hands it to :func:`build_result`, which returns
either a :class:`~sklearn.utils.Bunch` (arrays ready for scikit-learn) or the DataFrame
itself. A folder that is not the layout expected raises :class:`FileNotFoundError` naming
the folder, the missing file and the layout; a file that cannot be parsed raises
:class:`ValueError` naming the file.
"""

import operator
import os
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.utils import Bunch

# What load_audio decodes (libsndfile), and formats it cannot, named in error hints.
AUDIO_EXTENSIONS = (".wav", ".flac", ".mp3", ".ogg", ".opus", ".au", ".aiff", ".aif")
UNDECODABLE_EXTENSIONS = (".m4a", ".aac", ".mp4", ".wma", ".webm")


def file_version(path):
    """``(path, mtime_ns, size)``: a cache key that changes when the file is rewritten."""
    stat = os.stat(path)
    return path, stat.st_mtime_ns, stat.st_size


def is_hidden(name):
    """Whether a file or folder name is hidden (starts with ``.``): not audio to look at.

    Hidden files such as macOS's ``._clip.wav`` resource forks carry an audio ending but
    hold no audio; hidden folders (``.git``, ``.Trashes``) hold no collection either.
    """
    return name.startswith(".")


def undecodable_hint(folder):
    """A sentence naming audio files under ``folder`` that libsndfile cannot decode, or ""."""
    counts = Counter()
    for _, _, filenames in os.walk(folder):
        counts.update(
            ext for ext in (os.path.splitext(f)[1].lower() for f in filenames)
            if ext in UNDECODABLE_EXTENSIONS
        )  # fmt: skip
    if not counts:
        return ""
    found = ", ".join(f"{n} {ext}" for ext, n in sorted(counts.items()))
    return (
        f"; found {found} files, a format that cannot be decoded here: convert them "
        "(e.g. ffmpeg -i clip.m4a clip.flac)"
    )


def check_root(root, dataset):
    """Return ``root`` as a Path (``~`` expanded), or raise FileNotFoundError if it is not a
    folder."""
    if not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"{dataset}: root must be a path to a folder, got {type(root).__name__}")
    path = Path(root).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"{dataset}: {path}: no such folder")
    if not path.is_dir():
        raise FileNotFoundError(f"{dataset}: {path} is not a folder")
    return path


def find_file(root, candidates, dataset, layout):
    """Return the first of ``candidates`` (paths relative to ``root``) that is a file.

    Raises FileNotFoundError naming the folder, the first candidate and the layout expected.
    """
    for relative in candidates:
        path = root / relative
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"{root} does not hold the {dataset} layout: {candidates[0]} is missing. "
        f"Expected {layout}"
    )


def check_choice(value, name, options):
    """Raise ValueError unless ``value`` is one of ``options``."""
    if value not in options:
        raise ValueError(f"{name} must be one of {list(options)}, got {value!r}")
    return value


def check_splits(split, name, options):
    """Normalise ``split`` (None, one name or a list of names) to a tuple of names or None."""
    if split is None:
        return None
    names = (split,) if isinstance(split, str) else tuple(split)
    for value in names:
        check_choice(value, name, options)
    return names


def check_n_top(n_top, name):
    """Raise ValueError unless ``n_top`` is None or a positive int."""
    if n_top is not None and (
        isinstance(n_top, bool) or not isinstance(n_top, (int, np.integer)) or n_top < 1
    ):
        raise ValueError(f"{name} must be a positive int or None, got {n_top!r}")
    return n_top


def resolve_audio(audio_root, relative_paths, alternatives=()):
    """Map dataset-relative audio paths to files under ``audio_root``.

    Parameters
    ----------
    audio_root : Path
        Folder the relative paths start from.
    relative_paths : iterable of str or None
        Paths as written in the metadata; None or "" for clips without audio.
    alternatives : sequence of callable, default=()
        Functions mapping a relative path to another name the same audio may have
        (e.g. MTG-Jamendo's ``.low.mp3`` files), tried in order when the path is missing.

    Returns
    -------
    paths : list of str
        Absolute path of each clip (the first candidate when none exists).
    exists : ndarray of bool
        Whether that file exists.
    """
    paths, exists = [], []
    for relative in relative_paths:
        if not relative or not isinstance(relative, str):
            paths.append(None)
            exists.append(False)
            continue
        candidates = [relative] + [alt(relative) for alt in alternatives]
        found = next((c for c in candidates if (audio_root / c).is_file()), None)
        paths.append(str(audio_root / (found or relative)))
        exists.append(found is not None)
    return paths, np.asarray(exists, dtype=bool)


def index_audio_files(audio_root):
    """Map each audio file's name, without extension, to its path (``audio_root`` recursively)."""
    index = {}
    for dirpath, _, filenames in os.walk(audio_root):
        for filename in filenames:
            stem, ext = os.path.splitext(filename)
            if ext.lower() in AUDIO_EXTENSIONS:
                index.setdefault(stem, os.path.join(dirpath, filename))
    return index


def drop_missing(frame, keep_missing, dataset, audio_root, *, source, fix):
    """Keep only rows whose audio exists, unless ``keep_missing``; say what was dropped.

    Parameters
    ----------
    frame : DataFrame
        One row per clip, with a ``has_audio`` column.
    keep_missing : bool
        Keep every row.
    dataset : str
        Name of the dataset, to start messages with.
    audio_root : Path
        Where the audio was looked for.
    source : str or Path
        The metadata file(s) the rows come from, named in messages.
    fix : str
        What to do when no clip has audio, in the loader's own terms (e.g. "pass
        audio_dir= the folder holding 0/ ... f/").

    Warns
    -----
    UserWarning
        When some rows (not all) are dropped, with the counts.

    Raises
    ------
    FileNotFoundError
        Rows exist but none has audio: almost always audio looked for in the wrong folder.
    """
    if keep_missing or frame.empty:
        return frame
    kept = frame[frame["has_audio"].to_numpy()]
    if kept.empty:
        raise FileNotFoundError(
            f"{dataset}: none of the {len(frame)} clips listed in {source} has its audio "
            f"under {audio_root}; {fix}, or keep_missing=True to load the metadata "
            f"alone{undecodable_hint(audio_root)}"
        )
    if len(kept) < len(frame):
        warnings.warn(
            f"{dataset}: kept {len(kept)} of {len(frame)} clips listed in {source}; "
            f"{len(frame) - len(kept)} without an audio file under {audio_root} were left "
            "out (keep_missing=True keeps them, with has_audio False)",
            stacklevel=3,
        )
    return kept


def parse_ids(values, path, column, first_line):
    """The integer ids of one column of a metadata file, which must be unique keys.

    Parameters
    ----------
    values : sequence of str or int
        The column, in file order.
    path : Path
        The file, named in errors.
    column : str
        The column's name, named in errors.
    first_line : int
        The line of the file that holds ``values[0]`` (one row a line).

    Returns
    -------
    ids : ndarray of int64

    Raises
    ------
    ValueError
        A value is not an integer, or an id is repeated: the message names the file, the
        line(s) and the value.
    """
    ids = []
    for line, value in enumerate(values, start=first_line):
        try:
            if isinstance(value, str):
                value = int(value.strip())
            elif isinstance(value, (float, np.floating)) and float(value).is_integer():
                value = int(value)
            ids.append(operator.index(value))
        except (TypeError, ValueError):
            raise ValueError(
                f"{path}, line {line}: {column} must be an integer, got {value!r}"
            ) from None
    ids = np.asarray(ids, dtype=np.int64)
    repeated = pd.Series(ids).duplicated(keep=False).to_numpy()
    if repeated.any():
        lines = np.flatnonzero(ids == ids[repeated][0]) + first_line
        raise ValueError(
            f"{path}: {column} {ids[repeated][0]} is listed more than once (lines "
            f"{', '.join(map(str, lines))}); each {column} must be on one line"
        )
    return ids


def top_tags(tag_lists, n_top):
    """The ``n_top`` most frequent tags in ``tag_lists`` (ties kept in first-seen order)."""
    counts = Counter(tag for tags in tag_lists for tag in tags)
    names = sorted(counts, key=counts.__getitem__, reverse=True)  # stable: ties keep order
    return names if n_top is None else names[:n_top]


MAX_TARGET_BYTES = 2**31


def binarize(tag_lists, classes):
    """2-D 0/1 int8 indicator matrix of ``tag_lists`` over ``classes`` (unknown tags ignored).

    Raises MemoryError, before allocating, when the matrix would exceed 2 GiB.
    """
    size = len(tag_lists) * len(classes)
    if size > MAX_TARGET_BYTES:
        raise MemoryError(
            f"the target would be a {len(tag_lists)} x {len(classes)} matrix "
            f"({size / 2**30:.0f} GiB); keep fewer tags (n_top_tags) or fewer rows"
        )
    known = set(classes)
    binarizer = MultiLabelBinarizer(classes=list(classes))
    return binarizer.fit_transform([[t for t in tags if t in known] for tags in tag_lists]).astype(
        np.int8
    )


def build_result(frame, *, target, target_names, descr, as_frame):
    """Return a Bunch of arrays or, with ``as_frame``, one DataFrame.

    Parameters
    ----------
    frame : DataFrame
        One row per clip: ``path``, ``has_audio`` and the dataset's own columns.
    target : ndarray of shape (n_clips,) or (n_clips, n_tags)
        Labels (strings) or a 0/1 tag matrix.
    target_names : sequence of str
        Class names (single-label) or tag names (columns of a 2-D target).
    descr : str
        Description with the citation.
    as_frame : bool
        Return the DataFrame (target as a ``target`` column, or one 0/1 column per tag),
        with ``target_names`` and ``DESCR`` in ``DataFrame.attrs``.
    """
    frame = frame.reset_index(drop=True)
    target_names = [str(name) for name in target_names]
    if as_frame:
        target_columns = target_names if np.ndim(target) == 2 else ["target"]
        clashes = sorted(set(target_columns) & set(frame.columns))
        if clashes:
            raise ValueError(
                f"tag names {clashes} clash with metadata columns of the same name; "
                "use as_frame=False"
            )
        targets = pd.DataFrame(np.asarray(target).reshape(len(frame), -1), columns=target_columns)
        result = pd.concat([frame, targets], axis=1)
        result.attrs["target_names"] = target_names
        result.attrs["DESCR"] = descr
        return result
    fields = {column: frame[column].to_numpy() for column in frame.columns if column != "path"}
    return Bunch(
        paths=frame["path"].to_numpy(dtype=object),
        target=np.asarray(target),
        target_names=np.asarray(target_names, dtype=object),
        frame=frame,
        DESCR=descr,
        **fields,
    )
