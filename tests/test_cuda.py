"""The CUDA path: CNNClassifier, CNNTagger and MelSpectrogram(backend="torch") on a GPU.

These run only where PyTorch sees a CUDA device; CI's machine has none, so there they are
skipped and the CPU path is what the rest of the suite checks. docs/deep-models.md says
when and on which GPU they last ran. The suite's other tests with ``device="auto"`` (the
checkpoint resumes, the pickle round trips) run on the GPU there too.
"""

import os
import subprocess
import sys

import joblib
import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score
from test_neural import FAST, band_clips, tag_clips

from sklearn_music import CNNClassifier, CNNTagger, MelSpectrogram

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")

# What separates a GPU's sums from a CPU's: cuDNN's own convolution algorithms, in TF32
# (10-bit mantissas) by PyTorch's default, change the rounding, not the result.
PROBA_ATOL = 1e-3


def test_auto_trains_and_predicts_on_cuda():
    X, y = band_clips(120, n_classes=3)
    X_test, y_test = band_clips(60, n_classes=3, seed=1)
    clf = CNNClassifier("resnet", max_epochs=10, module__width=8, random_state=0).fit(X, y)
    assert clf.device_ == "cuda" and clf.device == "auto"
    assert all(p.is_cuda for p in clf.module_.parameters())
    proba = clf.predict_proba(X_test)
    assert isinstance(proba, np.ndarray) and proba.shape == (60, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert clf.score(X_test, y_test) >= 0.9


def test_same_seed_same_predictions_on_cuda():
    # 64 x 64 inputs: cuDNN's fastest backward convolutions for them add in a varying order
    X, y = band_clips(200, n_mels=64, n_frames=64, n_classes=4)
    params = dict(max_epochs=3, random_state=0)
    first = CNNClassifier("resnet", **params).fit(X, y).predict_proba(X)
    second = CNNClassifier("resnet", **params).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)
    assert not torch.backends.cudnn.deterministic  # switched on inside fit only


def test_model_trained_on_cuda_loads_where_there_is_none(tmp_path):
    X, y = band_clips(32)
    clf = CNNClassifier("resnet", **FAST).fit(X, y)
    joblib.dump(clf, tmp_path / "cnn.joblib")
    np.save(tmp_path / "X.npy", X)
    # A process that sees no GPU, as a laptop loading a model trained on a server.
    script = (
        "import sys, joblib, numpy as np, torch\n"
        "assert not torch.cuda.is_available()\n"
        "clf = joblib.load(sys.argv[1] + '/cnn.joblib')\n"
        "assert clf.device_ == 'cpu' and clf.device == 'auto', (clf.device_, clf.device)\n"
        "np.save(sys.argv[1] + '/proba.npy', clf.predict_proba(np.load(sys.argv[1] + '/X.npy')))\n"
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True,
                   env={**os.environ, "CUDA_VISIBLE_DEVICES": ""})
    np.testing.assert_allclose(np.load(tmp_path / "proba.npy"), clf.predict_proba(X),
                               atol=PROBA_ATOL)


def test_tagger_on_cuda():
    X, Y = tag_clips(120)
    X_test, Y_test = tag_clips(60, seed=1)
    tagger = CNNTagger("simple", max_epochs=10, module__width=8, random_state=0).fit(X, Y)
    assert tagger.device_ == "cuda"
    proba = tagger.predict_proba(X_test)
    assert proba.shape == (60, 3) and ((proba >= 0) & (proba <= 1)).all()
    assert roc_auc_score(Y_test, proba, average="macro") >= 0.95


def test_torch_mel_on_cuda_matches_numpy_backend():
    rng = np.random.default_rng(0)
    sr = 22050
    t = np.arange(3 * sr) / sr
    chirp = 0.5 * np.sin(2 * np.pi * (200.0 + 600.0 * t) * t)
    # clips of different lengths and one shorter than n_fft: batches by length, NaN padding
    X = [chirp + 0.01 * rng.standard_normal(t.size), chirp[: 2 * sr], chirp[:1000],
         rng.standard_normal(sr) * 0.1]
    ours = MelSpectrogram(backend="torch", device="cuda").fit_transform(X)
    expected = MelSpectrogram().fit_transform(X)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(expected))
    within = expected >= np.nanmax(expected, axis=(1, 2), keepdims=True) - 80.0
    np.testing.assert_allclose(ours[within], expected[within], rtol=0, atol=1e-3)
