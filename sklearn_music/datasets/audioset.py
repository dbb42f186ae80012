"""AudioSet: 10 s YouTube segments labelled with the 527 classes of the AudioSet ontology."""

import csv
import re

import numpy as np
import pandas as pd

from ._common import (
    binarize,
    build_result,
    check_root,
    check_splits,
    drop_missing,
    find_file,
    index_audio_files,
)

__all__ = ["load_audioset"]

_DATASET = "AudioSet"
SPLITS = ("balanced_train", "unbalanced_train", "eval")
_LAYOUT = (
    "class_labels_indices.csv (index,mid,display_name) and the segment lists "
    "balanced_train_segments.csv, unbalanced_train_segments.csv, eval_segments.csv "
    "(comment lines starting with #, then YTID, start_seconds, end_seconds, "
    '"positive_labels")'
)
# A YouTube id has 11 characters; local clips are named after it, often with a leading
# "Y" and the segment's times after it (Y--PJHxphWEs_30.000_40.000.wav, --PJHxphWEs_30.wav).
_YTID = re.compile(r"[A-Za-z0-9_-]{11}")

DESCR = """AudioSet
========
Over 2 million 10 s segments of YouTube videos, each labelled with one or more of 527
classes of the AudioSet ontology (sound events, musical instruments, music genres, moods).
Google distributes the segment lists (YTID, start and end time, positive labels as ontology
ids) for a balanced training set, an unbalanced training set and an evaluation set, with
class_labels_indices.csv naming the classes; the audio must be fetched from YouTube, so
each local copy holds only the clips its owner could download.

Gemmeke, J. F., Ellis, D. P. W., Freedman, D., Jansen, A., Lawrence, W., Moore, R. C.,
Plakal, M., & Ritter, M. (2017). Audio Set: an ontology and human-labeled dataset for audio
events. Proc. IEEE ICASSP, 776-780.
"""


def _read_classes(path):
    """class_labels_indices.csv as a DataFrame of index, mid, display_name."""
    try:
        classes = pd.read_csv(path, dtype={"mid": str, "display_name": str})
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"{path}: not AudioSet's class_labels_indices.csv ({exc})") from exc
    if list(classes.columns) != ["index", "mid", "display_name"]:
        raise ValueError(
            f"{path}: expected the header index,mid,display_name, got {list(classes.columns)}"
        )
    return classes.sort_values("index")


def _read_segments(path, split):
    """Rows of a segment list: comment lines, then ``YTID, start, end, "mid,mid,..."``."""
    rows = []
    with open(path, newline="", encoding="utf-8") as stream:
        reader = csv.reader(stream, skipinitialspace=True)
        for line, row in enumerate(reader, start=1):
            if not row or row[0].startswith("#"):
                continue
            if len(row) != 4:
                raise ValueError(
                    f"{path}, line {line}: expected YTID, start_seconds, end_seconds, "
                    f'"positive_labels"; got {row}'
                )
            try:
                start, end = float(row[1]), float(row[2])
            except ValueError as exc:
                raise ValueError(f"{path}, line {line}: times must be numbers, got {row}") from exc
            rows.append((row[0], start, end, tuple(row[3].split(",")), split))
    return rows


def _class_mids(classes, class_table):
    """Ontology ids of ``classes`` (one name or id, or a list of them), each once."""
    if isinstance(classes, str):
        classes = [classes]
    name_of = dict(zip(class_table["mid"], class_table["display_name"]))
    mid_of_name = dict(zip(class_table["display_name"], class_table["mid"]))
    unknown = [c for c in classes if c not in name_of and c not in mid_of_name]
    if unknown:
        raise ValueError(f"classes {unknown} are not in class_labels_indices.csv")
    mids = [c if c in name_of else mid_of_name[c] for c in classes]
    repeated = sorted({f"{name_of[m]} ({m})" for m in mids if mids.count(m) > 1})
    if repeated:
        raise ValueError(f"classes lists {repeated} more than once (by display name or "
                         "ontology id); give each class once")
    return mids


def _ytid_of(stem, ytids):
    """The YouTube id a clip's file name refers to, or None."""
    for start in (0, 1) if stem.startswith("Y") else (0,):
        candidate = stem[start : start + 11]
        rest = stem[start + 11 :]
        if _YTID.fullmatch(candidate) and candidate in ytids and (not rest or rest[0] in "_-."):
            return candidate
    return None


def load_audioset(
    root,
    *,
    split=None,
    classes=None,
    audio_dir=None,
    keep_missing=False,
    as_frame=False,
):
    """Load the AudioSet segments and the local clips of them.

    Parameters
    ----------
    root : str or path-like
        Folder holding ``class_labels_indices.csv`` and one or more of the segment lists
        ``balanced_train_segments.csv``, ``unbalanced_train_segments.csv`` and
        ``eval_segments.csv``.
    split : {"balanced_train", "unbalanced_train", "eval"}, list of them or None, \
default=None
        Which segment lists to read; None reads every one present in ``root``.
    classes : str, list of str or None, default=None
        Keep only these classes, given by display name (``"Jazz"``) or ontology id
        (``"/m/03_d0"``), in this order (one string is one class); segments with none of
        them are left out. None keeps all the classes of class_labels_indices.csv in its
        order.
    audio_dir : str or path-like, default=None
        Folder searched recursively for the clips, matched by YouTube id: a file named
        ``<YTID>``, ``Y<YTID>`` or either followed by ``_``, ``-`` or ``.`` (e.g.
        ``Y--PJHxphWEs_30.000_40.000.wav``), in any audio format. None uses ``root``.
    keep_missing : bool, default=False
        Keep segments without a local clip (``has_audio`` is False for them).
    as_frame : bool, default=False
        Return one DataFrame (metadata columns, then a 0/1 column per class) instead of a
        Bunch.

    Returns
    -------
    data : Bunch or DataFrame
        Bunch with ``paths``, ``target`` (ndarray of shape (n_segments, n_classes), 0/1),
        ``target_names`` (display names), ``target_mids`` (their ontology ids), ``ytid``,
        ``start_seconds``, ``end_seconds``, ``split``, ``has_audio``, ``frame`` and
        ``DESCR``.

    Raises
    ------
    FileNotFoundError
        ``root`` lacks class_labels_indices.csv or any segment list, or no segment has a
        local clip (unless ``keep_missing``).
    ValueError
        A parameter is invalid, a class is unknown or named twice, or a file is not in
        AudioSet's format.

    Warns
    -----
    UserWarning
        Some segments (not all) have no local clip and are left out: the counts.

    Examples
    --------
    Two segments in AudioSet's format, one of them with a local clip:

    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np, soundfile as sf
    >>> from sklearn_music.datasets import load_audioset
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = (root / "class_labels_indices.csv").write_text(
    ...     'index,mid,display_name\\n0,/m/09x0r,"Speech"\\n1,/m/04rlf,"Music"\\n')
    >>> _ = (root / "eval_segments.csv").write_text(
    ...     "# Segments csv created Sun Mar  5 10:54:25 2017\\n"
    ...     "# num_ytids=2, num_segs=2, num_unique_labels=2, num_positive_labels=3\\n"
    ...     "# YTID, start_seconds, end_seconds, positive_labels\\n"
    ...     '--4gqARaEJE, 0.000, 10.000, "/m/04rlf,/m/09x0r"\\n'
    ...     '--BfvyPmVMo, 20.000, 30.000, "/m/04rlf"\\n')
    >>> sf.write(root / "Y--4gqARaEJE_0.000_10.000.wav", np.zeros(1600), 16000)
    >>> data = load_audioset(root)
    >>> list(data.ytid), list(data.target_names), data.target.tolist()
    (['--4gqARaEJE'], ['Speech', 'Music'], [[1, 1]])
    >>> load_audioset(root, classes=["Music"], keep_missing=True).target.tolist()
    [[1], [1]]
    """
    root = check_root(root, _DATASET)
    splits = check_splits(split, "split", SPLITS)
    class_table = _read_classes(
        find_file(root, ["class_labels_indices.csv"], _DATASET, _LAYOUT)
    )
    if splits is None:
        splits = tuple(name for name in SPLITS if (root / f"{name}_segments.csv").is_file())
        if not splits:
            raise FileNotFoundError(
                f"{root} does not hold the {_DATASET} layout: no segment list "
                f"({', '.join(f'{name}_segments.csv' for name in SPLITS)}). Expected {_LAYOUT}"
            )
    records, sources = [], []
    for name in splits:
        sources.append(find_file(root, [f"{name}_segments.csv"], _DATASET, _LAYOUT))
        records += _read_segments(sources[-1], name)
    frame = pd.DataFrame(
        records, columns=["ytid", "start_seconds", "end_seconds", "mids", "split"]
    )

    name_of = dict(zip(class_table["mid"], class_table["display_name"]))
    if classes is None:
        mids = list(class_table["mid"])
    else:
        mids = _class_mids(classes, class_table)
        wanted = set(mids)
        frame = frame[np.array([not wanted.isdisjoint(labels) for labels in frame["mids"]],
                               dtype=bool)]  # a mask: a list of no rows would select columns

    audio_root = root if audio_dir is None else check_root(audio_dir, _DATASET)
    ytids = set(frame["ytid"])
    found = {}
    for stem, path in index_audio_files(audio_root).items():
        ytid = _ytid_of(stem, ytids)
        if ytid is not None:
            found.setdefault(ytid, path)
    frame.insert(0, "path", frame["ytid"].map(found).to_numpy())
    frame["has_audio"] = frame["path"].notna().to_numpy()

    kept = drop_missing(frame, keep_missing, _DATASET, audio_root,
                        source=", ".join(map(str, sources)),
                        fix="pass audio_dir= the folder holding the clips")
    target = binarize(kept["mids"], mids)  # after dropping: the unbalanced set has 2M rows
    kept = kept.drop(columns="mids")
    data = build_result(
        kept,
        target=target,
        target_names=[name_of[m] for m in mids],
        descr=DESCR,
        as_frame=as_frame,
    )
    if as_frame:
        data.attrs["target_mids"] = mids
    else:
        data["target_mids"] = np.asarray(mids, dtype=object)
    return data
