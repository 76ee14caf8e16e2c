"""Tolerant import as Datumaro's (issue 9, point 6): error policies and progress reporters.

Every test takes ``lib`` (conftest.py) and runs on mnistio and on Datumaro 1.13 with the same
body. Where they differ on purpose the test says so with ``is_datumaro(lib)``; the differences
are the ones ``docs/datumaro.rst`` lists:

* Datumaro's mnist, mnist_csv, cifar and imagenet_txt readers never consult the policy: a bad
  item stops the import whatever the policy (or, for a CSV label that is not a number, is left
  out without a word). mnistio's readers hand every fault confined to one item to the policy,
  as the policy's contract says ("if this function returns, the extractor must skip the item").
* Datumaro holds an import with a policy or a reporter in memory; mnistio reads it through once
  and keeps it lazy (bounded memory), leaving the same items out on every later pass.
* Datumaro's readers of these layouts only ``split`` the reporter; mnistio walks each subset
  through its part's ``iter``, so the reporter sees the import's progress.
"""

import os
import shutil
import warnings

import pytest
from conftest import SAMPLE, is_datumaro


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Datumaro warns about its own deprecations
        yield


def collecting(lib):
    """A policy that keeps every item and annotation error, as a Datumaro user writes one."""

    class Collect(lib.ImportErrorPolicy):
        def __init__(self):
            self.errors = []

        def _handle_item_error(self, error):
            self.errors.append(error)

        def _handle_annotation_error(self, error):
            self.errors.append(error)

    return Collect()


def recording(lib, period=0.5):
    """A reporter that logs every call; its parts log to the same list."""

    class Record(lib.ProgressReporter):
        def __init__(self, log):
            self.log = log

        @property
        def period(self):
            return period

        @property
        def interval(self):
            return float("inf")

        def start(self, total, *, desc=None):
            self.log.append(("start", total, desc))

        def report_status(self, progress):
            self.log.append(("status", progress))

        def finish(self):
            self.log.append(("finish",))

        def split(self, count):
            self.log.append(("split", count))
            return tuple(Record(self.log) for _ in range(count))

    return Record([])


def ids(dataset):
    return sorted((item.subset, item.id) for item in dataset)


def write_csv(folder, first_fields):
    """``mnist_train.csv`` with a line per label text, 784 pixels each."""
    os.makedirs(folder, exist_ok=True)
    pixels = ",".join(str(p % 256) for p in range(784))
    with open(os.path.join(folder, "mnist_train.csv"), "w") as file:
        file.writelines("%s,%s\n" % (field, pixels) for field in first_fields)
    return folder


# -- the policy classes --------------------------------------------------------------------------

def test_a_policy_wraps_the_error_with_the_item_and_hands_it_on(lib):
    policy = collecting(lib)
    cause = ValueError("bad pixel")
    assert policy.report_item_error(cause, item_id=("7", "train")) is None
    policy.report_annotation_error(cause, item_id=("7", "train"))
    item_error, annotation_error = policy.errors
    assert type(item_error).__name__ == "ItemImportError" and type(annotation_error).__name__ == "AnnotationImportError"
    assert isinstance(annotation_error, type(item_error))
    assert item_error.item_id == ("7", "train") and item_error.__cause__ is cause
    assert str(item_error) == "Failed to import item ('7', 'train'): bad pixel"
    assert str(annotation_error) == "Failed to import item ('7', 'train') annotation: bad pixel"
    assert isinstance(item_error, lib.errors.ItemImportError)


@pytest.mark.parametrize("kind", ["Import", "Export"])
def test_the_failing_policies_raise_their_failure_caused_by_the_wrapped_error(lib, kind):
    policy = getattr(lib, "Failing%sErrorPolicy" % kind)()
    assert isinstance(policy, getattr(lib, "%sErrorPolicy" % kind))
    cause = ValueError("x")
    with pytest.raises(Exception) as failed:
        policy.report_item_error(cause, item_id=("a", None))
    wrapped = failed.value.__cause__
    assert type(failed.value).__name__ == "_%sFail" % kind
    assert type(wrapped).__name__ == "Item%sError" % kind and wrapped.__cause__ is cause
    assert wrapped.item_id == ("a", None)
    with pytest.raises(Exception) as again:  # a failure reported again is raised as it is
        policy.report_item_error(failed.value, item_id=("a", None))
    assert again.value is failed.value


def test_export_errors_name_the_item_only(lib):
    class Collect(lib.ExportErrorPolicy):
        def __init__(self):
            self.errors = []

        def _handle_item_error(self, error):
            self.errors.append(error)

    policy = Collect()
    policy.report_item_error(ValueError("x"), item_id=("a", "s"))
    assert str(policy.errors[0]) == "Failed to export item ('a', 's')"
    assert isinstance(policy.errors[0], lib.errors.ItemExportError)


# -- the progress reporters ----------------------------------------------------------------------

def test_iter_reports_every_period_and_finishes(lib):
    reporter = recording(lib)
    assert list(reporter.iter(iter("abcde"), total=5, desc="d")) == list("abcde")
    assert reporter.log == [("start", 5, "d"), ("status", 0), ("status", 3), ("finish",)]
    reporter = recording(lib)
    assert list(reporter.iter(["x", "y"])) == ["x", "y"]  # the total from len()
    assert reporter.log == [("start", 2, None), ("status", 0), ("status", 1), ("finish",)]  # every ceil(2 * 0.5)
    reporter = recording(lib)
    list(reporter.iter(iter("xyz")))  # no total: every element
    assert reporter.log == [("start", None, None), ("status", 0), ("status", 1), ("status", 2), ("finish",)]


def test_simple_reporter_prints_lines(lib, capsys):
    reporter = lib.SimpleProgressReporter(period=0.5)
    assert (reporter.period, reporter.interval) == (0.5, float("inf"))
    assert list(reporter.iter(range(4), desc="Importing")) == [0, 1, 2, 3]
    assert capsys.readouterr().out.splitlines() == ["Importing 0/4 (  0.00%)", "Importing 2/4 ( 50.00%)",
                                                    "Importing 4/4 (100.00%)"]
    parts = reporter.split(2)
    assert len(parts) == 2 and all(isinstance(part, lib.SimpleProgressReporter) for part in parts)


def test_null_reporter_splits_into_itself(lib):
    reporter = lib.NullProgressReporter()
    assert reporter.split(3) == (reporter,) * 3 and reporter.split(0) == ()
    assert list(reporter.iter([1, 2])) == [1, 2] and isinstance(reporter, lib.ProgressReporter)


def test_the_base_reporter_leaves_its_methods_to_subclasses(lib):
    reporter = lib.ProgressReporter()
    for call in (lambda: reporter.period, lambda: reporter.start(3), lambda: reporter.split(2),
                 lambda: reporter.report_status(1)):
        with pytest.raises(NotImplementedError):
            call()
    assert reporter.finish() is None


def test_tqdm_reporter(lib):
    if is_datumaro(lib):
        assert lib.TQDMProgressReporter().period == 0.1
    else:  # Datumaro's draws with tqdm; mnistio depends on the standard library only, and says so
        with pytest.raises(lib.UsageError, match="tqdm"):
            lib.TQDMProgressReporter()


# -- importing -----------------------------------------------------------------------------------

def test_an_import_splits_the_reporter_into_one_part_per_subset(lib):
    reporter = recording(lib)
    dataset = lib.Dataset.import_from(SAMPLE, "mnist", progress_reporter=reporter)
    assert len(dataset) == 600 and reporter.log[0] == ("split", 2)
    if is_datumaro(lib):  # its mnist reader does nothing with its part
        assert reporter.log == [("split", 2)]
    else:  # mnistio walks each subset through its part, as Datumaro's datumaro-format reader does
        assert reporter.log[1:] == [("start", 500, "Importing 'train'"), ("status", 0), ("status", 250), ("finish",),
                                    ("start", 100, "Importing 'test'"), ("status", 0), ("status", 50),
                                    ("finish",)]


@pytest.mark.parametrize("policy", ["collecting", "failing", None])
def test_a_clean_dataset_imports_the_same_with_any_policy(lib, policy):
    made = {"collecting": lambda: collecting(lib), "failing": lib.FailingImportErrorPolicy, None: lambda: None}
    error_policy = made[policy]()
    dataset = lib.Dataset.import_from(SAMPLE, "mnist", error_policy=error_policy)
    plain = lib.Dataset.import_from(SAMPLE, "mnist")
    assert ids(dataset) == ids(plain) and len(dataset) == 600
    assert [item.annotations for item in dataset] == [item.annotations for item in plain]
    if policy == "collecting":
        assert error_policy.errors == []
    if not is_datumaro(lib):  # Datumaro holds an import in memory; mnistio keeps it lazy, for bounded memory
        assert not dataset.is_cache_initialized


def test_a_csv_line_whose_label_is_not_a_number(lib, tmp_path):
    folder = write_csv(str(tmp_path / "csv"), ["1", "2", "x", "3"])
    policy = collecting(lib)
    dataset = lib.Dataset.import_from(folder, "mnist_csv", error_policy=policy)
    assert ids(dataset) == [("train", "0"), ("train", "1"), ("train", "3")]  # the same survivors, same ids
    if is_datumaro(lib):  # Datumaro leaves the line out without a word
        assert policy.errors == []
        assert len(lib.Dataset.import_from(folder, "mnist_csv")) == 3
    else:  # mnistio never drops data silently: the policy hears of it, and without one it is an error
        assert [error.item_id for error in policy.errors] == [("2", "train")]
        assert "mnist_train.csv, line 3: label 'x' is not an integer" in str(policy.errors[0])
        with pytest.raises(lib.FormatError, match="line 3"):
            list(lib.Dataset.import_from(folder, "mnist_csv"))


def test_a_csv_pixel_out_of_range(lib, tmp_path):
    folder = write_csv(str(tmp_path / "csv"), ["1", "2", "3"])
    text = open(os.path.join(folder, "mnist_train.csv")).read().splitlines()
    text[1] = text[1].replace(",0,", ",300,", 1)
    with open(os.path.join(folder, "mnist_train.csv"), "w") as file:
        file.write("\n".join(text) + "\n")
    stopped = lib.errors.DatasetImportError if is_datumaro(lib) else lib.FormatError
    with pytest.raises(stopped, match="" if is_datumaro(lib) else "line 2: pixel 1 is 300"):  # stops in both
        list(lib.Dataset.import_from(folder, "mnist_csv", error_policy=lib.FailingImportErrorPolicy()))
    policy = collecting(lib)
    if is_datumaro(lib):  # Datumaro's reader never asks the policy: the import stops
        with pytest.raises(lib.errors.DatasetImportError):
            lib.Dataset.import_from(folder, "mnist_csv", error_policy=policy)
        assert policy.errors == []
    else:  # mnistio skips the line, as the policy allows
        dataset = lib.Dataset.import_from(folder, "mnist_csv", error_policy=policy)
        assert ids(dataset) == [("train", "0"), ("train", "2")]
        assert [error.item_id for error in policy.errors] == [("1", "train")]


def test_an_imagenet_txt_label_with_no_name(lib, tmp_path):
    folder = tmp_path / "txt"
    (folder / "images").mkdir(parents=True)
    (folder / "synsets.txt").write_text("cat\ndog\n")
    (folder / "train.txt").write_text("a.jpg 0\nb.jpg 5\nc.jpg 1\n")
    policy = collecting(lib)
    if is_datumaro(lib):  # Datumaro's reader never asks the policy: the import stops
        with pytest.raises(lib.errors.DatasetImportError):
            lib.Dataset.import_from(str(folder), "imagenet_txt", error_policy=policy)
    else:
        dataset = lib.Dataset.import_from(str(folder), "imagenet_txt", error_policy=policy)
        assert ids(dataset) == [("train", "a"), ("train", "c")]
        assert [error.item_id for error in policy.errors] == [("b", "train")]
        assert "train.txt, line 2: label 5 has no name" in str(policy.errors[0])


def test_imagenet_with_a_policy_and_a_reporter(lib, tmp_path):
    """imagenet is the layout whose Datumaro reader consults the policy; on valid folders both read
    the same items and report nothing."""
    source = lib.Dataset.import_from(SAMPLE, "mnist")
    source.export(str(tmp_path / "net"), "imagenet", save_media=True)
    policy, reporter = collecting(lib), recording(lib)
    dataset = lib.Dataset.import_from(str(tmp_path / "net"), "imagenet", error_policy=policy,
                                      progress_reporter=reporter)
    assert ids(dataset) == ids(lib.Dataset.import_from(str(tmp_path / "net"), "imagenet"))
    assert policy.errors == [] and reporter.log[0] == ("split", 1)


def test_export_takes_a_policy_and_a_reporter(lib, tmp_path):
    """Datumaro's exporters of these layouts consult neither; both libraries accept them."""
    dataset = lib.Dataset.import_from(SAMPLE, "mnist")
    dataset.export(str(tmp_path / "out"), "mnist_csv", save_media=True, error_policy=lib.FailingExportErrorPolicy(),
                   progress_reporter=lib.NullProgressReporter())
    assert len(lib.Dataset.import_from(str(tmp_path / "out"), "mnist_csv")) == 600


def test_a_saved_dataset_keeps_what_was_read(lib, tmp_path):
    folder = str(tmp_path / "sample")
    shutil.copytree(SAMPLE, folder)
    dataset = lib.Dataset.import_from(folder, "mnist", error_policy=collecting(lib))
    dataset.remove("0", "test")
    dataset.save()
    assert len(lib.Dataset.import_from(folder, "mnist")) == 599
