"""Exceptions raised by sklearn_music.

Every problem with a user's audio (a missing, empty, corrupt or non-audio file, samples
that are not finite) is reported as :class:`AudioError`, whose message names the file and
the problem, so that batch jobs can catch one type. Batch jobs that go on past such clips
(``on_error="warn"``) say so with a :class:`SkippedClipsWarning`.
"""

__all__ = ["AudioError", "SkippedClipsWarning"]


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


class SkippedClipsWarning(UserWarning):
    """Clips that could not be used were left out of a batch job.

    Emitted once per job run with ``on_error="warn"``
    (:func:`~sklearn_music.screen_audio`,
    :func:`~sklearn_music.extraction.extract_to_disk`); the message says how many clips
    were left out and names them. Turn it into an error with
    ``warnings.simplefilter("error", SkippedClipsWarning)``.

    Examples
    --------
    >>> import warnings
    >>> from sklearn_music.exceptions import SkippedClipsWarning
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("1 of 3 clips left out", SkippedClipsWarning)
    >>> caught[0].category.__name__
    'SkippedClipsWarning'
    """
