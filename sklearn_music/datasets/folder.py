"""A labelled collection of your own: one subfolder of audio files per class."""

import numpy as np
from sklearn.utils import Bunch

from ._common import AUDIO_EXTENSIONS, check_root, is_hidden, undecodable_hint

__all__ = ["load_audio_folder", "AUDIO_EXTENSIONS"]


def load_audio_folder(root, *, extensions=AUDIO_EXTENSIONS, as_frame=False):
    """Load a folder laid out as ``root/<class>/<file>``: the subfolder names the label.

    This is the layout of GTZAN's ``genres/`` folder and of most home-made collections.
    Files are listed, not decoded: pass ``paths`` to a Pipeline that starts with
    :class:`~sklearn_music.AudioLoader` or a feature transformer.

    Parameters
    ----------
    root : str or os.PathLike
        The folder holding one subfolder per class (``~`` is expanded). Names starting
        with ``.`` are skipped, folders and files alike: hidden files such as macOS's
        ``._clip.wav`` resource forks are not audio.
    extensions : sequence of str, default=AUDIO_EXTENSIONS
        File endings counted as audio (case-insensitive).
    as_frame : bool, default=False
        Return a pandas DataFrame with columns ``path`` and ``label`` instead of a Bunch.

    Returns
    -------
    data : Bunch or pandas.DataFrame
        Bunch with ``paths`` (ndarray of str, sorted), ``target`` (labels as str),
        ``target_names`` (sorted class names) and ``DESCR``.

    Raises
    ------
    FileNotFoundError
        ``root`` is not a folder.
    ValueError
        ``root`` holds no subfolder with audio files.

    Examples
    --------
    >>> import numpy as np, soundfile as sf, tempfile, os
    >>> from sklearn_music.datasets import load_audio_folder
    >>> root = tempfile.mkdtemp()
    >>> for label in ["cello", "flute"]:
    ...     os.makedirs(os.path.join(root, label))
    ...     sf.write(os.path.join(root, label, "a.wav"), np.zeros(800), 8000)
    >>> data = load_audio_folder(root)
    >>> data.target.tolist(), data.target_names.tolist()
    (['cello', 'flute'], ['cello', 'flute'])
    """
    root = check_root(root, "audio folder")
    extensions = tuple(e.lower() for e in extensions)
    paths, labels = [], []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not is_hidden(p.name)):
        files = sorted(
            f for f in folder.iterdir()
            if f.is_file() and f.suffix.lower() in extensions and not is_hidden(f.name)
        )
        paths += [str(f) for f in files]
        labels += [folder.name] * len(files)
    if not paths:
        raise ValueError(
            f"{root}: expected one subfolder of audio files ({', '.join(extensions)}) per "
            f"class, found none{undecodable_hint(root)}"
        )
    paths, labels = np.asarray(paths), np.asarray(labels)
    if as_frame:
        import pandas as pd

        return pd.DataFrame({"path": paths, "label": labels})
    return Bunch(
        paths=paths,
        target=labels,
        target_names=np.unique(labels),
        DESCR=f"Audio files under {root}, labelled by their subfolder.",
    )
