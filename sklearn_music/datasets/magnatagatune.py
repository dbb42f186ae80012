"""MagnaTagATune: 25,863 clips of about 29 s with 188 binary tags from the TagATune game."""

import numpy as np
import pandas as pd

from ._common import (
    build_result,
    check_n_top,
    check_root,
    check_splits,
    drop_missing,
    find_file,
    parse_ids,
    resolve_audio,
)

__all__ = ["load_magnatagatune"]

_DATASET = "MagnaTagATune"
_LAYOUT = (
    "annotations_final.csv (tab-separated: clip_id, 188 tag columns, mp3_path), optionally "
    "clip_info_final.csv, and the audio in 16 folders 0/ ... f/ (as mp3.zip extracts)"
)
_FOLDERS = "0123456789abcdef"
SPLIT_OF_FOLDER = {folder: "train" for folder in "0123456789ab"} | {"c": "valid"} | {
    folder: "test" for folder in "def"
}
_CLIP_INFO_COLUMNS = ["title", "artist", "album", "track_number", "segmentStart", "segmentEnd"]

DESCR = """MagnaTagATune
=============
25,863 clips of about 29 s (32 kb/s mp3, 16 kHz mono) from Magnatune songs, annotated with
188 tags collected through the TagATune game. The clips are sharded into 16 folders (0-f) by a
hash of the album, so a split by folder keeps albums apart; the split used throughout the
tagging literature trains on folders 0-b, validates on c and tests on d-f (12/1/3), with the
50 most frequent tags as targets.

Law, E., West, K., Mandel, M. I., Bay, M., & Downie, J. S. (2009). Evaluation of algorithms
using games: the case of music tagging. Proc. ISMIR, 387-392.
"""


def _read_tsv(path):
    """Read one of the dataset's quoted, tab-separated files as strings."""
    try:
        return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not a tab-separated MagnaTagATune file ({exc})") from exc


def _default_audio_dir(root):
    """The folder holding 0/ ... f/: ``root`` itself or ``root/mp3``."""
    for candidate in (root, root / "mp3"):
        if any((candidate / folder).is_dir() for folder in _FOLDERS):
            return candidate
    return root


def load_magnatagatune(
    root,
    *,
    split=None,
    n_top_tags=50,
    audio_dir=None,
    keep_missing=False,
    as_frame=False,
):
    """Load MagnaTagATune from a local copy in its original layout.

    Parameters
    ----------
    root : str or path-like
        Folder holding ``annotations_final.csv`` and optionally ``clip_info_final.csv``,
        whose title, artist, album, track number and segment times are joined on
        ``clip_id``.
    split : {"train", "valid", "test"}, list of them or None, default=None
        Keep only these parts of the folder split (0-b train, c valid, d-f test);
        None keeps all clips.
    n_top_tags : int or None, default=50
        Use the ``n_top_tags`` most frequent tags over the whole annotation file as targets
        (most frequent first); None keeps all 188 in the file's column order.
    audio_dir : str or path-like, default=None
        Folder holding the 16 folders ``0/`` ... ``f/``; None looks in ``root`` and then
        ``root/mp3``.
    keep_missing : bool, default=False
        Keep clips whose mp3 file is missing (``has_audio`` is False for them).
    as_frame : bool, default=False
        Return one DataFrame (metadata columns, then a 0/1 column per tag) instead of a Bunch.

    Returns
    -------
    data : Bunch or DataFrame
        Bunch with ``paths`` (mp3 files), ``target`` (ndarray of shape (n_clips, n_tags),
        0/1), ``target_names`` (tags), ``clip_id``, ``mp3_path`` (as in the annotations),
        ``fold`` (the folder, 0-f, for 16-fold cross-validation), ``split``, ``has_audio``,
        the clip_info columns when that file is present, ``frame`` (the metadata as a
        DataFrame) and ``DESCR``.

    Raises
    ------
    FileNotFoundError
        ``root`` is not a MagnaTagATune folder, or no clip has its audio (unless
        ``keep_missing``).
    ValueError
        A parameter is invalid, or annotations_final.csv or clip_info_final.csv is not in
        the expected format (the message names the file, and the line of a clip_id that is
        not an integer or is repeated).

    Warns
    -----
    UserWarning
        Some clips (not all) have no audio file and are left out: the counts.

    Examples
    --------
    A two-clip copy in the original format (the real one has 25,863 rows, 188 tags):

    >>> import tempfile
    >>> from pathlib import Path
    >>> from sklearn_music.datasets import load_magnatagatune
    >>> root = Path(tempfile.mkdtemp())
    >>> rows = ['"clip_id"\\t"guitar"\\t"piano"\\t"mp3_path"',
    ...         '"2"\\t"1"\\t"0"\\t"f/a-b-01-c-30-59.mp3"',
    ...         '"6"\\t"1"\\t"1"\\t"0/d-e-02-f-0-29.mp3"']
    >>> _ = (root / "annotations_final.csv").write_text("\\r\\n".join(rows) + "\\r\\n")
    >>> data = load_magnatagatune(root, keep_missing=True)
    >>> list(data.target_names), data.target.tolist(), list(data.split)
    (['guitar', 'piano'], [[1, 0], [1, 1]], ['test', 'train'])
    """
    root = check_root(root, _DATASET)
    splits = check_splits(split, "split", ("train", "valid", "test"))
    check_n_top(n_top_tags, "n_top_tags")
    annotations_path = find_file(root, ["annotations_final.csv"], _DATASET, _LAYOUT)
    annotations = _read_tsv(annotations_path)
    columns = list(annotations.columns)
    if len(columns) < 3 or columns[0] != "clip_id" or columns[-1] != "mp3_path":
        raise ValueError(
            f"{annotations_path}: expected the header clip_id, <tags>, mp3_path; "
            f"got {columns[:2]} ... {columns[-1:]}"
        )
    tag_columns = columns[1:-1]
    tags = annotations[tag_columns].to_numpy()
    if not np.isin(tags, ("0", "1")).all():
        row, column = np.argwhere(~np.isin(tags, ("0", "1")))[0]
        raise ValueError(
            f"{annotations_path}: tag columns must hold 0 or 1; clip "
            f"{annotations['clip_id'].iloc[row]} has {tags[row, column]!r} for "
            f"{tag_columns[column]!r}"
        )
    tags = tags.astype(np.int8)

    counts = tags.sum(axis=0)
    order = np.argsort(-counts, kind="stable") if n_top_tags is not None else np.arange(len(counts))
    keep = order[: n_top_tags if n_top_tags is not None else len(order)]
    target_names = [tag_columns[i] for i in keep]
    target = tags[:, keep]

    frame = pd.DataFrame({
        "clip_id": parse_ids(annotations["clip_id"], annotations_path, "clip_id", 2),
        "mp3_path": annotations["mp3_path"],
    })
    frame["fold"] = frame["mp3_path"].str[:1]
    frame["split"] = frame["fold"].map(SPLIT_OF_FOLDER)
    clip_info_path = root / "clip_info_final.csv"
    if clip_info_path.is_file():
        clip_info = _read_tsv(clip_info_path)
        if "clip_id" not in clip_info.columns:
            raise ValueError(f"{clip_info_path}: no clip_id column")
        joined = [column for column in _CLIP_INFO_COLUMNS if column in clip_info.columns]
        clip_info = clip_info[["clip_id", *joined]].assign(
            clip_id=parse_ids(clip_info["clip_id"], clip_info_path, "clip_id", 2))
        frame = frame.merge(clip_info, on="clip_id", how="left")

    audio_root = _default_audio_dir(root) if audio_dir is None else check_root(audio_dir, _DATASET)
    paths, exists = resolve_audio(audio_root, frame["mp3_path"])
    frame.insert(0, "path", paths)
    frame["has_audio"] = exists

    rows = np.ones(len(frame), dtype=bool)
    if splits is not None:
        rows &= frame["split"].isin(splits).to_numpy()
    frame = frame[rows]
    frame = drop_missing(frame, keep_missing, _DATASET, audio_root, source=annotations_path,
                         fix="pass audio_dir= the folder holding the folders 0/ ... f/")
    return build_result(
        frame,
        target=target[frame.index.to_numpy()],
        target_names=target_names,
        descr=DESCR,
        as_frame=as_frame,
    )
