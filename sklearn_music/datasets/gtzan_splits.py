"""GTZAN's fault-filtered train/valid/test split (Kereliuk, Sturm & Larsen, 2015).

The three lists ship with the package (``datasets/data/gtzan_{train,valid,test}_filtered.txt``),
copied unchanged from ``data/index/GTZAN/{train,valid,test}_filtered.txt`` of
jordipons/sklearn-audio-transfer-learning on GitHub; torchaudio's ``GTZAN(subset=...)``
embeds the same lists. They hold 443, 197 and 290 clips: 930 of GTZAN's 1,000, without
the faulty clips Sturm (2013) found (repetitions, mislabellings, distortions), split so
that no artist appears in two parts.
"""

from importlib import resources
from pathlib import Path

import pandas as pd

from ._common import AUDIO_EXTENSIONS, build_result, check_root, check_splits, drop_missing

__all__ = ["load_gtzan_split"]

_DATASET = "GTZAN"
SPLITS = ("train", "valid", "test")
GENRES = (
    "blues", "classical", "country", "disco", "hiphop",
    "jazz", "metal", "pop", "reggae", "rock",
)  # fmt: skip
_LIST_NAMES = {split: f"{split}_filtered.txt" for split in SPLITS}

DESCR = """GTZAN, fault-filtered split
===========================
GTZAN (Tzanetakis & Cook, 2002): 1,000 clips of 30 s, 22,050 Hz mono, 100 in each of 10
genres. Sturm (2013) documented its faults: exact and near repetitions, mislabelled and
distorted clips, and many clips of the same artist, which inflate the scores of random
splits. Kereliuk, Sturm & Larsen (2015) proposed this fault-filtered split: 443 training,
197 validation and 290 test clips, with the faulty clips removed and every artist on one
side only.

Tzanetakis, G., & Cook, P. (2002). Musical genre classification of audio signals. IEEE
Trans. Speech and Audio Processing, 10(5), 293-302.
Sturm, B. L. (2013). The GTZAN dataset: its contents, its faults, their effects on
evaluation, and the future use of GTZAN. arXiv:1306.1461.
Kereliuk, C., Sturm, B. L., & Larsen, J. (2015). Deep learning and music adversaries.
IEEE Trans. Multimedia, 17(11), 2059-2071.
"""


def _read_lists(lists):
    """(clip, genre, split) rows from the three list files; a clip may be listed once."""
    rows, where = [], {}
    for split in SPLITS:
        if lists is None:
            source = resources.files(__package__) / "data" / f"gtzan_{_LIST_NAMES[split]}"
        else:
            source = Path(lists) / _LIST_NAMES[split]
            if not source.is_file():
                raise FileNotFoundError(
                    f"{lists} does not hold the split lists: {_LIST_NAMES[split]} is missing. "
                    "Expected train_filtered.txt, valid_filtered.txt and test_filtered.txt, "
                    "one clip a line such as blues/blues.00029.au"
                )
        for line, entry in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):
            entry = entry.strip()
            if not entry:
                continue
            clip = entry.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            genre = clip.split(".", 1)[0]
            if genre not in GENRES or "." not in clip:
                raise ValueError(
                    f"{source}, line {line}: expected <genre>/<genre>.<number>.<ext>, got {entry!r}"
                )
            if clip in where:
                raise ValueError(
                    f"{source}, line {line}: {clip} is already listed at {where[clip]}; "
                    "list each clip once (a clip in two parts leaks from training into "
                    "evaluation)"
                )
            where[clip] = f"{source.name}, line {line}"
            rows.append((clip, genre, split))
    return rows


def _genre_base(root):
    """The folder of the genre folders: ``root``, ``root/genres`` or ``root/genres_original``."""
    for base in (root, root / "genres", root / "genres_original"):
        if any((base / genre).is_dir() for genre in GENRES):
            return base
    raise FileNotFoundError(
        f"{root} does not hold the GTZAN layout: no genre folder (blues/, classical/, ...) "
        "in it or in genres/ or genres_original/"
    )


def _find_clip(base, genre, clip):
    for ext in AUDIO_EXTENSIONS:
        path = base / genre / f"{clip}{ext}"
        if path.is_file():
            return str(path)
    return None


def load_gtzan_split(
    root,
    *,
    split=None,
    lists=None,
    keep_missing=False,
    as_frame=False,
):
    """Load GTZAN with the fault-filtered train/valid/test split of Kereliuk et al.

    Parameters
    ----------
    root : str or path-like
        GTZAN folder: the genre folders ``blues/`` ... ``rock/`` in it, in ``genres/`` (the
        original archive) or in ``genres_original/`` (the Kaggle copy). Clips are matched
        by name, ``<genre>.<number>``, in any audio format (.au, .wav, .flac, ...).
    split : {"train", "valid", "test"}, list of them or None, default=None
        Keep only these parts; None keeps all 930 clips of the split.
    lists : str or path-like, default=None
        Folder holding other lists named ``train_filtered.txt``, ``valid_filtered.txt``
        and ``test_filtered.txt`` (one ``<genre>/<genre>.<number>.<ext>`` a line); None
        uses the lists shipped with the package.
    keep_missing : bool, default=False
        Keep clips of the lists that are not in ``root`` (``has_audio`` is False for them).
    as_frame : bool, default=False
        Return a DataFrame with the label in a ``target`` column instead of a Bunch.

    Returns
    -------
    data : Bunch or DataFrame
        Bunch with ``paths``, ``target`` (genre of each clip), ``target_names`` (the 10
        genres), ``clip`` (e.g. ``"blues.00029"``), ``split``, ``has_audio``, ``frame`` and
        ``DESCR``. Clips of GTZAN missing from the lists (the faulty ones) are left out.

    Raises
    ------
    FileNotFoundError
        ``root`` holds no genre folder, or none of the clips (unless ``keep_missing``).
    ValueError
        A parameter is invalid, or a list file is malformed or lists a clip twice (in one
        list or in two: a leak).

    Warns
    -----
    UserWarning
        Some clips of the lists (not all) are not in ``root`` and are left out: the counts.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np, soundfile as sf
    >>> from sklearn_music.datasets import load_gtzan_split
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "genres" / "blues").mkdir(parents=True)
    >>> for clip in ["blues.00000", "blues.00012", "blues.00029"]:
    ...     sf.write(root / "genres" / "blues" / f"{clip}.wav", np.zeros(2205), 22050)
    >>> data = load_gtzan_split(root)
    >>> list(data.clip), list(data.split)
    (['blues.00029', 'blues.00000', 'blues.00012'], ['train', 'valid', 'test'])
    >>> sizes = load_gtzan_split(root, keep_missing=True).frame.groupby("split").size()
    >>> sizes.to_dict()
    {'test': 290, 'train': 443, 'valid': 197}
    """
    root = check_root(root, _DATASET)
    splits = check_splits(split, "split", SPLITS)
    frame = pd.DataFrame(_read_lists(lists), columns=["clip", "genre", "split"])
    base = _genre_base(root)
    paths = [_find_clip(base, genre, clip) for clip, genre in zip(frame["clip"], frame["genre"])]
    frame.insert(0, "path", paths)
    frame["has_audio"] = frame["path"].notna().to_numpy()
    if splits is not None:
        frame = frame[frame["split"].isin(splits).to_numpy()]
    frame = drop_missing(
        frame, keep_missing, _DATASET, base,
        source="the split lists" if lists is None else Path(lists),
        fix="pass root= the GTZAN folder whose genre folders hold the clips, named "
            "<genre>.<number>.<ext> (e.g. blues/blues.00029.au)",
    )
    return build_result(
        frame.drop(columns="genre"),
        target=frame["genre"].to_numpy(dtype=object),
        target_names=list(GENRES),
        descr=DESCR,
        as_frame=as_frame,
    )
