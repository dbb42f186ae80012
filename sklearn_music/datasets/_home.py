"""Where sklearn-music keeps data sets: the data home folder."""

import os
import shutil

from sklearn.utils._param_validation import validate_params

__all__ = ["get_data_home", "clear_data_home"]

ENV_VAR = "SKLEARN_MUSIC_DATA"


@validate_params({"data_home": [str, os.PathLike, None]}, prefer_skip_nested_validation=True)
def get_data_home(data_home=None):
    """Return the folder where sklearn-music keeps data sets, creating it if needed.

    The folder is, in order of precedence: ``data_home`` when given; the
    ``SKLEARN_MUSIC_DATA`` environment variable when set; ``~/sklearn_music_data``.
    ``~`` is expanded. Loaders look for their data sets here (for example
    ``<data home>/gtzan``) when no folder is named, and generators can write there.

    Parameters
    ----------
    data_home : str or os.PathLike, default=None
        The folder to use instead of the default.

    Returns
    -------
    data_home : str
        The folder's path.

    See Also
    --------
    clear_data_home : Delete the folder and everything in it.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn_music.datasets import get_data_home
    >>> home = get_data_home(os.path.join(tempfile.mkdtemp(), "music_data"))
    >>> os.path.isdir(home)
    True
    """
    if data_home is None:
        data_home = os.environ.get(ENV_VAR) or os.path.join("~", "sklearn_music_data")
    data_home = os.path.expanduser(os.fspath(data_home))
    os.makedirs(data_home, exist_ok=True)
    return data_home


@validate_params({"data_home": [str, os.PathLike, None]}, prefer_skip_nested_validation=True)
def clear_data_home(data_home=None):
    """Delete the data home folder and everything in it.

    Parameters
    ----------
    data_home : str or os.PathLike, default=None
        The folder to delete; None means :func:`get_data_home`'s default.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn_music.datasets import clear_data_home, get_data_home
    >>> home = get_data_home(os.path.join(tempfile.mkdtemp(), "music_data"))
    >>> clear_data_home(home)
    >>> os.path.exists(home)
    False
    """
    shutil.rmtree(get_data_home(data_home))
