"""Bad clips in batch jobs: screen_audio, extract_to_disk(on_error=) and the CLI's --on-error.

The bad files are real: missing, empty, text named .wav, a WAV whose header is cut, a FLAC
cut short (its start decodes: only a full decode finds it), a float WAV holding NaN.
"""

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sklearn_music import MFCC, AudioLoader, MelSpectrogram, Pooling, load_audio, screen_audio
from sklearn_music.cli import main
from sklearn_music.exceptions import AudioError, SkippedClipsWarning
from sklearn_music.extraction import extract_to_disk, load_extracted

SR = 8000


def _tone(freq, seconds=1.0):
    """A note with three harmonics and a little noise."""
    t = np.arange(int(seconds * SR)) / SR
    note = sum(np.sin(2 * np.pi * k * freq * t) / k for k in (1, 2, 3))
    noise = np.random.default_rng(int(freq)).normal(0, 0.01, len(t))
    return (0.3 * note + noise).astype(np.float32)


def _bad_files(folder):
    """{kind: path} of files that cannot be used, and the words their errors hold."""
    folder.mkdir(parents=True, exist_ok=True)
    empty = folder / "empty.wav"
    empty.write_bytes(b"")
    text = folder / "text.wav"
    text.write_text("these are not samples")
    header_cut = folder / "header_cut.wav"
    sf.write(header_cut, _tone(440), SR)
    header_cut.write_bytes(header_cut.read_bytes()[:30])
    cut_flac = folder / "cut.flac"
    sf.write(cut_flac, _tone(440, seconds=5.0), SR)
    cut_flac.write_bytes(cut_flac.read_bytes()[: cut_flac.stat().st_size // 2])
    nan = folder / "nan.wav"
    sf.write(nan, np.where(np.arange(SR) % 100 == 0, np.nan, _tone(440)).astype(np.float32),
             SR, subtype="FLOAT")
    return {
        "missing": (folder / "missing.wav", "no such file"),
        "empty": (empty, "empty"),
        "text": (text, "cannot decode"),
        "header_cut": (header_cut, "cannot decode"),
        "cut_flac": (cut_flac, "cannot decode"),
        "nan": (nan, "NaN"),
    }


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """Good tones and every kind of bad file, interleaved; labels and groups alike."""
    folder = tmp_path_factory.mktemp("mixed")
    good = []
    for i, freq in enumerate([220, 1760, 330, 1320, 440, 990]):
        path = folder / f"good{i}.wav"
        sf.write(path, _tone(freq), SR)
        good.append(str(path))
    bad = _bad_files(folder / "bad")
    paths, labels, is_good = [], [], []
    for i, (path, _) in enumerate(bad.values()):
        paths += [good[i], str(path)]
        labels += ["low" if i % 2 == 0 else "high", "bad"]
        is_good += [True, False]
    return {"paths": paths, "labels": np.asarray(labels), "good": np.flatnonzero(is_good),
            "bad": bad}


def test_screen_audio_drops_bad_files_with_their_labels_and_groups(mixed):
    paths, labels = mixed["paths"], mixed["labels"]
    groups = np.arange(len(paths)) * 10
    data = screen_audio(paths, labels, groups=groups)
    good = mixed["good"]
    np.testing.assert_array_equal(data.kept, good)
    assert data.X == [paths[i] for i in good]
    np.testing.assert_array_equal(data.y, labels[good])
    assert "bad" not in data.y
    np.testing.assert_array_equal(data.groups, groups[good])
    assert data.dropped.columns.tolist() == ["index", "path", "error"]
    assert data.dropped["index"].tolist() == [i for i in range(len(paths)) if i not in good]
    for (path, words), row in zip(mixed["bad"].values(), data.dropped.itertuples()):
        assert row.path == str(path) and words in row.error


def test_a_cut_file_is_found_by_decoding_it_whole(mixed):
    path, _ = mixed["bad"]["cut_flac"]
    load_audio(path, duration=0.5)  # its first half second decodes
    data = screen_audio([path, mixed["paths"][0]])
    assert data.kept.tolist() == [1] and data.dropped["path"].tolist() == [str(path)]


def test_pandas_targets_keep_their_index_and_multilabel_rows_follow(mixed):
    paths = pd.Series(mixed["paths"], index=[f"clip{i}" for i in range(len(mixed["paths"]))])
    y = pd.Series(mixed["labels"], index=paths.index)
    tags = pd.DataFrame({"low": mixed["labels"] == "low", "high": mixed["labels"] == "high"},
                        index=paths.index)
    multilabel = np.column_stack([np.arange(len(paths)), np.arange(len(paths)) % 2])
    kept_index = paths.index[mixed["good"]]
    data = screen_audio(paths, y, groups=multilabel[:, 0])
    assert isinstance(data.X, pd.Series) and data.X.index.equals(kept_index)
    assert data.y.index.equals(kept_index) and (data.y == y.loc[kept_index]).all()
    framed = screen_audio(paths, tags)
    assert isinstance(framed.y, pd.DataFrame) and framed.y.index.equals(kept_index)
    np.testing.assert_array_equal(screen_audio(paths, multilabel).y, multilabel[mixed["good"]])


def test_warn_emits_one_warning_naming_the_files(mixed):
    with pytest.warns(SkippedClipsWarning) as caught:
        data = screen_audio(mixed["paths"], mixed["labels"], on_error="warn")
    assert len(caught) == 1 and caught[0].filename == __file__  # points at the caller
    message = str(caught[0].message)
    assert "6 of 12 clips" in message
    assert all(str(path) in message for path, _ in mixed["bad"].values())
    assert len(data.dropped) == 6


def test_skip_is_silent_but_records(mixed):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = screen_audio(mixed["paths"], on_error="skip")
    assert len(data.dropped) == 6 and data.y is None and data.groups is None


def test_raise_raises_the_first_bad_file(mixed):
    with pytest.raises(AudioError, match="missing.wav: no such file") as info:
        screen_audio(mixed["paths"], on_error="raise")
    assert info.value.path == str(mixed["bad"]["missing"][0])
    good = [mixed["paths"][i] for i in mixed["good"]]
    assert screen_audio(good, on_error="raise").kept.tolist() == list(range(6))


def test_parallel_screening_matches_serial(mixed):
    serial = screen_audio(mixed["paths"])
    parallel = screen_audio(mixed["paths"], n_jobs=2)
    np.testing.assert_array_equal(parallel.kept, serial.kept)
    pd.testing.assert_frame_equal(parallel.dropped, serial.dropped)


def test_bad_arguments_are_named(mixed):
    with pytest.raises(ValueError, match="on_error"):
        screen_audio(mixed["paths"], on_error="ignore")
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        screen_audio(mixed["paths"], mixed["labels"][:3])
    with pytest.raises(ValueError, match="mixes file paths and waveforms"):
        screen_audio([mixed["paths"][0], np.zeros(10)])
    with pytest.raises(ValueError, match="no clips"):
        screen_audio([])


def test_waveforms_in_memory_are_checked():
    X = np.stack([_tone(220), _tone(440), _tone(880)])
    X[1, 5] = np.inf
    data = screen_audio(X, ["a", "b", "c"])
    assert data.X.shape == (2, SR) and data.y == ["a", "c"]
    assert data.dropped.to_dict("records") == [
        {"index": 1, "path": None, "error": "waveform 1 holds NaN or infinite samples"}
    ]
    ragged = [_tone(220), np.zeros(0, np.float32), _tone(440, 0.5)]
    data = screen_audio(ragged, on_error="skip")
    assert isinstance(data.X, list) and [len(w) for w in data.X] == [SR, SR // 2]
    assert data.dropped["error"].tolist() == ["waveform 1 has no samples"]


def test_screened_clips_go_through_a_pipeline_aligned(mixed):
    data = screen_audio(mixed["paths"], mixed["labels"])
    model = make_pipeline(AudioLoader(sr=SR), MFCC(sr=SR, n_mfcc=8), Pooling(),
                          LogisticRegression())  # fmt: skip
    predictions = model.fit(data.X, data.y).predict(data.X)
    assert len(predictions) == len(data.y) == 6
    with pytest.raises(AudioError):  # the Pipeline itself never drops a clip
        model.predict(mixed["paths"])


def _mel():
    return MelSpectrogram(sr=SR, n_mels=8, n_frames=6)


def test_extract_to_disk_skip_leaves_out_only_the_failing_clips(mixed, tmp_path):
    paths = mixed["paths"]
    out = tmp_path / "mel.npy"
    features = extract_to_disk(paths, _mel(), out, chunk_size=3, on_error="skip")
    good = mixed["good"]
    bad = np.setdiff1d(np.arange(len(paths)), good)
    assert features.shape == (12, 8, 6)
    assert np.isnan(features[bad]).all() and not np.isnan(features[good]).any()
    expected = _mel().fit_transform([paths[i] for i in good])
    np.testing.assert_allclose(features[good], expected, rtol=1e-6)
    data = load_extracted(out)
    np.testing.assert_array_equal(data.kept, good)
    assert data.dropped["path"].tolist() == [str(p) for p, _ in mixed["bad"].values()]
    record = json.loads(out.with_name("mel.npy.json").read_text())
    assert [d["index"] for d in record["dropped"]] == bad.tolist()


def test_extract_to_disk_raise_warn_and_all_bad(mixed, tmp_path):
    with pytest.raises(AudioError, match="missing.wav"):
        extract_to_disk(mixed["paths"], _mel(), tmp_path / "raise.npy")
    with pytest.raises(ValueError, match="on_error"):
        extract_to_disk(mixed["paths"], _mel(), tmp_path / "x.npy", on_error="ignore")
    with pytest.warns(SkippedClipsWarning, match="6 of 12 clips") as caught:
        extract_to_disk(mixed["paths"], _mel(), tmp_path / "warn.npy", on_error="warn")
    assert len(caught) == 1 and caught[0].filename == __file__
    bad = [str(p) for p, _ in mixed["bad"].values()]
    with pytest.raises(AudioError, match="none of the 6 clips could be used"):
        extract_to_disk(bad, _mel(), tmp_path / "bad.npy", on_error="skip")


def test_extract_to_disk_waveforms_are_named_by_their_index(tmp_path):
    X = np.stack([_tone(220 * (i + 1)) for i in range(5)])
    X[3, 100] = np.nan
    extract_to_disk(X, _mel(), tmp_path / "w.npy", chunk_size=2, on_error="skip")
    data = load_extracted(tmp_path / "w.npy")
    assert data.kept.tolist() == [0, 1, 2, 4]
    assert data.dropped["error"].tolist() == ["waveform 3 holds NaN or infinite samples"]


def test_resuming_keeps_the_clips_left_out(mixed, tmp_path, monkeypatch):
    paths = mixed["paths"]
    out = tmp_path / "mel.npy"
    first_clips = []
    original = MelSpectrogram.transform

    def interrupted(self, X):
        if X[0] == paths[8]:
            raise KeyboardInterrupt
        return original(self, X)

    monkeypatch.setattr(MelSpectrogram, "transform", interrupted)
    with pytest.raises(KeyboardInterrupt):  # chunks 0-3 and 4-7 (a bad clip each) written
        extract_to_disk(paths, _mel(), out, chunk_size=4, on_error="skip")
    record = json.loads(out.with_name("mel.npy.json").read_text())
    assert record["done"] == 8 and [d["index"] for d in record["dropped"]] == [1, 3, 5, 7]
    with pytest.raises(ValueError, match="stopped after 8 of 12 clips"):
        load_extracted(out)

    def counted(self, X):
        first_clips.append(paths.index(X[0]))
        return original(self, X)

    monkeypatch.setattr(MelSpectrogram, "transform", counted)
    with pytest.raises(AudioError, match="missing.wav"):  # raise refuses a file with gaps
        extract_to_disk(paths, _mel(), out, chunk_size=4)
    features = extract_to_disk(paths, _mel(), out, chunk_size=4, on_error="skip")
    assert min(first_clips) == 8  # the chunks written before were not computed again
    data = load_extracted(out)
    np.testing.assert_array_equal(data.kept, mixed["good"])
    assert len(data.dropped) == 6 and np.isnan(features[[1, 3, 5, 7, 9, 11]]).all()
    n_calls = len(first_clips)
    with pytest.warns(SkippedClipsWarning, match="6 of 12"):  # complete: warns again
        extract_to_disk(paths, _mel(), out, chunk_size=4, on_error="warn")
    assert len(first_clips) == n_calls  # and computes nothing


def test_load_extracted_needs_the_record(tmp_path):
    np.save(tmp_path / "plain.npy", np.zeros((2, 3)))
    with pytest.raises(FileNotFoundError, match="plain.npy.json"):
        load_extracted(tmp_path / "plain.npy")


def test_a_new_run_interrupted_before_its_first_rows_is_not_complete(tmp_path, monkeypatch):
    X = np.stack([_tone(220 * (i + 1)) for i in range(4)])
    out = tmp_path / "mel.npy"
    extract_to_disk(X, _mel(), out, chunk_size=2)
    monkeypatch.setattr(MelSpectrogram, "transform", _interrupt)
    with pytest.raises(KeyboardInterrupt):  # other clips: the file is rewritten from the start
        extract_to_disk(X[::-1].copy(), _mel(), out, chunk_size=2)
    with pytest.raises(ValueError, match="stopped after 0 of 4 clips"):
        load_extracted(out)


def test_a_fitted_union_resumes_where_it_stopped(tmp_path, monkeypatch):
    from sklearn_music.pipelines import make_feature_union

    X = np.stack([_tone(220 * (i + 1)) for i in range(6)])
    out = tmp_path / "union.npy"
    union = make_feature_union(sr=SR, features=("mfcc",))
    original, n_clips = MFCC.transform, []

    def interrupted_at_the_second_chunk(self, clips):
        if n_clips:
            raise KeyboardInterrupt
        n_clips.append(len(clips))
        return original(self, clips)

    monkeypatch.setattr(MFCC, "transform", interrupted_at_the_second_chunk)
    with pytest.raises(KeyboardInterrupt):  # the first chunk fitted the union
        extract_to_disk(X, union, out, chunk_size=2)
    monkeypatch.setattr(MFCC, "transform", lambda self, clips: n_clips.append(len(clips))
                        or original(self, clips))  # fmt: skip
    features = extract_to_disk(X, union, out, chunk_size=2)
    assert n_clips == [2, 2, 2]  # the same union object went on with clip 2
    np.testing.assert_allclose(features, make_feature_union(sr=SR, features=("mfcc",))
                               .fit_transform(X), rtol=1e-5)  # fmt: skip


def test_a_transformer_holding_a_lambda_is_extracted(tmp_path):
    from sklearn.preprocessing import FunctionTransformer

    X = np.stack([_tone(220 * (i + 1)) for i in range(4)])
    pipeline = make_pipeline(FunctionTransformer(lambda y: 0.5 * y), MFCC(sr=SR, n_mfcc=5),
                             Pooling())
    features = extract_to_disk(X, pipeline, tmp_path / "halved.npy", chunk_size=2)
    np.testing.assert_allclose(features, clone(pipeline).fit_transform(X), rtol=1e-5)


def _interrupt(self, X):
    raise KeyboardInterrupt


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Two classes of tones, each with one bad file among its good ones."""
    root = tmp_path_factory.mktemp("classes")
    for label, freqs in [("low", [110, 147, 196, 220]), ("high", [1760, 1976, 2093, 2349])]:
        (root / label).mkdir()
        for freq in freqs:
            sf.write(root / label / f"{freq}.wav", _tone(freq), SR)
    (root / "low" / "broken.wav").write_text("not audio")
    (root / "high" / "empty.wav").write_bytes(b"")
    return root


def test_cli_train_evaluate_predict_skip_bad_files(folder, tmp_path, capsys):
    model = tmp_path / "model.joblib"
    common = ["--sr", "16000", "--duration", "1.0", "--json"]  # spectral contrast: > 8 kHz
    assert main(["train", str(folder), "--out", str(model), *common]) == 1  # raise: default
    assert "empty.wav: file is empty" in capsys.readouterr().err and not model.exists()

    assert main(["train", str(folder), "--out", str(model), *common,
                 "--on-error", "skip"]) == 0  # fmt: skip
    captured = capsys.readouterr()
    trained = json.loads(captured.out)
    assert trained["clips"] == 8 and trained["classes"] == ["high", "low"]
    assert sorted(d["path"].split("/")[-1] for d in trained["dropped"]) == ["broken.wav",
                                                                            "empty.wav"]
    assert "skipped 2 of 10 files" in captured.err

    assert main(["evaluate", str(model), str(folder), "--json", "--on-error", "warn"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["accuracy"] == 1.0 and len(report["dropped"]) == 2
    assert "broken.wav: cannot decode audio" in captured.err

    files = [str(folder / "low" / "110.wav"), str(folder / "low" / "broken.wav"),
             str(folder / "high" / "1760.wav")]
    assert main(["predict", str(model), *files, "--json", "--on-error", "skip"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["path"] for r in rows] == files
    assert rows[0]["label"] == "low" and rows[2]["label"] == "high"
    assert "label" not in rows[1] and "cannot decode audio" in rows[1]["error"]
    assert main(["predict", str(model), *files, "--on-error", "warn"]) == 0
    captured = capsys.readouterr()
    assert [line.split("\t")[0] for line in captured.out.splitlines()] == [files[0], files[2]]
    assert "skipped " + files[1] in captured.err


def test_cli_extract_skip_writes_the_readable_files(folder, tmp_path, capsys):
    out = tmp_path / "features.csv"
    assert main(["extract", str(folder), "--out", str(out), "--sr", str(SR),
                 "--features", "mfcc", "--json", "--on-error", "skip"]) == 0  # fmt: skip
    summary = json.loads(capsys.readouterr().out)
    table = pd.read_csv(out)
    assert len(table) == summary["files"] == 8 and len(summary["dropped"]) == 2
    assert not table["path"].str.endswith(("broken.wav", "empty.wav")).any()
    assert main(["extract", str(folder / "low" / "broken.wav"), "--out",
                 str(tmp_path / "none.csv"), "--on-error", "skip"]) == 1  # fmt: skip
    assert "none of the 1 files could be read" in capsys.readouterr().err
