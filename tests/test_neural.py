"""CNNClassifier and CNNTagger: training, prediction, persistence, scikit-learn tooling.

Everything trains on tiny synthetic spectrograms with narrow networks and n_jobs=1 (one
PyTorch thread: on a shared machine two threads mostly wait for each other).
"""

import io
import pickle

import joblib
import numpy as np
import pytest
import scipy.sparse
import torch
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.semi_supervised import SelfTrainingClassifier
from torch import nn

from sklearn_music import AudioLoader, CNNClassifier, CNNTagger, MelSpectrogram, Pooling
from sklearn_music.datasets import load_nsynth
from sklearn_music._frames import stack_frames
from sklearn_music.models import ResNet, ShortChunkCNN, SimpleCNN, SpecAugment
from sklearn_music.models._data import trim_leading
from sklearn_music.plotting import plot_training_curves

FAST = dict(max_epochs=4, batch_size=8, module__width=4, n_jobs=1, random_state=0)


def band_clips(n, *, n_mels=16, n_frames=12, n_classes=2, seed=0):
    """Noisy dB spectrograms; class k is louder in bands 3k+1 .. 3k+2."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % n_classes
    X = rng.normal(-40.0, 3.0, size=(n, n_mels, n_frames))
    for k in range(n_classes):
        X[labels == k, 3 * k + 1:3 * k + 3] += 12.0
    names = np.array(["flute", "guitar", "organ", "reed"])[:n_classes]
    return X.astype(np.float32), names[labels]


def harmonic_clips(n, *, seed=0):
    """Notes at random pitches: class "single" is one line, "octave" adds a line 6 bands up.

    Telling them apart takes the shape of the pattern, not its position, so a network
    that does not learn fails.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(-50.0, 4.0, size=(n, 24, 16))
    y = np.where(np.arange(n) % 2 == 0, "single", "octave")
    for i in range(n):
        base = rng.integers(1, 14)
        X[i, base] += 30.0
        if y[i] == "octave":
            X[i, base + 6] += 30.0
    return X.astype(np.float32), y


def tag_clips(n, *, n_tags=3, seed=0):
    """Mixtures: tag j adds energy to bands 4j .. 4j+1; each tag is present half the time."""
    rng = np.random.default_rng(seed)
    Y = rng.integers(0, 2, size=(n, n_tags))
    X = rng.normal(-40.0, 3.0, size=(n, 4 * n_tags + 2, 10))
    for j in range(n_tags):
        X[:, 4 * j:4 * j + 2] += 12.0 * Y[:, j, None, None]
    return X.astype(np.float32), Y


# ------------------------------------------------------------------- classification
def test_string_labels_and_probabilities():
    X, y = band_clips(40, n_classes=3)
    clf = CNNClassifier("simple", **FAST).fit(X, y)
    assert clf.classes_.tolist() == ["flute", "guitar", "organ"]
    assert set(clf.predict(X)) <= set(clf.classes_)
    proba = clf.predict_proba(X)
    assert proba.shape == (40, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert clf.n_features_in_ == 16
    assert clf.predict(X).tolist() == clf.classes_[proba.argmax(axis=1)].tolist()


def test_learns_pitch_invariant_shapes():
    X, y = harmonic_clips(240, seed=0)
    X_test, y_test = harmonic_clips(80, seed=1)
    clf = CNNClassifier("resnet", max_epochs=12, module__width=8, lr=3e-3, n_jobs=1,
                        random_state=0).fit(X, y)
    assert accuracy_score(y_test, clf.predict(X_test)) >= 0.9


@pytest.mark.parametrize("architecture", ["simple", "resnet", "shortchunk"])
def test_every_architecture_trains_and_predicts(architecture):
    X, y = band_clips(24)
    clf = CNNClassifier(architecture, **FAST).fit(X, y)
    assert clf.predict_proba(X).shape == (24, 2)
    assert isinstance(clf.module_, {"simple": SimpleCNN, "resnet": ResNet,
                                    "shortchunk": ShortChunkCNN}[architecture])


def test_same_seed_same_predictions_and_global_rng_untouched():
    X, y = band_clips(32)
    torch.manual_seed(123)
    before = torch.get_rng_state()
    first = CNNClassifier("simple", **FAST).fit(X, y)
    assert torch.equal(torch.get_rng_state(), before)
    second = CNNClassifier("simple", **FAST).fit(X, y)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
    other = CNNClassifier("simple", **{**FAST, "random_state": 1}).fit(X, y)
    assert not np.array_equal(first.predict_proba(X), other.predict_proba(X))
    np.testing.assert_array_equal(first.validation_indices_, second.validation_indices_)


class TensorFreePickler(pickle.Pickler):
    """Fails on a tensor pickled outside the block in which skorch maps devices on loading
    (it pickles that block itself, to bytes): such a tensor, saved on CUDA, could not be
    loaded without CUDA."""

    def reducer_override(self, obj):
        if isinstance(obj, torch.Tensor):
            raise AssertionError(f"a tensor of shape {tuple(obj.shape)} pickled as is")
        return NotImplemented


def test_pickle_and_joblib_round_trip(tmp_path):
    X, y = band_clips(24)
    clf = CNNClassifier("resnet", **FAST).fit(X, y)
    expected = clf.predict_proba(X)
    unpickled = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(unpickled.predict_proba(X), expected)
    assert unpickled.get_params()["device"] == "auto"
    assert unpickled.device_ == ("cuda" if torch.cuda.is_available() else "cpu")
    joblib.dump(clf, tmp_path / "cnn.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "cnn.joblib").predict_proba(X), expected)
    TensorFreePickler(io.BytesIO()).dump(clf)
    # what pickling leaves out (the last run's augmentation and LR scheduler) each run
    # makes anew
    unpickled.partial_fit(X, y)
    clf.partial_fit(X, y)
    np.testing.assert_array_equal(unpickled.predict_proba(X), clf.predict_proba(X))


def test_pipeline_cross_val_score_and_grid_search():
    X, y = band_clips(48)
    pipe = Pipeline([("cnn", CNNClassifier("simple", **{**FAST, "max_epochs": 10, "lr": 0.01}))])
    scores = cross_val_score(pipe, X, y, cv=KFold(2, shuffle=True, random_state=0))
    assert scores.shape == (2,) and np.all(scores >= 0.9)
    search = GridSearchCV(
        pipe, {"cnn__module__width": [4, 8], "cnn__architecture": ["simple", "resnet"]},
        cv=2,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    best = search.best_estimator_.named_steps["cnn"]
    assert best.get_params()["module__width"] == search.best_params_["cnn__module__width"]
    first_conv = next(m for m in best.module_.modules() if isinstance(m, nn.Conv2d))
    assert first_conv.out_channels == search.best_params_["cnn__module__width"]


def test_clone_keeps_prefixed_parameters():
    clf = CNNClassifier("simple", module__width=6, optimizer__momentum=0.8, optimizer="sgd")
    params = clone(clf).get_params()
    assert params["module__width"] == 6 and params["optimizer__momentum"] == 0.8
    assert "_params_to_validate" not in params


def test_set_params_on_fitted_net_rebuilds_the_module():
    X, y = band_clips(24)
    clf = CNNClassifier("simple", **FAST).fit(X, y)
    clf.set_params(module__width=8)
    assert next(clf.module_.parameters()).shape[0] == 8
    assert clf.get_params()["device"] == "auto"


@pytest.mark.slow
def test_design_pipeline_on_real_nsynth_files(nsynth_root, tmp_path):
    notes = load_nsynth(nsynth_root)
    pipe = Pipeline([
        ("load", AudioLoader(sr=16000, duration=4.0)),
        ("mel", MelSpectrogram(sr=16000, n_mels=64, n_frames=64)),
        ("cnn", CNNClassifier(architecture="resnet", **FAST)),
    ])
    pipe.fit(notes.paths[:48], notes.target[:48])
    proba = pipe.predict_proba(notes.paths[48:])
    assert proba.shape == (12, len(set(notes.target[:48])))
    joblib.dump(pipe, tmp_path / "pipe.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "pipe.joblib").predict_proba(
        notes.paths[48:]), proba)


def test_unknown_prefixed_parameter_is_reported_in_fit():
    X, y = band_clips(12)
    with pytest.raises(ValueError, match="modul_width"):
        CNNClassifier("simple", modul_width=3, max_epochs=1).fit(X, y)


# -------------------------------------------------------------- clips and lengths
def test_clips_of_different_lengths():
    X, y = band_clips(24, n_frames=20)
    X[::2, :, 12:] = np.nan  # every other clip has 12 frames
    clf = CNNClassifier("simple", **FAST).fit(X, y)
    assert clf.chunk_frames_ == 12
    assert clf.predict_proba(X).shape == (24, 2)
    ragged = [clip[:, ~np.isnan(clip[0])] for clip in X]
    np.testing.assert_array_equal(clf.predict_proba(ragged), clf.predict_proba(X))


def test_prediction_averages_over_chunks():
    X, y = band_clips(24, n_frames=8)
    clf = CNNClassifier("simple", **FAST).fit(X, y)
    assert clf.chunk_frames_ == 8
    pair = X[:2].copy()
    pair[1] += pair[0].max() - pair[1].max()  # one peak level, as within one recording
    long_clip = np.concatenate([pair[0], pair[1]], axis=1)[None]  # 16 frames: two chunks
    expected = clf.predict_proba(pair).mean(axis=0)
    np.testing.assert_allclose(clf.predict_proba(long_clip)[0], expected, rtol=1e-6)
    short = stack_frames([X[0][:, :5], X[1]])  # 5 frames: one zero-padded chunk
    assert clf.predict_proba(short).shape == (2, 2)


def test_random_crops_in_training():
    X, y = band_clips(24, n_frames=30)
    clf = CNNClassifier("simple", chunk_frames=10, **FAST).fit(X, y)
    assert clf.chunk_frames_ == 10
    assert clf.predict_proba(X).shape == (24, 2)


def test_table_of_features_is_one_frame_per_clip():
    X, y = band_clips(30)
    table = X.mean(axis=2)
    clf = CNNClassifier("simple", **FAST).fit(table, y)
    assert clf.n_features_in_ == 16 and clf.chunk_frames_ == 1
    assert clf.predict(table).shape == (30,)


@pytest.mark.parametrize("bad, message", [
    (lambda X: X.__setitem__((0, 3, 2), np.nan), "inside frame 2 of clip 0"),
    (lambda X: X.__setitem__((1, slice(None), 0), np.nan), "before real frames"),
    (lambda X: X.__setitem__((2, 0, 0), np.inf), "infinity"),
    (lambda X: X.__setitem__((3,), np.nan), "clip 3 of X has no frames"),
])
def test_misplaced_nan_and_inf_are_rejected(bad, message):
    X, y = band_clips(12)
    bad(X)
    with pytest.raises(ValueError, match=message):
        CNNClassifier("simple", max_epochs=1).fit(X, y)


def test_wrong_number_of_bands_at_predict():
    X, y = band_clips(12)
    clf = CNNClassifier("simple", **FAST).fit(X, y)
    with pytest.raises(ValueError, match="X has 15 features, but CNNClassifier is expecting 16"):
        clf.predict(X[:, :15])


@pytest.mark.parametrize("params, message", [
    ({"architecture": "vgg"}, "architecture"),
    ({"architecture": dict}, "torch.nn.Module subclass"),
    ({"optimizer": "lbfgs"}, "optimizer"),
    ({"device": "gpu0"}, "device must be"),
    ({"validation_fraction": 1.0}, "validation_fraction"),
    ({"dropout": 1.0}, "dropout"),
])
def test_bad_parameters_are_named(params, message):
    X, y = band_clips(12)
    with pytest.raises(ValueError, match=message):
        CNNClassifier(**{"max_epochs": 1, **params}).fit(X, y)


@pytest.mark.parametrize("params", [dict(batch_size=4, iterator_train__batch_size=32),
                                    dict(batch_size=32, iterator_train__batch_size=4)])
def test_a_last_batch_of_one_is_judged_by_the_training_batch_size(params):
    # 9 clips: batches of 4 leave a last batch of one (dropped for batch norm), batches
    # of 32 hold them all (kept)
    X, y = band_clips(9)
    clf = CNNClassifier("simple", max_epochs=2, validation_fraction=0, module__width=2,
                        n_jobs=1, random_state=0, **params).fit(X, y)
    batches = params["iterator_train__batch_size"] == 4 and 2 or 1
    assert all(len(epoch) == batches for epoch in clf.history[:, "batches"])


@pytest.mark.parametrize("params", [{"batch_size": 1}, {"iterator_train__batch_size": 1}])
def test_batch_of_one_clip_is_refused_by_batch_norm_architectures(params):
    X, y = band_clips(12)
    with pytest.raises(ValueError, match="batch_size=1: the built-in architectures"):
        CNNClassifier("shortchunk", max_epochs=1, **params).fit(X, y)
    # A user's network without batch normalisation may train on single clips.
    CNNClassifier(TinyNet, max_epochs=1, n_jobs=1, **params).fit(X, y)


def test_one_class_is_an_error():
    X, _ = band_clips(12)
    with pytest.raises(ValueError, match="at least two classes"):
        CNNClassifier("simple", max_epochs=1).fit(X, ["flute"] * 12)


# ----------------------------------------------------------------- training setup
class TinyNet(nn.Module):
    """A user network without dropout: it gets n_outputs and its own module__ params."""

    def __init__(self, n_outputs, hidden=5):
        super().__init__()
        self.conv = nn.Conv2d(1, hidden, 3, padding=1)
        self.out = nn.Linear(hidden, n_outputs)

    def forward(self, x):
        return self.out(torch.relu(self.conv(x)).mean(dim=(2, 3)))


def test_any_module_class():
    X, y = band_clips(24)
    clf = CNNClassifier(TinyNet, max_epochs=2, module__hidden=7, n_jobs=1, random_state=0)
    clf.fit(X, y)
    assert isinstance(clf.module_, TinyNet) and clf.module_.conv.out_channels == 7
    assert clf.predict(X).shape == (24,)


class FlatteningNet(nn.Module):
    """A homework-style network that flattens with ``view``, which needs contiguous
    activations, and sizes its classifier lazily from the first batch."""

    def __init__(self, n_outputs):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.hidden = nn.LazyLinear(8)
        self.out = nn.Linear(8, n_outputs)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv(x)), 2)
        return self.out(torch.relu(self.hidden(x.view(x.size(0), -1))))


def test_module_that_views_its_activations_and_has_lazy_layers():
    X, y = band_clips(24)
    clf = CNNClassifier(FlatteningNet, max_epochs=2, l1=1e-4, n_jobs=1, random_state=0)
    assert clf.fit(X, y).predict(X).shape == (24,)
    decayed, spared = clf.optimizer_.param_groups
    assert any(p is clf.module_.hidden.weight for p in decayed["params"])
    assert any(p is clf.module_.hidden.bias for p in spared["params"])


def test_early_stopping_restores_the_best_weights():
    X, y = band_clips(60, n_classes=3, seed=2)
    y = np.random.default_rng(0).permutation(y)  # noise: valid_loss soon stops improving
    clf = CNNClassifier("simple", max_epochs=40, patience=2, lr=0.05, module__width=4,
                        augment=False, validation_fraction=0.3, n_jobs=1, random_state=0)
    clf.fit(X, y)
    valid_loss = clf.history[:, "valid_loss"]
    assert len(valid_loss) < 40
    assert int(np.argmin(valid_loss)) == len(valid_loss) - 3  # patience 2 after the best
    valid = clf.validation_indices_
    proba = clf.predict_proba(X[valid])
    index = np.searchsorted(clf.classes_, y[valid])
    restored = -np.log(proba[np.arange(len(valid)), index]).mean()
    np.testing.assert_allclose(restored, min(valid_loss), rtol=1e-4)


def test_no_validation_trains_all_epochs():
    X, y = band_clips(20)
    clf = CNNClassifier("simple", **{**FAST, "validation_fraction": 0.0}).fit(X, y)
    assert len(clf.history) == 4 and len(clf.validation_indices_) == 0
    assert "valid_loss" not in clf.history[-1]


def test_validation_split_is_stratified():
    X, y = band_clips(40, n_classes=4)
    clf = CNNClassifier("simple", **{**FAST, "validation_fraction": 0.2}).fit(X, y)
    assert sorted(np.unique(y[clf.validation_indices_], return_counts=True)[1]) == [2] * 4


@pytest.mark.parametrize("schedule", ["cosine", "plateau", None])
def test_learning_rate_schedules(schedule):
    X, y = band_clips(20)
    clf = CNNClassifier("simple", lr_schedule=schedule, **FAST).fit(X, y)
    lrs = clf.history[:, "event_lr"] if schedule else None
    if schedule == "cosine":
        assert lrs[0] == pytest.approx(2e-3) and lrs[-1] < lrs[0]
    elif schedule is None:
        assert "event_lr" not in clf.history[-1]
        assert clf.optimizer_.param_groups[0]["lr"] == pytest.approx(2e-3)


def test_weight_decay_spares_biases_and_batch_norm():
    X, y = band_clips(20)
    clf = CNNClassifier("resnet", weight_decay=0.05, **FAST).fit(X, y)
    decayed, spared = clf.optimizer_.param_groups
    assert decayed["weight_decay"] == 0.05 and spared["weight_decay"] == 0.0
    assert all(p.ndim > 1 for p in decayed["params"])
    assert all(p.ndim == 1 for p in spared["params"])
    assert isinstance(clf.optimizer_, torch.optim.AdamW)


def test_sgd_with_momentum():
    X, y = band_clips(20)
    clf = CNNClassifier("simple", optimizer="sgd", optimizer__momentum=0.8, **FAST).fit(X, y)
    assert isinstance(clf.optimizer_, torch.optim.SGD)
    assert clf.optimizer_.param_groups[0]["momentum"] == 0.8
    assert clf.optimizer_.param_groups[0]["nesterov"]


def test_l1_penalty_shrinks_weights():
    X, y = band_clips(30)

    def l1_norm(l1):
        clf = CNNClassifier("simple", l1=l1, augment=False, **FAST).fit(X, y)
        return sum(p.abs().sum().item() for p in clf.module_.parameters() if p.ndim > 1)

    assert l1_norm(0.05) < 0.9 * l1_norm(0.0)


def test_normalisation_is_learned_on_the_training_clips():
    X, y = band_clips(30)
    clf = CNNClassifier("simple", **FAST).fit(X, y)
    train = np.setdiff1d(np.arange(30), clf.validation_indices_)
    X = X - X.max(axis=(1, 2), keepdims=True)  # peak_norm: each clip's loudest value is 0 dB
    np.testing.assert_allclose(clf.band_mean_, X[train].mean(axis=(0, 2)), rtol=1e-5)
    np.testing.assert_allclose(clf.band_scale_, X[train].std(axis=(0, 2)), rtol=1e-4)


def test_device_auto_and_threads():
    X, y = band_clips(16)
    threads = torch.get_num_threads()
    clf = CNNClassifier("simple", **FAST).fit(X, y)
    assert clf.device_ == ("cuda" if torch.cuda.is_available() else "cpu")
    assert clf.device == "auto" and torch.get_num_threads() == threads


def test_partial_fit_continues_training():
    X, y = band_clips(24)
    clf = CNNClassifier("simple", **FAST).fit(X, y)
    mean, n_epochs = clf.band_mean_.copy(), len(clf.history)
    clf.partial_fit(X + 1.0, y)
    assert len(clf.history) > n_epochs
    np.testing.assert_array_equal(clf.band_mean_, mean)
    with pytest.raises(ValueError, match="not among classes_"):
        clf.partial_fit(X, np.where(y == "flute", "harp", y))


@pytest.mark.parametrize("schedule", ["cosine", "plateau"])
def test_partial_fit_schedules_again_from_lr(schedule):
    # Each call is a run of its own: the rate starts at lr (here a smaller one, to
    # fine-tune) and the cosine anneals from it, not from where the first run ended.
    X, y = band_clips(24)
    clf = CNNClassifier("simple", lr_schedule=schedule, **FAST).fit(X, y)
    clf.set_params(lr=1e-4).partial_fit(X, y)
    lrs = np.asarray(clf.history[:, "event_lr"][-FAST["max_epochs"]:])
    assert lrs[0] == pytest.approx(1e-4) and lrs.max() == pytest.approx(1e-4)
    assert np.all(np.diff(lrs) <= 1e-12)
    if schedule == "cosine":
        assert lrs[-1] < 0.5e-4


def test_partial_fit_keeps_the_optimizers_own_lr():
    X, y = band_clips(24)
    clf = CNNClassifier("simple", optimizer__lr=0.05, lr_schedule=None, **FAST).fit(X, y)
    assert clf.partial_fit(X, y).optimizer_.param_groups[0]["lr"] == 0.05


def test_self_training_labels_unlabelled_clips():
    # scikit-learn's SelfTrainingClassifier validates a 2-D X, so it wraps the pipeline from
    # waveforms; labels are strings in an object array, -1 for clips without one
    rng = np.random.default_rng(0)
    sr, t = 8000, np.arange(4000) / 8000
    names = np.array(["flute", "guitar", "organ"])
    y = names[np.arange(60) % 3]
    pitch = {"flute": 2000.0, "guitar": 700.0, "organ": 250.0}
    waves = np.array([rng.uniform(0.2, 1.0) * np.sin(2 * np.pi * pitch[label]
                                                      * rng.uniform(0.97, 1.03) * t)
                      + 0.01 * rng.normal(size=t.size) for label in y], dtype=np.float32)
    y_semi = y.astype(object)
    y_semi[30:] = -1
    pipe = Pipeline([
        ("mel", MelSpectrogram(sr=sr, n_fft=256, hop_length=128, n_mels=16)),
        ("cnn", CNNClassifier("simple", **{**FAST, "max_epochs": 10, "lr": 0.01})),
    ])
    model = SelfTrainingClassifier(pipe, threshold=0.7, max_iter=1).fit(waves, y_semi)
    assert model.classes_.tolist() == names.tolist()
    pseudo = model.labeled_iter_ == 1
    assert 0 < pseudo.sum() <= 30 and not pseudo[:30].any()
    assert accuracy_score(y[pseudo], model.transduction_[pseudo]) >= 0.9
    assert accuracy_score(y[30:], model.predict(waves[30:])) >= 0.9


def test_history_plots():
    X, y = band_clips(20)
    clf = CNNClassifier("simple", **FAST).fit(X, y)
    ax = plot_training_curves(clf.history, metrics=("train_loss", "valid_loss", "valid_acc"))
    assert len(ax.get_lines()) >= 3


# ---------------------------------------------------------------------- augmentation
def test_spec_augment_masks_gain_and_mixup():
    torch.manual_seed(0)
    X = torch.ones(64, 1, 10, 20)
    Y = nn.functional.one_hot(torch.arange(64) % 2, 2).float()
    stats = dict(band_mean=torch.full((10,), -30.0), band_scale=torch.full((10,), 2.0))
    off = dict(shorten=0, reverb=0, snr_db=None, gain_db=0, time_mask=0, freq_mask=0, mixup=0)
    masked, same = SpecAugment(**{**off, "time_mask": 0.5})(X, Y, **stats)
    assert torch.equal(same, Y) and torch.equal(X, torch.ones(64, 1, 10, 20))
    hidden = (masked == 0).all(dim=2).squeeze(1).sum(dim=1)  # frames masked per clip
    assert hidden.max() <= 10 and hidden.max() > 0
    gained, _ = SpecAugment(**{**off, "gain_db": 6.0})(X, Y, **stats)
    offsets = (gained - 1)[:, 0, :, 0] * 2.0  # back in dB
    assert offsets.abs().max() <= 6.0 and offsets.std() > 1.0
    assert torch.allclose(offsets, offsets[:, :1].expand(-1, 10))
    mixed_X, mixed_Y = SpecAugment(**{**off, "mixup": 1.0})(torch.randn(64, 1, 10, 20), Y,
                                                            **stats)
    torch.testing.assert_close(mixed_Y.sum(dim=1), torch.ones(64))
    assert ((mixed_Y > 0) & (mixed_Y < 1)).any()


def test_spec_augment_reverb_adds_a_decaying_tail():
    torch.manual_seed(0)
    db = torch.full((32, 1, 4, 40), -80.0)
    db[..., 5] = 0.0  # one loud frame in near silence
    stats = dict(band_mean=torch.full((4,), -60.0), band_scale=torch.full((4,), 10.0))
    X = (db - stats["band_mean"][:, None]) / stats["band_scale"][:, None]
    out, _ = SpecAugment(shorten=0, reverb=8.0, snr_db=None, gain_db=0, time_mask=0,
                         freq_mask=0, mixup=0)(X, torch.zeros(32, 2), **stats)
    out_db = out * 10.0 - 60.0
    gain = out_db - db
    assert (gain >= -1e-4).all()  # a room only adds energy
    assert (gain[..., :5] <= 10 * np.log10(1.7) + 1e-4).all()  # steady: at most +2.3 dB
    torch.testing.assert_close(out_db[..., 5], db[..., 5], atol=1e-3, rtol=0)  # direct kept
    tail = out_db[:, 0, 0, 6:]
    assert (tail[:, 0] > -60.0).float().mean() > 0.8  # the tail rings on for most clips
    assert (tail[:, :-1] >= tail[:, 1:] - 1e-3).all()  # and decays


def test_spec_augment_vibrato_moves_half_the_clips_along_the_bands_and_back():
    torch.manual_seed(0)
    n, n_bands, n_frames = 400, 40, 48
    db = torch.full((n, 1, n_bands, n_frames), -80.0)
    db[:, :, 20] = 0.0  # a steady partial in band 20
    stats = dict(band_mean=torch.full((n_bands,), -60.0), band_scale=torch.full((n_bands,), 10.0))
    off = dict(shorten=0, reverb=0, snr_db=None, gain_db=0, time_mask=0, freq_mask=0, mixup=0)
    out, same_y = SpecAugment(**off, vibrato=2.0)(db / 10.0 + 6.0, torch.eye(2)[[0, 1] * 200],
                                                  **stats)
    power = 10.0 ** ((out * 10.0 - 60.0) / 10.0)[:, 0]  # (clips, bands, frames)
    assert torch.equal(same_y, torch.eye(2)[[0, 1] * 200])
    # The partial's power is moved, not made or lost (the floor is 80 dB down).
    torch.testing.assert_close(power.sum(dim=1), torch.ones(n, n_frames), rtol=1e-3, atol=0)
    centre = (power * torch.arange(n_bands)[None, :, None]).sum(dim=1)  # (clips, frames)
    moved = (centre - 20.0).abs().amax(dim=1) > 1e-3
    assert 0.4 < moved.float().mean() < 0.6
    assert torch.allclose(out[~moved], db[~moved] / 10.0 + 6.0)
    assert (centre - 20.0).abs().max() <= 2.0 + 1e-3  # never deeper than ``vibrato``
    assert (centre - 20.0).abs().max() > 1.0
    swing = centre[moved] - 20.0  # up and down the bands within each clip, around 20
    assert ((swing.amax(dim=1) > 0) & (swing.amin(dim=1) < 0)).float().mean() > 0.9
    same, _ = SpecAugment(**off, vibrato=0)(db / 10.0 + 6.0, torch.zeros(n, 2), **stats)
    torch.testing.assert_close(same, db / 10.0 + 6.0)
    assert CNNClassifier(vibrato=0.5)._augmenter().vibrato == 0.5
    assert CNNTagger(vibrato=0.5)._augmenter().vibrato == 0.5
    with pytest.raises(ValueError, match="vibrato"):
        CNNClassifier(vibrato=-1.0).fit(*band_clips(8))


def test_spec_augment_shorten_cuts_notes_short_at_random_frames():
    torch.manual_seed(0)
    n, n_frames = 400, 64
    db = torch.full((n, 1, 4, n_frames), -10.0)  # a note held to the end
    db[..., -1] = -90.0                          # over a floor 80 dB down
    stats = dict(band_mean=torch.full((4,), -50.0), band_scale=torch.full((4,), 20.0))
    off = dict(reverb=0, snr_db=None, gain_db=0, time_mask=0, freq_mask=0, mixup=0)
    out, _ = SpecAugment(**off, shorten=0.5)(db / 20.0 + 2.5, torch.zeros(n, 2), **stats)
    out_db = out * 20.0 - 50.0
    assert (out_db <= db + 1e-4).all() and (out_db >= -90.0 - 1e-4).all()
    torch.testing.assert_close(out_db[..., :2], db[..., :2])  # every note sounds 2 frames
    level = out_db[:, 0, 0, :-1]
    cut = (level < -10.0 - 1e-3).float().argmax(dim=1)  # first faded frame, 0 if none
    shortened = (level < -10.0 - 1e-3).any(dim=1)
    assert 0.4 < shortened.float().mean() < 0.6
    assert (level[:, :-1] >= level[:, 1:] - 1e-4).all()  # a fade never rises again
    cuts = cut[shortened]
    assert cuts.min() <= 4 and cuts.max() >= 40  # short notes and long ones
    assert (cuts < 16).float().mean() > 0.5      # log-uniform: 2-16 as likely as 16-64
    early = cuts < n_frames - 9
    after = torch.gather(level[shortened][early], 1, cuts[early, None] + 8)
    assert (after <= -70.0 + 1e-3).all()  # 60 dB down within 8 frames of the cut
    same, _ = SpecAugment(**off, shorten=0)(db / 20.0 + 2.5, torch.zeros(n, 2), **stats)
    torch.testing.assert_close(same * 20.0 - 50.0, db)
    # Both estimators pass it on, and validate it.
    assert CNNClassifier(shorten=0.25)._augmenter().shorten == 0.25
    assert CNNTagger(shorten=0.0)._augmenter().shorten == 0.0
    with pytest.raises(ValueError, match="shorten"):
        CNNClassifier(shorten=1.5).fit(*band_clips(8))


def test_trim_leading_starts_each_clip_at_its_first_sound():
    X = np.full((3, 2, 8), -90.0, dtype=np.float32)
    X[0, :, 3:6] = [[-10.0, -20.0, -50.0]]  # starts at frame 3
    X[1, :, :] = -20.0                       # starts at once
    X[2, :, 2:5] = [[-60.0, 0.0, -5.0]]      # -60 is more than 30 dB down: starts at 3
    X[2, :, 6:] = np.nan                     # and has 6 real frames
    lengths = np.array([8, 8, 6])
    out = trim_leading(X, lengths, 30.0)
    np.testing.assert_array_equal(out[0, 0], [-10, -20, -50, -90, -90, -90, -90, -90])
    np.testing.assert_array_equal(out[1], X[1])
    np.testing.assert_array_equal(out[2, 0], [0, -5, -90, -90, -90, -90, np.nan, np.nan])
    assert X[0, 0, 0] == -90.0  # the input is not modified
    untouched = X[1:2]
    assert trim_leading(untouched, lengths[1:2], 30.0) is untouched
    # trim_db=0: each clip starts at its loudest frame
    np.testing.assert_array_equal(trim_leading(X, lengths, 0.0)[2, 0, :2], [0, -5])


def test_leading_silence_does_not_change_predictions():
    X, y = band_clips(40)
    X_test, _ = band_clips(10, seed=1)
    X_test[:, :, -4:] = -100.0  # the notes end in silence
    late = np.full_like(X_test, -100.0)
    late[:, :, 4:] = X_test[:, :, :-4]  # the same notes after 4 frames of silence
    clf = CNNClassifier("simple", **FAST).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(late), clf.predict_proba(X_test))
    clf.set_params(trim_db=None)
    assert not np.allclose(clf.predict_proba(late), clf.predict_proba(X_test))


def test_recording_level_does_not_change_predictions():
    X, y = band_clips(40)
    X_test, _ = band_clips(10, seed=1)
    clf = CNNClassifier("simple", **FAST).fit(X, y)
    for gain in (-30.0, 12.0):  # a quieter and a louder recording of the same notes
        np.testing.assert_allclose(clf.predict_proba(X_test + gain),
                                   clf.predict_proba(X_test), atol=1e-5)
    clf.set_params(peak_norm=False)
    assert not np.allclose(clf.predict_proba(X_test - 30.0), clf.predict_proba(X_test),
                           atol=1e-3)


def test_spec_augment_noise_floor_lies_between_snr_db_and_40_db_lower():
    torch.manual_seed(0)
    n = 200
    db = torch.full((n, 1, 16, 30), -100.0)
    db[..., 10] = 0.0  # one loud frame; the rest digital silence
    stats = dict(band_mean=torch.full((16,), -60.0), band_scale=torch.full((16,), 20.0))
    off = dict(shorten=0, reverb=0, gain_db=0, time_mask=0, freq_mask=0, mixup=0)
    out, _ = SpecAugment(**off, snr_db=30.0)(db / 20.0 + 3.0, torch.zeros(n, 2), **stats)
    out_db = out * 20.0 - 60.0
    torch.testing.assert_close(out_db[..., 10], db[..., 10], atol=0.05, rtol=0)
    floor = out_db[..., :10].mean(dim=(1, 2, 3))  # per clip, averaged over its texture
    assert floor.max() < -30.0 + 1.0 and floor.min() > -70.0 - 1.0
    assert floor.std() > 5.0  # levels drawn per clip
    tilt = out_db[:, 0, -1, :10].mean(dim=1) - out_db[:, 0, 0, :10].mean(dim=1)
    assert tilt.abs().max() < 12.0 + 1.0 and tilt.std() > 3.0
    same, _ = SpecAugment(**off, snr_db=None)(db / 20.0 + 3.0, torch.zeros(n, 2), **stats)
    torch.testing.assert_close(same * 20.0 - 60.0, db)


def test_spec_augment_keeps_levels_below_100_db_and_takes_float64():
    db = torch.full((2, 1, 4, 40), -140.0, dtype=torch.float64)
    db[:, :, :, :3] = 0.0  # a short note, then deep silence
    stats = dict(band_mean=torch.full((4,), -70.0), band_scale=torch.full((4,), 30.0))
    off = dict(shorten=0, snr_db=None, gain_db=0, time_mask=0, freq_mask=0, mixup=0)
    out, _ = SpecAugment(**off, reverb=2.0)((db + 70.0) / 30.0, torch.eye(2), **stats)
    assert out.dtype == torch.float64
    assert (out * 30.0 - 70.0)[..., -1].max() < -139.0  # past the tail: as it was


def test_spec_augment_overlay_mixes_clips_and_unites_their_tags():
    torch.manual_seed(0)
    n = 16
    db = torch.full((n, 1, n, 6), -80.0)
    db[torch.arange(n), 0, torch.arange(n)] = -10.0  # clip i sounds in band i only
    Y = torch.eye(n)  # and has tag i only
    stats = dict(band_mean=torch.full((n,), -50.0), band_scale=torch.full((n,), 10.0))
    X = (db + 50.0) / 10.0
    off = dict(shorten=0, reverb=0, snr_db=None, gain_db=0, time_mask=0, freq_mask=0, mixup=0)
    out, tags = SpecAugment(**off, overlay=1.0)(X, Y, **stats)
    out_db = out * 10.0 - 50.0
    sounding = out_db[:, 0, :, 0] > -40.0
    assert torch.equal(sounding, tags.bool())  # each tag sounds, and nothing else does
    assert (tags.sum(dim=1) == 2).sum() >= n // 2  # most clips gained another's tag
    torch.testing.assert_close(out_db.amax(dim=(1, 2, 3)), db.amax(dim=(1, 2, 3)))
    levels = out_db[:, 0, :, 0][tags.bool()].reshape(-1)
    assert levels.min() >= -16.0 - 1e-3  # the other clip within 6 dB, then re-peaked
    same, kept = SpecAugment(**off, overlay=0.0)(X, Y, **stats)
    assert torch.equal(same, X) and torch.equal(kept, Y)
    # clips at other levels (peak_norm=False): the other clip still within 6 dB of the peak
    quiet = db.clone()
    quiet[::2] -= 40.0
    out, tags = SpecAugment(**off, overlay=1.0)((quiet + 50.0) / 10.0, Y, **stats)
    out_db = out * 10.0 - 50.0
    peaks = quiet.amax(dim=(1, 2, 3))
    levels = out_db[:, 0, :, 0] - peaks[:, None]  # each band, below its clip's peak
    assert levels[tags.bool()].min() >= -16.0 - 1e-3


def test_tagger_overlay_trains_and_is_validated():
    X, Y = tag_clips(120)
    X_test, Y_test = tag_clips(60, seed=1)
    tagger = CNNTagger("simple", max_epochs=10, module__width=8, n_jobs=1, overlay=0.5,
                       random_state=0).fit(X, Y)
    assert roc_auc_score(Y_test, tagger.predict_proba(X_test), average="macro") >= 0.9
    with pytest.raises(ValueError, match="overlay"):
        CNNTagger(overlay=1.5).fit(X, Y)
    # On by default for tags; a classifier never overlays (a class has no union).
    assert CNNTagger()._augmenter().overlay == 0.5
    assert CNNTagger(overlay=0.0)._augmenter().overlay == 0.0
    assert CNNClassifier()._augmenter().overlay == 0.0


# --------------------------------------------------------------------------- tagging
def test_tagger_shapes_thresholds_and_learning():
    X, Y = tag_clips(120)
    X_test, Y_test = tag_clips(60, seed=1)
    tagger = CNNTagger("simple", max_epochs=10, module__width=8, n_jobs=1,
                       random_state=0).fit(X, Y)
    proba = tagger.predict_proba(X_test)
    assert proba.shape == (60, 3) and ((proba >= 0) & (proba <= 1)).all()
    assert roc_auc_score(Y_test, proba, average="macro") >= 0.95
    assert tagger.classes_.tolist() == [0, 1, 2]
    np.testing.assert_array_equal(tagger.predict(X_test), (proba >= 0.5).astype(int))
    assert isinstance(tagger.criterion_, nn.BCEWithLogitsLoss)
    assert "valid_auc" in tagger.history[-1]


def test_tagger_learns_mixtures_from_single_sources():
    # one tag per training clip (single notes, say): overlay mixes them while training
    X, Y = tag_clips(400)
    alone = Y.sum(axis=1) == 1
    X_test, Y_test = tag_clips(90, seed=1)
    several = Y_test.sum(axis=1) >= 2
    assert alone.sum() > 100 and several.sum() > 30
    auc = {}
    for overlay in (0.0, 0.5):
        tagger = CNNTagger("simple", max_epochs=10, module__width=8, n_jobs=1,
                           overlay=overlay, random_state=0).fit(X[alone], Y[alone])
        proba = tagger.predict_proba(X_test[several])
        auc[overlay] = roc_auc_score(Y_test[several], proba, average="macro")
    assert auc[0.5] >= 0.985 and auc[0.5] > auc[0.0]  # 0.996 against 0.973


def test_tagger_tuned_thresholds():
    X, Y = tag_clips(80)
    tagger = CNNTagger("simple", threshold="tuned", validation_fraction=0.3, **FAST)
    tagger.fit(X, Y)
    assert tagger.thresholds_.shape == (3,)
    assert ((tagger.thresholds_ >= 0.05) & (tagger.thresholds_ <= 0.95)).all()
    np.testing.assert_array_equal(
        tagger.predict(X), (tagger.predict_proba(X) >= tagger.thresholds_).astype(int))
    for train in ("fit", "partial_fit"):
        with pytest.raises(ValueError, match="validation_fraction > 0"):
            getattr(CNNTagger(threshold="tuned", validation_fraction=0.0), train)(X, Y)


def test_tagger_persistence_subsets_and_errors():
    X, Y = tag_clips(30)
    tagger = CNNTagger("resnet", **FAST).fit(X, Y)
    proba = tagger.predict_proba(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(tagger)).predict_proba(X), proba)
    np.testing.assert_allclose(tagger.predict_proba(X[:7]), proba[:7], rtol=1e-6)
    with pytest.raises(ValueError, match="2-D 0/1 array"):
        CNNTagger(max_epochs=1).fit(X, np.arange(30) % 3)
    with pytest.raises(ValueError, match="expecting 14 features"):
        tagger.predict(X[:, :10])


def test_tagger_input_types_and_unchanged_state(tmp_path):
    X, Y = tag_clips(30)
    tagger = CNNTagger("simple", **FAST).fit(X.astype(np.float64), Y.astype(bool))
    state = {key: value for key, value in vars(tagger).items() if not key.endswith("_")}
    proba = tagger.predict_proba(X)
    joblib.dump(X, tmp_path / "X.joblib")
    readonly = joblib.load(tmp_path / "X.joblib", mmap_mode="r")
    np.testing.assert_array_equal(tagger.predict_proba(readonly), proba)
    assert tagger.predict(np.round(X).astype(np.int32)).shape == (30, 3)
    assert {key: value for key, value in vars(tagger).items()
            if not key.endswith("_")}.keys() == state.keys()
    assert tagger.get_params()["module__width"] == 4
    sparse = CNNTagger("simple", **FAST).fit(X, scipy.sparse.csr_matrix(Y))
    np.testing.assert_array_equal(sparse.predict_proba(X),
                                  CNNTagger("simple", **FAST).fit(X, Y).predict_proba(X))


def test_multi_output_classifier_on_pooled_features():
    X, Y = tag_clips(60)
    X_test, Y_test = tag_clips(30, seed=1)
    model = make_pipeline(Pooling(stats=("mean", "std")), StandardScaler(),
                          MultiOutputClassifier(LogisticRegression()))
    model.fit(X, Y)
    assert model.predict(X_test).shape == (30, 3)
    proba = np.stack([p[:, 1] for p in model.predict_proba(X_test)], axis=1)
    assert roc_auc_score(Y_test, proba, average="macro") >= 0.95


def imbalanced_clips(seed=0):
    """50 flutes and 10 guitars whose bands tell them apart only weakly."""
    rng = np.random.default_rng(seed)
    y = np.array(["flute"] * 50 + ["guitar"] * 10)
    X = rng.normal(-40.0, 3.0, size=(60, 16, 12))
    X[y == "guitar", 1:4] += 3.0
    return X.astype(np.float32), y


def test_class_weight_balanced_weighs_the_training_clips_and_finds_the_rare_class():
    from sklearn.utils.class_weight import compute_class_weight

    X, y = imbalanced_clips()
    plain = CNNClassifier("simple", augment=False, **FAST).fit(X, y)
    balanced = CNNClassifier("simple", augment=False, class_weight="balanced", **FAST).fit(X, y)
    train = np.setdiff1d(np.arange(len(y)), balanced.validation_indices_)
    expected = compute_class_weight("balanced", classes=np.array(["flute", "guitar"]),
                                    y=y[train])
    np.testing.assert_allclose(balanced.class_weight_, expected)
    np.testing.assert_allclose(balanced.criterion_.weight.numpy(), expected, rtol=1e-6)
    np.testing.assert_array_equal(plain.class_weight_, [1.0, 1.0])
    assert getattr(plain.criterion_, "weight", None) is None  # the plain loss, unchanged

    def guitars_found(model):
        return int((model.predict(X[y == "guitar"]) == "guitar").sum())

    assert guitars_found(balanced) > guitars_found(plain)


def test_class_weight_dict_and_its_errors():
    X, y = imbalanced_clips()
    model = CNNClassifier("simple", augment=False, class_weight={"guitar": 4.0}, **FAST)
    np.testing.assert_array_equal(model.fit(X, y).class_weight_, [1.0, 4.0])
    assert clone(model).get_params()["class_weight"] == {"guitar": 4.0}
    with pytest.raises(ValueError, match="class_weight names 'oboe'"):
        model.set_params(class_weight={"oboe": 2.0}).fit(X, y)
    with pytest.raises(ValueError, match=r"class_weight\['guitar'\] must be a finite number"):
        model.set_params(class_weight={"guitar": 0.0}).fit(X, y)
    with pytest.raises(ValueError, match="leave it None to give criterion__weight"):
        CNNClassifier("simple", class_weight="balanced", criterion__weight=None,
                      **FAST).fit(X, y)


def test_tagger_class_weight_balanced_weighs_each_tags_positives_and_negatives():
    X, _ = band_clips(40, n_classes=2)
    Y = np.zeros((40, 3), dtype=int)
    Y[:4, 0] = 1  # a rare tag
    Y[::2, 1] = 1  # a common one; tag 2 is never on
    tagger = CNNTagger("simple", class_weight="balanced", validation_fraction=0.0,
                       **FAST).fit(X, Y)
    np.testing.assert_allclose(tagger.class_weight_, [[40 / 72, 40 / 8], [1.0, 1.0],
                                                      [1.0, 1.0]])
    negative, positive = tagger.class_weight_.T
    np.testing.assert_allclose(tagger.criterion_.weight.numpy(), negative, rtol=1e-6)
    np.testing.assert_allclose(tagger.criterion_.pos_weight.numpy(), positive / negative,
                               rtol=1e-6)
    tagger.partial_fit(X[:20], Y[:20])  # weighed again by the clips of this call
    np.testing.assert_allclose(tagger.class_weight_[0], [20 / 32, 20 / 8])
    with pytest.raises(ValueError, match="class_weight"):
        CNNTagger("simple", class_weight={0: 2.0}, **FAST).fit(X, Y)


def test_weighted_soft_targets_are_averaged_over_the_weights_as_hard_ones():
    # Mixup's probability targets under class weights: PyTorch divides by the number of
    # clips, not by their weights, so the training loss grew with the weights' mean.
    X, y = imbalanced_clips()
    model = CNNClassifier("simple", augment=False, class_weight={"guitar": 50.0}, **FAST)
    model.fit(X, y)
    logits = torch.randn(6, 2)
    labels = torch.tensor([0, 0, 0, 1, 0, 1])
    one_hot = nn.functional.one_hot(labels, 2).to(torch.float32)
    with model._on_device(model.device_):  # as in fit
        hard = model.get_loss(logits, labels)
        torch.testing.assert_close(model.get_loss(logits, one_hot), hard)
    expected = nn.functional.cross_entropy(logits, labels, weight=torch.tensor([1.0, 50.0]))
    torch.testing.assert_close(hard, expected)
