"""Exceptions raised by sklearn_music.

Every problem with a user's audio (a missing, empty, corrupt or non-audio file, samples
that are not finite) is reported as :class:`AudioError`, whose message names the file and
the problem, so that batch jobs can catch one type.
"""

__all__ = ["AudioError"]


class AudioError(ValueError):
    """An audio file or waveform cannot be used.

    Parameters
    ----------
    message : str
        What is wrong.
    path : str or None, default=None
        The file concerned, or None for a waveform given in memory.

    Attributes
    ----------
    path : str or None
        The file concerned.

    Examples
    --------
    >>> from sklearn_music.exceptions import AudioError
    >>> err = AudioError("file is empty", path="song.wav")
    >>> str(err)
    'song.wav: file is empty'
    """

    def __init__(self, message, path=None):
        self.path = None if path is None else str(path)
        self.reason = message
        super().__init__(message if path is None else f"{self.path}: {message}")

    def __reduce__(self):
        return (type(self), (self.reason, self.path))
