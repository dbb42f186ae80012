"""Reading audio files: decode, mix to mono, resample, crop or pad.

Files are decoded by soundfile (libsndfile: wav, flac, ogg, opus, mp3, aiff, au, ...) and
resampled with soxr at high quality, the same resampler that ``librosa.load`` uses by
default, so waveforms match librosa's. Only the requested part of a file is read, so an
hour-long recording costs the memory of the excerpt. Every failure is an
:class:`~sklearn_music.exceptions.AudioError` naming the file.
"""

import os
import warnings
from numbers import Integral, Real

import numpy as np
import soundfile as sf
import soxr
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval

from ._cache import KeyedWaveforms, estimator_key, file_digest, memory_cache
from ._config import get_config
from ._input import as_waveforms, check_audio_file, is_path_list, path_list, sample_problem
from .exceptions import AudioError

__all__ = ["load_audio", "AudioLoader"]

_CANCELLED = 0.01  # a mono mix 20 dB below its channels' power has cancelled
_MP3_SEEK_LEAD = 16 * 1152  # samples: 16 MPEG-1 Layer III frames


def load_audio(path, *, sr=22050, mono=True, duration=None, offset=0.0):
    """Load an audio file as a float32 waveform.

    Parameters
    ----------
    path : str or os.PathLike
        An audio file (wav, flac, ogg, opus, mp3, aiff, au and the other formats libsndfile
        reads).
    sr : int or None, default=22050
        Target sample rate in Hz; None keeps the file's own rate.
    mono : bool, default=True
        Average the channels into one (with a warning when they cancel each other out,
        the mix 20 dB or more below them).
    duration : float or None, default=None
        Seconds to return. Longer audio is cropped, shorter audio is zero-padded at the end,
        so every clip has exactly ``round(duration * sr)`` samples. None returns the whole file
        from ``offset`` on.
    offset : float, default=0.0
        Seconds to skip at the start of the file.

    Returns
    -------
    y : ndarray of shape (n_samples,) or (n_channels, n_samples), dtype float32
        The waveform, in [-1, 1] for integer files.
    sr : int
        Its sample rate.

    Raises
    ------
    AudioError
        The file is missing, empty, not audio, corrupt, starts after its end, or holds
        samples that are NaN, infinite or beyond ±1e10.

    Examples
    --------
    >>> import numpy as np, soundfile as sf, tempfile, os
    >>> from sklearn_music import load_audio
    >>> path = os.path.join(tempfile.mkdtemp(), "tone.wav")
    >>> sf.write(path, np.sin(np.arange(44100) / 10.0), 44100)
    >>> y, sr = load_audio(path, sr=22050, duration=2.0)
    >>> y.shape, y.dtype, sr
    ((44100,), dtype('float32'), 22050)
    """
    path = str(os.fspath(path))  # not NumPy's str_, whose repr would show in messages
    check_audio_file(path)
    if sr is not None and (not isinstance(sr, Real) or sr <= 0):
        raise ValueError(f"sr must be a positive number or None, got {sr!r}")
    if offset < 0:
        raise ValueError(f"offset must be >= 0 seconds, got {offset!r}")
    if duration is not None and duration <= 0:
        raise ValueError(f"duration must be > 0 seconds or None, got {duration!r}")
    try:
        with sf.SoundFile(path) as f:
            native_sr = f.samplerate
            start = int(offset * native_sr)  # truncated, as librosa.load does
            if f.frames > 0 and start >= f.frames:
                raise AudioError(
                    f"offset {offset} s is past the end of the file "
                    f"({f.frames / native_sr:.3f} s)", path
                )
            # An MP3 decoder that seeks starts without the frames before, whose bits the
            # next frames borrow: the first few hundred samples came out wrong (by up to
            # 0.49). Decoding from 16 frames earlier and dropping them gives the samples
            # of the whole file's decoding (4 frames sufficed on the files tried).
            lead = min(start, _MP3_SEEK_LEAD) if f.format == "MP3" else 0
            f.seek(min(start, f.frames) - lead)
            n_read = -1 if duration is None else int(duration * native_sr) + lead
            y = f.read(frames=n_read, dtype="float32", always_2d=True)[lead:]
    except AudioError:
        raise
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise AudioError(f"cannot decode audio ({exc})", path) from exc
    if y.shape[0] == 0:
        raise AudioError("file holds no audio samples", path)
    check_samples(y, path)  # before the mix, which could overflow
    y = y.T  # (n_channels, n_samples)
    if mono:
        y = y[0] if len(y) == 1 else _mix_down(y, path)
    if sr is not None and sr != native_sr:
        y = _resample(y, native_sr, sr)
    else:
        sr = native_sr
    if duration is not None:
        y = fix_length(y, int(round(duration * sr)))
    return np.ascontiguousarray(y, dtype=np.float32), int(sr)


def check_samples(y, path):
    """Raise AudioError naming ``path`` unless the samples are finite and within ±1e10.

    Parameters
    ----------
    y : ndarray
        Decoded samples, of any shape.
    path : str
        The file they come from.

    Raises
    ------
    AudioError
        A sample is NaN or infinite, or larger than any audio sample.
    """
    problem = sample_problem(y)
    if problem is not None:
        raise AudioError(f"file {problem}", path)


def _mix_down(channels, path):
    """The mean of the channels, with a warning when they cancel each other out."""
    mixed = channels.mean(axis=0)
    message = cancel_warning(path, float(np.mean(channels.astype(np.float64) ** 2)),
                             float(np.mean(mixed.astype(np.float64) ** 2)))  # fmt: skip
    if message:
        warnings.warn(message, UserWarning, stacklevel=3)
    return mixed


def cancel_warning(path, channel_power, mixed_power):
    """The warning that a file's channels cancel in its mono mix, or None when they do not.

    Shared with the files analysed in blocks, which sum the powers over their blocks.

    Parameters
    ----------
    path : str
        The file, named in the warning.
    channel_power : float
        Mean square of the samples of all channels.
    mixed_power : float
        Mean square of the mono mix.

    Returns
    -------
    str or None
    """
    if channel_power > 0 and mixed_power < _CANCELLED * channel_power:
        drop = 10 * np.log10(channel_power / max(mixed_power, 1e-30))
        return (f"{path}: the channels cancel when mixed to mono ({drop:.0f} dB quieter than "
                "they are: one channel phase-inverted?); load it with mono=False and keep "
                "one channel")  # fmt: skip
    return None


def _resample(y, orig_sr, target_sr):
    """Resample along the last axis with soxr's high-quality filter, as librosa does."""
    resampled = soxr.resample(np.atleast_2d(y).T, orig_sr, target_sr, quality="HQ").T
    resampled = fix_length(resampled, int(np.ceil(y.shape[-1] * target_sr / orig_sr)))
    return resampled if y.ndim == 2 else resampled[0]


def fix_length(y, size):
    """Crop or zero-pad the last axis of ``y`` to ``size`` samples."""
    n = y.shape[-1]
    if n >= size:
        return y[..., :size]
    pad = [(0, 0)] * (y.ndim - 1) + [(0, size - n)]
    return np.pad(y, pad)


_warned_budgets = set()  # the cache_memory values warned about: once each per process


def _warn_if_over_budget(waves):
    """Warn when decoded clips cannot all stay in the in-process cache."""
    needed, budget = sum(w.nbytes for w in waves), get_config()["cache_memory"]
    if needed <= memory_cache.limit or budget == 0 or budget in _warned_budgets:
        return  # they fit, or the user turned the cache off
    _warned_budgets.add(budget)
    warnings.warn(
        f"AudioLoader(cache=True): the {len(waves)} decoded clips take "
        f"{needed / 2**20:,.1f} MiB, more than the in-process cache holds "
        f"(cache_memory={budget} MiB), so the clips that do not fit are decoded again on "
        "every fit, predict and score; to decode each file once, set "
        "sklearn_music.set_config(cache_memory=...) above the decoded size of all the "
        "clips (4 bytes per sample)", UserWarning, stacklevel=4)


class AudioLoader(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Turn audio file paths into waveforms: the first step of a Pipeline.

    Parameters
    ----------
    sr : int, default=22050
        Sample rate in Hz that every clip is resampled to.
    mono : bool, default=True
        Average the channels into one. With ``mono=False`` each clip is
        (n_channels, n_samples) and the output is a list.
    duration : float or None, default=None
        Seconds per clip. When set, clips are cropped or zero-padded to the same length.
        When None each clip keeps its file's own length.
    offset : float, default=0.0
        Seconds skipped at the start of each file.
    n_jobs : int or None, default=None
        Files decoded in parallel (joblib); None means 1, -1 all cores.
    cache : bool, default=False
        Keep decoded clips in this process's memory (up to
        ``set_config(cache_memory=...)`` MiB, least recently used dropped first), keyed
        by the file's content and the parameters above, so cross-validation and
        searches decode each file once, as long as the decoded clips fit in
        ``cache_memory`` (4 bytes per sample: GTZAN's 1,000 clips of 30 s at 22,050 Hz
        take 2,523 MiB, over the default 1,024). Clips that do not fit are decoded again
        on every call; a warning says so, once per ``cache_memory`` value, when the clips
        of one call are more than it holds. The clips come out as read-only
        :class:`~sklearn_music._cache.KeyedWaveforms` that carry these keys, so feature
        transformers with a ``memory`` find their cached features without hashing the
        samples. Files that change are decoded again.

    Attributes
    ----------
    n_features_in_ : int
        Samples per clip, set only when fit is given waveforms in a 2-D array.

    See Also
    --------
    load_audio : Load one file.

    Notes
    -----
    Waveforms already in memory (a 2-D float array or a list of 1-D arrays) pass through,
    cropped or padded to ``duration`` when it is set; they are assumed to be at ``sr``
    already.

    Examples
    --------
    >>> import numpy as np, soundfile as sf, tempfile, os
    >>> from sklearn_music import AudioLoader
    >>> folder = tempfile.mkdtemp()
    >>> paths = [os.path.join(folder, f"{i}.wav") for i in range(3)]
    >>> for i, p in enumerate(paths):
    ...     sf.write(p, np.random.default_rng(i).uniform(-1, 1, 8000 * (i + 1)), 8000)
    >>> AudioLoader(sr=16000, duration=1.5).fit_transform(paths).shape
    (3, 24000)
    >>> [len(y) for y in AudioLoader(sr=8000).fit_transform(paths)]
    [8000, 16000, 24000]
    """

    _parameter_constraints = {
        "sr": [Interval(Integral, 1, None, closed="left")],
        "mono": ["boolean"],
        "duration": [Interval(Real, 0, None, closed="neither"), None],
        "offset": [Interval(Real, 0, None, closed="left")],
        "n_jobs": [Integral, None],
        "cache": ["boolean"],
    }

    def __init__(self, sr=22050, mono=True, duration=None, offset=0.0, n_jobs=None,
                 cache=False):  # fmt: skip
        self.sr = sr
        self.mono = mono
        self.duration = duration
        self.offset = offset
        self.n_jobs = n_jobs
        self.cache = cache

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the parameters and the input; nothing is learned.

        Parameters
        ----------
        X : array-like of str of shape (n_clips,), or waveforms
            Audio file paths, or waveforms already loaded.
        y : None
            Ignored.

        Returns
        -------
        self : AudioLoader
        """
        if not is_path_list(X):
            as_waveforms(X, sr=self.sr)
            if isinstance(X, np.ndarray) and X.ndim == 2:
                self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        """Load every clip.

        Parameters
        ----------
        X : array-like of str of shape (n_clips,), or waveforms
            Audio file paths, or waveforms already loaded (integer PCM, as
            ``scipy.io.wavfile.read`` gives it, is scaled to [-1, 1] as soundfile
            scales it).

        Returns
        -------
        waveforms : ndarray of shape (n_clips, n_samples) or list of ndarray
            float32 waveforms: a 2-D array when all clips have the same length (always
            so when ``duration`` is set), else a list of 1-D arrays.
        """
        if is_path_list(X):
            if self.cache:
                return self._load_cached(path_list(X))
            waves = self._load(path_list(X))
        else:
            waves = as_waveforms(X, sr=self.sr)
            if self.offset:
                skip = int(round(self.offset * self.sr))
                for i, w in enumerate(waves):
                    if skip >= w.shape[-1]:
                        raise AudioError(f"offset {self.offset} s is past the end of waveform "
                                         f"{i} ({w.shape[-1] / self.sr:.3f} s)")
                waves = [w[..., skip:] for w in waves]
            if self.duration is not None:
                size = int(round(self.duration * self.sr))
                waves = [fix_length(w, size) for w in waves]
        if self.duration is not None and self.mono and not waves:
            return np.zeros((0, int(round(self.duration * self.sr))), np.float32)
        if self.mono and waves and len({len(w) for w in waves}) == 1:
            return np.stack(waves)
        return waves

    def get_feature_names_out(self, input_features=None):
        """Name of the output: one waveform per clip.

        Lets ``Pipeline.get_feature_names_out`` pass through the loader; the feature
        transformers that follow name their own outputs.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        ndarray of str
            ``["waveform"]``.
        """
        return np.asarray(["waveform"], dtype=object)

    def _load(self, paths):
        options = dict(sr=self.sr, mono=self.mono, duration=self.duration, offset=self.offset)
        loaded = Parallel(n_jobs=self.n_jobs)(delayed(load_audio)(p, **options) for p in paths)
        return [w for w, _ in loaded]

    def _load_cached(self, paths):
        """Load through the in-process cache; return clips that carry their keys."""
        params = dict(sr=self.sr, mono=self.mono, duration=self.duration, offset=self.offset)
        prefix = estimator_key(self, params)
        keys = [f"{prefix}-file-{file_digest(p)}" for p in paths]
        waves = [memory_cache.get(key) for key in keys]
        missing = [i for i, w in enumerate(waves) if w is None]
        for i, w in zip(missing, self._load([paths[i] for i in missing])):
            memory_cache.put(keys[i], w)
            waves[i] = w
        _warn_if_over_budget(waves)
        if not self.mono:
            return waves
        if len({len(w) for w in waves}) == 1:
            return KeyedWaveforms(np.stack(waves), keys)
        return [KeyedWaveforms(w, [key]) for w, key in zip(waves, keys)]

    def set_output(self, *, transform=None):
        """Accept a Pipeline-wide output setting; waveforms stay NumPy arrays.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None
            Ignored: a waveform is not a table. Steps that make tables (for example
            :class:`~sklearn_music.Pooling`) follow the setting.

        Returns
        -------
        self : AudioLoader
        """
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.requires_fit = False
        return tags
