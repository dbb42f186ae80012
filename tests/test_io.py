import pickle

import joblib
import librosa
import numpy as np
import pytest
import soundfile as sf

from sklearn_music import AudioError, AudioLoader, load_audio


def _write(path, y, sr, **kwargs):
    sf.write(path, y, sr, **kwargs)
    return str(path)


@pytest.mark.parametrize("sr", [None, 8000, 16000, 22050, 44100])
def test_load_audio_equals_librosa_on_real_gtzan(gtzan_paths, sr):
    path = gtzan_paths[0]
    ours, ours_sr = load_audio(path, sr=sr, offset=2.5, duration=4.0)
    ref, ref_sr = librosa.load(path, sr=sr, offset=2.5, duration=4.0)
    assert ours_sr == ref_sr
    np.testing.assert_array_equal(ours, ref)


@pytest.mark.parametrize("fmt,subtype", [("WAV", "PCM_16"), ("WAV", "PCM_24"), ("WAV", "FLOAT"),
                                         ("FLAC", "PCM_16"), ("OGG", "VORBIS"), ("MP3", None)])
def test_formats_decode(tmp_path, fmt, subtype):
    sr = 22050
    y = 0.5 * np.sin(2 * np.pi * 440 * np.arange(sr) / sr)
    ext = {"WAV": "wav", "FLAC": "flac", "OGG": "ogg", "MP3": "mp3"}[fmt]
    path = _write(tmp_path / f"a.{ext}", y, sr, format=fmt, subtype=subtype)
    out, out_sr = load_audio(path, sr=sr)
    assert out.dtype == np.float32 and out_sr == sr
    # Lossy codecs add delay/padding; the tone's energy must survive.
    assert abs(np.sqrt(np.mean(out[2000:20000] ** 2)) - 0.5 / np.sqrt(2)) < 0.02


def test_opus_files_decode_and_are_found_in_folders(tmp_path):
    """Ogg Opus decodes; folder scans skipped .opus files, which they took for not audio."""
    from sklearn_music.cli import _audio_files
    from sklearn_music.datasets import load_audio_folder

    if "OPUS" not in sf.available_subtypes("OGG"):
        pytest.skip("this libsndfile has no Opus codec: it cannot write or read .opus")
    sr = 48000  # one of Opus's rates
    y = 0.5 * np.sin(2 * np.pi * 440 * np.arange(sr) / sr)
    (tmp_path / "tones").mkdir()
    path = _write(tmp_path / "tones" / "a.opus", y, sr, format="OGG", subtype="OPUS")
    out, _ = load_audio(path, sr=22050)
    assert abs(np.sqrt(np.mean(out[2000:20000] ** 2)) - 0.5 / np.sqrt(2)) < 0.02
    assert load_audio_folder(tmp_path).paths.tolist() == [path]
    assert _audio_files([str(tmp_path)]) == [path]


def test_multichannel_mixed_to_mono_and_kept(tmp_path):
    sr = 8000
    y = np.stack([np.full(sr, 0.2), np.full(sr, 0.4), np.zeros(sr)], axis=1)
    path = _write(tmp_path / "three.wav", y, sr, subtype="FLOAT")
    mono, _ = load_audio(path, sr=None)
    np.testing.assert_allclose(mono, 0.2, atol=1e-6)
    multi, _ = load_audio(path, sr=None, mono=False)
    assert multi.shape == (3, sr)


def test_channels_that_cancel_in_the_mono_mix_are_named(tmp_path, recwarn):
    sr = 8000
    tone = 0.3 * np.sin(2 * np.pi * 220 * np.arange(sr) / sr)
    inverted = _write(tmp_path / "inverted.wav", np.stack([tone, -tone], axis=1), sr)
    with pytest.warns(UserWarning, match=r"inverted\.wav: the channels cancel"):
        mono, _ = load_audio(inverted, sr=None)
    assert np.abs(mono).max() < 1e-3  # what the warning is about
    wide = np.stack([tone, 0.5 * tone + 0.1 * np.cos(np.arange(sr) / 3.0)], axis=1)
    load_audio(_write(tmp_path / "wide.wav", wide, sr), sr=None)
    load_audio(inverted, sr=None, mono=False)
    assert not [w for w in recwarn if "cancel" in str(w.message)]


def test_duration_pads_and_crops(tmp_path):
    path = _write(tmp_path / "one.wav", np.ones(8000) * 0.1, 8000)
    padded, _ = load_audio(path, sr=8000, duration=2.0)
    assert padded.shape == (16000,) and np.all(padded[8000:] == 0)
    cropped, _ = load_audio(path, sr=8000, duration=0.5)
    assert cropped.shape == (4000,)


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda p: None, "no such file"),
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: p.write_text("this is not audio at all" * 10), "cannot decode"),
    ],
)
def test_bad_files_raise_audio_error_naming_the_file(tmp_path, make, message):
    path = tmp_path / "bad.wav"
    make(path)
    with pytest.raises(AudioError, match=message) as info:
        load_audio(path)
    assert str(path) in str(info.value)
    assert info.value.path == str(path)
    with pytest.raises(AudioError) as info:  # a path from a NumPy array of paths
        load_audio(np.str_(path))
    assert "np.str_" not in str(info.value) and type(info.value.path) is str


@pytest.mark.parametrize("peak,channels", [(1e20, 1), (3e38, 2), (np.inf, 1), (np.nan, 2)])
def test_samples_too_large_to_be_audio_raise_audio_error(tmp_path, recwarn, peak, channels):
    """Finite but huge float samples overflowed the mono mix (float32) or the features."""
    sr = 8000
    y = np.repeat((peak * np.sin(np.arange(sr) / 5.0))[:, None], channels, axis=1)
    path = _write(tmp_path / "huge.wav", y.astype(np.float32), sr, subtype="FLOAT")
    expected = "as large as" if np.isfinite(peak) else "NaN or infinite"
    for target_sr in (None, 22050):
        with pytest.raises(AudioError, match=rf"huge\.wav: file holds .*{expected}"):
            load_audio(path, sr=target_sr)
    assert not [w for w in recwarn if "overflow" in str(w.message)]


@pytest.mark.parametrize("peak", [1e12, 3e38])
def test_waveforms_too_large_to_be_audio_raise_audio_error(recwarn, peak):
    # In memory they passed the check (finite) and gave infinite MFCCs without a word.
    X = [np.sin(np.arange(8000) / 5.0), peak * np.sin(np.arange(8000) / 5.0)]
    with pytest.raises(AudioError, match="waveform 1 holds samples as large as"):
        AudioLoader(sr=8000).fit_transform(X)
    assert not [w for w in recwarn if "overflow" in str(w.message)]


def test_a_column_of_paths_as_an_array_is_a_list_of_paths(tmp_path):
    # ColumnTransformer hands a column of a NumPy array over as an (n_clips, 1) array:
    # "Clip 0 is not a numeric waveform: could not convert string to float".
    paths = [_write(tmp_path / f"{i}.wav", np.sin(np.arange(8000) / (i + 2.0)), 8000)
             for i in range(2)]
    column = np.array(paths, dtype=object)[:, None]
    np.testing.assert_array_equal(AudioLoader(sr=8000).fit_transform(column),
                                  AudioLoader(sr=8000).fit_transform(paths))


def test_a_table_of_several_columns_is_waveforms_or_a_clear_error(tmp_path):
    # Iterating a DataFrame gives its column labels, which were taken for paths
    # ("path: no such file").
    import pandas as pd

    path = _write(tmp_path / "a.wav", np.sin(np.arange(8000) / 3.0), 8000)
    with pytest.raises(ValueError, match=r"X is a table of 2 columns \['path', 'year'\], "
                                         "not all of them samples"):
        AudioLoader(sr=8000).fit_transform(pd.DataFrame({"path": [path], "year": [1990]}))
    waves = pd.DataFrame(np.sin(np.arange(1600) / 3.0).reshape(2, 800),
                         columns=[f"s{i}" for i in range(800)])
    np.testing.assert_allclose(AudioLoader(sr=8000).fit_transform(waves), waves.to_numpy(),
                               rtol=1e-6)


def test_loud_and_unscaled_float_files_still_load(tmp_path):
    """A float file peaking at 3, or holding int32 PCM values unscaled, is audio."""
    for peak in (3.0, 2.0**31):
        y = peak * np.sin(np.arange(8000) / 5.0)
        path = _write(tmp_path / "loud.wav", np.stack([y, y], 1), 8000, subtype="FLOAT")
        out, _ = load_audio(path, sr=None)
        assert np.abs(out).max() == pytest.approx(peak, rel=1e-6)


def test_truncated_file_is_reported_or_read_partially(tmp_path):
    path = tmp_path / "cut.wav"
    _write(path, np.zeros(8000), 8000)
    path.write_bytes(path.read_bytes()[:30])  # header cut in the middle
    with pytest.raises(AudioError, match="cut.wav"):
        load_audio(path)


def test_offset_past_end(tmp_path):
    path = _write(tmp_path / "short.wav", np.zeros(800), 8000)
    with pytest.raises(AudioError, match="past the end"):
        load_audio(path, offset=1.0)
    with pytest.raises(AudioError, match="past the end of waveform 1"):
        AudioLoader(sr=8000, offset=0.05).fit_transform([np.ones(800), np.ones(300)])


def test_offset_and_duration_are_truncated_to_samples_as_librosa_does(tmp_path):
    # 0.29 s at 48 kHz is 13919.999... samples: librosa starts at sample 13919
    path = _write(tmp_path / "stereo.wav",
                  np.random.default_rng(0).uniform(-0.5, 0.5, (96000, 2)), 48000)
    for sr in (None, 16000):
        ours, _ = load_audio(path, sr=sr, offset=0.29, duration=1.3)
        np.testing.assert_array_equal(ours, librosa.load(path, sr=sr, offset=0.29,
                                                         duration=1.3)[0])


def test_folder_is_not_audio(tmp_path):
    with pytest.raises(AudioError, match="folder"):
        load_audio(tmp_path)


def test_audio_loader_paths_and_parallel(gtzan_paths):
    paths = gtzan_paths[:4]
    serial = AudioLoader(sr=16000, duration=3.0).fit_transform(paths)
    parallel = AudioLoader(sr=16000, duration=3.0, n_jobs=2).fit_transform(paths)
    assert serial.shape == (4, 48000) and serial.dtype == np.float32
    np.testing.assert_array_equal(serial, parallel)


def test_audio_loader_variable_lengths_give_a_list(tmp_path):
    paths = [_write(tmp_path / f"{n}.wav", np.zeros(n), 8000) for n in (800, 1600)]
    out = AudioLoader(sr=8000).fit_transform(paths)
    assert isinstance(out, list) and [len(y) for y in out] == [800, 1600]


def test_audio_loader_passes_waveforms_through():
    waves = np.random.default_rng(0).uniform(-1, 1, (2, 100)).astype(np.float32)
    out = AudioLoader(sr=8000, duration=0.025).fit_transform(waves)
    assert out.shape == (2, 200)
    np.testing.assert_array_equal(out[:, :100], waves)


def test_audio_loader_rejects_bad_waveforms():
    with pytest.raises(AudioError, match="waveform 1"):
        AudioLoader().fit_transform([np.zeros(10), np.array([0.0, np.nan])])
    with pytest.raises(ValueError, match="mixes file paths"):
        AudioLoader().fit_transform([np.zeros(10), "a.wav"])
    with pytest.raises(TypeError, match="single path"):
        AudioLoader().fit_transform("song.wav")


@pytest.mark.parametrize("subtype", ["PCM_U8", "PCM_16", "PCM_32"])
def test_integer_pcm_waveforms_are_scaled_as_soundfile_reads_them(tmp_path, subtype):
    from scipy.io import wavfile

    from sklearn_music import MelSpectrogram

    y = 0.5 * np.sin(2 * np.pi * 440 * np.arange(4000) / 8000)
    path = _write(tmp_path / "a.wav", y, 8000, subtype=subtype)
    _, pcm = wavfile.read(path)  # uint8, int16 or int32: the file's own samples
    as_float, _ = sf.read(path, dtype="float32")
    for X in (pcm[None], [pcm, pcm[:3000]]):  # a 2-D array, and clips of different lengths
        out = AudioLoader(sr=8000).fit_transform(X)
        np.testing.assert_array_equal(out[0], as_float)
    np.testing.assert_allclose(MelSpectrogram(sr=8000).fit_transform(pcm[None]),
                               MelSpectrogram(sr=8000).fit_transform(as_float[None]), rtol=1e-6)


def test_a_stereo_waveform_is_told_to_be_mixed_to_mono():
    stereo = np.zeros((1000, 2), np.float32)  # as soundfile and scipy give it
    for X in ([stereo], stereo[None], [stereo, stereo[:500]]):
        with pytest.raises(ValueError, match=r"Clip 0 .* shape \(1000, 2\); mix it to mono"):
            AudioLoader().fit_transform(X)


def test_audio_loader_round_trips(tmp_path, gtzan_paths):
    loader = AudioLoader(sr=8000, duration=1.0).fit(gtzan_paths[:2])
    for restored in (pickle.loads(pickle.dumps(loader)),
                     joblib.load(joblib.dump(loader, tmp_path / "l.joblib")[0])):
        np.testing.assert_array_equal(
            restored.transform(gtzan_paths[:2]), loader.transform(gtzan_paths[:2])
        )


def test_audio_error_pickles():
    err = pickle.loads(pickle.dumps(AudioError("broken", path="x.wav")))
    assert err.path == "x.wav" and str(err) == "x.wav: broken"
