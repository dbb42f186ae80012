"""Two processes tuning one study on a real PostgreSQL server that the test starts.

The server is Debian's ``postgresql`` (initdb, pg_ctl), run from a temporary folder on a
free port of 127.0.0.1 only, as the ``postgres`` user when the tests run as root (the
server refuses root). The study's URL is an ordinary SQLAlchemy URL naming the psycopg (3)
driver, ``postgresql+psycopg://`` (SQLAlchemy 2.1 reads a bare ``postgresql://`` the same).
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

WORKER = Path(__file__).with_name("tuning_worker.py")
USER = "tuner"


def _server_binaries():
    """The folder of initdb and pg_ctl: Debian keeps them out of PATH."""
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                      key=lambda p: int(Path(p).parts[-3]))
    found = versions[-1] if versions else shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_url():
    psycopg = pytest.importorskip("psycopg", reason="the psycopg driver (psycopg[binary]) "
                                                    "is missing")
    bin_dir = _server_binaries()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are missing; install "
                    "Debian's postgresql package")
    as_user = []
    root = Path(tempfile.mkdtemp(prefix="sklearn-music-pg-"))
    if os.geteuid() == 0:  # the server refuses to run as root
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run the server")
        as_user = ["runuser", "-u", "postgres", "--"]
        os.chown(root, account.pw_uid, account.pw_gid)
    data, port = root / "data", _free_port()

    def run(*command):
        done = subprocess.run([*as_user, *command], capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, f"{command[0]} failed: {done.stderr[-2000:]}"

    run(str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8")
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off"
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"),
        "-w", "start")
    try:
        with psycopg.connect(host="127.0.0.1", port=port, user=USER, dbname="postgres",
                             autocommit=True) as connection:
            connection.execute("CREATE DATABASE studies")
        yield f"postgresql+psycopg://{USER}@127.0.0.1:{port}/studies"
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def test_two_processes_share_one_study(postgres_url, tmp_path):
    import optuna
    from optuna.trial import TrialState

    n_trials, name = 8, "shared"
    study = optuna.create_study(storage=postgres_url, study_name=name, direction="maximize")
    wanted = [float(c) for c in (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)]
    for c in wanted:
        study.enqueue_trial({"logisticregression__C": c})
    go = tmp_path / "go"
    workers = [
        subprocess.Popen([sys.executable, str(WORKER), postgres_url, name, str(n_trials),
                          str(seed), "--delay", "0.1", "--ready", str(tmp_path / f"ready{seed}"),
                          "--go", str(go)],
                         env={**os.environ, "OMP_NUM_THREADS": "1"}, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for seed in (1, 2)
    ]
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"ready{s}").exists() for s in (1, 2)):
        assert time.monotonic() < deadline and all(w.poll() is None for w in workers), \
            [w.communicate()[1][-2000:] for w in workers if w.poll() is not None]
        time.sleep(0.1)
    go.touch()  # both imported: start together, so that they really share the study
    outputs = [w.communicate(timeout=120) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], [err[-2000:] for _, err in outputs]

    trials = optuna.load_study(study_name=name, storage=postgres_url).trials
    finished = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert len(finished) == len(trials)  # none failed, none left running
    # each stops once the study has n_trials; the other may finish one more
    assert n_trials <= len(finished) <= n_trials + 1
    assert sorted(t.number for t in trials) == list(range(len(trials)))
    values = [t.params["logisticregression__C"] for t in finished]
    assert len(set(values)) == len(values), "a parameter set was evaluated twice"
    assert set(wanted) <= set(values)  # every queued trial ran, once
    assert len({t.user_attrs["worker"] for t in finished}) == 2, "one process did it all"
    assert {int(out.strip()) for out, _ in outputs} <= {n_trials, n_trials + 1}
