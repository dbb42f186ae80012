"""Writing files so that a crash never leaves a half-written one behind."""

import os
import tempfile
from contextlib import contextmanager

__all__ = ["atomic_path"]


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; move it onto ``path`` only on success.

    The file appears whole or not at all, and an existing file at ``path`` is kept until
    the new one is complete.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn_music._atomic import atomic_path
    >>> target = os.path.join(tempfile.mkdtemp(), "result.txt")
    >>> with atomic_path(target) as tmp:
    ...     with open(tmp, "w") as f:
    ...         _ = f.write("done")
    >>> open(target).read()
    'done'
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    suffix = os.path.splitext(path)[1]
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=suffix)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
