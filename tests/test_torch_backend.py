"""MelSpectrogram(backend="torch"): librosa's numbers from batched torch.stft, CPU or CUDA."""

import librosa
import numpy as np
import pytest
import torch

from sklearn_music import MelSpectrogram, load_audio

SR = 22050
# float32 FFT against librosa's float64 one: 1e-3 dB down to 80 dB below a clip's peak
# (the top_db floor), 0.05 dB further down; 1e-4 relative in power.
DB_ATOL, DEEP_DB_ATOL = 1e-3, 0.05
POWER_RTOL, POWER_ATOL = 1e-4, 1e-6

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.fixture(scope="module")
def gtzan_clips(gtzan_paths):
    """Two real GTZAN excerpts of 10 s, at 22050 Hz."""
    return [load_audio(gtzan_paths[i], sr=SR, offset=5.0, duration=10.0)[0] for i in (3, 41)]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("to_db", [True, False])
def test_torch_mel_equals_librosa_on_gtzan(gtzan_clips, device, to_db):
    mel = MelSpectrogram(n_mels=96, fmax=8000.0, to_db=to_db, backend="torch", device=device)
    ours = mel.fit_transform(np.stack(gtzan_clips))
    for y, frames in zip(gtzan_clips, ours):
        ref = librosa.feature.melspectrogram(y=y, sr=SR, n_mels=96, fmax=8000.0)
        if to_db:
            np.testing.assert_allclose(frames, librosa.power_to_db(ref), rtol=0, atol=DB_ATOL)
        else:
            np.testing.assert_allclose(frames, ref, rtol=POWER_RTOL, atol=POWER_ATOL)


@pytest.mark.parametrize("params", [
    dict(power=1.0), dict(top_db=None), dict(n_frames=64), dict(n_frames=500, n_fft=1024),
    dict(hop_length=256, fmin=50.0),
])  # fmt: skip
def test_torch_backend_matches_numpy_backend(gtzan_clips, params):
    # clips of different lengths and one shorter than n_fft: batches by length, NaN padding
    X = [gtzan_clips[0], gtzan_clips[1][: SR * 3], gtzan_clips[0][:1000], gtzan_clips[1]]
    ours = MelSpectrogram(backend="torch", device="cpu", **params).fit_transform(X)
    expected = MelSpectrogram(**params).fit_transform(X)
    assert ours.shape == expected.shape
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(expected))
    within = expected >= np.nanmax(expected, axis=(1, 2), keepdims=True) - 80.0
    np.testing.assert_allclose(ours[within], expected[within], rtol=0, atol=DB_ATOL)
    deep = ~within & ~np.isnan(expected)
    np.testing.assert_allclose(ours[deep], expected[deep], rtol=0, atol=DEEP_DB_ATOL)


def test_torch_backend_reads_files(tone_files):
    paths, _ = tone_files
    ours = MelSpectrogram(backend="torch", device="cpu").fit_transform(paths)
    np.testing.assert_allclose(ours, MelSpectrogram().fit_transform(paths), atol=DB_ATOL)


def test_device_is_checked_and_auto_resolves():
    with pytest.raises(ValueError, match="device"):
        MelSpectrogram(backend="torch", device="tpu:banana").fit(np.zeros((1, 4000), np.float32))
    auto = MelSpectrogram(backend="torch")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert auto._output_params()["device"] == expected
    assert "device" not in MelSpectrogram()._output_params()  # unused by the numpy backend
