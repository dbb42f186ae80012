"""Major/minor chord recognition: chroma, 25 templates and an HMM smoothed by Viterbi."""

from numbers import Integral, Real

import librosa
import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions

from ..features.key_profiles import PITCH_CLASSES
from ._chroma import CHROMA_KINDS, chroma_frames
from ._clips import check_clips, warn_short_clips
from ._periodicity import onset_envelopes

__all__ = ["ChordEstimator", "CHORD_LABELS"]

#: The 25 labels that :class:`ChordEstimator` outputs, in Harte's syntax (mir_eval's).
CHORD_LABELS = tuple(
    [f"{r}:maj" for r in PITCH_CLASSES] + [f"{r}:min" for r in PITCH_CLASSES] + ["N"]
)
_SILENCE = 1e-3  # frames quieter than this fraction of the loudest one are "N"
_HOP_SECONDS = 2048 / 22050  # the default frame hop, about 93 ms at every sample rate


def _chord_templates():
    """(25, 12) unit templates: 12 major triads, 12 minor triads, flat "no chord"."""
    major = np.zeros(12)
    major[[0, 4, 7]] = 1.0
    minor = np.zeros(12)
    minor[[0, 3, 7]] = 1.0
    rows = [np.roll(major, r) for r in range(12)] + [np.roll(minor, r) for r in range(12)]
    templates = np.array(rows + [np.ones(12)])
    return templates / np.linalg.norm(templates, axis=1, keepdims=True)


def _segments(states, boundaries):
    """Merge runs of equal states into (intervals, labels); boundaries has n_states + 1 times.

    States that last no time are dropped first: the boundaries are clipped to the clip's
    end, so a frame that starts there (the last one when the clip's length is a multiple
    of the hop, or several of a clip zero-padded for analysis) would make a segment
    ``[duration, duration]``, which mir_eval rejects.
    """
    lasting = np.diff(boundaries) > 0
    states, starts, ends = states[lasting], boundaries[:-1][lasting], boundaries[1:][lasting]
    first = np.flatnonzero(np.diff(states, prepend=-1))  # the first state of each run
    last = np.append(first[1:] - 1, len(states) - 1)
    return np.column_stack([starts[first], ends[last]]), [CHORD_LABELS[s] for s in states[first]]


class ChordEstimator(BaseEstimator):
    """Major and minor triads (and "N", no chord) over time, in mir_eval's format.

    Each frame's chroma (harmonic part, tuned constant-Q, from C2) is compared with 24
    triad templates by cosine similarity; frames quieter than a thousandth of the loudest
    one are "N" (no chord), and only they: real mixes are rarely without harmony. With
    ``method="hmm"`` the similarities become emission probabilities of a 25-state hidden
    Markov model whose states prefer to stay (``self_transition``), and Viterbi decoding
    gives the most likely chord sequence, without the frame-to-frame flicker of
    ``method="template"``. With ``beat_sync=True`` the chroma is first averaged between
    beats, so chords change on beats only.

    Parameters
    ----------
    sr : int, default=22050
        Sample rate that files are loaded at, and the rate of waveforms given in memory.
    method : {"hmm", "template"}, default="hmm"
        Viterbi-smoothed HMM, or the best template of each frame.
    beat_sync : bool, default=False
        One chord per beat (beats tracked from the onset envelope). A clip without a
        tracked beat (silence, a sustained chord without onsets) is decoded frame by frame.
    self_transition : float, default=0.9
        HMM probability that a frame (or beat) keeps the chord of the previous one.
    hop_length : int or None, default=None
        Samples between chroma frames. None is about 93 ms at any ``sr`` (2048 samples at
        22050 Hz, 743 at 8000 Hz), so that frames last as long whatever the sample rate.
    chroma : {"cqt", "nnls", "stft", "cens"}, default="cqt"
        Chroma: pitch-centred constant-Q bins from C2 to B5, the notes from C2 to B5 of an
        approximate transcription (NNLS chroma, as :class:`KeyEstimator` uses), or
        librosa's STFT or CENS chroma.
    harmonic : bool, default=True
        Remove the percussive part before computing chroma.
    tuning : float or None, default=None
        Deviation from A440 in fractions of a semitone; None estimates it per clip.
    n_jobs : int or None, default=None
        Clips analysed in parallel.

    Attributes
    ----------
    labels_ : tuple of str
        The 25 chord labels the estimator can output (:data:`CHORD_LABELS`).

    See Also
    --------
    sklearn_music.metrics.chord_score : Weighted chord symbol recall via mir_eval.

    Notes
    -----
    The estimator is stateless, as scikit-learn's stateless transformers are: the templates
    and the transition probabilities are fixed by the parameters, nothing is learned from
    data, ``fit`` only validates the parameters (and ignores ``y``), and ``predict`` works
    before it. ``fit`` is there so that the estimator fits in pipelines and in model
    selection, e.g. ``GridSearchCV`` over ``self_transition`` scored by
    :data:`~sklearn_music.metrics.chord_majmin_scorer`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music import ChordEstimator
    >>> sr = 22050
    >>> t = np.arange(2 * sr) / sr
    >>> def triad(*freqs):
    ...     return sum(np.sin(2 * np.pi * f * t) for f in freqs)
    >>> y = np.concatenate([triad(261.63, 329.63, 392.0), triad(220.0, 261.63, 329.63)])
    >>> intervals, labels = ChordEstimator(sr=sr).predict([y])[0]
    >>> labels
    ['C:maj', 'A:min']
    >>> intervals.round(1).tolist()
    [[0.0, 2.0], [2.0, 4.0]]
    """

    _parameter_constraints = {
        "sr": [Interval(Integral, 1, None, closed="left")],
        "method": [StrOptions({"hmm", "template"})],
        "beat_sync": ["boolean"],
        "self_transition": [Interval(Real, 0, 1, closed="neither")],
        "hop_length": [Interval(Integral, 1, None, closed="left"), None],
        "chroma": [StrOptions(set(CHROMA_KINDS))],
        "harmonic": ["boolean"],
        "tuning": [Interval(Real, -0.5, 0.5, closed="both"), None],
        "n_jobs": [Integral, None],
    }

    def __init__(self, *, sr=22050, method="hmm", beat_sync=False, self_transition=0.9,
                 hop_length=None, chroma="cqt", harmonic=True, tuning=None,
                 n_jobs=None):  # fmt: skip
        self.sr = sr
        self.method = method
        self.beat_sync = beat_sync
        self.self_transition = self_transition
        self.hop_length = hop_length
        self.chroma = chroma
        self.harmonic = harmonic
        self.tuning = tuning
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the parameters (and X when it holds waveforms); nothing is learned.

        Parameters
        ----------
        X : array-like of str of shape (n_clips,), or waveforms
            Audio file paths, a 2-D float array (n_clips, n_samples), or a list of
            1-D waveforms at ``sr``.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The estimator.
        """
        check_clips(self, X, load=False, reset=True)
        self.labels_ = CHORD_LABELS
        return self

    def _hop(self):
        """Samples between chroma frames: ``hop_length``, or about 93 ms at ``sr``."""
        if self.hop_length is not None:
            return self.hop_length
        return max(1, int(round(_HOP_SECONDS * self.sr)))

    def _frame_similarity(self, y):
        """(25, n_frames) cosine similarity of each frame's chroma with each template."""
        chroma = chroma_frames(
            y, sr=self.sr, kind=self.chroma, harmonic=self.harmonic, tuning=self.tuning,
            hop_length=self._hop(), fmin=65.41, compression=0.0,
        )  # fmt: skip
        energy = chroma.sum(axis=0)
        silent = energy <= _SILENCE * max(energy.max(), 1e-12)
        chroma[:, silent] = 1.0  # silence looks like nothing but "no chord"
        chroma = np.log1p(10.0 * chroma / chroma.max(axis=0, keepdims=True))
        chroma /= np.linalg.norm(chroma, axis=0, keepdims=True)
        similarity = _chord_templates() @ chroma
        # "N" is for silence only: the compressed chroma of a dense real mix (sustained
        # passing notes, reverb, distorted guitars) is close to flat, and the flat template
        # used to beat every triad in most frames of real music.
        similarity[-1, ~silent] = -1.0
        return similarity

    def _beat_frames(self, y, n_frames):
        envelope = onset_envelopes(y, sr=self.sr).sum(axis=0)
        _, beats = librosa.beat.beat_track(onset_envelope=envelope, sr=self.sr, hop_length=256)
        beat_times = librosa.frames_to_time(beats, sr=self.sr, hop_length=256)
        frames = librosa.time_to_frames(beat_times, sr=self.sr, hop_length=self._hop())
        return np.unique(np.clip(frames, 1, n_frames - 1))

    def _predict_one(self, y):
        similarity = self._frame_similarity(y)
        n_frames = similarity.shape[1]
        duration = len(y) / self.sr
        boundaries = np.minimum(
            librosa.frames_to_time(np.arange(n_frames + 1), sr=self.sr, hop_length=self._hop()),
            duration,
        )
        cuts = self._beat_frames(y, n_frames) if self.beat_sync and n_frames > 2 else []
        if len(cuts):  # without beats (silence, no onsets) the frames are decoded
            similarity = librosa.util.sync(similarity, cuts, aggregate=np.mean)
            boundaries = np.concatenate([[0.0], boundaries[cuts], [duration]])
        boundaries[-1] = duration
        if self.method == "template":
            states = np.argmax(similarity, axis=0)
        else:
            # Concentrated emissions: a cosine 0.1 higher is e times more likely.
            emission = np.exp(10.0 * (similarity - similarity.max(axis=0)))
            emission /= emission.sum(axis=0)
            transition = librosa.sequence.transition_loop(len(CHORD_LABELS), self.self_transition)
            states = librosa.sequence.viterbi(emission, transition)
        return _segments(states, boundaries)

    def predict(self, X):
        """Chord segments of each clip.

        Parameters
        ----------
        X : array-like of str of shape (n_clips,), or waveforms
            Audio file paths or waveforms at ``sr``.

        Returns
        -------
        chords : list of (intervals, labels)
            For each clip, intervals of shape (n_segments, 2) in seconds covering the clip,
            and the list of their labels (``"C:maj"``, ``"A:min"``, ``"N"``), as
            ``mir_eval.io.load_labeled_intervals`` returns them.
        """
        self._validate_params()
        waves = check_clips(self, X)
        warn_short_clips(waves, self.sr, "too short to hold a chord, their predicted chords "
                         "are arbitrary", stacklevel=2)
        return Parallel(n_jobs=self.n_jobs)(delayed(self._predict_one)(w) for w in waves)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.string = True
        return tags
