"""Package-wide settings, in the manner of :func:`sklearn.set_config`."""

from contextlib import contextmanager
from numbers import Real

__all__ = ["config_context", "get_config", "set_config"]

_config = {"cache_memory": 1024}


def get_config():
    """The current settings of sklearn-music.

    Returns
    -------
    dict
        ``cache_memory``: MiB that this process may spend keeping cached features and
        decoded clips in memory (see :func:`set_config`).

    Examples
    --------
    >>> from sklearn_music import get_config
    >>> get_config()["cache_memory"]
    1024
    """
    return dict(_config)


def set_config(cache_memory=None):
    """Change the settings of sklearn-music for this process.

    Parameters
    ----------
    cache_memory : float or None, default=None
        MiB of memory for the in-process cache in front of the disk cache: the features
        of transformers given a ``memory``, and the clips decoded by
        ``AudioLoader(cache=True)``. The least recently used entries are dropped beyond
        it; 0 turns the in-process cache off (the disk cache still works). None leaves
        the setting unchanged. Default 1024.

    See Also
    --------
    config_context : Change settings for a ``with`` block only.

    Examples
    --------
    >>> from sklearn_music import get_config, set_config
    >>> set_config(cache_memory=256)
    >>> get_config()["cache_memory"]
    256
    >>> set_config(cache_memory=1024)
    """
    if cache_memory is not None:
        if isinstance(cache_memory, bool) or not isinstance(cache_memory, Real) \
                or cache_memory < 0:  # fmt: skip
            raise ValueError(f"cache_memory must be a number of MiB >= 0, got {cache_memory!r}")
        _config["cache_memory"] = cache_memory


@contextmanager
def config_context(*, cache_memory=None):
    """Change the settings of sklearn-music inside a ``with`` block.

    Parameters
    ----------
    cache_memory : float or None, default=None
        See :func:`set_config`.

    Examples
    --------
    >>> from sklearn_music import config_context, get_config
    >>> with config_context(cache_memory=0):
    ...     get_config()["cache_memory"]
    0
    >>> get_config()["cache_memory"]
    1024
    """
    old = get_config()
    set_config(cache_memory=cache_memory)
    try:
        yield
    finally:
        _config.update(old)
