"""The output folder: never an input, locked, recovered after a crash; faults leave nothing behind.

Exports write into ``.<name>.partial-*`` beside the output and swap it in at
the end (``mnistio/formats/_output.py``). These tests kill, interrupt, race
and starve real ``mnistio convert`` processes and check what is left: the
old output or the new one, whole, never a mix, never a stray folder after the
next run, never a worker still running, never a traceback.
"""

import contextlib
import os
import random
import resource
import signal
import subprocess
import sys
import time

import pytest
from hostile import case_count

import mnistio as dm
from mnistio.errors import FileSystemError, UsageError
from mnistio.formats import recover

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(ROOT, "examples", "mnist_sample")
ENV = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT] + sys.path))

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="signals, rlimits and /proc: Linux")


def mnistio(*args, **options):
    return subprocess.run([sys.executable, "-m", "mnistio"] + [str(arg) for arg in args], capture_output=True,
                          text=True, env=ENV, **options)


def leftovers(folder):
    return sorted(name for name in os.listdir(str(folder)) if name.startswith("."))


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """12,000 digits in the mnist layout: an export that takes long enough to be interrupted."""
    folder = tmp_path_factory.mktemp("big")
    subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "make_data.py"), str(folder),
                    "--train", "10000", "--test", "2000"], check=True, capture_output=True)
    return str(folder / "idx")


# -- the output is never an input --------------------------------------------------------------

@pytest.mark.parametrize("where", ["same", "parent", "inside"])
def test_output_that_is_holds_or_is_inside_the_input_is_refused(tmp_path, where):
    data = tmp_path / "data"
    dm.Dataset.import_from(SAMPLE).export(str(data), "mnist", save_media=True)
    before = sorted(os.listdir(str(data)))
    out = {"same": data, "parent": tmp_path, "inside": data / "sub"}[where]
    done = mnistio("convert", "-i", data, "-f", "mnist_csv", "-o", out, "--overwrite")
    assert done.returncode == 1 and "would replace or write into the input" in done.stderr
    assert sorted(os.listdir(str(data))) == before and leftovers(tmp_path) == []


def test_an_output_beside_a_file_input_is_fine_but_not_its_folder(tmp_path):
    dm.Dataset.import_from(SAMPLE).export(str(tmp_path / "csv"), "mnist_csv", save_media=True)
    csv_file = tmp_path / "csv" / "mnist_train.csv"
    with pytest.raises(UsageError, match="would replace or write into the input"):
        dm.Dataset.import_from(str(csv_file)).export(str(tmp_path / "csv"), "mnist", overwrite=True)
    dm.Dataset.import_from(str(csv_file)).export(str(tmp_path / "csv" / "as_mnist"), "mnist")
    assert csv_file.exists()


def test_merged_inputs_are_all_protected(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    dm.Dataset.import_from(SAMPLE).export(str(first), "mnist_csv", save_media=True)
    dm.Dataset.import_from(SAMPLE).export(str(second), "mnist", save_media=True)
    merged = dm.Dataset.import_from(str(first)).merge(dm.Dataset.import_from(str(second)))
    with pytest.raises(UsageError, match="input %s" % second):
        merged.export(str(second), "mnist", overwrite=True)


# -- one export at a time -------------------------------------------------------------------

def test_a_held_lock_refuses_a_second_export_at_once(tmp_path):
    import fcntl

    with open(str(tmp_path / ".out.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(UsageError, match="another export is writing this output folder"):
            dm.Dataset.import_from(SAMPLE).export(str(tmp_path / "out"), "mnist")
    assert not (tmp_path / "out").exists()
    dm.Dataset.import_from(SAMPLE).export(str(tmp_path / "out"), "mnist")  # released: fine
    assert leftovers(tmp_path) == []


def test_racing_exports_into_one_new_folder_never_both_succeed(tmp_path, big):
    out = tmp_path / "out"
    runs = [subprocess.Popen([sys.executable, "-m", "mnistio", "convert", "-i", big, "-f", fmt, "-o", str(out),
                              "-q", "--", "--save-media"], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for fmt in ("mnist_csv", "mnist")]
    results = [(run.wait(), run.stderr.read()) for run in runs]
    for run in runs:
        run.stdout.close()
        run.stderr.close()
    codes = sorted(code for code, _ in results)
    assert codes == [0, 1], results
    loser = [err for code, err in results if code == 1][0]
    assert "another export is writing" in loser or "output folder is not empty" in loser
    assert dm.Dataset.import_from(str(out)).subset_counts() == {"test": 2000, "train": 10000}
    assert leftovers(tmp_path) == []


# -- recovery ---------------------------------------------------------------------------------------

def test_an_old_output_left_aside_by_a_crash_is_restored(tmp_path):
    # The state a crash between the two renames of an overwrite leaves: the old output moved
    # aside, the new one complete in its partial folder, nothing at the path.
    dm.Dataset.import_from(SAMPLE).export(str(tmp_path / ".out.old-x1x1x1x1" / "out"), "mnist", save_media=True)
    dm.Dataset.import_from(SAMPLE).export(str(tmp_path / ".out.partial-y2y2y2y2"), "mnist_csv")
    with pytest.raises(UsageError, match="output folder is not empty .*; it is an earlier output, just restored"):
        dm.Dataset.import_from(SAMPLE).export(str(tmp_path / "out"), "image_dir")
    assert leftovers(tmp_path) == []
    assert dm.Dataset.import_from(str(tmp_path / "out")).format == "mnist"
    report = dm.Dataset.import_from(SAMPLE).export(str(tmp_path / "out2"), "mnist")
    assert not [note for note in report.notes if "interrupted" in note]


def test_folders_of_the_user_that_look_alike_are_never_touched(tmp_path):
    """recover() removed any .<name>.old-* folder, mnistio's or not (review)."""
    for name in (".mine.old-backup2023", ".mine.partial-x", ".mine.old-ABCDEFGH", ".mine.old-abcdefgh.txt"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "notes.txt").write_text("mine")
    (tmp_path / ".mine.old-abcdefgh.partial-12345678").mkdir()  # a leftover of an output named mine.old-abcdefgh
    report = dm.Dataset.import_from(SAMPLE).export(str(tmp_path / "mine"), "mnist")
    assert not [note for note in report.notes if "interrupted" in note]
    assert sorted(os.listdir(str(tmp_path))) == sorted([
        ".mine.old-backup2023", ".mine.partial-x", ".mine.old-ABCDEFGH", ".mine.old-abcdefgh.txt",
        ".mine.old-abcdefgh.partial-12345678", "mine"])


def test_recover_restores_without_exporting(tmp_path):
    dm.Dataset.import_from(SAMPLE).export(str(tmp_path / ".out.old-x1x1x1x1" / "out"), "mnist", save_media=True)
    (tmp_path / ".out.partial-y2y2y2y2").mkdir()
    (tmp_path / ".out.lock").write_text("")  # a dead run's
    assert recover(str(tmp_path / "out")) == ["restored %s, which an interrupted export had moved aside"
                                              % (tmp_path / "out")]
    assert leftovers(tmp_path) == [] and dm.Dataset.import_from(str(tmp_path / "out")).format == "mnist"
    assert recover(str(tmp_path / "out")) == []


def test_the_next_export_removes_what_dead_runs_left(tmp_path):
    (tmp_path / ".out.partial-abcdefgh" / "x").mkdir(parents=True)
    (tmp_path / ".out.old-def_4567" / "out").mkdir(parents=True)
    dm.Dataset.import_from(SAMPLE).export(str(tmp_path / "out"), "mnist")
    report = dm.Dataset.import_from(SAMPLE).export(str(tmp_path / "out"), "mnist", overwrite=True)
    assert leftovers(tmp_path) == [] and report.items == 600


def worker_pids(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as file:
            return [int(child) for child in file.read().split()]
    except OSError:
        return []


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as file:
            return file.read().split()[2] != "Z"
    except OSError:
        return False


# Both layouts whose exports have worker processes (image files; CSV text), each with the span of
# moments its 12,000-digit export takes here.
WORKER_EXPORTS = [("imagenet", 2.5, {"default": 12000}), ("mnist_csv", 0.7, {"train": 10000, "test": 2000})]


@pytest.mark.parametrize("fmt, span, new_counts", WORKER_EXPORTS)
def test_sigkill_at_random_moments_leaves_the_old_output_or_the_new_one(tmp_path, big, fmt, span, new_counts):
    out = tmp_path / "out"
    dm.Dataset.import_from(SAMPLE).export(str(out), "mnist", save_media=True)  # the old output
    rng = random.Random(5)
    for _ in range(max(4, case_count() // 40)):  # benchmarks/fuzz.py runs many more moments
        run = subprocess.Popen([sys.executable, "-m", "mnistio", "convert", "-i", big, "-f", fmt, "-o",
                                str(out), "--overwrite", "-q", "--", "--save-media", "--workers", "2"], env=ENV,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.1, span))
        workers = worker_pids(run.pid)
        run.send_signal(signal.SIGKILL)
        run.wait()
        deadline = time.time() + 5
        while any(alive(pid) for pid in workers) and time.time() < deadline:
            time.sleep(0.05)
        assert not any(alive(pid) for pid in workers), "workers outlived their parent"
        # Whatever the moment: the old output whole, or the new one whole, after the next export's recovery.
        recover(str(out))  # as the next export does first
        assert leftovers(tmp_path) == []  # the killed run's lock file too
        counts = dm.Dataset.import_from(str(out)).subset_counts()
        assert counts in ({"test": 100, "train": 500}, new_counts), counts
    done = mnistio("convert", "-i", big, "-f", fmt, "-o", out, "--overwrite", "-q", "--", "--save-media")
    assert done.returncode == 0, done.stderr
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("fmt, span, new_counts", WORKER_EXPORTS)
def test_ctrl_c_stops_quietly_and_leaves_the_old_output(tmp_path, big, fmt, span, new_counts):
    out = tmp_path / "out"
    dm.Dataset.import_from(SAMPLE).export(str(out), "mnist", save_media=True)
    rng = random.Random(6)
    for moment in [span / 2.5] + [rng.uniform(0.1, span) for _ in range(case_count() // 150 - 1)]:
        run = subprocess.Popen([sys.executable, "-m", "mnistio", "convert", "-i", big, "-f", fmt, "-o",
                                str(out), "--overwrite", "-q", "--", "--save-media", "--workers", "2"], env=ENV,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        time.sleep(moment)
        os.killpg(run.pid, signal.SIGINT)  # as a terminal's Ctrl-C reaches the whole group
        _, err = run.communicate(timeout=60)
        if run.returncode == 0:  # it finished first: the new output is whole; start over from the old one
            assert dm.Dataset.import_from(str(out)).subset_counts() == new_counts
            dm.Dataset.import_from(SAMPLE).export(str(out), "mnist", save_media=True, overwrite=True)
            continue
        assert run.returncode == 130 and err == "mnistio: interrupted\n", (moment, err)
        assert leftovers(tmp_path) == []
        assert dm.Dataset.import_from(str(out)).subset_counts() == {"test": 100, "train": 500}


# -- write faults ------------------------------------------------------------------------------------

def limited_file_size(limit):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # so that writing past the limit is EFBIG, not death
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.parametrize("fmt", ["mnist_csv", "mnist", "imagenet_txt", "cifar"])
def test_a_file_size_limit_is_one_line_and_leaves_nothing(tmp_path, fmt):
    done = mnistio("convert", "-i", SAMPLE, "-f", fmt, "-o", tmp_path / "out", "-q", "--", "--save-media",
                   preexec_fn=limited_file_size(4000))
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("mnistio: error: ") and done.stderr.count("\n") == 1, done.stderr
    assert "File too large" in done.stderr and "Traceback" not in done.stderr
    assert os.listdir(str(tmp_path)) == []


@pytest.mark.parametrize("case", ["parent is a file", "name too long", "item file name too long"])
def test_write_errors_reach_python_callers_as_mnistio_os_errors(tmp_path, case):
    (tmp_path / "file").write_text("x")
    out = {"parent is a file": tmp_path / "file" / "out", "name too long": tmp_path / ("o" * 300),
           "item file name too long": tmp_path / "out"}[case]
    dataset = dm.Dataset.import_from(SAMPLE)
    if case == "item file name too long":
        dataset = dm.Dataset.from_iterable([dm.DatasetItem(id="x" * 300, image=dm.Image(bytes(4), shape=(2, 2)))])
    with pytest.raises(FileSystemError) as caught:
        dataset.export(str(out), "image_dir")
    assert isinstance(caught.value, OSError) and caught.value.errno is not None
    assert caught.value.filename is not None and ".partial-" not in str(caught.value)
    assert sorted(os.listdir(str(tmp_path))) == ["file"]


@contextlib.contextmanager
def small_tmpfs(folder, size):
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s" % size, "tmpfs", str(folder)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root): %s" % done.stderr.decode(errors="replace").strip())
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("fmt", ["imagenet_txt", "imagenet", "mnist_csv"])
def test_a_full_disk_is_one_line_and_leaves_nothing(tmp_path, big, fmt):
    with small_tmpfs(tmp_path / "disk", "256k") as disk:
        done = mnistio("convert", "-i", big, "-f", fmt, "-o", disk / "out", "-q", "--", "--save-media",
                       "--workers", "2")
        assert done.returncode == 1, done.stderr
        assert done.stderr.startswith("mnistio: error: ") and done.stderr.count("\n") == 1, done.stderr
        assert "No space left" in done.stderr
        assert os.listdir(str(disk)) == []


@pytest.mark.parametrize("output", ["", ".", "..", "./"])
def test_an_output_that_is_or_holds_the_current_folder_is_refused(tmp_path, output):
    """'-o "" --overwrite' replaced the working folder, then failed with a bare OSError (review)."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text("keep me")
    done = subprocess.run([sys.executable, "-m", "mnistio", "convert", SAMPLE, "-f", "mnist", "-o", output,
                           "--overwrite"], capture_output=True, text=True, env=ENV, cwd=str(work))
    assert done.returncode == 1 and done.stderr.startswith("mnistio: error: ") and done.stderr.count("\n") == 1
    assert "current folder" in done.stderr or "non-empty path" in done.stderr, done.stderr
    assert (work / "notes.txt").read_text() == "keep me" and sorted(os.listdir(str(tmp_path))) == ["work"]
    previous = os.getcwd()
    os.chdir(str(work))
    try:
        with pytest.raises(UsageError):
            dm.Dataset.import_from(SAMPLE).export(output, "mnist", overwrite=True)
    finally:
        os.chdir(previous)
    assert os.listdir(str(work)) == ["notes.txt"]
