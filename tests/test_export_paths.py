"""The fast paths of exports give what the plain ones give.

- ``mnist_csv`` lines encoded by worker processes, batch by batch, are
  byte for byte the lines encoded in the exporting process;
- the meta spool, which starts its file only at the first row that is not
  ``(index, 28 x 28)``, gives the rows it was given;
- the names of image files, checked against a table of claimed names when
  the output folder started empty, are as unique as when the folder is asked.
"""

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mnistio as dm
from mnistio.codecs import csvrows
from mnistio.formats import _meta, _paths, mnist_csv


def _folder_bytes(folder):
    return {name: (folder / name).read_bytes() for name in sorted(os.listdir(folder))}


def _dataset(count, odd_from):
    """``count`` items in train and test; from item ``odd_from`` on, every fifth item is unusual."""
    per_subset = {"train": 0, "test": 0}
    items = []
    for index in range(count):
        subset = "train" if index % 3 else "test"
        number = per_subset[subset]
        per_subset[subset] += 1
        item_id, height, width, labels, has_image = str(number), 28, 28, [dm.Label(index % 10)], True
        if index >= odd_from:
            kind = index % 5
            if kind == 1:
                has_image = False
            elif kind == 2:
                labels = []
            elif kind == 3:
                height, width = 3, 5
            elif kind == 4:
                item_id = "custom-%d" % index
        media = None
        if has_image:
            pixels = bytes((index * 7 + p) % 256 for p in range(height * width))
            media = dm.Image(pixels, shape=(height, width))
        items.append(dm.DatasetItem(id=item_id, subset=subset, media=media, annotations=labels))
    return dm.Dataset.from_iterable(items, categories=[str(digit) for digit in range(10)])


@pytest.mark.parametrize("odd_from", [0, 40, 10 ** 6])
def test_parallel_csv_writing_equals_serial(tmp_path, monkeypatch, odd_from):
    monkeypatch.setattr(mnist_csv, "_BATCH_LINES", 7)  # many batches, several in flight
    dataset = _dataset(150, odd_from)
    dataset.export(str(tmp_path / "serial"), "mnist_csv", save_media=True, workers=1)
    dataset.export(str(tmp_path / "parallel"), "mnist_csv", save_media=True, workers=2)
    serial = _folder_bytes(tmp_path / "serial")
    assert _folder_bytes(tmp_path / "parallel") == serial
    assert ("meta_train.csv" in serial) == (odd_from < 150)
    back = dm.Dataset.import_from(str(tmp_path / "parallel"), "mnist_csv")
    assert len(back) == 150
    assert [item.id for item in back.get_subset("train")] == [item.id for item in dataset.get_subset("train")]


@given(st.binary(max_size=70))
def test_encode_pixels_writes_each_value_in_decimal(data):
    assert csvrows.encode_pixels(data) == b",".join(b"%d" % value for value in data)
    assert csvrows.encode_pixels(memoryview(data)[::-1]) == b",".join(b"%d" % value for value in data[::-1])


def test_encode_lines_writes_a_label_alone_for_an_item_without_image():
    assert csvrows.encode_lines([(b"3", b"\x00\xff"), (b"-1", None), (b"7", b"\x0c")]) == b"3,0,255\n-1\n7,12\n"


rows = st.lists(st.tuples(st.booleans(), st.sampled_from([None, (28, 28), (3, 5)])), max_size=30)


@given(rows, st.booleans())
def test_meta_spool_gives_back_what_it_was_given(tmp_path_factory, given_rows, sizes_for_missing):
    """Rows are (custom id?, size); the file starts at the first unusual one, or never."""
    spool = _meta.MetaSpool(str(tmp_path_factory.mktemp("spool")), sizes_for_missing_images=sizes_for_missing)
    expected_ids = []
    for index, (custom, size) in enumerate(given_rows):
        item_id = "id%d" % index if custom else str(index)
        expected_ids.append(item_id)
        spool.add(item_id, size)
    try:
        found = spool.rows()
        custom_ids = any(custom for custom, _ in given_rows)
        sizes = [size for _, size in given_rows]
        with_image = [size for size in sizes if size is not None]
        needs_sizes = bool(with_image) and (any(size != (28, 28) for size in with_image)
                                            or (sizes_for_missing and len(with_image) < len(sizes)))
        if not (custom_ids or needs_sizes):
            assert found is None
            return
        expected = []
        for item_id, size in zip(expected_ids, sizes):
            row = [item_id] if custom_ids else []
            if needs_sizes:
                row += ["0", "0"] if size is None else [str(size[0]), str(size[1])]
            expected.append(row)
        assert list(found) == expected
    finally:
        spool.close()


@pytest.mark.parametrize("fresh", [True, False])
def test_unique_names_in_a_fresh_or_used_folder(tmp_path, fresh):
    if not fresh:
        (tmp_path / "cat").mkdir()
        (tmp_path / "cat" / "a.png").write_bytes(b"there before")
    names = _paths.UniqueNames(str(tmp_path))
    assert (names._claimed_hashes is not None) == fresh  # the table only where the folder holds nothing
    first = names.claim(["cat/a"], ".png", "train")[0][0]
    assert first == ("cat/a.png" if fresh else "cat/a~train.png")
    # Claimed and not written yet: pending; written: the folder answers.
    assert names.claim(["cat/a"], ".png", "train")[0][0] != first
    (tmp_path / "cat").mkdir(exist_ok=True)
    (tmp_path / first).write_bytes(b"")
    names.written(first[:-4])
    # The same name with another extension would read back as the same id: renamed too.
    again = names.claim([first[:-4]], ".jpg", "test")[0][0]
    assert again == first[:-4] + "~test.jpg"
    assert names.claim(["cat/b"], ".png", "train")[0][0] == "cat/b.png"


def test_a_missing_folder_counts_as_fresh_and_an_unreadable_one_does_not(tmp_path):
    assert _paths.UniqueNames(str(tmp_path / "not yet"))._claimed_hashes is not None
    (tmp_path / "file").write_bytes(b"")
    assert _paths.UniqueNames(str(tmp_path / "file"))._claimed_hashes is None


def test_many_names_in_a_fresh_folder_stay_unique(tmp_path):
    """Thousands of claims, half of them repeats: each repeat is renamed, as the folder-asking path does."""
    names = _paths.UniqueNames(str(tmp_path))
    claimed = [names.claim(["d/%d" % (index % 3000)], ".png", "s")[0][0] for index in range(6000)]
    assert len(set(claimed)) == 6000
    assert names.renamed == 3000


def _count_pools(monkeypatch):
    """The worker counts of the pools an export starts (every export's pool comes from _parallel)."""
    from mnistio.formats import _parallel

    started = []
    real = _parallel.fork_pool

    def counting(workers):
        started.append(workers)
        return real(workers)
    monkeypatch.setattr(_parallel, "fork_pool", counting)
    return started


@pytest.mark.parametrize("fmt", ["mnist_csv", "imagenet"])
def test_an_export_of_less_than_two_batches_starts_no_process(tmp_path, monkeypatch, fmt):
    """Each subset's last batch is partial: several subsets of a few items each still fork nothing."""
    from mnistio.formats import _imagefiles
    module = mnist_csv if fmt == "mnist_csv" else _imagefiles
    started = _count_pools(monkeypatch)
    items = [dm.DatasetItem(id=str(index), subset=subset, media=dm.Image(bytes(784), shape=(28, 28)),
                            annotations=[dm.Label(index % 10)])
             for subset in ("train", "test", "val") for index in range(3)]
    dm.Dataset.from_iterable(items, categories=[str(d) for d in range(10)]).export(
        str(tmp_path / "few"), fmt, save_media=True, workers=2)
    assert started == []
    monkeypatch.setattr(module, "_BATCH_LINES" if fmt == "mnist_csv" else "_BATCH_ITEMS", 2)
    dm.Dataset.from_iterable(items, categories=[str(d) for d in range(10)]).export(
        str(tmp_path / "more"), fmt, save_media=True, workers=2)
    assert started == [2]


def test_batches_end_at_a_byte_budget_and_stay_byte_identical(tmp_path, monkeypatch):
    """Large images make batches of a few lines; what is written does not change."""
    monkeypatch.setattr(mnist_csv, "_BATCH_PIXEL_BYTES", 3 * 40 * 50)
    started = _count_pools(monkeypatch)
    items = [dm.DatasetItem(id=str(index), media=dm.Image(bytes((index + p) % 256 for p in range(40 * 50)),
                                                          shape=(40, 50)), annotations=[dm.Label(index % 3)])
             for index in range(40)]
    dataset = dm.Dataset.from_iterable(items, categories=["a", "b", "c"])
    dataset.export(str(tmp_path / "serial"), "mnist_csv", save_media=True, workers=1)
    dataset.export(str(tmp_path / "parallel"), "mnist_csv", save_media=True, workers=2)
    assert started == [2]  # 14 batches of at most 3 lines: the workers did write them
    assert _folder_bytes(tmp_path / "parallel") == _folder_bytes(tmp_path / "serial")


def test_an_item_refused_while_batches_are_out_names_it_and_leaves_nothing(tmp_path, monkeypatch):
    import multiprocessing

    monkeypatch.setattr(mnist_csv, "_BATCH_LINES", 5)
    items = [dm.DatasetItem(id=str(index), media=dm.Image(bytes(784), shape=(28, 28)),
                            annotations=[dm.Label(index % 10)]) for index in range(300)]
    items[250] = dm.DatasetItem(id="colour", media=dm.Image(bytes(28 * 28 * 3), shape=(28, 28, 3)),
                                annotations=[dm.Label(1)])
    dataset = dm.Dataset.from_iterable(items, categories=[str(d) for d in range(10)])
    with pytest.raises(dm.errors.UsageError, match="'colour'"):
        dataset.export(str(tmp_path / "out"), "mnist_csv", save_media=True, workers=2, refuse_color=True)
    assert os.listdir(str(tmp_path)) == []
    assert multiprocessing.active_children() == []


def test_names_one_file_to_a_loose_file_system_clash_in_the_table_too(tmp_path):
    """``café`` composed and decomposed, ``Σ``/``σ``/``ς``: one file on macOS. Pending or written, the
    second is renamed (the table, keyed by the folded name, sends it to the folder or the pending set)."""
    import unicodedata

    names = _paths.UniqueNames(str(tmp_path))
    composed, decomposed = unicodedata.normalize("NFC", "café"), unicodedata.normalize("NFD", "café")
    assert names.claim([composed], ".png", "a")[0][0] == composed + ".png"
    assert names.claim([decomposed], ".png", "b")[0][0] == decomposed + "~b.png"
    assert names.claim(["Σx"], ".png", "a")[0][0] == "Σx.png"
    assert names.claim(["σx"], ".png", "b")[0][0] == "σx~b.png"
    assert names.claim(["ςx"], ".png", "c")[0][0] == "ςx~c.png"


MEMORY_JOB = r"""
import struct, gzip
side, count = 300, int(sys.argv[3])
folder = out + "-src"
import os
os.makedirs(folder)
with gzip.open(os.path.join(folder, "train-labels-idx1-ubyte.gz"), "wb", compresslevel=1) as f:
    f.write(struct.pack(">II", 0x801, count) + bytes(i % 10 for i in range(count)))
with gzip.open(os.path.join(folder, "train-images-idx3-ubyte.gz"), "wb", compresslevel=1) as f:
    f.write(struct.pack(">IIII", 0x803, count, side, side))
    for i in range(count):
        f.write(bytes(range(256)) * (side * side // 256) + bytes(side * side % 256))
dm.Dataset.import_from(folder, "mnist").export(out + "-csv", "mnist_csv", save_media=True, workers=2)
dm.Dataset.import_from(folder, "mnist").export(out + "-png", "imagenet", save_media=True, workers=2)
"""


def test_memory_stays_flat_with_large_images(tmp_path):
    """300 x 300 digits: 90 KB an image, 330 KB a CSV line; ten times as many cost no more memory."""
    import json
    import subprocess
    import sys

    from memory_probe import _PEAK

    def peak(count):
        script = _PEAK + MEMORY_JOB + "\nprint(json.dumps(peak_kb()))\n"
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
        done = subprocess.run([sys.executable, "-c", script, "unused", str(tmp_path / ("o%d" % count)), str(count)],
                              capture_output=True, text=True, env=env, check=True)
        return json.loads(done.stdout)
    small, large = peak(40), peak(400)
    assert large - small < 6 * 1024, (small, large)  # (8 MB more before batches had a byte budget)
