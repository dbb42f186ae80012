"""Long clips analysed in blocks: the features of the whole clip, in bounded memory."""

import tracemalloc
import warnings

import numpy as np
import pytest
import soundfile as sf
from sklearn.pipeline import make_pipeline

from sklearn_music import (MFCC, AudioFeatureUnion, Chroma, KeyFeatures, MelSpectrogram,
                           Pooling, SpectralFeatures, TempoFeatures, load_audio)
from sklearn_music.exceptions import AudioError
from sklearn_music.features import _engine, _stream
from sklearn_music.features._base import ClipTransformer
from sklearn_music.features._engine import transform_clips

SR = 22050


def _music(seconds, sr, seed=0):
    """Harmonic tones changing four times a second, 23 cents sharp, with clicks and noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    y = 0.01 * rng.standard_normal(len(t))
    step = sr // 4
    for start in range(0, len(t), step):
        f0 = 110 * 2 ** ((rng.integers(0, 24) + 0.23) / 12)
        part = slice(start, start + step)
        y[part] += sum(np.sin(2 * np.pi * f0 * h * t[part]) / h for h in range(1, 5))
        y[start : start + 300] += rng.uniform(-1, 1, len(y[start : start + 300]))
    return 0.2 * y


def _write(path, y, sr, channels=1):
    sf.write(path, np.repeat(y[:, None], channels, axis=1) * [1.0, 0.5][:channels], sr,
             subtype="FLOAT")  # fmt: skip
    return str(path)


def _transformers():
    return [
        MFCC(deltas=2), MelSpectrogram(), Chroma(), Chroma(tuning=0.1), SpectralFeatures(),
        TempoFeatures(), MelSpectrogram(n_fft=1024, hop_length=256, power=1.0, top_db=None),
    ]  # fmt: skip


def _decoded_whole(path, **kwargs):
    raise AssertionError(f"{path} decoded whole")


def _stream_over(patch, seconds, block_frames=300, read_frames=40_000):
    """Analyse clips over ``seconds`` in blocks; decoding a whole file fails."""
    patch.setattr(_stream, "STREAM_SECONDS", seconds)
    patch.setattr(_stream, "_BLOCK_FRAMES", block_frames)
    patch.setattr(_stream, "_READ_FRAMES", read_frames)
    patch.setattr(_engine, "load_audio", _decoded_whole)


def _assert_features_equal(streamed, whole):
    for ours, expected in zip(streamed, whole):
        assert ours.shape == expected.shape
        np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("file_sr,channels", [(SR, 1), (44100, 2), (8000, 1)])
def test_long_file_in_blocks_has_the_features_of_the_whole_file(tmp_path, monkeypatch,
                                                                  file_sr, channels):  # fmt: skip
    path = _write(tmp_path / "long.wav", _music(120, file_sr), file_sr, channels)
    whole = transform_clips(_transformers(), [path])
    _stream_over(monkeypatch, 60.0, block_frames=_stream._BLOCK_FRAMES,
                 read_frames=_stream._READ_FRAMES)  # fmt: skip
    _assert_features_equal(transform_clips(_transformers(), [path]), whole)


def test_resampled_stream_is_the_whole_file_resampled(tmp_path, monkeypatch):
    monkeypatch.setattr(_stream, "_READ_FRAMES", 10_007)
    for file_sr, sr in [(44100, 22050), (48000, 22050), (8000, 22050), (22050, 16000),
                        (44100, 16000)]:  # fmt: skip
        path = _write(tmp_path / f"{file_sr}.wav", _music(3.3, file_sr), file_sr, channels=2)
        joined = np.concatenate(list(_stream._file_chunks(path, sr)))
        expected = load_audio(path, sr=sr)[0]
        assert joined.dtype == np.float32 and len(joined) == len(expected)
        np.testing.assert_allclose(joined, expected, atol=1e-6)


@pytest.mark.parametrize("format,subtype", [("FLAC", "PCM_16"), ("OGG", "VORBIS"),
                                            ("MP3", None)])  # fmt: skip
def test_compressed_files_decode_in_chunks_as_whole(tmp_path, monkeypatch, format, subtype):
    monkeypatch.setattr(_stream, "_READ_FRAMES", 10_007)
    path = str(tmp_path / f"clip.{format.lower()}")
    y = _music(3, 44100, seed=6)
    sf.write(path, np.stack([y, 0.5 * y], axis=1), 44100, format=format, subtype=subtype)
    for sr in (44100, 22050):
        joined = np.concatenate(list(_stream._file_chunks(path, sr)))
        np.testing.assert_allclose(joined, load_audio(path, sr=sr)[0], atol=1e-6)


def _chords(seconds, sr):
    """Triads held for 2 s and loud clicks twice a second: the quiet chords leave bits in
    an MP3's bit reservoir, which the clicks' frames then use."""
    t = np.arange(int(seconds * sr)) / sr
    y = np.zeros_like(t)
    for k, start in enumerate(range(0, len(t), 2 * sr)):
        for note in (60, 64, 67):
            f0 = 440 * 2 ** ((note + k % 5 - 69) / 12)
            y[start : start + 2 * sr] += np.sin(2 * np.pi * f0 * t[start : start + 2 * sr])
    n = int(0.02 * sr)
    click = 3 * np.random.default_rng(0).standard_normal(n) * np.exp(-np.arange(n) / (0.003 * sr))
    for start in range(0, len(t) - n, sr // 2):
        y[start : start + n] += click
    return 0.5 * y / np.abs(y).max()


def _write_mp3(path, y, sr):
    """A mono MP3, written a second at a time."""
    if "MP3" not in sf.available_formats():
        pytest.skip("this libsndfile cannot write MP3")
    with sf.SoundFile(path, "w", sr, 1, format="MP3") as f:
        for start in range(0, len(y), sr):
            f.write(y[start : start + sr])
    return str(path)


@pytest.mark.parametrize("read_frames", [_stream._READ_FRAMES, 10_007, 1152 * 50])
def test_mp3_read_in_chunks_is_the_whole_decode(tmp_path, monkeypatch, read_frames):
    """SoundFile.read seeks after each read, which restarts libsndfile's MP3 decoder: the
    first samples of the next read came out wrong, whatever the read size."""
    path = _write_mp3(tmp_path / "mono.mp3", _chords(20, 44100), 44100)
    monkeypatch.setattr(_stream, "_READ_FRAMES", read_frames)
    for sr in (44100, 22050):
        joined = np.concatenate(list(_stream._file_chunks(path, sr)))
        np.testing.assert_allclose(joined, load_audio(path, sr=sr)[0], atol=1e-6)


@pytest.mark.parametrize("sr", [44100, 22050])
def test_mp3_excerpts_are_the_whole_decode(tmp_path, sr):
    """An MP3 decoder that seeks lacks the frames whose bits the next ones borrow: the
    first few hundred samples after ``offset`` came out wrong (by up to 0.49)."""
    path = _write_mp3(tmp_path / "mono.mp3", _chords(8, sr), sr)
    whole = load_audio(path, sr=None)[0]
    for offset in (0.01, 0.5, 1.3, 2.0, 3.7, 5.0):
        y = load_audio(path, sr=None, offset=offset, duration=1.0)[0]
        start = int(offset * sr)
        np.testing.assert_allclose(y, whole[start : start + len(y)], atol=1e-6)


def test_long_mp3_in_blocks_has_the_features_of_the_whole_file(tmp_path, monkeypatch):
    path = _write_mp3(tmp_path / "long.mp3", _chords(40, 44100), 44100)
    transformers = [MelSpectrogram(), MFCC()]
    whole = transform_clips(transformers, [path])
    _stream_over(monkeypatch, 20.0, block_frames=_stream._BLOCK_FRAMES,
                 read_frames=_stream._READ_FRAMES)  # fmt: skip
    _assert_features_equal(transform_clips(transformers, [path]), whole)


@pytest.mark.parametrize("n_samples", [2 * 512 * 300, 2 * 512 * 300 + 1, 2 * 512 * 300 + 700,
                                       512 * 300 + 1500, 50_000])  # fmt: skip
def test_block_edges_and_clip_ends_match_the_whole_clip(tmp_path, n_samples):
    """Lengths ending on a block, a sample after it, and a last block shorter than n_fft."""
    y = _music(n_samples / SR + 1, SR, seed=1)[:n_samples].astype(np.float32)
    path = _write(tmp_path / "clip.wav", y, SR)
    transformers = [MFCC(deltas=1), SpectralFeatures(), Chroma(), MelSpectrogram(n_fft=512)]
    whole = transform_clips(transformers, [path])
    with pytest.MonkeyPatch.context() as patch:
        _stream_over(patch, 1.0, read_frames=30_001)
        streamed = transform_clips(transformers, [path])
    _assert_features_equal(streamed, whole)


def test_long_waveforms_are_analysed_in_blocks_too(monkeypatch):
    y = _music(45, SR, seed=2).astype(np.float32)
    transformers = [MFCC(), SpectralFeatures(), Chroma()]
    whole = transform_clips(transformers, y[None])
    _stream_over(monkeypatch, 20.0)
    calls = []
    original = _stream.analyse_in_blocks
    monkeypatch.setattr(_stream, "analyse_in_blocks",
                        lambda *args: calls.append(1) or original(*args))  # fmt: skip
    _assert_features_equal(transform_clips(transformers, y[None]), whole)
    assert calls == [1]


def test_union_and_pooling_of_a_long_file(tmp_path, monkeypatch):
    path = _write(tmp_path / "long.wav", _music(40, SR, seed=3), SR)
    stats = ("mean", "std", "p90")
    union = AudioFeatureUnion([
        ("mfcc", make_pipeline(MFCC(), Pooling(stats))),
        ("chroma", make_pipeline(Chroma(), Pooling(stats))),
        ("spectral", make_pipeline(SpectralFeatures(), Pooling(stats))),
        ("tempo", TempoFeatures()),
    ])  # fmt: skip
    whole = union.fit_transform([path])
    _stream_over(monkeypatch, 20.0)
    np.testing.assert_allclose(union.fit_transform([path]), whole, rtol=1e-5, atol=1e-4)


def test_constant_q_chroma_and_key_features_of_a_long_file(tmp_path, monkeypatch):
    path = _write(tmp_path / "long.wav", _music(60, 44100, seed=4), 44100)
    transformers = [Chroma(kind="cqt"), Chroma(kind="cens", hop_length=1024),
                    Chroma(kind="cqt", tuning=-0.2), KeyFeatures()]  # fmt: skip
    whole = transform_clips(transformers, [path])
    _stream_over(monkeypatch, 20.0)
    for ours, expected in zip(transform_clips(transformers, [path]), whole):
        np.testing.assert_allclose(ours, expected, atol=1e-5)


def test_silent_long_file_in_blocks_gets_tuning_0_without_warnings(tmp_path, monkeypatch):
    path = _write(tmp_path / "silence.wav", np.zeros(30 * SR, np.float32), SR)
    _stream_over(monkeypatch, 20.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not librosa's "empty frequency set"
        chroma, = transform_clips([Chroma()], [path])
    assert np.isfinite(chroma).all()


class _Peak(ClipTransformer):
    """The largest absolute sample: a transformer with no plan for blocks."""

    def __init__(self, sr=SR, n_jobs=None, memory=None):
        self.sr, self.n_jobs, self.memory = sr, n_jobs, memory

    def _feature_names(self):
        return ["peak"]

    def _features_from(self, ctx):
        return [np.abs(ctx.y).max()]


def test_transformers_without_a_block_plan_get_the_whole_clip(tmp_path, monkeypatch):
    y = _music(4, SR, seed=5)
    path = _write(tmp_path / "clip.wav", y, SR)
    transformers = [_Peak(), MFCC()]
    whole = transform_clips(transformers, [path])
    monkeypatch.setattr(_stream, "STREAM_SECONDS", 1.0)
    monkeypatch.setattr(_stream, "_BLOCK_FRAMES", 50)
    decoded = []

    def counting(*args, **kwargs):
        decoded.append(1)
        return load_audio(*args, **kwargs)

    monkeypatch.setattr(_stream, "load_audio", counting)
    _assert_features_equal(transform_clips(transformers, [path]), whole)
    assert decoded == [1]  # once, for the transformer without a plan
    assert whole[0][0, 0] == pytest.approx(np.abs(y).max(), rel=1e-6)


def test_bad_samples_deep_in_a_long_file_name_the_file(tmp_path, monkeypatch):
    _stream_over(monkeypatch, 20.0)
    y = _music(30, SR)
    y[-1000] = np.nan
    path = _write(tmp_path / "broken.wav", y, SR)
    with pytest.raises(AudioError, match="broken.wav.*NaN|NaN.*broken.wav"):
        MFCC().fit_transform([path])


def _cancel_warnings(transformers, path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        transform_clips(transformers, [path])
    return [str(w.message) for w in caught if "channels cancel" in str(w.message)]


def test_long_file_whose_channels_cancel_warns_once_naming_it(tmp_path, monkeypatch):
    y = _music(30, SR)
    inverted = str(tmp_path / "inverted.wav")
    sf.write(inverted, np.stack([y, -y], axis=1), SR, subtype="FLOAT")
    stereo = _write(tmp_path / "stereo.wav", y, SR, channels=2)
    _stream_over(monkeypatch, 20.0)
    # Chroma's tuning takes a second pass over the file; _Peak decodes it whole.
    for transformers in [[MFCC()], [MFCC(), Chroma()], [_Peak(), Chroma()]]:
        message, = _cancel_warnings(transformers, inverted)
        assert message.startswith(f"{inverted}: the channels cancel when mixed to mono")
        assert _cancel_warnings(transformers, stereo) == []


@pytest.mark.parametrize("value,message", [(1e20, "as large as 1e"), (3e38, "as large as 3e")])
def test_huge_samples_deep_in_a_long_file_name_the_file(tmp_path, monkeypatch, value, message):
    _stream_over(monkeypatch, 20.0)
    y = _music(30, SR)
    y[-1000] = value
    path = _write(tmp_path / "huge.wav", y, SR, channels=2)  # the mix of 3e38 overflowed
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow on the way
        with pytest.raises(AudioError, match=rf"huge\.wav: file holds samples {message}"):
            MFCC().fit_transform([path])


def test_files_that_cannot_be_inspected_are_not_streamed(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio at all")
    assert not _stream.is_long(str(bad), SR)
    assert not _stream.is_long(str(tmp_path / "missing.wav"), SR)
    with pytest.raises(AudioError, match="bad.wav"):
        MFCC().fit_transform([str(bad)])


@pytest.mark.slow
def test_hour_long_file_features_in_bounded_memory(tmp_path):
    """A 30-minute 8 kHz file: peak traced memory far below its samples plus one STFT."""
    sr, minutes = 8000, 30
    path = str(tmp_path / "long.wav")
    rng = np.random.default_rng(0)
    with sf.SoundFile(path, "w", samplerate=sr, channels=1, subtype="PCM_16") as f:
        for _ in range(minutes):
            f.write(_music(60, sr, seed=int(rng.integers(1 << 30))))
    n_samples = minutes * 60 * sr
    n_frames = 1 + n_samples // 512
    decoded = 4 * n_samples  # float32 samples
    stft = 4 * (1 + 2048 // 2) * n_frames  # one float32 magnitude spectrogram
    union = AudioFeatureUnion([
        ("mfcc", make_pipeline(MFCC(sr=sr), Pooling())),
        ("chroma", make_pipeline(Chroma(sr=sr), Pooling())),
        ("spectral", make_pipeline(SpectralFeatures(sr=sr, n_bands=4), Pooling())),
    ]).fit([path])  # fmt: skip
    tracemalloc.start()
    try:
        table = union.transform([path])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert table.shape == (1, 2 * (20 + 12 + 11)) and np.isfinite(table).all()
    assert peak < 0.35 * (decoded + stft), (peak / 2**20, (decoded + stft) / 2**20)
