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
