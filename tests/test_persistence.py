import os
import stat

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from sklearn_music.persistence import VersionMismatchWarning, load_model, save_model


def _model():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    return LogisticRegression().fit(X, X[:, 0] > 0), X


def test_round_trip_keeps_predictions_and_metadata(tmp_path):
    model, X = _model()
    path = save_model(model, tmp_path / "m.joblib", metadata={"task": "genre"})
    loaded, info = load_model(path, return_metadata=True)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert info["metadata"] == {"task": "genre"} and "sklearn_music" in info["versions"]


def test_failed_save_keeps_the_previous_model(tmp_path, monkeypatch):
    model, X = _model()
    path = save_model(model, tmp_path / "m.joblib")
    before = (tmp_path / "m.joblib").read_bytes()

    def explode(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(joblib, "dump", explode)
    with pytest.raises(KeyboardInterrupt):
        save_model(model, path)
    assert (tmp_path / "m.joblib").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.joblib"]


def test_saved_files_get_ordinary_permissions(tmp_path):
    # Written through a temporary file: the model must not keep its private mode (0600),
    # and a model saved over another keeps the permissions the user gave that one.
    model, _ = _model()
    umask = os.umask(0o022)
    try:
        path = save_model(model, tmp_path / "m.joblib")
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
        os.chmod(path, 0o640)
        save_model(model, path)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    finally:
        os.umask(umask)


def test_version_mismatch_is_reported(tmp_path):
    model, _ = _model()
    path = tmp_path / "m.joblib"
    payload = {"format": "sklearn-music-model", "versions": {"sklearn_music": "0.0.1",
               "sklearn": "0.1"}, "metadata": {}, "model": model}
    joblib.dump(payload, path)
    with pytest.warns(VersionMismatchWarning, match="sklearn_music 0.0.1"):
        load_model(path)


def test_not_a_model(tmp_path):
    joblib.dump([1, 2], tmp_path / "x.joblib")
    with pytest.raises(ValueError, match="not a model"):
        load_model(tmp_path / "x.joblib")
    (tmp_path / "garbage.joblib").write_bytes(b"nonsense")
    with pytest.raises(ValueError, match="cannot read the model file, not a joblib file or "
                                         "damaged \\(KeyError: "):
        load_model(tmp_path / "garbage.joblib")
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.joblib")
