"""Long recordings in bounded memory: a clip decoded, resampled and analysed in blocks.

A clip analysed whole (:class:`~sklearn_music.features._context.ClipContext` over the
decoded waveform) holds its samples and its STFT: per hour of audio at 22,050 Hz, about
0.3 GB of float32 samples and 0.6 GB per STFT (2048-point, hop 512). Clips longer than
:data:`STREAM_SECONDS` are analysed here instead, holding one block of frames at a time:

- a file is read :data:`_READ_FRAMES` frames at a time, mixed to mono and resampled with
  :class:`soxr.ResampleStream` at the quality of :func:`sklearn_music.load_audio`, whose
  joined output is the whole-file resampling sample for sample;
- every :data:`_BLOCK_FRAMES` frames, the samples those frames read (with the frames'
  half-window before and after them) are analysed by one ``ClipContext``, shared by every
  transformer that uses the same hop length, and only the block's own frames are kept.
  The block's first sample is a frame boundary, so its frames are the clip's frames; at
  the clip's first and last sample the block ends where the clip does, so the centred
  frames are zero-padded (the zero-crossing rate edge-padded) exactly as for the whole clip.

What each transformer keeps between blocks comes from its ``_stream_plan()``:

- :class:`FrameWise`: frames that depend only on the samples around them (the spectral
  descriptors; chroma, STFT or constant-Q, once the clip's tuning is known) are kept
  as they come, and finished over the whole clip (the spectral contrast's decibel
  floor, the key features' mean chroma);
- :class:`FromMels`: features computed from the clip's mel spectrograms (MFCC,
  mel spectrogram, tempo features) get the joined mel spectrograms, a small
  (n_mels, n_frames) array each, and finish on them as on a whole clip (the decibel
  floor, the deltas and the onset envelope look at the whole clip);
- the tuning estimate of chroma keeps each block's spectral peaks, a few floats per
  frame, and is decided from all of them; the chroma then needs a second pass over the
  clip (a chroma given its ``tuning`` needs none);
- ``None``: the transformer is given the whole decoded clip (a transformer that does not
  say what it reads).

So a streamed clip costs memory in proportion to its number of frames (the features it
returns), not to its samples times the FFT size.
"""

import math
import os
import warnings

import numpy as np
import soundfile as sf
import soxr

from .._input import check_audio_file
from ..exceptions import AudioError
from ..io import cancel_warning, check_samples, fix_length, load_audio
from ._context import ClipContext, frame_count, mel_key, tuning_key
from ._spectra import tuning_from_peaks, tuning_peaks

__all__ = ["STREAM_SECONDS", "FrameWise", "FromMels", "analyse_in_blocks", "is_long"]

#: Clips longer than this many seconds are analysed in blocks. Five minutes: a whole clip
#: of the default feature set costs about 55 MB per minute of audio (measured on an hour);
#: blocks give the same features (within float rounding) in memory that grows only with
#: the frames returned, and are not slower, so only short clips are analysed whole.
STREAM_SECONDS = 300.0
_BLOCK_FRAMES = 512  # frames per block: 2 MB per 2048-point STFT block
_READ_FRAMES = 1 << 18  # frames decoded at a time (6 s at 44.1 kHz)


class FrameWise:
    """A transformer whose frames depend only on the samples around them.

    Parameters
    ----------
    width : int
        Samples each frame reads, centred on the frame: ``n_fft`` for an STFT, more for a
        constant-Q transform (frames are ``hop_length`` apart).
    hop_length : int
    frames : callable or None, default=None
        ``frames(ctx)``: the frames of the clip of a :class:`ClipContext`, as an array of
        shape (n_rows, n_frames); None means the transformer's ``_features_from``.
    finish : callable or None, default=None
        ``finish(frames)``: the output from the frames of the whole clip, joined; None
        returns them as they are.
    tuning : tuple or None, default=None
        The arguments ``(n_fft, hop_length, power, bins_per_octave)`` of the
        :meth:`ClipContext.tuning` the frames read, which is then estimated over the
        whole clip first; None when they read none.
    """

    def __init__(self, width, hop_length, *, frames=None, finish=None, tuning=None):
        self.width, self.hop_length = width, hop_length
        self.frames, self.finish, self.tuning = frames, finish, tuning


class FromMels:
    """A transformer that reads only mel spectrograms of the clip, and its length.

    Parameters
    ----------
    *mels : tuple
        ``(n_fft, hop_length, n_mels, fmin, fmax, power)`` of each mel spectrogram read:
        the arguments of :meth:`ClipContext.mel`.
    """

    def __init__(self, *mels):
        self.mels = mels


def is_long(source, sr):
    """Whether the clip (a path or a waveform at ``sr``) is longer than :data:`STREAM_SECONDS`.

    A file that cannot be inspected is not long: decoding it whole reports the problem.
    """
    if isinstance(source, np.ndarray):
        return len(source) > STREAM_SECONDS * sr
    try:
        info = sf.info(os.fspath(source))
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError):
        return False
    return info.frames > STREAM_SECONDS * info.samplerate


def analyse_in_blocks(source, transformers, sr):
    """The features of one long clip for each transformer (all at ``sr``), block by block.

    Parameters
    ----------
    source : str, os.PathLike or ndarray
        An audio file, or a waveform at ``sr``.
    transformers : list of AudioFeatureTransformer
    sr : int

    Returns
    -------
    list of ndarray
        What each transformer's ``_features_from`` returns for the whole clip.
    """
    plans = [t._stream_plan() for t in transformers]
    mels = {}
    tunings = {}
    first, second = [], []  # consumers of the first pass and of the one after the tuning
    frames = {}
    for j, (transformer, plan) in enumerate(zip(transformers, plans)):
        if isinstance(plan, FromMels):
            for args in plan.mels:
                key = mel_key(sr, *args)
                if key not in mels:
                    mels[key] = _MelFrames(args)
                    first.append(mels[key])
        elif isinstance(plan, FrameWise):
            frames[j] = _Frames(transformer, plan)
            if plan.tuning is None:
                first.append(frames[j])
                continue
            key = tuning_key(*plan.tuning)
            if key not in tunings:
                tunings[key] = _TuningPeaks(*plan.tuning)
                first.append(tunings[key])
            second.append(frames[j])
    if not isinstance(source, np.ndarray) and any(plan is None for plan in plans):
        # A transformer without a plan reads the whole waveform: decode the file once
        # (with load_audio's warnings) and analyse the blocks of the others from it.
        source = load_audio(source, sr=sr)[0]
    # Only the first pass over a file warns, so that a file warns once.
    n_samples = _run(source, sr, first, known={}, warn=True) if first else None
    if second:
        known = {key: peaks.result() for key, peaks in tunings.items()}
        n_samples = _run(source, sr, second, known=known, warn=False)
    joined_mels = {key: consumer.result() for key, consumer in mels.items()}
    joined = ClipContext(None, sr, n_samples=n_samples, analyses=joined_mels)
    whole = None
    out = []
    for j, (transformer, plan) in enumerate(zip(transformers, plans)):
        if isinstance(plan, FromMels):
            out.append(transformer._features_from(joined))
        elif isinstance(plan, FrameWise):
            out.append(frames[j].result())
        else:
            if whole is None:
                whole = ClipContext(source, sr)  # decoded above
            out.append(transformer._features_from(whole))
    return out


# --- what is kept of each block --------------------------------------------------------------


class _Frames:
    """The frames of a :class:`FrameWise` transformer, block after block."""

    def __init__(self, transformer, plan):
        self.frames = plan.frames or transformer._features_from
        self.finish = plan.finish
        self.width, self.hop_length = plan.width, plan.hop_length
        self.parts = []

    def take(self, ctx, start, stop):
        self.parts.append(np.array(self.frames(ctx)[:, start:stop]))

    def result(self):
        frames = _join(self)
        return frames if self.finish is None else self.finish(frames)


class _MelFrames:
    """The frames of one mel spectrogram, block after block."""

    def __init__(self, args):
        self.args = args
        self.width, self.hop_length = args[0], args[1]  # n_fft
        self.parts = []

    def take(self, ctx, start, stop):
        self.parts.append(np.array(ctx.mel(*self.args)[:, start:stop]))

    def result(self):
        return _join(self)


def _join(consumer):
    """The frames a consumer kept, joined; its blocks are let go."""
    parts, consumer.parts = consumer.parts, []
    return np.concatenate(parts, axis=1)


class _TuningPeaks:
    """The spectral peaks of the tuning estimate, block after block."""

    def __init__(self, n_fft, hop_length, power, bins_per_octave):
        self.width, self.hop_length, self.power = n_fft, hop_length, power
        self.bins_per_octave = bins_per_octave
        self.pitches, self.magnitudes = [], []

    def take(self, ctx, start, stop):
        P = ctx.spectrogram(self.width, self.hop_length, self.power)
        # The FFT size read off the spectrogram's height, as ClipContext.tuning does.
        pitch, magnitude = tuning_peaks(P[:, start:stop], sr=ctx.sr, n_fft=2 * (P.shape[0] - 1))
        self.pitches.append(pitch)
        self.magnitudes.append(magnitude)

    def result(self):
        return tuning_from_peaks(np.concatenate(self.pitches), np.concatenate(self.magnitudes),
                                 bins_per_octave=self.bins_per_octave)  # fmt: skip


# --- blocks of frames over a stream of samples -----------------------------------------------


class _Grid:
    """Consumers with one hop length, fed blocks of frames through a shared ClipContext."""

    def __init__(self, sr, hop_length, consumers, known):
        self.sr, self.hop, self.consumers, self.known = sr, hop_length, consumers, known
        self.right = max(c.width - c.width // 2 for c in consumers)  # samples after a centre
        self.margin = -(-max(c.width // 2 for c in consumers) // hop_length)  # frames before
        # Blocks long beside their margins, which are analysed twice.
        self.block = max(_BLOCK_FRAMES, 8 * self.margin)
        self.next = 0  # the first frame not analysed yet

    def first_needed(self):
        """The first sample the next block reads (a frame boundary)."""
        return max(0, (self.next - self.margin) * self.hop)

    def advance(self, buffer, offset, end, eof):
        """Analyse the blocks that the samples ``buffer`` (from sample ``offset``) allow."""
        while True:
            if eof:
                last = frame_count(end, self.hop)
            else:
                last = (end - self.right) // self.hop + 1 if end >= self.right else 0
            if last <= self.next or (not eof and last - self.next < self.block):
                return
            stop = min(last, self.next + self.block)
            a = self.first_needed()
            b = (stop - 1) * self.hop + self.right
            if eof:
                b = min(b, end)  # ends where the clip does: padded as the whole clip is
            ctx = ClipContext(buffer[a - offset : b - offset], self.sr, analyses=self.known)
            first = a // self.hop
            for consumer in self.consumers:
                consumer.take(ctx, self.next - first, stop - first)
            self.next = stop


def _run(source, sr, consumers, known, warn):
    """Feed the clip through the consumers in blocks; its length in samples at ``sr``.

    ``warn``: warn, as :func:`~sklearn_music.load_audio` does, when a file's channels
    cancel in the mono mix.
    """
    by_hop = {}
    for consumer in consumers:
        by_hop.setdefault(consumer.hop_length, []).append(consumer)
    grids = [_Grid(sr, hop, group, known) for hop, group in by_hop.items()]
    buffer, offset, end = np.zeros(0, np.float32), 0, 0
    if isinstance(source, np.ndarray):
        chunks = _array_chunks(source)
    else:
        chunks = _file_chunks(source, sr, warn=warn)
    for chunk in chunks:
        buffer = np.concatenate([buffer, chunk])
        end += len(chunk)
        for grid in grids:
            grid.advance(buffer, offset, end, eof=False)
        keep = min(grid.first_needed() for grid in grids)
        buffer, offset = buffer[keep - offset :], keep
    for grid in grids:
        grid.advance(buffer, offset, end, eof=True)
    return end


def _array_chunks(y):
    """A waveform in memory, a chunk (a view) at a time."""
    for start in range(0, len(y), _READ_FRAMES):
        yield y[start : start + _READ_FRAMES]


class _ForwardFile(sf.SoundFile):
    """A :class:`soundfile.SoundFile` read from start to end, never seeked.

    ``SoundFile.read`` of a seekable file ends by seeking to the position it has reached.
    For MP3 that seek restarts libsndfile's decoder (``mpg123_seek``), apparently without
    the bit reservoir of the frames before (mpg123 reports "part2_3_length too large"), so
    the next read starts with up to a few thousand samples that differ from a whole-file
    decode, by up to half of full scale, whatever the read size (multiples of the
    1152-sample MPEG frame fail too, on mono files). Saying the file cannot seek makes
    ``read`` skip that seek; libsndfile keeps the position itself.
    """

    def seekable(self):
        return False


def _file_chunks(path, sr, warn=True):
    """The samples of a file at ``sr``, as :func:`~sklearn_music.load_audio` gives them.

    Decoded, mixed to mono and resampled a chunk at a time; the last chunk is cropped or
    zero-padded so that the clip has ``ceil(n_frames * sr / native_sr)`` samples, as a
    whole-file resampling has. With ``warn``, the file's channels cancelling in the mono
    mix are warned about as ``load_audio`` warns, from the powers of the whole file.
    """
    path = os.fspath(path)
    check_audio_file(path)
    n_read = n_out = 0
    channel_energy = mixed_energy = 0.0  # sums of squares, for the cancel warning
    try:
        with _ForwardFile(path) as f:
            native_sr = f.samplerate
            stream = None if native_sr == sr else soxr.ResampleStream(
                native_sr, sr, 1, dtype="float32", quality="HQ")  # fmt: skip
            while True:
                block = f.read(frames=_READ_FRAMES, dtype="float32", always_2d=True)
                check_samples(block, path)  # before the mix, as load_audio checks
                last = len(block) < _READ_FRAMES
                n_read += len(block)
                if block.shape[1] == 1:
                    y = block.T[0]
                else:
                    y = block.T.mean(axis=0)  # as load_audio mixes
                    channel_energy += float(np.sum(np.square(block, dtype=np.float64)))
                    mixed_energy += float(np.sum(np.square(y, dtype=np.float64)))
                    if last and warn and n_read:
                        message = cancel_warning(path, channel_energy / (n_read * block.shape[1]),
                                                 mixed_energy / n_read)  # fmt: skip
                        if message:
                            warnings.warn(message, UserWarning, stacklevel=2)
                if stream is None:
                    y = np.ascontiguousarray(y)
                else:
                    y = stream.resample_chunk(y, last=last)
                    if last:  # the length of a whole-file resampling
                        size = math.ceil(n_read * sr / native_sr) - n_out
                        y = fix_length(y, size)
                n_out += len(y)
                yield y
                if last:
                    return
    except AudioError:
        raise
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise AudioError(f"cannot decode audio ({exc})", path) from exc
