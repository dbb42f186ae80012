"""Million Song Dataset: Last.fm tags joined to the MSD's tracks, with local audio if any."""

import json
import os
import sqlite3

import numpy as np
import pandas as pd

from ._common import (
    binarize,
    build_result,
    check_n_top,
    check_root,
    check_splits,
    drop_missing,
    index_audio_files,
    top_tags,
)

__all__ = ["load_msd_lastfm"]

_DATASET = "Million Song Dataset / Last.fm"
_LAYOUT = (
    "lastfm_tags.db (SQLite: tables tids, tags, tid_tag) or the per-track JSON folders "
    "lastfm_train/ and lastfm_test/ (or lastfm_subset/), optionally with track_metadata.db "
    "(SQLite: table songs)"
)
_JSON_FOLDERS = {"lastfm_train": "train", "lastfm_test": "test", "lastfm_subset": "subset"}
_METADATA_COLUMNS = [
    "track_id",
    "title",
    "artist_name",
    "release",
    "artist_id",
    "duration",
    "year",
    "artist_familiarity",
    "artist_hotttnesss",
    "track_7digitalid",
]
FEATURE_COLUMNS = ["duration", "year", "artist_familiarity", "artist_hotttnesss"]

DESCR = """Million Song Dataset with Last.fm tags
======================================
The Million Song Dataset (MSD) describes one million popular songs with metadata and
precomputed audio features, but no audio. Its Last.fm companion matches 943,347 MSD tracks
to Last.fm, 505,216 of them with at least one of 522,366 distinct tags, each tag with a
value from 0 to 100; tagging work usually keeps the 50 most frequent tags and counts a tag
when its value exceeds 50 (Choi et al., 2016). Audio comes from 30 s previews that users collect
themselves, so a local copy has audio for some tracks only; without audio, the per-track
values of track_metadata.db serve as features.

Bertin-Mahieux, T., Ellis, D. P. W., Whitman, B., & Lamere, P. (2011). The Million Song
Dataset. Proc. ISMIR.
Choi, K., Fazekas, G., & Sandler, M. (2016). Automatic tagging using deep convolutional
neural networks. Proc. ISMIR.
"""


def _connect(path):
    """Open an SQLite file read-only, raising ValueError if it is not one."""
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        connection.execute("SELECT name FROM sqlite_master LIMIT 1")
    except sqlite3.DatabaseError as exc:
        raise ValueError(f"{path}: not an SQLite database ({exc})") from exc
    return connection


def _read_tags_db(path, tag_threshold):
    """(track ids, {track id: [tags]}, splits) from lastfm_tags.db."""
    connection = _connect(path)
    try:
        track_ids = [row[0] for row in connection.execute("SELECT tid FROM tids ORDER BY ROWID")]
        rows = connection.execute(
            "SELECT tids.tid, tags.tag FROM tid_tag "
            "JOIN tids ON tids.ROWID = tid_tag.tid JOIN tags ON tags.ROWID = tid_tag.tag "
            "WHERE tid_tag.val > ? ORDER BY tid_tag.ROWID",
            (-np.inf if tag_threshold is None else float(tag_threshold),),
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise ValueError(
            f"{path}: expected Last.fm's tables tids(tid), tags(tag), tid_tag(tid, tag, val) "
            f"({exc})"
        ) from exc
    finally:
        connection.close()
    tags = {track_id: [] for track_id in track_ids}
    for track_id, tag in rows:
        tags[track_id].append(tag)
    return track_ids, tags, [None] * len(track_ids)


def _read_tags_json(folders, tag_threshold):
    """(track ids, {track id: [tags]}, splits) from the per-track JSON files."""
    track_ids, tags, splits = [], {}, []
    for folder, split in folders:
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            for filename in sorted(filenames):
                if not filename.endswith(".json"):
                    continue
                path = os.path.join(dirpath, filename)
                try:
                    with open(path, encoding="utf-8") as stream:
                        record = json.load(stream)
                    track_id = record["track_id"]
                    pairs = [(tag, float(value)) for tag, value in record["tags"]]
                except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                    raise ValueError(
                        f"{path}: expected a Last.fm track file with track_id and tags "
                        f"[[tag, value], ...] ({exc})"
                    ) from exc
                if track_id in tags:  # read from an earlier folder
                    continue
                track_ids.append(track_id)
                splits.append(split)
                tags[track_id] = [
                    tag for tag, value in pairs if tag_threshold is None or value > tag_threshold
                ]
    return track_ids, tags, splits


def _read_metadata(path):
    """The songs table of track_metadata.db, indexed by track_id."""
    connection = _connect(path)
    try:
        query = f"SELECT {', '.join(_METADATA_COLUMNS)} FROM songs"
        metadata = pd.read_sql_query(query, connection)
    except (sqlite3.DatabaseError, pd.errors.DatabaseError) as exc:
        raise ValueError(
            f"{path}: expected the MSD's table songs({', '.join(_METADATA_COLUMNS)}) ({exc})"
        ) from exc
    finally:
        connection.close()
    return metadata.set_index("track_id")


def load_msd_lastfm(
    root,
    *,
    split=None,
    n_top_tags=50,
    tag_threshold=50,
    audio_dir=None,
    keep_missing=False,
    as_frame=False,
):
    """Load the Last.fm tags of the Million Song Dataset, joined to its tracks.

    Parameters
    ----------
    root : str or path-like
        Folder holding ``lastfm_tags.db`` or the JSON folders ``lastfm_train/`` and
        ``lastfm_test/`` (or ``lastfm_subset/``), and optionally ``track_metadata.db``.
        When both are present, the database is read unless ``split`` is given.
    split : {"train", "test", "subset"}, list of them or None, default=None
        Read only these JSON folders (``lastfm_train/``, ``lastfm_test/``,
        ``lastfm_subset/``). None reads ``lastfm_train/`` and ``lastfm_test/``, or
        ``lastfm_subset/`` when neither is there: the subset's tracks are all in train or
        test, and reading them twice would put one track on both sides of a split. A
        track in more than one folder read is one row, from the first of train, test,
        subset. The database has no split: with ``split``, the JSON folders are read even
        beside it.
    n_top_tags : int or None, default=50
        Use the ``n_top_tags`` most frequent tags (counted as below) as targets, most
        frequent first; None keeps every tag.
    tag_threshold : float or None, default=50
        A tag counts for a track when its Last.fm value (0-100) exceeds ``tag_threshold``;
        None counts every tag.
    audio_dir : str or path-like, default=None
        Folder searched recursively for audio previews named ``<track_id>.<ext>``
        (``TRAAAAW128F429D538.mp3``) or, with track_metadata.db, after the 7digital id
        (``3/6/36122424.clip.mp3``). None: no audio, and every track is kept.
    keep_missing : bool, default=False
        With ``audio_dir``, keep tracks without a preview (``has_audio`` is False for them).
    as_frame : bool, default=False
        Return one DataFrame (metadata columns, then a 0/1 column per tag) instead of a Bunch.

    Returns
    -------
    data : Bunch or DataFrame
        Bunch with ``paths`` (None where there is no audio), ``target`` (ndarray of shape
        (n_tracks, n_tags), 0/1), ``target_names``, ``track_id``, ``split`` ("train",
        "test" or "subset" from the JSON folders, None from the database), ``has_audio``,
        with track_metadata.db also ``title``, ``artist_name``, ``artist_id`` (use it as
        ``groups``), ``release``, ``year``, ``track_7digitalid`` and ``features`` (a
        DataFrame of duration, year, artist_familiarity and artist_hotttnesss, with the
        MSD's unknown year 0 as NaN; None without the file), ``frame`` and ``DESCR``.
        Every track of the tag source is a row, including those with none of the target
        tags (``target.any(axis=1)`` selects the others).

    Raises
    ------
    FileNotFoundError
        ``root`` holds no tag source, or no track has a preview under ``audio_dir``
        (unless ``keep_missing``).
    ValueError
        A parameter is invalid, a file is not in the dataset's format, or ``split`` is
        given where only the database (which has no split) is.

    Warns
    -----
    UserWarning
        With ``audio_dir``, some tracks (not all) have no preview and are left out: the
        counts.

    Examples
    --------
    A made-up lastfm_tags.db of two tracks, in the dataset's schema:

    >>> import sqlite3, tempfile
    >>> from pathlib import Path
    >>> from sklearn_music.datasets import load_msd_lastfm
    >>> root = Path(tempfile.mkdtemp())
    >>> with sqlite3.connect(root / "lastfm_tags.db") as db:
    ...     _ = db.executescript(
    ...         "CREATE TABLE tids (tid TEXT PRIMARY KEY);"
    ...         "CREATE TABLE tags (tag TEXT PRIMARY KEY);"
    ...         "CREATE TABLE tid_tag (tid INT, tag INT, val FLOAT);"
    ...         "INSERT INTO tids VALUES ('TRAAAAA128F00000A1'), ('TRAAAAB128F00000B2');"
    ...         "INSERT INTO tags VALUES ('rock'), ('jazz'), ('seen live');"
    ...         "INSERT INTO tid_tag VALUES (1, 1, 100), (1, 3, 20), (2, 2, 80), (2, 1, 60);")
    >>> db.close()
    >>> data = load_msd_lastfm(root)
    >>> list(data.target_names), data.target.tolist()
    (['rock', 'jazz'], [[1, 0], [1, 1]])
    """
    root = check_root(root, _DATASET)
    splits = check_splits(split, "split", tuple(_JSON_FOLDERS.values()))
    check_n_top(n_top_tags, "n_top_tags")
    if tag_threshold is not None and not isinstance(tag_threshold, (int, float)):
        raise ValueError(f"tag_threshold must be a number or None, got {tag_threshold!r}")
    database = root / "lastfm_tags.db"
    folders = [(root / name, split) for name, split in _JSON_FOLDERS.items()]
    folders = [(folder, split) for folder, split in folders if folder.is_dir()]
    if splits is None and any(split != "subset" for _, split in folders):
        folders = [(folder, split) for folder, split in folders if split != "subset"]
    elif splits is not None:
        folders = [(folder, split) for folder, split in folders if split in splits]
    if splits is not None and not folders and database.is_file():
        raise ValueError(f"split needs the JSON folders: {database} has no split")
    if folders and (splits is not None or not database.is_file()):
        track_ids, tags, track_splits = _read_tags_json(folders, tag_threshold)
        source = ", ".join(str(folder) for folder, _ in folders)
    elif database.is_file():
        track_ids, tags, track_splits = _read_tags_db(database, tag_threshold)
        source = database
    else:
        missing = f"no folder of split={split!r}" if splits else "lastfm_tags.db is missing"
        raise FileNotFoundError(
            f"{root} does not hold the {_DATASET} layout: {missing}. Expected {_LAYOUT}"
        )

    tag_lists = [tags[track_id] for track_id in track_ids]
    target_names = top_tags(tag_lists, n_top_tags)
    frame = pd.DataFrame({"track_id": track_ids, "split": track_splits})
    metadata_path = root / "track_metadata.db"
    features = None
    if metadata_path.is_file():
        metadata = _read_metadata(metadata_path)
        frame = frame.join(metadata, on="track_id")
        features = frame[FEATURE_COLUMNS].astype(float)
        features["year"] = features["year"].replace(0.0, np.nan)

    frame.insert(0, "path", None)
    frame["has_audio"] = False
    audio_root = None
    if audio_dir is not None:
        audio_root = check_root(audio_dir, _DATASET)
        index = index_audio_files(audio_root)
        names = [frame["track_id"]]
        if "track_7digitalid" in frame:
            digital = frame["track_7digitalid"].astype("Int64").astype(str)
            names += [digital + ".clip", digital]
        paths = pd.Series([None] * len(frame), dtype=object)
        for candidate in names:
            paths = paths.fillna(candidate.map(index))
        frame["path"] = paths.to_numpy()
        frame["has_audio"] = paths.notna().to_numpy()

    kept = drop_missing(frame, keep_missing or audio_dir is None, _DATASET, audio_root,
                        source=source, fix="pass audio_dir= the folder holding the previews")
    rows = kept.index.to_numpy()
    data = build_result(
        kept,
        target=binarize([tag_lists[i] for i in rows], target_names),
        target_names=target_names,
        descr=DESCR,
        as_frame=as_frame,
    )
    if not as_frame:
        data["features"] = None if features is None else features.iloc[rows].reset_index(drop=True)
    return data
