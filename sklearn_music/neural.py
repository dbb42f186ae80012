"""CNNs on spectrograms as scikit-learn estimators, trained through skorch.

:class:`CNNClassifier` (one label per clip, softmax) and :class:`CNNTagger` (any number of
tags per clip, one sigmoid each) are skorch nets with music defaults: they take the 3-D
output of :class:`~sklearn_music.MelSpectrogram` as it is, learn a per-band normalisation,
train with augmentation, a validation split, early stopping and a learning-rate schedule,
and predict clips of any length by averaging over chunks. Everything that shapes training
is an ``__init__`` parameter, so ``GridSearchCV`` and Optuna can tune it, and skorch's
prefixed parameters (``module__width``, ``optimizer__momentum``,
``callbacks__print_log__floatfmt``, ...) work as in any skorch net.
"""

import copy
import inspect
import json
import os
from contextlib import contextmanager, nullcontext
from functools import partial
from numbers import Integral, Real
from types import MappingProxyType

import joblib
import numpy as np
import torch
from scipy.sparse import issparse
from skorch import NeuralNet, NeuralNetClassifier
from skorch.callbacks import EarlyStopping, EpochTimer, LRScheduler, PassthroughScoring, PrintLog
from skorch.dataset import Dataset as SkorchDataset
from skorch.utils import to_tensor
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import f1_score
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_parameter_constraints
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_consistent_length, check_is_fitted, validate_data
from torch import nn
from torch.utils.data import DataLoader
from torch.utils.data import Dataset as TorchDataset

from ._describe import describe
from ._frames import stack_frames
from .callbacks import (TrainingCheckpoint, ValidationScore, accuracy_from_logits,
                        roc_auc_from_logits)
from .models import ARCHITECTURES
from .models._data import (BLOCK, ClipDataset, band_statistics, chunk, frame_lengths, normalise,
                           trim_leading)
from .models.augment import SpecAugment

__all__ = ["CNNClassifier", "CNNTagger"]

_OPTIMIZERS = {
    "adamw": (torch.optim.AdamW, {}),
    "adam": (torch.optim.Adam, {}),
    "sgd": (torch.optim.SGD, {"momentum": 0.9, "nesterov": True}),
}


def _resolve_device(device):
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        return str(torch.device(device))
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device must be 'auto' or a torch device such as 'cpu' or 'cuda:0', got {device!r}"
        ) from None


@contextmanager
def _seeded(seed, device):
    """Seed PyTorch inside, and leave its global random state as it was outside.

    cuDNN's deterministic algorithms are switched on inside as well: its fastest backward
    convolutions add in a varying order, so on CUDA the same seed would otherwise train a
    slightly different network each time.
    """
    device = torch.device(device)
    devices = [device.index or 0] if device.type == "cuda" else []
    cudnn = torch.backends.cudnn
    flags = cudnn.deterministic, cudnn.benchmark
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        cudnn.deterministic, cudnn.benchmark = True, False
        try:
            yield
        finally:
            cudnn.deterministic, cudnn.benchmark = flags


@contextmanager
def _torch_threads(n_jobs):
    """Run PyTorch on ``n_jobs`` CPU threads inside, as many as before outside."""
    before = torch.get_num_threads()
    torch.set_num_threads(n_jobs if n_jobs > 0 else max(1, (os.cpu_count() or 1) + 1 + n_jobs))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _decays(name, param):
    """Whether weight decay applies to a parameter: to weights (two or more dimensions),
    not to biases or normalisation scales. A lazy layer's parameters have no shape before
    the first batch; all but its bias are weights."""
    if isinstance(param, nn.parameter.UninitializedParameter):
        return not name.endswith("bias")
    return param.ndim > 1


def _without_scheduler(callback):
    """``callback``, or a copy of it without the PyTorch scheduler it made for the last run.

    skorch's LRScheduler keeps the scheduler, and through it the optimizer and every
    parameter on the training device. Pickled beside the net, which saves its own with
    their device mapped on loading, that second copy would stop a model trained on CUDA
    from loading where there is none; skorch makes a new scheduler at the start of every
    run, so nothing is lost.
    """
    if getattr(callback, "lr_scheduler_", None) is None:
        return callback
    callback = copy.copy(callback)
    callback.lr_scheduler_ = None
    return callback


# Parameters that change where or how visibly training runs, not what it learns: a
# checkpoint resumes with other values of them (n_jobs and device change the rounding of
# floating-point sums, so bit-identical results need the same ones).
_RESUMABLE_WITH_OTHER = {"checkpoint_dir", "device", "n_jobs", "verbose", "callbacks"}


def _accepts(cls, name):
    params = inspect.signature(cls).parameters
    return name in params or any(p.kind == p.VAR_KEYWORD for p in params.values())


class _FitData(TorchDataset):
    """The training clips, carrying the validation clips to ``get_split_datasets``."""

    def __init__(self, train, valid):
        self.train = train
        self.valid = valid

    def __len__(self):
        return len(self.train)

    def __getitem__(self, i):
        return self.train[i]


class _SpectrogramNet:
    """What CNNClassifier and CNNTagger share: data handling, training setup, devices."""

    _parameter_constraints = {
        "architecture": [StrOptions(set(ARCHITECTURES)), type],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [StrOptions(set(_OPTIMIZERS)), type],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "l1": [Interval(Real, 0, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "patience": [Interval(Integral, 1, None, closed="left"), None],
        "lr_schedule": [StrOptions({"cosine", "plateau"}), None],
        "augment": ["boolean"],
        "vibrato": [Interval(Real, 0, None, closed="left")],
        "shorten": [Interval(Real, 0, 1, closed="both")],
        "reverb": [Interval(Real, 0, None, closed="left")],
        "snr_db": [Interval(Real, None, None, closed="neither"), None],
        "time_mask": [Interval(Real, 0, 1, closed="both")],
        "freq_mask": [Interval(Real, 0, 1, closed="both")],
        "gain_db": [Interval(Real, 0, None, closed="left")],
        "mixup": [Interval(Real, 0, None, closed="left")],
        "chunk_frames": [Interval(Integral, 1, None, closed="left"), None],
        "trim_db": [Interval(Real, 0, None, closed="left"), None],
        "peak_norm": ["boolean"],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "device": [str, torch.device],
        "n_jobs": [Interval(Integral, None, -1, closed="right"),
                   Interval(Integral, 1, None, closed="left"), None],
        "callbacks": [list, None],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
        "checkpoint_dir": [str, os.PathLike, None],
    }

    # skorch machinery that is part of the design here rather than a parameter.
    iterator_train = DataLoader
    iterator_valid = DataLoader
    dataset = SkorchDataset
    train_split = None
    predict_nonlinearity = None
    warm_start = False
    compile = False
    use_caching = False
    torch_load_kwargs = None
    classes = None
    initialized_ = False
    history_ = None
    virtual_params_ = MappingProxyType({})

    def __init__(self, architecture="resnet", *, max_epochs=20, batch_size=32, lr=2e-3,
                 optimizer="adamw", weight_decay=1e-2, l1=0.0, dropout=0.3,
                 validation_fraction=0.15, patience=8, lr_schedule="cosine", augment=True,
                 vibrato=0.0, shorten=0.5, reverb=8.0, snr_db=40.0, gain_db=6.0,
                 time_mask=0.1, freq_mask=0.1, mixup=0.2, chunk_frames=None, trim_db=30.0,
                 peak_norm=True, class_weight=None, device="auto", n_jobs=None,
                 callbacks=None, verbose=0, random_state=None, checkpoint_dir=None,
                 **kwargs):
        self.architecture = architecture
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.l1 = l1
        self.dropout = dropout
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.lr_schedule = lr_schedule
        self.augment = augment
        self.vibrato = vibrato
        self.shorten = shorten
        self.reverb = reverb
        self.snr_db = snr_db
        self.gain_db = gain_db
        self.time_mask = time_mask
        self.freq_mask = freq_mask
        self.mixup = mixup
        self.chunk_frames = chunk_frames
        self.trim_db = trim_db
        self.peak_norm = peak_norm
        self.class_weight = class_weight
        self.device = device
        self.n_jobs = n_jobs
        self.callbacks = callbacks
        self.verbose = verbose
        self.random_state = random_state
        self.checkpoint_dir = checkpoint_dir
        # skorch's prefixed parameters (module__width, optimizer__momentum, ...),
        # checked by skorch when the net is initialised in fit.
        self._params_to_validate = set(kwargs)
        vars(self).update(kwargs)

    __repr__ = BaseEstimator.__repr__

    # ----------------------------------------------------------------- parameters
    def _get_param_names(self):
        declared = [
            p.name for p in inspect.signature(type(self).__init__).parameters.values()
            if p.name != "self" and p.kind != p.VAR_KEYWORD
        ]
        prefixed = [k for k in vars(self)
                    if k not in declared and not k.startswith("_") and not k.endswith("_")]
        return sorted(declared + prefixed)

    def set_params(self, **params):
        """Set parameters, including skorch's prefixed ones (``module__width=32``).

        Returns
        -------
        self : object
        """
        # Plain attributes for skorch too: no re-initialisation of the net's parts.
        plain = {key: params.pop(key) for key in ("device", "callbacks") if key in params}
        BaseEstimator.set_params(self, **plain)
        if not params:
            return self
        if not self.initialized_:
            return super().set_params(**params)
        with self._on_device(self.device_):  # skorch re-initialises parts of a fitted net
            return super().set_params(**params)

    def _check_params(self):
        validate_parameter_constraints(
            self._parameter_constraints, self.get_params(deep=False),
            caller_name=type(self).__name__,
        )
        if isinstance(self.architecture, type) and not issubclass(self.architecture, nn.Module):
            raise ValueError(
                f"architecture must be one of {sorted(ARCHITECTURES)} or a torch.nn.Module "
                f"subclass, got the class {self.architecture.__name__}"
            )
        if isinstance(self.optimizer, type) and not issubclass(
            self.optimizer, torch.optim.Optimizer
        ):
            raise ValueError(
                f"optimizer must be one of {sorted(_OPTIMIZERS)} or a torch.optim.Optimizer "
                f"subclass, got the class {self.optimizer.__name__}"
            )
        given = [name for name in ("criterion__weight", "criterion__pos_weight")
                 if name in vars(self)]
        if self.class_weight is not None and given:
            raise ValueError(f"class_weight={self.class_weight!r} sets the criterion's "
                             f"weights; leave it None to give {given[0]} yourself")
        batch_size = self._train_batch_size()
        if isinstance(self.architecture, str) and batch_size < 2:
            raise ValueError(
                f"batch_size={batch_size}: the built-in architectures use batch "
                "normalisation, which needs at least 2 clips in a training batch"
            )
        return _resolve_device(self.device)

    # ------------------------------------------------------------------- devices
    def _threads(self):
        return nullcontext() if self.n_jobs is None else _torch_threads(self.n_jobs)

    @contextmanager
    def _on_device(self, device):
        """Let skorch's own code, which reads ``self.device``, see a concrete device."""
        requested = self.device
        self.device = device
        try:
            yield
        finally:
            self.device = requested

    def infer(self, x, **fit_params):
        """Run the network on one batch, on the device it was trained on."""
        x = to_tensor(x, device=self.device_)
        if x.ndim == 4 and self._channels_last():
            x = x.contiguous(memory_format=torch.channels_last)
        return self.module_(x, **fit_params)

    def __getstate__(self):
        """skorch's state, with no tensor outside the block it maps to a device on loading.

        Left out: the augmentation of the last run (each fit builds its own) and the LR
        scheduler in ``callbacks_`` (see ``_without_scheduler``).
        """
        state = super().__getstate__()
        state["_augment_batch"] = None
        if "callbacks_" in state:
            state["callbacks_"] = [(name, _without_scheduler(cb))
                                   for name, cb in state["callbacks_"]]
        return state

    def __setstate__(self, state):
        requested = state.get("device")
        state["device"] = state.get("device_", "cpu")  # where the pickled tensors belong
        super().__setstate__(state)  # falls back to the CPU when CUDA is missing
        if "device_" in state:  # skorch gives a torch.device where it fell back to the CPU
            self.device_ = str(self.device)
        self.device = requested

    # ---------------------------------------------------------------------- data
    def _validate_X(self, X, *, reset):
        if isinstance(X, (list, tuple)) and X and all(np.ndim(x) == 2 for x in X) and (
            len({np.shape(x) for x in X}) > 1
        ):
            X = stack_frames([np.asarray(x, dtype=np.float32) for x in X])
        X = validate_data(self, X, reset=reset, allow_nd=True, dtype=np.float32,
                          ensure_all_finite=False)
        if X.ndim == 2:
            X = X[:, :, None]  # a table of clip features: one frame per clip
        if X.ndim != 3:
            raise ValueError(
                f"X must be spectrograms of shape (n_clips, n_mels, n_frames) or a table "
                f"(n_clips, n_features), got an array of shape {X.shape}"
            )
        lengths = frame_lengths(X)
        if self.trim_db is not None:
            X = trim_leading(X, lengths, self.trim_db)
        if self.peak_norm:
            X = X - np.nanmax(X, axis=(1, 2), keepdims=True)
        return X, lengths

    def _validation_split(self, y, seed):
        n = len(y)
        n_valid = int(round(self.validation_fraction * n))
        if n_valid == 0 or n - n_valid < 2:
            return np.arange(n), np.arange(0)
        splitter = ShuffleSplit(n_splits=1, test_size=n_valid, random_state=seed)
        if y.ndim == 1:
            counts = np.bincount(y)
            n_classes = np.count_nonzero(counts)
            if counts[counts > 0].min() >= 2 and min(n_valid, n - n_valid) >= n_classes:
                splitter = StratifiedShuffleSplit(n_splits=1, test_size=n_valid,
                                                  random_state=seed)
        train, valid = next(splitter.split(np.zeros((n, 1)), y))
        return np.sort(train), np.sort(valid)

    # ------------------------------------------------------------------ training
    def _fit(self, X, y, *, warm, classes=None):
        device = self._check_params()
        X, lengths = self._validate_X(X, reset=not warm)
        y = self._encode_targets(y, warm=warm, classes=classes)
        check_consistent_length(X, y)
        if len(y) < 2:
            raise ValueError(f"{type(self).__name__} needs at least 2 clips to train, got 1 "
                             "sample")
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        checkpoint = None
        if not warm and self.checkpoint_dir is not None:
            checkpoint = self._checkpoint(X, y, seed).load()
            seed = checkpoint.seed_  # a resumed run keeps its validation split
        train, valid = self._validation_split(y, seed)
        self.class_weight_ = self._class_weights(y[train])
        saved = {} if checkpoint is None else checkpoint.saved_attributes()
        for name, value in saved.items():  # the normalisation the interrupted run learned
            setattr(self, name, value)
        if not warm and not saved:
            self.band_mean_, self.band_scale_ = band_statistics(X, train)
            self.chunk_frames_ = int(self.chunk_frames or lengths[train].min())
        self.validation_indices_ = valid

        self._augment_batch = None
        if self.augment:  # built once a fit, with the normalisation it undoes for reverb
            self._augment_batch = partial(
                self._augmenter(), band_mean=torch.from_numpy(self.band_mean_),
                band_scale=torch.from_numpy(self.band_scale_))

        def clips(rows, random_crop):
            return ClipDataset(X, rows, lengths, y, self.band_mean_, self.band_scale_,
                               self.chunk_frames_, random_crop)

        data = _FitData(clips(train, True), clips(valid, False) if len(valid) else None)
        self.device_ = device
        with self._on_device(device), _seeded(seed, device), self._threads():
            if warm:
                self.initialize_callbacks()
                self._initialize_criterion()  # weighted by this call's clips
                for group in self.optimizer_.param_groups:  # a new schedule from lr
                    group["lr"] = group["initial_lr"] = self._initial_lr()
            else:
                self.initialize()
            if checkpoint is None:
                NeuralNet.partial_fit(self, data, None)
            else:
                self._train_with_checkpoint(data, checkpoint)
            self._after_training(X[valid], lengths[valid], y[valid])
        return self

    def _checkpoint(self, X, y, seed):
        """The checkpoint of this run in ``checkpoint_dir``, named by its estimator,
        parameters and data."""
        folder = os.fspath(self.checkpoint_dir)
        if os.path.exists(folder) and not os.path.isdir(folder):
            raise ValueError(f"checkpoint_dir must be a folder, got the file {folder!r}")
        fingerprint = {"estimator": type(self).__qualname__, "X": joblib.hash(X),
                       "y": joblib.hash((y, np.asarray(self.classes_)))}
        for name, value in self.get_params(deep=False).items():
            if name not in _RESUMABLE_WITH_OTHER and not name.startswith("callbacks__"):
                fingerprint[name] = json.dumps(describe(value))
        return TrainingCheckpoint(folder, fingerprint, seed,
                                  attributes=("band_mean_", "band_scale_", "chunk_frames_"))

    def _train_with_checkpoint(self, data, checkpoint):
        """Train the epochs the checkpoint lacks, saving it after each (last of all
        callbacks); a finished checkpoint only restores the final state."""
        epochs = self.max_epochs - checkpoint.saved_epochs_
        if checkpoint.state_ is not None:
            checkpoint.restore(self)
            if checkpoint.finished:
                return
        self.callbacks_.append(("training_checkpoint", checkpoint))
        try:
            NeuralNet.partial_fit(self, data, None, epochs=epochs)
        finally:  # a fitted model carries no reference to the folder
            self.callbacks_ = [item for item in self.callbacks_ if item[1] is not checkpoint]

    def _after_training(self, X_valid, lengths_valid, y_valid):
        """Hook for what needs the trained network and the validation clips."""

    def check_data(self, X, y=None):
        """Inputs are checked in fit; skorch's own inference of the classes is not needed."""

    def get_split_datasets(self, X, y=None, **fit_params):
        """Return the training and validation datasets that fit prepared."""
        return X.train, X.valid

    def get_iterator(self, dataset, training=False):
        """A DataLoader: training batches are shuffled, and a last batch of one dropped
        (batch normalisation needs two clips); ``iterator_train__*`` overrides both."""
        given = self.get_params_for("iterator_train" if training else "iterator_valid")
        kwargs = {"batch_size": self.batch_size, **given}
        if training:
            size = self._train_batch_size()  # the batches as they will be
            kwargs.setdefault("shuffle", True)
            kwargs.setdefault("drop_last", len(dataset) > size and len(dataset) % size == 1)
        iterator = self.iterator_train if training else self.iterator_valid
        return iterator(dataset, **kwargs)

    def _train_batch_size(self):
        """Clips per training batch: ``iterator_train__batch_size`` if given, else
        ``batch_size``."""
        return self.get_params_for("iterator_train").get("batch_size", self.batch_size)

    def _initial_lr(self):
        """The learning rate each run starts from: ``optimizer__lr`` if given, else
        ``lr``."""
        return self.get_params_for("optimizer").get("lr", self.lr)

    def initialize_criterion(self):
        """The criterion, weighted as ``class_weight_`` says when ``class_weight`` is set."""
        kwargs = self.get_params_for("criterion")
        if self.class_weight is not None:
            kwargs.update(self._criterion_weights())
        self.criterion_ = self.initialized_instance(self.criterion, kwargs)
        return self

    def _module_class(self):
        if isinstance(self.architecture, str):
            return ARCHITECTURES[self.architecture]
        return self.architecture

    def initialize_module(self):
        """Build the network for ``len(classes_)`` outputs, passing ``dropout`` and the
        ``module__*`` parameters to its constructor."""
        cls = self._module_class()
        kwargs = {"n_outputs": len(self.classes_)}
        if _accepts(cls, "dropout"):
            kwargs["dropout"] = self.dropout
        kwargs.update(self.get_params_for("module"))
        self.module_ = cls(**kwargs)
        if self._channels_last():
            self.module_ = self.module_.to(memory_format=torch.channels_last)
        return self

    def _channels_last(self):
        """Whether the network runs on channels-last memory, which oneDNN's fast
        convolutions on CPU want: the built-in architectures do; a user's module may
        ``view`` its activations, which needs them contiguous, and gets them as given."""
        return isinstance(self.architecture, str)

    def initialize_optimizer(self, triggered_directly=None):
        """AdamW (or the chosen optimizer) with weight decay on weights, not on biases or
        batch-norm parameters; ``optimizer__*`` parameters go to its constructor."""
        decay, no_decay = [], []
        for name, param in self.get_all_learnable_params():
            (decay if _decays(name, param) else no_decay).append(param)
        if isinstance(self.optimizer, str):
            cls, defaults = _OPTIMIZERS[self.optimizer]
        else:
            cls, defaults = self.optimizer, {}
        kwargs = {**defaults, **self.get_params_for("optimizer"), "lr": self._initial_lr()}
        groups = [{"params": decay, "weight_decay": self.weight_decay},
                  {"params": no_decay, "weight_decay": 0.0}]
        self.optimizer_ = cls(groups, **kwargs)
        return self

    @property
    def _default_callbacks(self):
        # Also built by get_params(deep=True), before fit validates the parameters: values
        # of the wrong type count as switched off here and are reported by fit.
        if hasattr(self, "validation_indices_"):
            validates = len(self.validation_indices_) > 0
        else:
            validates = isinstance(self.validation_fraction, Real) and self.validation_fraction > 0
        patience = self.patience if isinstance(self.patience, Integral) else None
        schedule = self.lr_schedule if isinstance(self.lr_schedule, str) else None
        callbacks = [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            ("valid_loss", PassthroughScoring(name="valid_loss")),
            self._validation_score(),
        ]
        if validates and patience is not None:
            callbacks.append(("early_stopping", EarlyStopping(
                monitor="valid_loss", patience=patience, load_best=True)))
        if schedule == "cosine":
            callbacks.append(("lr_scheduler", LRScheduler(  # over this run's epochs
                "CosineAnnealingLR", T_max=self.max_epochs, last_epoch=-1)))
        elif schedule == "plateau":
            callbacks.append(("lr_scheduler", LRScheduler(
                "ReduceLROnPlateau", monitor="valid_loss" if validates else "train_loss",
                factor=0.5, patience=max(1, (patience or 8) // 2))))
        callbacks.append(("print_log", PrintLog()))
        return callbacks

    def train_step_single(self, batch, **fit_params):
        """One training step, on an augmented batch when ``augment`` is True."""
        Xi, yi = batch
        if self._augment_batch is not None:
            Xi, yi = self._augment_batch(Xi.to(self.device_),
                                         self._soft_targets(yi).to(self.device_))
        return super().train_step_single((Xi, yi), **fit_params)

    def _augmenter(self):
        return SpecAugment(**self._augment_params())

    def _augment_params(self):
        return dict(vibrato=self.vibrato, shorten=self.shorten, reverb=self.reverb,
                    snr_db=self.snr_db, gain_db=self.gain_db, time_mask=self.time_mask,
                    freq_mask=self.freq_mask, mixup=self.mixup)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """The criterion, plus ``l1`` times the sum of absolute weights while training."""
        loss = super().get_loss(y_pred, y_true, X=X, training=training)
        return loss + self._l1_penalty(training)

    def _l1_penalty(self, training):
        if not (training and self.l1 > 0):
            return 0.0
        return self.l1 * sum(p.abs().sum() for p in self.module_.parameters() if p.ndim > 1)

    # ---------------------------------------------------------------- prediction
    def _chunk_proba(self, X, lengths):
        """Average of the per-chunk probabilities of each clip, a block of clips at once."""
        blocks = []
        for start in range(0, len(X), BLOCK):
            Z = normalise(X[start:start + BLOCK], self.band_mean_, self.band_scale_)
            chunks, owner = chunk(Z, lengths[start:start + BLOCK], self.chunk_frames_)
            proba = self._activation(self.forward(chunks)).double().numpy()
            total = np.zeros((len(Z), proba.shape[1]))
            np.add.at(total, owner, proba)
            blocks.append(total / np.bincount(owner, minlength=len(Z))[:, None])
        return np.concatenate(blocks)

    def _proba(self, X):
        check_is_fitted(self)
        X, lengths = self._validate_X(X, reset=False)
        with self._threads():
            return self._chunk_proba(X, lengths)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags


_SHARED_PARAMETERS = """
    architecture : {"resnet", "simple", "shortchunk"} or torch.nn.Module subclass, \
default="resnet"
        The network (see :mod:`sklearn_music.models`): "resnet", a small ResNet with skip
        connections; "simple", the homework CNN (convolution, batch norm, ReLU and pooling
        blocks); "shortchunk", the short-chunk CNN/ResNet of Won et al. (2020); or any
        module class, built as ``cls(n_outputs=..., dropout=..., **module__params)``
        (``dropout`` only if its constructor takes it) and called on float32 batches
        ``(batch, 1, n_mels, n_frames)`` to return logits ``(batch, n_outputs)``.
    max_epochs : int, default={max_epochs}
        Most passes over the training data.
    batch_size : int, default=32
        Clips per batch, in training and prediction. At least 2 for the built-in
        architectures, whose batch normalisation needs two clips to train on.
    lr : float, default=2e-3
        Learning rate.
    optimizer : {"adamw", "adam", "sgd"} or torch.optim.Optimizer subclass, default="adamw"
        "sgd" uses Nesterov momentum 0.9. More arguments as ``optimizer__name=value``.
    weight_decay : float, default=1e-2
        L2 penalty on the weights (decoupled for AdamW); biases and batch-norm parameters
        are not decayed.
    l1 : float, default=0.0
        L1 penalty: this times the sum of absolute weights is added to the training loss.
    dropout : float, default=0.3
        Dropout before the output layer, passed to the network.
    validation_fraction : float, default=0.15
        Share of the training clips held out (stratified by class where possible) to
        monitor ``valid_loss`` for early stopping; 0 trains on all clips. The held-out
        clips are in ``validation_indices_``.
    patience : int or None, default=8
        Stop when ``valid_loss`` has not improved for this many epochs, and restore the
        weights of the best epoch. None trains ``max_epochs`` epochs and keeps the last
        weights.
    lr_schedule : {"cosine", "plateau"} or None, default="cosine"
        "cosine" anneals the learning rate to 0 over ``max_epochs``; "plateau" halves it
        when the monitored loss stalls for ``patience // 2`` epochs; None keeps it fixed.
    augment : bool, default=True
        Augment training batches with the eight settings below (see
        :class:`~sklearn_music.models.SpecAugment`).
    vibrato : float, default=0.0
        Largest depth, in bands, of a simulated vibrato: half the training clips have
        their spectrum moved up and down the bands along a sinusoid over time. Sampled
        notes mostly hold a steady pitch, players and singers do not. With frames of 60 ms
        or more (``hop_length=1000`` at 16 kHz) a network that never heard vibrato loses
        much of its accuracy to it, and 1.0 keeps it; with 32-ms frames it does not, and
        the augmentation costs accuracy. Assumes dB input; 0 disables.
    shorten : float, default=0.5
        Probability that a training clip's sound is cut short at a random frame (a fade of
        60 dB over 1 to 8 frames): one-shot notes are held for seconds, real playing has
        short notes too, which a network never shown one takes for plucked or struck
        instruments. Assumes dB input; 0 disables.
    reverb : float, default=8.0
        Largest decay time constant, in frames, of a simulated room tail mixed into each
        clip (8 frames is 0.5 s at 64 frames over 4 s); rendered notes are dry, real
        recordings are not. Assumes log-power (dB) input; 0 for other features.
    snr_db : float or None, default=40.0
        Loudest simulated noise floor, in dB below a training clip's peak (each clip gets
        one between ``snr_db`` and ``snr_db + 40`` dB down, spectrally tilted): rendered
        audio is digitally silent, recordings have hiss and hum. Assumes log-power (dB)
        input; None disables.
    gain_db : float, default=6.0
        Largest random gain in dB; assumes log-power (dB) input. 0 for other features.
    time_mask : float, default=0.1
        Largest fraction of frames hidden by a time mask (one per clip).
    freq_mask : float, default=0.1
        Largest fraction of mel bands hidden by a frequency mask (one per clip).
    mixup : float, default=0.2
        Mixup's Beta(alpha, alpha) parameter; 0 disables mixup.
    chunk_frames : int or None, default=None
        Frames the network sees at once. Training draws a random crop of this length from
        each longer clip (shorter clips are zero-padded); prediction averages over
        consecutive chunks covering each clip. None uses the shortest training clip.
    trim_db : float or None, default=30.0
        In fit and predict, each clip starts at its first frame within ``trim_db`` dB of
        its loudest frame: leading silence or noise is dropped and the clip's end filled
        with its quietest level (its length is kept). Rendered and NSynth notes start at
        the onset, real recordings of notes after a pause of any length, so the network
        reads both from their first sound. Assumes dB input; None for other features.
    peak_norm : bool, default=True
        In fit and predict, each clip's dB are shifted so that its loudest value is 0 dB
        (as ``librosa.power_to_db(ref=np.max)`` would): how loud a note was recorded says
        nothing about the instrument, and recordings come at any level. Assumes dB
        input; False for other features.{class_weight}
    device : str, default="auto"
        "auto" trains on CUDA when available, else on the CPU; or a torch device name.
    n_jobs : int or None, default=None
        CPU threads PyTorch uses in fit and predict (-1: all cores); None leaves PyTorch's
        setting alone. On a busy machine, 1 avoids threads waiting for each other.
    callbacks : list of (str, skorch Callback) or None, default=None
        More skorch callbacks, run after the built-in ones (timer, losses, validation
        score, early stopping, learning-rate schedule, printing).
    verbose : int, default=0
        1 prints a line per epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, the validation split, the crops, shuffling, dropout and
        augmentation; with an int, fitting twice on the CPU gives identical predictions.
        PyTorch's global random state is left as it was.
    checkpoint_dir : str, path-like or None, default=None
        Folder where ``fit`` saves the whole training state after every epoch, in
        ``checkpoint.pt``, replaced atomically: weights, optimizer, learning-rate
        schedule, early stopping, history, normalisation, seed and random states. A
        later ``fit`` with the same folder, data and parameters resumes after the last
        saved epoch (after a finished run it trains no further), ending with the same
        weights as an uninterrupted run with the same ``device`` and ``n_jobs``. A
        checkpoint of other data, another estimator or other parameters (all but
        ``checkpoint_dir``, ``device``, ``n_jobs``, ``verbose`` and ``callbacks``) is a
        ValueError, and is left as it is. ``partial_fit`` on a fitted model neither
        reads nor writes checkpoints. None saves nothing."""

_PREFIXED_PARAMETERS = """
    **kwargs
        skorch's prefixed parameters: ``module__*`` (network constructor, e.g.
        ``module__width=32``), ``optimizer__*``, ``criterion__*``, ``iterator_train__*``,
        ``iterator_valid__*`` and ``callbacks__<name>__*``."""

_SHARED_ATTRIBUTES = """
    module_ : torch.nn.Module
        The trained network.
    history : skorch History
        Per-epoch ``train_loss``, ``valid_loss``, the validation score, ``event_lr`` and
        timing; see :func:`sklearn_music.plotting.plot_training_curves`.
    band_mean_, band_scale_ : ndarray of shape (n_features_in_,)
        Per-band mean and standard deviation of the training spectrograms; inputs are
        standardised with them in fit and predict.
    chunk_frames_ : int
        Frames per training crop and per prediction chunk.
    validation_indices_ : ndarray of int
        Rows of fit's X held out for validation.
    device_ : str
        Device the network lives on.
    n_features_in_ : int
        Mel bands (rows) of the spectrograms seen in fit."""

_CLASSIFIER_CLASS_WEIGHT = """
    class_weight : dict, "balanced" or None, default=None
        Weight of each class in the loss (training and validation): ``{label: weight}``
        (classes not named weigh 1), or "balanced", inversely proportional to the class
        counts among the training clips (``n_clips / (n_classes * count)``, as
        scikit-learn's classifiers): for imbalanced data such as NSynth's families, so
        that rare classes are not sacrificed to common ones. None weighs every clip
        alike."""

_TAGGER_CLASS_WEIGHT = """
    class_weight : "balanced" or None, default=None
        "balanced" weighs each tag's positive and negative training clips so that each
        side counts half in that tag's loss (``n_clips / (2 * count)``, scikit-learn's
        "balanced" for each tag's yes/no problem): a tag on 2 % of the clips is not
        learnt as "never". Tags that all or none of the training clips carry keep weight
        1. None weighs every clip alike."""


class CNNClassifier(_SpectrogramNet, NeuralNetClassifier):
    __doc__ = f"""A CNN on spectrograms that predicts one class per clip, trained with skorch.

    A :class:`skorch.NeuralNetClassifier` with music defaults: softmax cross-entropy,
    AdamW, cosine learning-rate annealing, early stopping on a stratified validation split
    with the best weights restored, per-band input normalisation learned in fit,
    augmentation (room tails, noise floors, random gain, masking, mixup) that makes a
    network trained on one set of instruments generalise to another, and clips read from
    their first sound, relative to their loudest value, as recordings need. Labels may be
    strings.

    X is the 3-D output of :class:`~sklearn_music.MelSpectrogram`,
    ``(n_clips, n_mels, n_frames)``, in dB. Clips of different lengths come NaN-padded
    along the frame axis (a list of 2-D arrays is padded the same way): training crops
    them, prediction averages over chunks. A 2-D table ``(n_clips, n_features)`` is read
    as spectrograms of one frame, whose bands are the features.

    Parameters
    ----------{_SHARED_PARAMETERS.replace('{max_epochs}', '20').replace(
        '{class_weight}', _CLASSIFIER_CLASS_WEIGHT)}{_PREFIXED_PARAMETERS}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, in the order of ``predict_proba``'s columns.
    class_weight_ : ndarray of shape (n_classes,)
        Weight of each class in the loss, from ``class_weight`` and the training clips
        (ones when ``class_weight`` is None).{_SHARED_ATTRIBUTES}

    See Also
    --------
    CNNTagger : Multi-label tagging with one sigmoid output per tag.
    sklearn_music.models : The networks.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music import CNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 16, 16)).astype(np.float32)
    >>> y = np.repeat(["flute", "guitar"], 20)
    >>> X[y == "flute", :4] += 3.0  # flutes are louder in the lowest bands
    >>> clf = CNNClassifier("simple", max_epochs=5, module__width=4, augment=False,
    ...                     random_state=0)
    >>> clf.fit(X, y).predict(X[[0, 20]]).tolist()
    ['flute', 'guitar']
    >>> clf.score(X, y)
    1.0
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    criterion = nn.CrossEntropyLoss

    def fit(self, X, y):
        """Train the network from scratch.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_mels, n_frames) or (n_clips, n_features)
            Spectrograms (NaN-padded when clips differ in length).
        y : array-like of shape (n_clips,)
            Class labels (strings or integers).

        Returns
        -------
        self : CNNClassifier
        """
        return self._fit(X, y, warm=False)

    def partial_fit(self, X, y, classes=None):
        """Train further on (X, y), keeping the weights, normalisation and classes.

        On an unfitted classifier this is ``fit``. Useful to fine-tune a network trained
        on rendered notes with a few real recordings. Runs ``max_epochs`` epochs, with
        early stopping on a validation split of these clips and the learning-rate
        schedule started again from ``lr`` (``set_params(lr=...)`` first to fine-tune at
        a smaller rate).

        Parameters
        ----------
        X : array-like of shape (n_clips, n_mels, n_frames) or (n_clips, n_features)
        y : array-like of shape (n_clips,)
        classes : array-like of shape (n_classes,), default=None
            All classes, when the first call's ``y`` does not show them all.

        Returns
        -------
        self : CNNClassifier
        """
        return self._fit(X, y, warm=self.initialized_, classes=classes)

    def _encode_targets(self, y, *, warm, classes):
        y = validate_data(self, y=y, reset=False)
        check_classification_targets(y)
        if not warm:
            known = np.unique(y) if classes is None else np.unique(np.asarray(classes))
            if len(known) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs at least two classes in y, got one "
                    f"class: {known[0]!r}"
                )
            self.classes_inferred_ = known
        index = np.searchsorted(self.classes_, y)
        index = np.minimum(index, len(self.classes_) - 1)
        unseen = self.classes_[index] != y
        if unseen.any():
            raise ValueError(
                f"y contains labels not among classes_ {self.classes_.tolist()}: "
                f"{np.unique(y[unseen]).tolist()}"
            )
        return index.astype(np.int64)

    def _validation_score(self):
        return ("valid_acc", ValidationScore("valid_acc", accuracy_from_logits))

    def _class_weights(self, y_train):
        weights = np.ones(len(self.classes_))
        if self.class_weight == "balanced":
            present = np.unique(y_train)
            weights[present] = compute_class_weight("balanced", classes=present, y=y_train)
        elif self.class_weight is not None:
            for label, weight in self.class_weight.items():
                where = np.flatnonzero(self.classes_ == label)
                if where.size == 0:
                    raise ValueError(f"class_weight names {label!r}, which is not among the "
                                     f"classes {self.classes_.tolist()}")
                if not (isinstance(weight, Real) and np.isfinite(weight) and weight > 0):
                    raise ValueError(f"class_weight[{label!r}] must be a finite number > 0, "
                                     f"got {weight!r}")
                weights[where] = weight
        return weights

    def _criterion_weights(self):
        return {"weight": torch.as_tensor(self.class_weight_, dtype=torch.float32)}

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """As :meth:`_SpectrogramNet.get_loss`; mixup's soft targets under class weights
        are averaged over the clips' weights, as PyTorch averages one-hot targets.

        With probabilities as targets, PyTorch's weighted cross-entropy divides by the
        number of clips instead: the training loss grew with the weights' mean (1.75 times
        on one batch weighted 1 and 50) while the validation loss did not.
        """
        weight = getattr(self.criterion_, "weight", None)
        if weight is None or not torch.is_floating_point(y_true):
            return super().get_loss(y_pred, y_true, X=X, training=training)
        y_true = y_true.to(y_pred.device)
        weighted = y_true * weight.to(y_pred.device)
        log_proba = torch.log_softmax(y_pred, dim=1)
        loss = -(weighted * log_proba).sum() / weighted.sum().clamp_min(1e-12)
        return loss + self._l1_penalty(training)

    def _soft_targets(self, y):
        if self.mixup > 0:
            return nn.functional.one_hot(y, len(self.classes_)).to(torch.float32)
        return y

    @staticmethod
    def _activation(logits):
        return torch.softmax(logits.double(), dim=1)

    def predict_proba(self, X):
        """Class probabilities, averaged over each clip's chunks.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_mels, n_frames) or (n_clips, n_features)

        Returns
        -------
        proba : ndarray of shape (n_clips, n_classes)
            Columns in the order of ``classes_``; rows sum to 1.
        """
        return self._proba(X)

    def predict(self, X):
        """The most probable class of each clip.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_mels, n_frames) or (n_clips, n_features)

        Returns
        -------
        y : ndarray of shape (n_clips,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]


class CNNTagger(_SpectrogramNet, ClassifierMixin, NeuralNet):
    __doc__ = f"""A CNN on spectrograms that predicts any number of tags per clip, with skorch.

    Multi-label tagging (instruments in a mixture, genres and moods of a song): one
    network, one sigmoid output per tag, trained with binary cross-entropy
    (``BCEWithLogitsLoss``). Targets are a 2-D 0/1 array, as
    :class:`~sklearn.preprocessing.MultiLabelBinarizer` makes. Training and inputs are as
    for :class:`CNNClassifier`; mixup blends the tag vectors of the mixed clips.

    Parameters
    ----------{_SHARED_PARAMETERS.replace('{max_epochs}', '40').replace(
        '{class_weight}', _TAGGER_CLASS_WEIGHT)}
    overlay : float, default=0.5
        Probability that a training clip is overlaid with another clip of its batch
        (powers summed, within ±6 dB of each other) and takes the union of both clips'
        tags: new mixtures from the training ones, which take more epochs to learn, hence
        40 by default. Assumes log-power (dB) input; applies when ``augment`` is True; 0
        disables.
    threshold : float or "tuned", default=0.5
        ``predict`` marks a tag present when its probability reaches this. "tuned" picks
        per tag the threshold that maximises F1 on the validation split (tags with no
        positive validation clip keep 0.5); it needs ``validation_fraction > 0``.\
{_PREFIXED_PARAMETERS}

    Attributes
    ----------
    classes_ : ndarray of shape (n_tags,)
        Column indices of the tags, ``0 .. n_tags - 1``.
    thresholds_ : ndarray of shape (n_tags,)
        Per-tag decision thresholds used by ``predict``.
    class_weight_ : ndarray of shape (n_tags, 2)
        Weight of each tag's negative and positive clips in the loss (ones when
        ``class_weight`` is None).{_SHARED_ATTRIBUTES}

    See Also
    --------
    CNNClassifier : One class per clip.
    sklearn.multioutput.MultiOutputClassifier : A classical estimator per tag, on pooled
        features.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music import CNNTagger
    >>> rng = np.random.default_rng(0)
    >>> Y = rng.integers(0, 2, size=(40, 3))
    >>> X = rng.normal(size=(40, 12, 16)).astype(np.float32)
    >>> X[:, :3] += 3.0 * Y[:, :, None]  # tag j lights up band j
    >>> tagger = CNNTagger("simple", max_epochs=2, module__width=4, random_state=0)
    >>> tagger.fit(X, Y).predict_proba(X[:5]).shape
    (5, 3)
    >>> tagger.predict(X[:5]).shape
    (5, 3)
    """

    criterion = nn.BCEWithLogitsLoss

    _parameter_constraints = {
        **_SpectrogramNet._parameter_constraints,
        "threshold": [Interval(Real, 0, 1, closed="both"), StrOptions({"tuned"})],
        "overlay": [Interval(Real, 0, 1, closed="both")],
        "class_weight": [StrOptions({"balanced"}), None],
    }

    def __init__(self, architecture="resnet", *, max_epochs=40, batch_size=32, lr=2e-3,
                 optimizer="adamw", weight_decay=1e-2, l1=0.0, dropout=0.3,
                 validation_fraction=0.15, patience=8, lr_schedule="cosine", augment=True,
                 vibrato=0.0, shorten=0.5, reverb=8.0, snr_db=40.0, gain_db=6.0,
                 time_mask=0.1, freq_mask=0.1, mixup=0.2, overlay=0.5, chunk_frames=None,
                 trim_db=30.0, peak_norm=True, class_weight=None, threshold=0.5, device="auto",
                 n_jobs=None, callbacks=None, verbose=0, random_state=None, checkpoint_dir=None,
                 **kwargs):
        super().__init__(
            architecture, max_epochs=max_epochs, batch_size=batch_size, lr=lr,
            optimizer=optimizer, weight_decay=weight_decay, l1=l1, dropout=dropout,
            validation_fraction=validation_fraction, patience=patience,
            lr_schedule=lr_schedule, augment=augment, vibrato=vibrato, shorten=shorten,
            reverb=reverb, snr_db=snr_db, gain_db=gain_db, time_mask=time_mask,
            freq_mask=freq_mask, mixup=mixup, chunk_frames=chunk_frames, trim_db=trim_db,
            peak_norm=peak_norm, class_weight=class_weight, device=device, n_jobs=n_jobs,
            callbacks=callbacks,
            verbose=verbose, random_state=random_state, checkpoint_dir=checkpoint_dir, **kwargs,
        )
        self.threshold = threshold
        self.overlay = overlay

    def _check_params(self):
        device = super()._check_params()
        if self.threshold == "tuned" and self.validation_fraction == 0:
            raise ValueError(
                "threshold='tuned' picks thresholds on the validation split; set "
                "validation_fraction > 0 or give a number"
            )
        return device

    def fit(self, X, y):
        """Train the network from scratch.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_mels, n_frames) or (n_clips, n_features)
            Spectrograms (NaN-padded when clips differ in length).
        y : array-like of shape (n_clips, n_tags)
            1 where a tag applies, else 0.

        Returns
        -------
        self : CNNTagger
        """
        return self._fit(X, y, warm=False)

    def partial_fit(self, X, y, classes=None):
        """Train further on (X, y), keeping the weights, normalisation and tags.

        On an unfitted tagger this is ``fit``. Runs ``max_epochs`` epochs, the
        learning-rate schedule started again from ``lr``.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_mels, n_frames) or (n_clips, n_features)
        y : array-like of shape (n_clips, n_tags)
        classes : None
            Ignored: the tags are the columns of ``y``. Accepted for scikit-learn's
            ``partial_fit(X, y, classes)`` convention.

        Returns
        -------
        self : CNNTagger
        """
        return self._fit(X, y, warm=self.initialized_)

    def _encode_targets(self, y, *, warm, classes):
        if issparse(y):  # MultiLabelBinarizer(sparse_output=True); a few columns
            y = y.toarray()
        y = validate_data(self, y=y, reset=False, multi_output=True, y_numeric=False)
        y = np.asarray(y)
        if y.ndim != 2 or not np.isin(y, (0, 1)).all():
            raise ValueError(
                f"{type(self).__name__} needs y as a 2-D 0/1 array (n_clips, n_tags), as "
                f"MultiLabelBinarizer makes; got a {type_of_target(y)!r} target of shape "
                f"{y.shape}. For one label per clip use CNNClassifier; a tagger takes one 0/1 "
                "column per class."
            )
        if warm and y.shape[1] != len(self.classes_):
            raise ValueError(f"y has {y.shape[1]} tags; the tagger was fitted with "
                             f"{len(self.classes_)}")
        self.classes_ = np.arange(y.shape[1])
        return y.astype(np.float32)

    def _validation_score(self):
        return ("valid_auc", ValidationScore("valid_auc", roc_auc_from_logits))

    def _class_weights(self, y_train):
        weights = np.ones((len(self.classes_), 2))
        if self.class_weight == "balanced":
            positives = y_train.sum(axis=0, dtype=float)
            negatives = len(y_train) - positives
            both = (positives > 0) & (negatives > 0)
            weights[both, 0] = len(y_train) / (2 * negatives[both])
            weights[both, 1] = len(y_train) / (2 * positives[both])
        return weights

    def _criterion_weights(self):
        # BCEWithLogitsLoss scales a tag's whole loss by ``weight`` and its positive term
        # again by ``pos_weight``: negatives weigh w_neg, positives w_neg * w_pos / w_neg.
        negative, positive = torch.as_tensor(self.class_weight_.T, dtype=torch.float32)
        return {"weight": negative, "pos_weight": positive / negative}

    @staticmethod
    def _soft_targets(y):
        return y

    def _augment_params(self):
        return {**super()._augment_params(), "overlay": self.overlay}

    @staticmethod
    def _activation(logits):
        return torch.sigmoid(logits.double())

    def _after_training(self, X_valid, lengths_valid, y_valid):
        self.thresholds_ = np.full(len(self.classes_), 0.5 if self.threshold == "tuned"
                                   else float(self.threshold))
        if self.threshold != "tuned" or len(y_valid) == 0:
            return
        proba = self._chunk_proba(X_valid, lengths_valid)
        candidates = np.linspace(0.05, 0.95, 19)
        for j in np.flatnonzero(y_valid.max(axis=0) > 0):
            scores = [f1_score(y_valid[:, j], proba[:, j] >= t, zero_division=0.0)
                      for t in candidates]
            self.thresholds_[j] = candidates[int(np.argmax(scores))]

    def predict_proba(self, X):
        """Probability of each tag, averaged over each clip's chunks.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_mels, n_frames) or (n_clips, n_features)

        Returns
        -------
        proba : ndarray of shape (n_clips, n_tags)
        """
        return self._proba(X)

    def predict(self, X):
        """Tags whose probability reaches ``thresholds_``.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_mels, n_frames) or (n_clips, n_features)

        Returns
        -------
        y : ndarray of shape (n_clips, n_tags)
            1 where a tag is predicted, else 0.
        """
        return (self.predict_proba(X) >= self.thresholds_).astype(np.int64)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        return tags
