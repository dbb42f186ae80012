"""Writing files so that a crash never leaves a half-written one behind."""

import os
import stat
import tempfile
from contextlib import contextmanager

__all__ = ["atomic_path", "check_file_path"]


def _mode_for(path):
    """Permission bits for a file written to ``path``: those of the file it replaces,
    else what ``open`` would give a new one."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        umask = os.umask(0o022)  # reading the umask means setting it; put it back at once
        os.umask(umask)
        return 0o666 & ~umask


def check_file_path(path):
    """Raise IsADirectoryError when ``path`` is a folder, which a file cannot replace: a
    caller can check this before its work, not at the end of it."""
    if os.path.isdir(path):
        raise IsADirectoryError(f"{os.fspath(path)!r} is a folder; give a file name")


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; move it onto ``path`` only on success.

    The file appears whole or not at all, and an existing file at ``path`` is kept until
    the new one is complete. The new file gets the existing one's permissions, or those
    ``open`` gives a new file (the process's umask), not the private ones of a
    temporary file.

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
    check_file_path(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    suffix = os.path.splitext(path)[1]
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=suffix)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
