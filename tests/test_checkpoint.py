"""CNN training checkpoints: saved atomically every epoch, resumed after an interruption
(a KeyboardInterrupt, or a SIGKILL of the training process at an epoch boundary, in the
middle of writing a checkpoint, or at any moment) to exactly the weights of an
uninterrupted run; never resumed for other data or parameters.

Tiny synthetic spectrograms, narrow networks, one PyTorch thread.
"""

import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.base import clone
from skorch.callbacks import Callback

from sklearn_music import CNNClassifier, CNNTagger
from sklearn_music.callbacks import TrainingCheckpoint

FAST = dict(max_epochs=5, batch_size=8, module__width=4, n_jobs=1, random_state=0)
# Early stopping ends this run before its 10 epochs and restores an earlier epoch's weights.
STOPS_EARLY = dict(FAST, max_epochs=10, lr=0.05, patience=2)


def clips(n=40, *, shift=10.0, seed=0):
    """Two classes of noisy dB spectrograms; "b" is louder in bands 2-3."""
    rng = np.random.default_rng(seed)
    X = rng.normal(-40.0, 3.0, size=(n, 16, 16)).astype(np.float32)
    y = np.array(["a", "b"])[np.arange(n) % 2]
    X[y == "b", 2:4] += shift
    return X, y


def tags(n=40, seed=0):
    rng = np.random.default_rng(seed)
    Y = rng.integers(0, 2, size=(n, 3))
    X = rng.normal(-40.0, 3.0, size=(n, 14, 10)).astype(np.float32)
    for j in range(3):
        X[:, 4 * j:4 * j + 2] += 6.0 * Y[:, j, None, None]
    return X, Y


class StopAt(Callback):
    """Raise KeyboardInterrupt (as Ctrl-C does) when epoch ``epoch + 1`` begins."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) > self.epoch:
            raise KeyboardInterrupt


class CountEpochs(Callback):
    def initialize(self):
        self.epochs = 0
        return self

    def on_epoch_begin(self, net, **kwargs):
        self.epochs += 1


def saved(folder):
    return torch.load(Path(folder) / "checkpoint.pt", weights_only=True)


def assert_same_training(resumed, uninterrupted, X):
    weights, expected = resumed.module_.state_dict(), uninterrupted.module_.state_dict()
    assert weights.keys() == expected.keys()
    for name in expected:
        assert torch.equal(weights[name], expected[name]), name
    np.testing.assert_array_equal(resumed.predict_proba(X), uninterrupted.predict_proba(X))
    keys = [k for k in uninterrupted.history[-1] if k not in ("dur", "batches")]
    assert resumed.history[:, keys] == uninterrupted.history[:, keys]
    np.testing.assert_array_equal(resumed.validation_indices_,
                                  uninterrupted.validation_indices_)
    np.testing.assert_array_equal(resumed.band_mean_, uninterrupted.band_mean_)


# ----------------------------------------------------------------- saving every epoch
def test_checkpoint_after_every_epoch_changes_nothing(tmp_path):
    X, y = clips()
    epochs_on_disk = []

    class Watch(Callback):
        def on_epoch_begin(self, net, **kwargs):
            if len(net.history) > 1:
                epochs_on_disk.append(saved(tmp_path)["epoch"])

    net = CNNClassifier("simple", checkpoint_dir=tmp_path, callbacks=[("watch", Watch())],
                        **FAST).fit(X, y)
    assert epochs_on_disk == [1, 2, 3, 4]
    assert os.listdir(tmp_path) == ["checkpoint.pt"]  # no temporary file left behind
    state = saved(tmp_path)
    assert state["epoch"] == 5 and state["finished"]
    assert {"module", "optimizer", "criterion", "callbacks", "history", "attributes",
            "rng", "seed", "fingerprint"} <= set(state)
    assert set(state["callbacks"]) == {"train_loss", "valid_loss", "early_stopping",
                                       "lr_scheduler"}
    np.testing.assert_array_equal(state["attributes"]["band_mean_"].numpy(), net.band_mean_)
    # Checkpointing draws no random numbers: the run is the one without it.
    assert_same_training(net, CNNClassifier("simple", **FAST).fit(X, y), X)
    assert all(cb is not None and not isinstance(cb, TrainingCheckpoint)
               for _, cb in net.callbacks_)


# ------------------------------------------------------------------------ resuming
@pytest.mark.parametrize("stop_after", [1, 3])
def test_interrupted_fit_resumes_to_the_uninterrupted_weights(tmp_path, stop_after):
    X, y = clips()
    uninterrupted = CNNClassifier("simple", **FAST).fit(X, y)
    interrupted = CNNClassifier("simple", checkpoint_dir=tmp_path,
                                callbacks=[("stop", StopAt(stop_after))], **FAST).fit(X, y)
    assert saved(tmp_path)["epoch"] == stop_after and not saved(tmp_path)["finished"]
    np.testing.assert_array_equal(interrupted.validation_indices_,
                                  uninterrupted.validation_indices_)
    count = CountEpochs()
    torch.manual_seed(7)
    rng_before = torch.get_rng_state()
    resumed = CNNClassifier("simple", checkpoint_dir=tmp_path, callbacks=[("count", count)],
                            **FAST).fit(X, y)
    assert torch.equal(torch.get_rng_state(), rng_before)  # global state left alone
    assert count.epochs == FAST["max_epochs"] - stop_after
    assert resumed.history[:, "epoch"] == [1, 2, 3, 4, 5]
    assert_same_training(resumed, uninterrupted, X)


def test_early_stopping_state_survives_the_interruption(tmp_path):
    X, y = clips(shift=3.0)
    uninterrupted = CNNClassifier("simple", **STOPS_EARLY).fit(X, y)
    n_epochs = len(uninterrupted.history)
    best = dict(uninterrupted.callbacks_)["early_stopping"].best_epoch_
    assert n_epochs == best + 2 < STOPS_EARLY["max_epochs"], "the test needs an early stop"
    # Interrupted after the first epoch that missed: one miss recorded, the best weights
    # are those of an earlier epoch.
    CNNClassifier("simple", checkpoint_dir=tmp_path, callbacks=[("stop", StopAt(best + 1))],
                  **STOPS_EARLY).fit(X, y)
    resumed = CNNClassifier("simple", checkpoint_dir=tmp_path, **STOPS_EARLY).fit(X, y)
    assert len(resumed.history) == n_epochs
    assert_same_training(resumed, uninterrupted, X)  # the best epoch's weights restored


def test_tagger_with_plateau_schedule_and_tuned_thresholds(tmp_path):
    X, Y = tags()
    # The rate is halved once valid_loss has worsened twice in a row. Interrupt after the
    # first of those two epochs: the plateau count it started must carry over. The test
    # needs such a run; which seed gives one depends on the training details.
    for seed in range(10):
        params = dict(FAST, max_epochs=6, lr=0.05, lr_schedule="plateau", patience=3,
                      threshold="tuned", overlay=0.0, random_state=seed)
        uninterrupted = CNNTagger("simple", **params).fit(X, Y)
        rates = uninterrupted.history[:, "event_lr"]
        losses = uninterrupted.history[:, "valid_loss"]
        stop = rates.index(0.025) - 1 if 0.025 in rates else 0  # epochs before interrupting
        if stop >= 2 and losses[stop - 1] > min(losses[:stop - 1]):
            break
    else:
        pytest.fail("no seed gives a run whose rate is halved after a plateau count")
    CNNTagger("simple", checkpoint_dir=tmp_path, callbacks=[("stop", StopAt(stop))],
              **params).fit(X, Y)
    resumed = CNNTagger("simple", checkpoint_dir=tmp_path, **params).fit(X, Y)
    assert resumed.history[:, "event_lr"] == rates
    assert_same_training(resumed, uninterrupted, X)
    np.testing.assert_array_equal(resumed.thresholds_, uninterrupted.thresholds_)


def test_finished_run_is_loaded_not_trained_again(tmp_path):
    X, y = clips(shift=3.0)
    first = CNNClassifier("simple", checkpoint_dir=tmp_path, **STOPS_EARLY).fit(X, y)
    count = CountEpochs()
    again = CNNClassifier("simple", checkpoint_dir=tmp_path, callbacks=[("count", count)],
                          **STOPS_EARLY).fit(X, y)
    assert count.epochs == 0
    assert_same_training(again, first, X)


def test_unseeded_run_resumes_with_its_own_split(tmp_path):
    X, y = clips()
    params = dict(FAST, random_state=None)
    interrupted = CNNClassifier("simple", checkpoint_dir=tmp_path,
                                callbacks=[("stop", StopAt(2))], **params).fit(X, y)
    resumed = CNNClassifier("simple", checkpoint_dir=tmp_path, **params).fit(X, y)
    np.testing.assert_array_equal(resumed.validation_indices_,
                                  interrupted.validation_indices_)
    assert len(resumed.history) == 5
    rng = np.random.RandomState(0)  # an instance's state moves on: the saved seed counts
    CNNClassifier("simple", checkpoint_dir=tmp_path / "rs",
                  callbacks=[("stop", StopAt(2))], **dict(FAST, random_state=rng)).fit(X, y)
    CNNClassifier("simple", checkpoint_dir=tmp_path / "rs", **dict(FAST, random_state=rng)
                  ).fit(X, y)


def test_partial_fit_on_a_fitted_model_leaves_the_checkpoint_alone(tmp_path):
    X, y = clips()
    net = CNNClassifier("simple", checkpoint_dir=tmp_path, **FAST).fit(X, y)
    before = (tmp_path / "checkpoint.pt").read_bytes()
    net.partial_fit(X[:20], y[:20])
    assert len(net.history) == 10
    assert (tmp_path / "checkpoint.pt").read_bytes() == before


# ---------------------------------------------------------- other runs, damaged files
def test_checkpoint_of_another_run_is_an_error_and_kept(tmp_path):
    X, y = clips()
    CNNClassifier("simple", checkpoint_dir=tmp_path, callbacks=[("stop", StopAt(2))],
                  **FAST).fit(X, y)
    before = (tmp_path / "checkpoint.pt").read_bytes()
    cases = [
        (CNNClassifier("simple", **dict(FAST, lr=0.01)), X, y, "lr was 0.002, now 0.01"),
        (CNNClassifier("simple", **dict(FAST, max_epochs=6)), X, y, "max_epochs was 5"),
        (CNNClassifier("simple", **dict(FAST, random_state=1)), X, y, "random_state was 0"),
        (CNNClassifier("simple", **dict(FAST, module__width=8)), X, y, "module__width"),
        (CNNClassifier("resnet", **FAST), X, y, 'architecture was "simple", now "resnet"'),
        (CNNClassifier("simple", **FAST), X * 1.5, y, "the training data X differs"),
        (CNNClassifier("simple", **FAST), X, y[::-1], "the training data y differs"),
        (CNNClassifier("simple", **FAST), X, np.where(y == "a", "A", "b"),
         "the training data y differs"),
        (CNNTagger("simple", **FAST), X, np.eye(2, dtype=int)[np.arange(40) % 2],
         "estimator was CNNClassifier, now CNNTagger"),
    ]
    for net, X_other, y_other, message in cases:
        with pytest.raises(ValueError, match="another training run") as info:
            net.set_params(checkpoint_dir=tmp_path).fit(X_other, y_other)
        assert message in str(info.value) and "checkpoint.pt" in str(info.value)
    assert (tmp_path / "checkpoint.pt").read_bytes() == before
    # What may change between the interrupted and the resumed run:
    resumed = CNNClassifier("simple", checkpoint_dir=str(tmp_path), verbose=1, device="cpu",
                            callbacks__print_log__floatfmt=".2f", **FAST).fit(X, y)
    assert len(resumed.history) == 5


def test_temporary_and_damaged_files(tmp_path):
    X, y = clips()
    (tmp_path / ".tmp-abc123.pt").write_bytes(b"half a checkpoint")  # a killed write
    net = CNNClassifier("simple", checkpoint_dir=tmp_path, **FAST).fit(X, y)
    assert len(net.history) == 5  # trained from scratch, the leftover ignored
    (tmp_path / "checkpoint.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="cannot read the training checkpoint"):
        CNNClassifier("simple", checkpoint_dir=tmp_path, **FAST).fit(X, y)
    torch.save({"weights": torch.zeros(2)}, tmp_path / "checkpoint.pt")
    with pytest.raises(ValueError, match="not a training checkpoint"):
        CNNClassifier("simple", checkpoint_dir=tmp_path, **FAST).fit(X, y)


def test_parameter_is_a_scikit_learn_parameter(tmp_path):
    X, y = clips()
    net = CNNClassifier("simple", checkpoint_dir=tmp_path, **FAST)
    assert net.get_params()["checkpoint_dir"] == tmp_path
    assert clone(net).checkpoint_dir == tmp_path
    assert CNNTagger(checkpoint_dir="ckpt").get_params()["checkpoint_dir"] == "ckpt"
    net.fit(X, y)
    unpickled = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(unpickled.predict_proba(X), net.predict_proba(X))
    with pytest.raises(ValueError, match="checkpoint_dir"):
        CNNClassifier("simple", checkpoint_dir=3, **FAST).fit(X, y)
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="checkpoint_dir must be a folder"):
        CNNClassifier("simple", checkpoint_dir=tmp_path / "file", **FAST).fit(X, y)


# ---------------------------------------------------------------- killed processes
WORKER = textwrap.dedent("""
    import os, signal, sys, time
    import torch
    from skorch.callbacks import Callback
    sys.path.insert(0, {tests!r})
    from test_checkpoint import FAST, clips
    from sklearn_music import CNNClassifier

    folder, mode = sys.argv[1], sys.argv[2]

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    class Kill(Callback):  # at the start of epoch 4: three epochs saved
        def on_epoch_begin(self, net, **kwargs):
            if mode == "epoch" and len(net.history) > 3:
                die()

        def on_epoch_end(self, net, **kwargs):
            if mode == "anytime":
                time.sleep(0.4)  # room for the parent to kill at any moment

    if mode == "write":  # die with the fourth checkpoint half written
        save, writes = torch.save, []

        def dying_save(obj, f, **kwargs):
            writes.append(f)
            save(obj, f, **kwargs)
            if len(writes) == 4:
                with open(f, "r+b") as handle:
                    handle.truncate(os.path.getsize(f) // 2)
                die()

        torch.save = dying_save
    X, y = clips()
    CNNClassifier("simple", checkpoint_dir=folder, callbacks=[("kill", Kill())],
                  **FAST).fit(X, y)
""")


@pytest.mark.parametrize("mode", ["epoch", "write", "anytime"])
def test_killed_training_process_resumes(tmp_path, mode):
    folder = tmp_path / "checkpoints"
    script = tmp_path / "worker.py"
    script.write_text(WORKER.format(tests=str(Path(__file__).parent)))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen([sys.executable, str(script), str(folder), mode], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if mode == "anytime":
        deadline = time.monotonic() + 120
        while not (folder / "checkpoint.pt").exists() and time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()[1][-2000:]
            time.sleep(0.05)
        time.sleep(0.5)
        process.send_signal(signal.SIGKILL)
    _, err = process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL, err[-2000:]
    state = saved(folder)
    assert not state["finished"]
    if mode == "epoch":
        assert state["epoch"] == 3
    if mode == "write":
        assert state["epoch"] == 3  # the fourth never replaced the third
        assert len([name for name in os.listdir(folder) if name.startswith(".tmp-")]) == 1

    X, y = clips()
    resumed = CNNClassifier("simple", checkpoint_dir=folder, **FAST).fit(X, y)
    assert_same_training(resumed, CNNClassifier("simple", **FAST).fit(X, y), X)
