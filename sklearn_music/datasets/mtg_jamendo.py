"""MTG-Jamendo: 55,000+ full tracks with genre, instrument and mood/theme tags."""

import csv
import warnings

import numpy as np
import pandas as pd

from ._common import (
    binarize,
    build_result,
    check_choice,
    check_n_top,
    check_root,
    check_splits,
    drop_missing,
    find_file,
    resolve_audio,
    top_tags,
)

__all__ = ["load_mtg_jamendo"]

_DATASET = "MTG-Jamendo"
SUBSETS = {
    "all": "autotagging",
    "genre": "autotagging_genre",
    "instrument": "autotagging_instrument",
    "moodtheme": "autotagging_moodtheme",
    "top50tags": "autotagging_top50tags",
}
SPLITS = ("train", "validation", "test")
_HEADER = ["TRACK_ID", "ARTIST_ID", "ALBUM_ID", "PATH", "DURATION", "TAGS"]
_LAYOUT = (
    "the repository's data/ folder: autotagging.tsv, autotagging_<subset>.tsv and "
    "splits/split-<k>/<file>-{train,validation,test}.tsv (tab-separated: TRACK_ID, "
    "ARTIST_ID, ALBUM_ID, PATH, DURATION, then one tag per column)"
)

DESCR = """MTG-Jamendo
===========
55,000+ full-length tracks (320 kb/s mp3) from Jamendo, under Creative Commons licenses,
tagged by their uploaders with 195 tags in three categories: genre, instrument and
mood/theme (tags are written category---tag, e.g. genre---rock). The dataset ships five
random train/validation/test splits (split-0 ... split-4, 60/20/20 by artist) that keep
each artist on one side, and subsets per category and for the 50 most frequent tags.

Bogdanov, D., Won, M., Tovstogan, P., Porter, A., & Serra, X. (2019). The MTG-Jamendo
dataset for automatic music tagging. Machine Learning for Music Discovery Workshop,
ICML 2019.
"""


def _read_tsv(path):
    """Rows of one of the dataset's TSV files: fixed columns, then a variable number of tags."""
    rows = []
    with open(path, newline="", encoding="utf-8") as stream:
        reader = csv.reader(stream, delimiter="\t")
        header = next(reader, None)
        if header is None or header[: len(_HEADER)] != _HEADER:
            raise ValueError(f"{path}: expected the header {_HEADER}, got {header}")
        for line, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) < 5:
                raise ValueError(f"{path}, line {line}: expected at least 5 columns, got {row}")
            try:
                duration = float(row[4])
            except ValueError as exc:
                raise ValueError(
                    f"{path}, line {line}: DURATION {row[4]!r} is not a number"
                ) from exc
            tags = tuple(tag.strip() for tag in row[5:] if tag.strip())  # a trailing tab: ""
            rows.append((row[0], row[1], row[2], row[3], duration, tags))
    return rows


def _warn_repeated(frame, source):
    """Warn when a track is listed more than once: twice in a split, or in two parts."""
    repeated = frame[frame["track_id"].duplicated(keep=False).to_numpy()]
    if repeated.empty:
        return
    first = repeated["track_id"].iloc[0]
    parts = repeated.loc[repeated["track_id"] == first, "split"].tolist()
    warnings.warn(
        f"{_DATASET}: tracks listed more than once in {source}: "
        f"{repeated['track_id'].nunique()}, e.g. {first} (split {parts}); each row is kept, "
        "and a track in two parts leaks from training into evaluation: drop the repeated "
        "track_ids",
        stacklevel=3,
    )


def _metadata_folder(root):
    """``root`` itself, or the ``data/`` folder of a clone of the dataset's repository."""
    if not (root / "autotagging.tsv").is_file() and (root / "data" / "autotagging.tsv").is_file():
        return root / "data"
    return root


def _low_quality(path):
    """The name a track has in the dataset's low-quality audio archives."""
    return path[: -len(".mp3")] + ".low.mp3" if path.endswith(".mp3") else path


def load_mtg_jamendo(
    root,
    *,
    subset="all",
    split_index=0,
    split=None,
    audio_dir=None,
    n_top_tags=None,
    keep_missing=False,
    as_frame=False,
):
    """Load MTG-Jamendo from a local copy in its original layout.

    Parameters
    ----------
    root : str or path-like
        The ``data/`` folder of the dataset's repository (holding ``autotagging*.tsv`` and
        ``splits/``), or the repository itself.
    subset : {"all", "genre", "instrument", "moodtheme", "top50tags"}, default="all"
        Which of the dataset's tag subsets: ``autotagging.tsv`` (all 195 tags) or
        ``autotagging_<subset>.tsv``.
    split_index : {0, 1, 2, 3, 4} or None, default=0
        Which of the five official splits to read (``splits/split-<k>/``). The tracks and tags
        are then those of its train/validation/test files, where a few rare tags were dropped
        so that every split has the same tags. None reads the subset's own TSV file, with no
        split (``split`` is None for every track).
    split : {"train", "validation", "test"}, list of them or None, default=None
        Keep only these parts of the split; None keeps all three.
    audio_dir : str or path-like, default=None
        Folder holding the audio folders ``00/`` ... ``99/`` as the archives extract; None
        uses ``root``. Files named ``<id>.low.mp3`` (the low-quality archives) are found too.
    n_top_tags : int or None, default=None
        Keep only the ``n_top_tags`` most frequent tags as targets (most frequent first);
        None keeps every tag, sorted by name.
    keep_missing : bool, default=False
        Keep tracks whose audio file is missing (``has_audio`` is False for them).
    as_frame : bool, default=False
        Return one DataFrame (metadata columns, then a 0/1 column per tag) instead of a Bunch.

    Returns
    -------
    data : Bunch or DataFrame
        Bunch with ``paths``, ``target`` (ndarray of shape (n_tracks, n_tags), 0/1),
        ``target_names`` (tags such as ``"genre---rock"``), ``track_id``, ``artist_id``
        (use it as ``groups``), ``album_id``, ``duration`` (seconds), ``split``,
        ``has_audio``, ``frame`` and ``DESCR``.

    Raises
    ------
    FileNotFoundError
        ``root`` is not the dataset's data folder or lacks the split files, or no track has
        its audio (unless ``keep_missing``).
    ValueError
        A parameter is invalid, or a TSV file is not in the dataset's format.

    Warns
    -----
    UserWarning
        A track is listed more than once (in two parts of the split, a leak, or twice in
        one), or some tracks (not all) have no audio file and are left out.

    Examples
    --------
    Split 0 of three tracks, in the original format (the real one has 55,525):

    >>> import tempfile
    >>> from pathlib import Path
    >>> from sklearn_music.datasets import load_mtg_jamendo
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "splits" / "split-0").mkdir(parents=True)
    >>> header = "TRACK_ID\\tARTIST_ID\\tALBUM_ID\\tPATH\\tDURATION\\tTAGS\\n"
    >>> rows = {"train": "track_0000214\\tartist_000014\\talbum_000031\\t14/214.mp3\\t124.6\\t"
    ...                  "genre---punkrock\\n",
    ...         "validation": "track_0000215\\tartist_000015\\talbum_000032\\t15/215.mp3\\t98.0\\t"
    ...                       "genre---rock\\n",
    ...         "test": "track_0000216\\tartist_000016\\talbum_000033\\t16/216.mp3\\t61.3\\t"
    ...                 "genre---rock\\tinstrument---piano\\n"}
    >>> for part, row in rows.items():
    ...     _ = (root / "splits" / "split-0" / f"autotagging-{part}.tsv").write_text(header + row)
    >>> data = load_mtg_jamendo(root, keep_missing=True)
    >>> list(data.target_names)
    ['genre---punkrock', 'genre---rock', 'instrument---piano']
    >>> data.target.tolist(), list(data.split)
    ([[1, 0, 0], [0, 1, 0], [0, 1, 1]], ['train', 'validation', 'test'])
    """
    root = _metadata_folder(check_root(root, _DATASET))
    stem = SUBSETS[check_choice(subset, "subset", tuple(SUBSETS))]
    if split_index is not None:
        check_choice(split_index, "split_index", (0, 1, 2, 3, 4))
    splits = check_splits(split, "split", SPLITS)
    check_n_top(n_top_tags, "n_top_tags")
    if split_index is None and splits is not None:
        raise ValueError("split needs split_index: the subset's own TSV file has no splits")

    if split_index is None:
        source = find_file(root, [f"{stem}.tsv"], _DATASET, _LAYOUT)
        records = [(*row, None) for row in _read_tsv(source)]
    else:
        folder = f"splits/split-{split_index}"
        records = []
        for part in SPLITS:
            path = find_file(root, [f"{folder}/{stem}-{part}.tsv"], _DATASET, _LAYOUT)
            records += [(*row, part) for row in _read_tsv(path)]
        source = root / folder / f"{stem}-{{{','.join(SPLITS)}}}.tsv"

    frame = pd.DataFrame(
        records,
        columns=["track_id", "artist_id", "album_id", "PATH", "duration", "tags", "split"],
    )
    _warn_repeated(frame, source)
    target_names = (
        sorted({tag for tags in frame["tags"] for tag in tags})
        if n_top_tags is None
        else top_tags(frame["tags"], n_top_tags)
    )
    target = binarize(frame["tags"], target_names)

    audio_root = root if audio_dir is None else check_root(audio_dir, _DATASET)
    paths, exists = resolve_audio(audio_root, frame["PATH"], alternatives=(_low_quality,))
    frame.insert(0, "path", paths)
    frame["has_audio"] = exists
    frame = frame.rename(columns={"PATH": "jamendo_path"}).drop(columns="tags")

    rows = np.ones(len(frame), dtype=bool)
    if splits is not None:
        rows &= frame["split"].isin(splits).to_numpy()
    frame = frame[rows]
    frame = drop_missing(frame, keep_missing, _DATASET, audio_root, source=source,
                         fix="pass audio_dir= the folder holding the audio folders 00/ ... 99/")
    return build_result(
        frame,
        target=target[frame.index.to_numpy()],
        target_names=target_names,
        descr=DESCR,
        as_frame=as_frame,
    )
