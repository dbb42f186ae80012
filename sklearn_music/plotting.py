"""Figures people would rather look at than read: confusion matrices, spectrograms,
chromagrams, chords and beats over time, training curves and per-tag ROC curves.

Every function draws on a Matplotlib ``Axes`` (a new figure when ``ax`` is None) without
touching pyplot's global state, so it works headless; :func:`save_figure` writes a figure
file (PNG, PDF, SVG, ...) atomically.
"""

from pathlib import Path

import numpy as np
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.figure import Figure
from sklearn.metrics import ConfusionMatrixDisplay, auc, confusion_matrix, roc_curve

from ._atomic import atomic_path

__all__ = [
    "plot_confusion_matrix",
    "plot_spectrogram",
    "plot_chroma",
    "plot_chords",
    "plot_training_curves",
    "plot_roc_curves",
    "save_figure",
]


def _axes(ax, figsize):
    if ax is not None:
        return ax
    return Figure(figsize=figsize, layout="constrained").subplots()


def save_figure(fig_or_ax, path, *, dpi=120):
    """Save a figure (or the figure of an Axes) to ``path``, whole or not at all.

    Parameters
    ----------
    fig_or_ax : matplotlib Figure or Axes
    path : str or os.PathLike
        Where to write; the format follows the file name's extension (.png, .pdf, .svg,
        or any other that Matplotlib writes).
    dpi : int, default=120

    Returns
    -------
    path : str

    Raises
    ------
    ValueError
        The file name has no extension, or one that is not a figure format.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn_music.plotting import plot_confusion_matrix, save_figure
    >>> ax = plot_confusion_matrix(["a", "b"], ["a", "b"])
    >>> folder = tempfile.mkdtemp()
    >>> os.path.basename(save_figure(ax, os.path.join(folder, "cm.svg")))
    'cm.svg'
    >>> save_figure(ax, os.path.join(folder, "cm"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: cannot tell the format of the figure file '...cm': its name must end in one of ...
    """
    fig = getattr(fig_or_ax, "figure", fig_or_ax)
    file_format = _figure_format(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format=file_format)
    return str(path)


def _figure_format(path):
    """The format of a figure file, from its name's extension (``"png"`` for ``cm.png``).

    Raises
    ------
    ValueError
        The name has no extension, or one that is not a figure format Matplotlib writes.
    """
    file_format = Path(path).suffix[1:].lower()
    supported = FigureCanvasBase.get_supported_filetypes()
    if file_format not in supported:
        raise ValueError(
            f"cannot tell the format of the figure file {str(path)!r}: its name must end "
            f"in one of {', '.join('.' + name for name in sorted(supported))}"
        )
    return file_format


def plot_confusion_matrix(y_true, y_pred, *, labels=None, normalize="true", ax=None,
                          title=None):
    """Draw a confusion matrix (row = true class, column = predicted class).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_clips,)
    labels : array-like, default=None
        Class order; sorted labels by default.
    normalize : {"true", "pred", "all"} or None, default="true"
        "true" shows each row as recall per class; None shows counts.
    ax : matplotlib Axes, default=None
    title : str, default=None

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> from sklearn_music.plotting import plot_confusion_matrix
    >>> ax = plot_confusion_matrix(["a", "b", "b"], ["a", "b", "a"])
    >>> ax.get_xlabel()
    'Predicted label'
    """
    if labels is None:
        labels = np.unique(np.concatenate([np.asarray(y_true), np.asarray(y_pred)]))
    cm = confusion_matrix(y_true, y_pred, labels=labels, normalize=normalize)
    n = len(labels)
    ax = _axes(ax, figsize=(max(4.0, 0.55 * n + 2), max(3.5, 0.5 * n + 1.5)))
    display = ConfusionMatrixDisplay(cm, display_labels=[str(label) for label in labels])
    display.plot(ax=ax, cmap="Blues", colorbar=False, xticks_rotation=45,
                 values_format=".2f" if normalize else "d")
    if title:
        ax.set_title(title)
    return ax


def plot_spectrogram(S, *, sr=22050, hop_length=512, y_axis="mel", ax=None, title=None,
                     **kwargs):
    """Draw a spectrogram (for example one clip of :class:`MelSpectrogram`'s output).

    Parameters
    ----------
    S : ndarray of shape (n_bins, n_frames)
        Values to show, usually in dB.
    sr, hop_length : int
        Used to label the time axis in seconds (and the frequency axis in Hz).
    y_axis : str, default="mel"
        Any ``librosa.display.specshow`` y_axis ("mel", "linear", "log", "cqt_note", ...).
    ax : matplotlib Axes, default=None
    title : str, default=None
    **kwargs
        Passed to ``librosa.display.specshow`` (for example ``fmax``).

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music.plotting import plot_spectrogram
    >>> ax = plot_spectrogram(np.random.default_rng(0).normal(size=(64, 40)), sr=16000)
    >>> ax.get_xlabel()
    'Time'
    """
    import librosa.display

    ax = _axes(ax, figsize=(7, 3.5))
    S = np.asarray(S)
    if S.ndim != 2:
        raise ValueError(f"S must be 2-D (n_bins, n_frames), got shape {S.shape}")
    mesh = librosa.display.specshow(S, sr=sr, hop_length=hop_length, x_axis="time",
                                    y_axis=y_axis, ax=ax, **kwargs)
    # dB for spectrograms; chroma energies are small positive numbers
    ax.figure.colorbar(mesh, ax=ax, format="%.2g" if y_axis == "chroma" else "%+.0f")
    if title:
        ax.set_title(title)
    return ax


def plot_chroma(C, *, sr=22050, hop_length=512, ax=None, title=None):
    """Draw a chromagram (12 pitch classes over time).

    Parameters
    ----------
    C : ndarray of shape (12, n_frames)
    sr, hop_length : int
    ax : matplotlib Axes, default=None
    title : str, default=None

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music.plotting import plot_chroma
    >>> ax = plot_chroma(np.random.default_rng(0).uniform(size=(12, 30)))
    >>> ax.get_ylabel()
    'Pitch class'
    """
    return plot_spectrogram(C, sr=sr, hop_length=hop_length, y_axis="chroma", ax=ax,
                            title=title, cmap="magma")


def plot_chords(intervals, labels, *, beats=None, ax=None, title=None):
    """Draw chord segments as a labelled band along time, and beats as vertical lines.

    Parameters
    ----------
    intervals : ndarray of shape (n_segments, 2)
        Start and end of each segment in seconds, as :class:`~sklearn_music.ChordEstimator`
        predicts them (mir_eval's format).
    labels : list of str of length n_segments
        Chord labels in Harte's syntax ("C:maj", "A:min", "N" for no chord). Segments
        are coloured by root (neighbours on the circle of fifths in neighbouring hues),
        "N" grey; a label is written where its segment is wide enough to hold it.
    beats : array-like of float or None, default=None
        Beat times in seconds (:meth:`~sklearn_music.TempoEstimator.predict_beats`).
    ax : matplotlib Axes, default=None
        For example the upper of two Axes sharing their time axis with a
        :func:`plot_chroma` below it.
    title : str, default=None

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music.plotting import plot_chords
    >>> ax = plot_chords(np.array([[0.0, 2.0], [2.0, 4.0]]), ["C:maj", "A:min"],
    ...                  beats=[0.5, 1.0, 1.5, 2.0])
    >>> [t.get_text() for t in ax.texts]
    ['C:maj', 'A:min']
    """
    import mir_eval

    intervals = np.asarray(intervals, dtype=float)
    if intervals.ndim != 2 or intervals.shape[1] != 2 or len(intervals) != len(labels):
        raise ValueError(f"intervals must be (n_segments, 2) with one label each, got shape "
                         f"{intervals.shape} and {len(labels)} labels")  # fmt: skip
    ax = _axes(ax, figsize=(10, 1.2))
    on_time = ax.get_xaxis_transform()  # x in seconds, y from 0 to 1 over the Axes
    span = intervals[-1, 1] - intervals[0, 0] if len(intervals) else 1.0
    for (start, end), label in zip(intervals, labels):
        try:
            root = mir_eval.chord.encode(label)[0] if label not in ("N", "X") else -1
        except mir_eval.chord.InvalidChordException as exc:
            raise ValueError(f"chord label {label!r} of the segment {start:g}-{end:g} s is not "
                             f"in Harte's syntax: {exc}") from None
        ax.axvspan(start, end, facecolor="0.85" if root < 0 else _root_colour(root),
                   alpha=0.5, edgecolor="white", linewidth=0.5)  # fmt: skip
        if (end - start) / span > 0.01 * len(label):
            ax.text((start + end) / 2, 0.5, label, transform=on_time, ha="center",
                    va="center", fontsize=7, clip_on=True)  # fmt: skip
    if beats is not None:
        ax.vlines(np.asarray(beats, dtype=float), 0, 1, transform=on_time, colors="black",
                  linewidth=0.6, alpha=0.6)  # fmt: skip
    ax.set_yticks([])
    if len(intervals):
        ax.set_xlim(intervals[0, 0], intervals[-1, 1])
    ax.set_xlabel("Time (s)")
    if title:
        ax.set_title(title)
    return ax


def _root_colour(root):
    """One hue per pitch class, in the circle of fifths' order: related chords look alike."""
    import matplotlib

    return matplotlib.colormaps["hsv"]((root * 7 % 12) / 12.0)


def plot_training_curves(history, *, metrics=("train_loss", "valid_loss"), ax=None,
                         title=None):
    """Draw per-epoch training curves from a skorch ``history`` (or a list of dicts).

    Parameters
    ----------
    history : skorch History or list of dict
        One entry per epoch, e.g. ``net.history`` or ``pipeline[-1].history``.
    metrics : sequence of str, default=("train_loss", "valid_loss")
        Keys to plot; keys missing from every epoch are skipped, and the epoch with the
        lowest ``valid_loss`` is marked when present.
    ax : matplotlib Axes, default=None
    title : str, default=None

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> from sklearn_music.plotting import plot_training_curves
    >>> h = [{"epoch": 1, "train_loss": 1.0, "valid_loss": 1.2},
    ...      {"epoch": 2, "train_loss": 0.5, "valid_loss": 0.9}]
    >>> ax = plot_training_curves(h)
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['train_loss', 'valid_loss']
    """
    ax = _axes(ax, figsize=(6, 3.5))
    epochs = [row.get("epoch", i + 1) for i, row in enumerate(history)]
    drawn = 0
    for key in metrics:
        values = [row.get(key, np.nan) for row in history]
        if np.all(np.isnan(np.asarray(values, dtype=float))):
            continue
        ax.plot(epochs, values, marker="o", markersize=3, label=key)
        drawn += 1
    if drawn == 0:
        raise ValueError(f"none of {list(metrics)} is in the history")
    valid = np.asarray([row.get("valid_loss", np.nan) for row in history], dtype=float)
    if not np.all(np.isnan(valid)):
        best = int(np.nanargmin(valid))
        ax.axvline(epochs[best], color="grey", linestyle=":", linewidth=1,
                   label="_best epoch")
    ax.set_xlabel("epoch")
    ax.legend()
    if title:
        ax.set_title(title)
    return ax


def plot_roc_curves(y_true, y_score, *, tag_names=None, ax=None, title=None, max_tags=20):
    """Draw one ROC curve per tag for a multi-label tagger, with its area in the legend.

    Parameters
    ----------
    y_true : array-like of shape (n_clips, n_tags)
        0/1 targets.
    y_score : array-like of shape (n_clips, n_tags)
        Scores or probabilities, e.g. ``CNNTagger.predict_proba``.
    tag_names : sequence of str, default=None
    ax : matplotlib Axes, default=None
    title : str, default=None
    max_tags : int, default=20
        Draw at most this many tags (the first ones), to keep the figure readable.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music.plotting import plot_roc_curves
    >>> y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    >>> ax = plot_roc_curves(y, y * 0.8 + 0.1, tag_names=["guitar", "voice"])
    >>> ax.get_legend().get_texts()[0].get_text()
    'guitar (AUC 1.00)'
    """
    y_true = np.asarray(y_true)
    y_score = np.asarray(y_score, dtype=float)
    if y_true.ndim != 2 or y_true.shape != y_score.shape:
        raise ValueError(
            f"y_true and y_score must both be (n_clips, n_tags), got {y_true.shape} "
            f"and {y_score.shape}"
        )
    names = tag_names if tag_names is not None else [f"tag {j}" for j in range(y_true.shape[1])]
    if len(names) != y_true.shape[1]:
        raise ValueError(f"tag_names has {len(names)} names for {y_true.shape[1]} tags")
    ax = _axes(ax, figsize=(5, 5))
    for j in range(min(y_true.shape[1], max_tags)):
        if len(np.unique(y_true[:, j])) < 2:
            continue  # ROC is undefined when a tag is always or never present
        fpr, tpr, _ = roc_curve(y_true[:, j], y_score[:, j])
        ax.plot(fpr, tpr, label=f"{names[j]} (AUC {auc(fpr, tpr):.2f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title)
    return ax
