"""FMA: the Free Music Archive dataset, 30 s clips with a genre hierarchy."""

import json

import numpy as np
import pandas as pd

from ._common import (
    binarize,
    build_result,
    check_choice,
    check_root,
    check_splits,
    drop_missing,
    find_file,
    parse_ids,
    resolve_audio,
)

__all__ = ["load_fma"]

_DATASET = "FMA"
SUBSETS = ("small", "medium", "large")
SPLITS = ("training", "validation", "test")
TARGETS = ("genre_top", "genres", "genres_all")
_LAYOUT = (
    "fma_metadata/tracks.csv (three header rows: column group, column name, track_id) and "
    "fma_metadata/genres.csv, with the audio in fma_<subset>/<first 3 digits>/<track_id:06d>.mp3"
)
_COLUMNS = {
    ("artist", "id"): "artist_id",
    ("artist", "name"): "artist_name",
    ("track", "title"): "title",
    ("track", "genre_top"): "genre_top",
    ("set", "subset"): "subset",
    ("set", "split"): "split",
}

DESCR = """FMA (Free Music Archive)
========================
106,574 Creative Commons tracks from 16,341 artists with a hierarchy of 161 genres. The
nested subsets small (8,000 clips of 30 s, 8 balanced top genres), medium (25,000 clips,
16 unbalanced top genres) and large (106,574 clips) come with an official
training/validation/test split (the set/split column of tracks.csv). Each track has one
top genre (genre_top, for single-label classification), its genres and all their
ancestors (genres_all, for multi-label classification).

Defferrard, M., Benzi, K., Vandergheynst, P., & Bresson, X. (2017). FMA: a dataset for
music analysis. Proc. ISMIR.
"""


def _read_tracks(path):
    """tracks.csv as a DataFrame with two-level columns, indexed by track_id."""
    try:
        tracks = pd.read_csv(path, index_col=0, header=[0, 1], low_memory=False)
    except (pd.errors.ParserError, ValueError, IndexError) as exc:
        raise ValueError(f"{path}: not FMA's tracks.csv ({exc})") from exc
    needed = [*_COLUMNS, ("track", "genres"), ("track", "genres_all")]
    missing = [column for column in needed if column not in tracks.columns]
    if missing:
        raise ValueError(
            f"{path}: missing columns {missing}; tracks.csv has two header rows "
            "(e.g. 'track' then 'genre_top') and a third row naming the index track_id"
        )
    tracks.index = parse_ids(tracks.index, path, "track_id", 4)  # after three header rows
    return tracks


def _read_genres(path):
    """{genre_id: title} from genres.csv."""
    try:
        genres = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not FMA's genres.csv ({exc})") from exc
    if not {"genre_id", "title"} <= set(genres.columns):
        raise ValueError(f"{path}: expected the columns genre_id, #tracks, parent, "
                         f"title, top_level; got {list(genres.columns)}")
    return dict(zip(parse_ids(genres["genre_id"], path, "genre_id", 2).tolist(), genres["title"]))


def _genre_ids(values, path):
    """Parse the genre id lists of tracks.csv, written like "[21, 76]"."""
    parsed = []
    for track_id, value in values.items():
        try:
            ids = json.loads(value) if isinstance(value, str) else []
        except json.JSONDecodeError:
            ids = None
        if not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids
        ):
            raise ValueError(
                f"{path}: track {track_id} has genre ids {value!r}; expected a list of "
                "integers such as [21, 76]"
            )
        parsed.append(ids)
    return parsed


def _audio_path(track_id):
    name = f"{int(track_id):06d}"
    return f"{name[:3]}/{name}.mp3"


def load_fma(
    root,
    *,
    subset="small",
    target="genre_top",
    split=None,
    audio_dir=None,
    keep_missing=False,
    as_frame=False,
):
    """Load FMA from a local copy in its original layout.

    Parameters
    ----------
    root : str or path-like
        Folder holding ``fma_metadata/`` (with ``tracks.csv`` and ``genres.csv``) and the
        audio folder ``fma_<subset>/``; a folder holding ``tracks.csv`` itself works too.
    subset : {"small", "medium", "large"}, default="small"
        Which nested subset: small is included in medium, medium in large.
    target : {"genre_top", "genres", "genres_all"}, default="genre_top"
        ``"genre_top"``: the top-level genre, one string per track (tracks without one are
        left out). ``"genres"``: the genres the artist gave, as a 0/1 matrix over genre
        titles. ``"genres_all"``: those genres and all their ancestors in the hierarchy.
    split : {"training", "validation", "test"}, list of them or None, default=None
        Keep only these parts of the official split; None keeps all tracks.
    audio_dir : str or path-like, default=None
        Folder holding ``000/`` ... ``155/``; None uses ``root/fma_<subset>``.
    keep_missing : bool, default=False
        Keep tracks whose mp3 file is missing (``has_audio`` is False for them).
    as_frame : bool, default=False
        Return one DataFrame instead of a Bunch (the target in a ``target`` column, or one
        0/1 column per genre).

    Returns
    -------
    data : Bunch or DataFrame
        Bunch with ``paths``, ``target`` (genre strings, or an ndarray of shape
        (n_tracks, n_genres) of 0/1), ``target_names``, ``track_id``, ``artist_id`` (use it
        as ``groups``), ``artist_name``, ``title``, ``genre_top``, ``subset``, ``split``,
        ``has_audio``, ``frame`` and ``DESCR``.

    Raises
    ------
    FileNotFoundError
        ``root`` does not hold the FMA layout, or no track has its audio (unless
        ``keep_missing``).
    ValueError
        A parameter is invalid, or tracks.csv or genres.csv is not in FMA's format (the
        message names the file, and the line or track where there is one; a track_id listed
        twice is an error).

    Warns
    -----
    UserWarning
        Some tracks (not all) have no audio file and are left out: the counts.

    Examples
    --------
    Two made-up tracks in FMA's format (the real tracks.csv has 52 columns, 106,574 rows):

    >>> import tempfile
    >>> from pathlib import Path
    >>> from sklearn_music.datasets import load_fma
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "fma_metadata").mkdir()
    >>> _ = (root / "fma_metadata" / "tracks.csv").write_text(
    ...     ",artist,artist,set,set,track,track,track,track\\n"
    ...     ",id,name,split,subset,genre_top,genres,genres_all,title\\n"
    ...     "track_id,,,,,,,,\\n"
    ...     "2,1,Artist A,training,small,Hip-Hop,[21],[21],Song A\\n"
    ...     "140,54,Artist B,test,small,Folk,[17],[17],Song B\\n")
    >>> _ = (root / "fma_metadata" / "genres.csv").write_text(
    ...     "genre_id,#tracks,parent,title,top_level\\n17,1,0,Folk,17\\n21,1,0,Hip-Hop,21\\n")
    >>> data = load_fma(root, keep_missing=True)
    >>> list(data.target), list(data.split), list(data.paths[0].split("/")[-2:])
    (['Hip-Hop', 'Folk'], ['training', 'test'], ['000', '000002.mp3'])
    """
    root = check_root(root, _DATASET)
    check_choice(subset, "subset", SUBSETS)
    check_choice(target, "target", TARGETS)
    splits = check_splits(split, "split", SPLITS)
    tracks_path = find_file(root, ["fma_metadata/tracks.csv", "tracks.csv"], _DATASET, _LAYOUT)
    tracks = _read_tracks(tracks_path)

    rank = tracks[("set", "subset")].map({name: i for i, name in enumerate(SUBSETS)})
    tracks = tracks[(rank <= SUBSETS.index(subset)).to_numpy()]
    if target == "genre_top":
        tracks = tracks[tracks[("track", "genre_top")].notna().to_numpy()]
    if splits is not None:
        tracks = tracks[tracks[("set", "split")].isin(splits).to_numpy()]

    frame = pd.DataFrame({"track_id": tracks.index})
    for column, name in _COLUMNS.items():
        frame[name] = tracks[column].to_numpy()
    audio_root = (
        root / f"fma_{subset}" if audio_dir is None else check_root(audio_dir, _DATASET)
    )
    paths, exists = resolve_audio(audio_root, [_audio_path(t) for t in frame["track_id"]])
    frame.insert(0, "path", paths)
    frame["has_audio"] = exists

    if target == "genre_top":
        labels = frame["genre_top"].astype(str).to_numpy()
        target_names = sorted(set(labels))
    else:
        genres_path = find_file(
            tracks_path.parent, ["genres.csv"], _DATASET, _LAYOUT
        )
        title_of = _read_genres(genres_path)
        id_lists = _genre_ids(tracks[("track", target)], tracks_path)
        unknown = sorted({i for ids in id_lists for i in ids} - set(title_of))
        if unknown:
            raise ValueError(f"{tracks_path}: genre ids {unknown} are not in {genres_path}")
        title_lists = [[title_of[i] for i in ids] for ids in id_lists]
        target_names = sorted({title for titles in title_lists for title in titles})
        labels = binarize(title_lists, target_names)

    kept = drop_missing(frame, keep_missing, _DATASET, audio_root, source=tracks_path,
                        fix="pass audio_dir= the folder holding 000/ ... 155/")
    return build_result(
        kept,
        target=np.asarray(labels)[kept.index.to_numpy()],
        target_names=target_names,
        descr=DESCR,
        as_frame=as_frame,
    )
