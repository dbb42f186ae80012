"""skorch callbacks used by :class:`~sklearn_music.CNNClassifier` and
:class:`~sklearn_music.CNNTagger`."""

import json
import os
import warnings

import numpy as np
import torch
from skorch.callbacks import Callback, EarlyStopping, LRScheduler
from skorch.history import History
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import roc_auc_score

from ._atomic import atomic_path

__all__ = ["ValidationScore", "TrainingCheckpoint", "accuracy_from_logits",
           "roc_auc_from_logits"]


def accuracy_from_logits(y_true, logits):
    """Fraction of clips whose largest logit is the true class."""
    return float((logits.argmax(axis=1) == y_true).mean())


def roc_auc_from_logits(y_true, logits):
    """Macro ROC-AUC over the tags that are both present and absent; NaN if none is."""
    both = (y_true.min(axis=0) == 0) & (y_true.max(axis=0) == 1)
    if not both.any():
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return float(roc_auc_score(y_true[:, both], logits[:, both], average="macro"))


class ValidationScore(Callback):
    """Record a score of the validation outputs in the history after every epoch.

    It reuses the outputs of the validation pass that computes ``valid_loss``, so scoring
    costs no extra forward pass (skorch's ``EpochScoring`` would predict again).

    Parameters
    ----------
    name : str
        History key, e.g. ``"valid_acc"``.
    score_func : callable
        ``score_func(y_true, logits) -> float`` on NumPy arrays.

    Examples
    --------
    >>> from sklearn_music.callbacks import ValidationScore, accuracy_from_logits
    >>> ValidationScore("valid_acc", accuracy_from_logits).name
    'valid_acc'
    """

    def __init__(self, name, score_func):
        self.name = name
        self.score_func = score_func

    def initialize(self):
        self._targets, self._logits = [], []
        return self

    def on_epoch_begin(self, net, **kwargs):
        self._targets, self._logits = [], []

    def on_batch_end(self, net, batch=None, training=False, y_pred=None, **kwargs):
        if training or y_pred is None:
            return
        self._targets.append(torch.as_tensor(batch[1]).detach().cpu().numpy())
        self._logits.append(y_pred.detach().float().cpu().numpy())

    def on_epoch_end(self, net, **kwargs):
        if self._logits:
            score = self.score_func(np.concatenate(self._targets), np.concatenate(self._logits))
            net.history.record(self.name, score)
        self._targets, self._logits = [], []


_FORMAT = "sklearn-music-training-checkpoint"
_VERSION = 1


class TrainingCheckpoint(Callback):
    """Save everything training needs to go on after every epoch; resume from it.

    After each epoch the file ``checkpoint.pt`` in ``dirname`` is replaced, atomically
    (written beside it under a temporary name, then renamed), by the state of the whole
    run: the network's weights, the optimizer's and criterion's state, the state of
    skorch's :class:`~skorch.callbacks.LRScheduler`,
    :class:`~skorch.callbacks.EarlyStopping` and scoring callbacks (best scores), the
    history, the fitted ``attributes`` the net names, the run's seed and the random
    states of PyTorch (CPU, and CUDA when training there) and NumPy. A run killed at any
    moment leaves the checkpoint of its last complete epoch, or none; temporary files
    are never read.

    Call :meth:`load` before training: it reads the checkpoint of the same run,
    identified by ``fingerprint``. The net restores the fitted attributes and the seed
    (:attr:`seed_`) before it builds its data, and the
    weights, optimizer and history (:meth:`restore`) before training begins; the rest
    is restored on ``on_train_begin``, after the other callbacks have set up, so the
    remaining epochs run exactly as they would have without the interruption. When
    training ends by completing its epochs or by early stopping, the checkpoint is
    marked finished and holds the final weights: loading it again trains no further.

    CNNClassifier and CNNTagger add this callback themselves when ``checkpoint_dir``
    is set; the states of other callbacks are not saved.

    Parameters
    ----------
    dirname : str or os.PathLike
        Folder of the checkpoint; created when missing.
    fingerprint : dict of str to str
        What defines the run (estimator, parameters, data hashes). A checkpoint with
        another fingerprint is never resumed: :meth:`load` raises ValueError naming
        the entries that differ.
    seed : int
        The seed of a new run, saved with the checkpoint.
    attributes : tuple of str, default=()
        Fitted attributes of the net (arrays or numbers) to save and restore.

    Attributes
    ----------
    state_ : dict or None
        The checkpoint :meth:`load` read, until it is restored; None when there is none.
    seed_ : int
        The run's seed: the saved one when resuming, else ``seed``.
    saved_epochs_ : int
        Epochs in the checkpoint on disk.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn_music.callbacks import TrainingCheckpoint
    >>> checkpoint = TrainingCheckpoint(tempfile.mkdtemp(), {"lr": "0.01"}, seed=0)
    >>> checkpoint.load().state_ is None  # an empty folder: training starts from scratch
    True
    """

    def __init__(self, dirname, fingerprint, seed, attributes=()):
        self.dirname = dirname
        self.fingerprint = fingerprint
        self.seed = seed
        self.attributes = attributes

    @property
    def path(self):
        """The checkpoint file, ``dirname/checkpoint.pt``."""
        return os.path.join(os.fspath(self.dirname), "checkpoint.pt")

    # ------------------------------------------------------------------- reading
    def load(self):
        """Read the checkpoint of this run, when there is one.

        Returns
        -------
        self : TrainingCheckpoint

        Raises
        ------
        ValueError
            The file cannot be read, was not written by this class, or belongs to
            another run (other data, parameters or estimator).
        """
        self.state_ = None
        self.seed_ = self.seed
        self.saved_epochs_ = 0
        if not os.path.exists(self.path):
            return self
        try:
            state = torch.load(self.path, map_location="cpu", weights_only=True)
        except Exception as exc:  # torch raises many types for a damaged file
            raise ValueError(f"{self.path}: cannot read the training checkpoint ({exc}); "
                             "delete it to train from scratch") from exc
        if not isinstance(state, dict) or state.get("format") != _FORMAT:
            raise ValueError(f"{self.path}: not a training checkpoint of sklearn-music")
        if state["version"] != _VERSION:
            raise ValueError(f"{self.path}: checkpoint format version {state['version']}, "
                             f"this sklearn-music reads version {_VERSION}")
        differences = _differences(state["fingerprint"], self.fingerprint)
        if differences:
            raise ValueError(
                f"{self.path} is the checkpoint of another training run ("
                f"{'; '.join(differences)}). Fit with the same data and parameters to resume "
                "it, or use another checkpoint_dir (or delete the file) to train from scratch."
            )
        self.state_ = state
        self.seed_ = state["seed"]
        self.saved_epochs_ = state["epoch"]
        return self

    @property
    def finished(self):
        """Whether the loaded checkpoint is of a run that ended."""
        return self.state_ is not None and self.state_["finished"]

    def saved_attributes(self):
        """The fitted attributes saved in the loaded checkpoint, as NumPy arrays or
        numbers; empty without a checkpoint."""
        return {} if self.state_ is None else _attributes(self.state_)

    # ----------------------------------------------------------------- restoring
    def restore(self, net):
        """Put the loaded weights, optimizer and criterion state and history into an
        initialised net.

        Called before training, so that the callbacks set up for the run so far (skorch's
        learning-rate schedules start at the epoch the history has reached); training
        restores the rest on ``on_train_begin``. A finished run needs only this.
        """
        net.module_.load_state_dict(self.state_["module"])
        net.optimizer_.load_state_dict(self.state_["optimizer"])
        net.criterion_.load_state_dict(self.state_["criterion"])
        net.history = History(json.loads(self.state_["history"]))

    # -------------------------------------------------------------------- saving
    def save(self, net, *, finished=False):
        """Write the net's training state to :attr:`path`, atomically."""
        callbacks = {name: _callback_state(cb) for name, cb in net.callbacks_}
        device = torch.device(net.device)
        bit_generator, key, pos, has_gauss, gauss = np.random.get_state()
        state = {
            "format": _FORMAT,
            "version": _VERSION,
            "fingerprint": dict(self.fingerprint),
            "seed": int(self.seed_),
            "epoch": len(net.history),
            "finished": finished,
            "module": net.module_.state_dict(),
            "optimizer": net.optimizer_.state_dict(),
            "criterion": net.criterion_.state_dict(),
            "callbacks": {name: saved for name, saved in callbacks.items() if saved},
            "history": json.dumps(net.history.to_list(), default=_plain),
            "attributes": {name: _tensor_or_number(getattr(net, name))
                           for name in self.attributes},
            "rng": {
                "torch": torch.get_rng_state(),
                "cuda": torch.cuda.get_rng_state(device) if device.type == "cuda" else None,
                "numpy": {"bit_generator": bit_generator, "key": torch.from_numpy(
                    key.astype(np.int64)), "pos": int(pos), "has_gauss": int(has_gauss),
                    "gauss": float(gauss)},
            },
        }
        with atomic_path(self.path) as tmp:
            torch.save(state, tmp)
        self.saved_epochs_ = len(net.history)

    # ----------------------------------------------------------------- callbacks
    def on_train_begin(self, net, **kwargs):
        if self.state_ is None:
            return
        state, self.state_ = self.state_, None  # the tensors now live in the net
        # The other callbacks have set up: put back what their set-up reset, and the
        # learning rates a schedule's first step changed.
        net.optimizer_.load_state_dict(state["optimizer"])
        for name, cb in net.callbacks_:
            if name in state["callbacks"]:
                _load_callback_state(cb, state["callbacks"][name])
        rng = state["rng"]
        torch.set_rng_state(rng["torch"])
        device = torch.device(net.device)
        if device.type == "cuda" and rng["cuda"] is not None:
            torch.cuda.set_rng_state(rng["cuda"], device)
        numpy_state = rng["numpy"]
        np.random.set_state((numpy_state["bit_generator"], numpy_state["key"].numpy().astype(
            np.uint32), numpy_state["pos"], numpy_state["has_gauss"], numpy_state["gauss"]))

    def on_epoch_end(self, net, **kwargs):
        self.save(net)

    def on_train_end(self, net, **kwargs):
        # Early stopping ends training by raising in its on_epoch_end, before this
        # callback's; a KeyboardInterrupt from the user ends it mid-epoch. Only the
        # first is an end: the second leaves the last epoch's checkpoint to resume.
        stopped = any(isinstance(cb, EarlyStopping) and cb.misses_ >= cb.patience
                      for _, cb in net.callbacks_)
        completed = self.saved_epochs_ == len(net.history) >= net.max_epochs
        if stopped or completed:
            self.save(net, finished=True)


def _callback_state(cb):
    """What skorch's scoring callbacks, early stopping and learning-rate schedules carry
    from one epoch to the next."""
    state = {}
    if hasattr(cb, "best_score_"):
        state["best_score"] = None if cb.best_score_ is None else float(cb.best_score_)
    if isinstance(cb, EarlyStopping):
        state.update(misses=int(cb.misses_), dynamic_threshold=float(cb.dynamic_threshold_),
                     best_epoch=int(cb.best_epoch_), best_model_weights=cb.best_model_weights_)
    elif isinstance(cb, LRScheduler):
        policy = cb.lr_scheduler_
        state.update(batch_idx=int(cb.batch_idx_),
                     policy=None if policy is None else policy.state_dict())
    return state


def _load_callback_state(cb, state):
    if "best_score" in state:
        cb.best_score_ = state["best_score"]
    if isinstance(cb, EarlyStopping):
        cb.misses_ = state["misses"]
        cb.dynamic_threshold_ = state["dynamic_threshold"]
        cb.best_epoch_ = state["best_epoch"]
        cb.best_model_weights_ = state["best_model_weights"]
    elif isinstance(cb, LRScheduler):
        cb.batch_idx_ = state["batch_idx"]
        if cb.lr_scheduler_ is not None and state["policy"] is not None:
            cb.lr_scheduler_.load_state_dict(state["policy"])


def _differences(saved, current):
    """What differs between two fingerprints, in words."""
    differences = []
    for key in sorted(set(saved) | set(current)):
        before, now = saved.get(key, "(not set)"), current.get(key, "(not set)")
        if before == now:
            continue
        if key in ("X", "y"):
            differences.append(f"the training data {key} differs")
        else:
            differences.append(f"{key} was {before}, now {now}")
    return differences


def _attributes(state):
    return {name: value.numpy() if torch.is_tensor(value) else value
            for name, value in state["attributes"].items()}


def _tensor_or_number(value):
    return torch.from_numpy(np.array(value)) if isinstance(value, np.ndarray) else value


def _plain(value):
    """JSON for NumPy and PyTorch values a callback recorded in the history."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot save the history value {value!r} ({type(value).__name__}) "
                    "in a training checkpoint; record numbers, strings or lists")
