"""The MNIST family as published (EMNIST, KMNIST, QMNIST, Fashion-MNIST, torchvision's folders) in the
``mnist`` layout: read with no hints, converted losslessly, written back as published; interop with
idx2numpy, python-mnist and torchvision when they are installed."""

import gzip
import lzma
import os
import shutil
import struct

import family_fixtures as fx
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mnistio as dm
from mnistio import formats, idx
from mnistio.errors import FormatError, TruncatedError, UsageError

OTHER_LAYOUTS = ["mnist_csv", "cifar", "imagenet", "imagenet_txt", "image_dir"]


def content(dataset):
    """``{subset: [(label name, pixels, attributes)]}`` in order: what a published file set holds."""
    names = dataset.label_names
    result = {}
    for item in dataset:
        label = names[item.labels[0]] if item.labels else None
        result.setdefault(item.subset, []).append((label, bytes(item.media.data), item.attributes or None))
    return result


def expected(items, names):
    return {subset: [(names[label], pixels, attrs) for label, pixels, attrs in rows] for subset, rows in items.items()}


def pixels_by_label(dataset):
    names = dataset.label_names
    return sorted((names[item.labels[0]] if item.labels else "", item.media.shape, bytes(item.media.data))
                  for item in dataset)


def unpacked(path):
    with open(path, "rb") as file:
        data = file.read()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else lzma.decompress(data) if data[:1] == b"\xfd" else data


# -- each family member, as published, with no hints ------------------------------------------

BUILDERS = {"mnist": fx.mnist, "kmnist": fx.kmnist, "qmnist": fx.qmnist}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_published_files_read_with_no_hints(tmp_path, name):
    items, names = BUILDERS[name](str(tmp_path))
    assert formats.detect(str(tmp_path))[0] == "mnist"
    dataset = dm.Dataset.import_from(tmp_path)
    assert dataset.label_names == names
    assert content(dataset) == expected(items, names)


def test_qmnist_subsets_and_label_columns(tmp_path):
    items, _ = fx.qmnist(str(tmp_path))
    dataset = dm.Dataset.import_from(tmp_path)
    assert dataset.subset_counts() == {"train": 3, "test": 3, "nist": 3}  # torchvision's QMNIST(what=...)
    first = next(iter(dataset.get_subset("train")))
    assert first.attributes == items["train"][0][2]
    assert set(first.attributes) == set(fx.QMNIST_COLUMNS)


def test_emnist_split_is_chosen_by_name(tmp_path):
    splits = fx.emnist(str(tmp_path))
    for where in (tmp_path, tmp_path / "gzip"):
        assert formats.detect(str(where))[0] == "mnist"
        with pytest.raises(UsageError, match=r"several splits \(balanced, letters\).*--split"):
            dm.Dataset.import_from(where)
        for split, (items, names) in splits.items():
            dataset = dm.Dataset.import_from(where, split=split)
            assert dataset.label_names == names
            assert content(dataset) == expected(items, names)  # upright: EMNIST's transpose undone
    with pytest.raises(UsageError, match=r"no split 'byclass' here \(found: balanced, letters\)"):
        dm.Dataset.import_from(tmp_path, split="byclass")


def test_emnist_names_keep_the_stored_label_values(tmp_path):
    splits = fx.emnist(str(tmp_path))
    letters = dm.Dataset.import_from(tmp_path, split="letters")
    assert letters.label_names[:3] == ["N/A", "Aa", "Bb"]  # label 0 has no letter, as in torchvision
    assert all(item.labels[0] >= 1 for item in letters)
    balanced = dm.Dataset.import_from(tmp_path, split="balanced")
    assert len(balanced.label_names) == 47 and balanced.label_names[34] == "Y"
    assert next(iter(balanced.get_subset("train"))).labels == [34]
    assert splits["balanced"][0]["train"][0][0] == 34


def test_emnist_one_file_path_reads_that_split(tmp_path):
    splits = fx.emnist(str(tmp_path))
    path = tmp_path / "gzip" / "emnist-letters-test-images-idx3-ubyte.gz"
    dataset = dm.Dataset.import_from(path)
    items, names = splits["letters"]
    assert content(dataset) == {"test": expected(items, names)["test"]}


def test_emnist_upright_option(tmp_path):
    splits = fx.emnist(str(tmp_path), splits=("digits",))
    items, _ = splits["digits"]
    stored = dm.Dataset.import_from(tmp_path, upright="no")
    assert bytes(next(iter(stored.get_subset("train"))).media.data) == fx.transpose(items["train"][0][1])
    with pytest.raises(UsageError, match="upright"):
        dm.Dataset.import_from(tmp_path, upright="sideways")


def test_emnist_names_without_the_mapping_file(tmp_path):
    fx.emnist(str(tmp_path), splits=("balanced",))
    os.remove(tmp_path / "gzip" / "emnist-balanced-mapping.txt")
    assert dm.Dataset.import_from(tmp_path).label_names == fx.BALANCED


def test_emnist_round_trip_is_exact(tmp_path):
    fx.emnist(str(tmp_path / "in"))
    source = tmp_path / "in" / "gzip"
    for split in ("balanced", "letters"):
        dataset = dm.Dataset.import_from(source, split=split)
        out = tmp_path / split
        dataset.export(out, "mnist", save_media=True, emnist_split=split)
        for subset in ("train", "test"):
            for kind in ("images-idx3", "labels-idx1"):
                name = "emnist-%s-%s-%s-ubyte.gz" % (split, subset, kind)
                assert unpacked(out / name) == unpacked(source / name)
        mapping = "emnist-%s-mapping.txt" % split
        assert (out / mapping).read_text() == (source / mapping).read_text()
        assert content(dm.Dataset.import_from(out)) == content(dataset)


def test_qmnist_round_trip_is_exact(tmp_path):
    fx.qmnist(str(tmp_path / "in"))
    dataset = dm.Dataset.import_from(tmp_path / "in")
    dataset.export(tmp_path / "plain", "mnist", save_media=True)
    assert sorted(n for n in os.listdir(tmp_path / "plain") if "labels-" in n) == [
        "nist-labels-idx2-int.gz", "t10k-labels-idx2-int.gz", "train-labels-idx2-int.gz"]
    assert content(dm.Dataset.import_from(tmp_path / "plain")) == content(dataset)
    dataset.export(tmp_path / "tv", "mnist", save_media=True, torchvision_layout="QMNIST")
    raw = tmp_path / "tv" / "QMNIST" / "raw"
    for name in ("qmnist-train-labels-idx2-int.gz", "qmnist-test-images-idx3-ubyte.gz", "xnist-labels-idx2-int.xz",
                 "xnist-images-idx3-ubyte.xz"):
        assert (raw / name.rsplit(".", 1)[0]).read_bytes() == unpacked(tmp_path / "in" / name)


def test_kmnist_class_map_errors_name_the_line(tmp_path):
    fx.kmnist(str(tmp_path))
    (tmp_path / "kmnist_classmap.csv").write_text("index,codepoint,char\n0,U+304A,x\nzero,U+304D,y\n")
    with pytest.raises(FormatError, match="kmnist_classmap.csv.*line 3"):
        dm.Dataset.import_from(tmp_path)
    (tmp_path / "kmnist_classmap.csv").write_text("a,b\n")
    with pytest.raises(FormatError, match="bad header"):
        dm.Dataset.import_from(tmp_path)


def test_emnist_mapping_errors_name_the_line(tmp_path):
    fx.emnist(str(tmp_path), splits=("digits",))
    (tmp_path / "gzip" / "emnist-digits-mapping.txt").write_text("0 48\n1 x\n")
    with pytest.raises(FormatError, match="mapping.txt.*line 2"):
        dm.Dataset.import_from(tmp_path)


# -- torchvision's folders ---------------------------------------------------------------------

def test_torchvision_root_is_read_from_every_level(tmp_path):
    items, names = fx.torchvision_root(str(tmp_path))
    for where in (tmp_path, tmp_path / "MNIST", tmp_path / "MNIST" / "raw"):
        assert formats.detect(str(where))[0] == "mnist"
        dataset = dm.Dataset.import_from(where)
        assert content(dataset) == expected(items, names)
        assert all(path.endswith("ubyte") for files in dataset.source._subsets.values()
                   for path in (files.labels, files.images))  # the raw twin is read


def test_torchvision_root_with_several_datasets(tmp_path):
    fx.torchvision_root(str(tmp_path))
    items, names = fx.torchvision_root(str(tmp_path), "FashionMNIST")
    with pytest.raises(UsageError, match=r"several torchvision datasets \(MNIST, FashionMNIST\).*--dataset"):
        dm.Dataset.import_from(tmp_path)
    dataset = dm.Dataset.import_from(tmp_path, dataset="FashionMNIST")
    assert dataset.label_names == fx.FASHION  # the folder says what the labels are
    assert content(dataset) == expected(items, names)


def test_torchvision_kmnist_folder_names(tmp_path):
    fx.torchvision_root(str(tmp_path), "KMNIST")
    assert dm.Dataset.import_from(tmp_path).label_names == [char for _, char in fx.KMNIST_MAP]


def test_torchvision_layout_export_files(tmp_path):
    dataset = dm.Dataset.import_from(tmp_path / "in") if fx.mnist(str(tmp_path / "in")) else None
    dataset.export(tmp_path / "out", "mnist", save_media=True, torchvision_layout="MNIST")
    assert sorted(os.listdir(tmp_path / "out")) == ["MNIST"]
    raw = tmp_path / "out" / "MNIST" / "raw"
    assert sorted(os.listdir(raw)) == ["labels.txt", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
                                       "train-images-idx3-ubyte", "train-labels-idx1-ubyte"]
    assert unpacked(raw / "train-images-idx3-ubyte") == unpacked(tmp_path / "in" / "train-images-idx3-ubyte.gz")
    assert content(dm.Dataset.import_from(tmp_path / "out")) == content(dataset)


@pytest.mark.parametrize("options, message", [
    ({"torchvision_layout": "EMNIST"}, "needs emnist_split"),
    ({"torchvision_layout": "MNIST", "compress": "gzip"}, "raw IDX files"),
    ({"torchvision_layout": "Cifar"}, "torchvision_layout is one of"),
    ({"emnist_split": "../x"}, "split name"),
])
def test_torchvision_layout_refusals(tmp_path, options, message):
    fx.mnist(str(tmp_path / "in"))
    with pytest.raises(UsageError, match=message):
        dm.Dataset.import_from(tmp_path / "in").export(tmp_path / "out", "mnist", save_media=True, **options)
    assert not os.path.exists(tmp_path / "out")


def test_torchvision_layout_needs_the_images_and_its_subsets(tmp_path):
    fx.mnist(str(tmp_path / "in"))
    dataset = dm.Dataset.import_from(tmp_path / "in")
    with pytest.raises(UsageError, match="save-media"):
        dataset.export(tmp_path / "out", "mnist", torchvision_layout="MNIST")
    renamed = dataset.transform("map_subsets", mapping={"test": "val"})
    with pytest.raises(UsageError, match="subset 'val' cannot be written for torchvision's MNIST"):
        renamed.export(tmp_path / "out", "mnist", save_media=True, torchvision_layout="MNIST")
    report = dataset.get_subset("train").as_dataset().export(tmp_path / "out", "mnist", save_media=True,
                                                            torchvision_layout="KMNIST")
    assert any("wants both train and test" in note for note in report.notes)
    dataset = dm.Dataset.import_from(tmp_path / "in")  # transform() changed the dataset in place, as Datumaro's
    report = dataset.export(tmp_path / "q", "mnist", save_media=True, torchvision_layout="QMNIST")
    assert "7 items had no QMNIST label columns" in " ".join(report.notes)
    assert all(item.attributes == dict.fromkeys(fx.QMNIST_COLUMNS, 0) for item in dm.Dataset.import_from(tmp_path / "q"))


def test_compress_none_writes_raw_files(tmp_path):
    fx.mnist(str(tmp_path / "in"))
    dataset = dm.Dataset.import_from(tmp_path / "in")
    dataset.export(tmp_path / "out", "mnist", save_media=True, compress="none")
    assert "train-images-idx3-ubyte" in os.listdir(tmp_path / "out")
    assert (tmp_path / "out" / "train-labels-idx1-ubyte").read_bytes()[:4] == b"\x00\x00\x08\x01"
    assert content(dm.Dataset.import_from(tmp_path / "out")) == content(dataset)


# -- lossless to every other layout and back ---------------------------------------------------

def _family(tmp_path, name):
    folder = str(tmp_path / name)
    if name == "emnist-balanced":
        fx.emnist(folder)
        return dm.Dataset.import_from(folder, split="balanced")
    if name == "emnist-letters":
        fx.emnist(folder)
        return dm.Dataset.import_from(folder, split="letters")
    if name == "torchvision-fashion":
        fx.torchvision_root(folder, "FashionMNIST")
    else:
        {"mnist": fx.mnist, "kmnist": fx.kmnist, "qmnist": fx.qmnist}[name](folder)
    return dm.Dataset.import_from(folder)


@pytest.mark.parametrize("name", ["mnist", "torchvision-fashion", "kmnist", "emnist-balanced", "emnist-letters",
                                  "qmnist"])
def test_converts_losslessly_to_every_layout_and_back(tmp_path, name):
    original = _family(tmp_path, name)
    used = {original.label_names[label] for item in original for label in item.labels}
    for layout in OTHER_LAYOUTS:
        out = tmp_path / layout
        original.export(out, layout, save_media=True)
        other = dm.Dataset.import_from(out, layout)
        back = tmp_path / (layout + "-back")
        other.export(back, "mnist", save_media=True)
        again = dm.Dataset.import_from(back)
        if layout == "image_dir":  # images only, by design
            assert sorted(p for _, _, p in pixels_by_label(again)) == sorted(p for _, _, p in pixels_by_label(original))
            continue
        assert pixels_by_label(again) == pixels_by_label(original), layout
        if layout in ("mnist_csv", "cifar", "imagenet_txt"):
            assert again.label_names == original.label_names, layout
            assert again.subset_counts() == original.subset_counts(), layout
        else:
            assert used <= set(again.label_names)


# -- decompression by magic bytes ---------------------------------------------------------------

@pytest.mark.parametrize("packer", ["xz", "bz2"])
def test_xz_and_bz2_by_magic_bytes(tmp_path, packer):
    import bz2

    raw = struct.pack(">IIII", 0x803, 2, 2, 3) + bytes(range(12))
    packed = lzma.compress(raw) if packer == "xz" else bz2.compress(raw)
    path = tmp_path / "any-name-at-all"
    path.write_bytes(packed)
    values, shape = idx.read(path)
    assert (bytes(values), shape) == (bytes(range(12)), (2, 2, 3))
    path.write_bytes(packed[:len(packed) // 2])
    with pytest.raises((TruncatedError, FormatError), match="any-name-at-all"):
        idx.read(path)
    path.write_bytes(packed[:12] + bytes(len(packed) - 12))
    with pytest.raises((TruncatedError, FormatError), match="any-name-at-all"):
        idx.read(path)


# -- hypothesis: the invariants of the new options ----------------------------------------------

pixels = st.integers(1, 5).flatmap(lambda h: st.integers(1, 5).flatmap(
    lambda w: st.binary(min_size=h * w, max_size=h * w).map(lambda data: dm.Image(data, shape=(h, w)))))
int32 = st.integers(-(1 << 31), (1 << 31) - 1)


@given(images=st.lists(st.tuples(pixels, st.integers(0, 2)), min_size=1, max_size=5), split=st.booleans())
def test_transposed_storage_round_trips(tmp_path_factory, images, split):
    dataset = dm.Dataset.from_iterable([dm.DatasetItem(id=str(i), subset="train", image=image,
                                                       annotations=[dm.Label(label)])
                                        for i, (image, label) in enumerate(images)], categories=["a", "b", "c"])
    out = tmp_path_factory.mktemp("t") / "out"
    if split:
        dataset.export(out, "mnist", save_media=True, emnist_split="digits")
        loaded = dm.Dataset.import_from(out)  # emnist-* files: turned upright by default
    else:
        dataset.export(out, "mnist", save_media=True, transpose=True)
        loaded = dm.Dataset.import_from(out, upright="yes")
    assert [(i.media.shape, bytes(i.media.data), i.labels) for i in loaded] == \
        [(i.media.shape, bytes(i.media.data), i.labels) for i in dataset]
    assert loaded.label_names == ["a", "b", "c"]


@given(rows=st.lists(st.tuples(st.integers(0, 9), st.lists(int32, min_size=7, max_size=7)), min_size=1, max_size=5),
       compress=st.sampled_from(["gzip", "none"]))
def test_qmnist_columns_round_trip(tmp_path_factory, rows, compress):
    items = [dm.DatasetItem(id=str(i), subset="test", image=dm.Image(bytes([i] * 4), shape=(2, 2)),
                            annotations=[dm.Label(label)], attributes=dict(zip(fx.QMNIST_COLUMNS, columns)))
             for i, (label, columns) in enumerate(rows)]
    dataset = dm.Dataset.from_iterable(items, categories=[str(d) for d in range(10)])
    out = tmp_path_factory.mktemp("q") / "out"
    dataset.export(out, "mnist", save_media=True, compress=compress)
    loaded = list(dm.Dataset.import_from(out))
    assert [(i.labels, i.attributes, bytes(i.media.data)) for i in loaded] == \
        [(i.labels, i.attributes, bytes(i.media.data)) for i in items]


def test_qmnist_columns_must_be_int32(tmp_path):
    attributes = dict(zip(fx.QMNIST_COLUMNS, [0] * 7), writer_id=1 << 40)
    dataset = dm.Dataset.from_iterable([dm.DatasetItem(id="0", annotations=[dm.Label(0)], attributes=attributes)],
                                       categories=["0"])
    with pytest.raises(UsageError, match="writer_id"):
        dataset.export(tmp_path / "out", "mnist")


# -- peers reading mnistio's exports ------------------------------------------------------------

def _export_mnist(tmp_path, compress):
    items, _ = fx.mnist(str(tmp_path / "in"))
    out = tmp_path / "out"
    dm.Dataset.import_from(tmp_path / "in").export(out, "mnist", save_media=True, compress=compress)
    return items, out


@pytest.mark.parametrize("compress", ["gzip", "none"])
def test_idx2numpy_reads_the_export(tmp_path, compress):
    idx2numpy = pytest.importorskip("idx2numpy")
    items, out = _export_mnist(tmp_path, compress)
    suffix = ".gz" if compress == "gzip" else ""
    with (gzip.open if suffix else open)(str(out / ("train-images-idx3-ubyte" + suffix)), "rb") as file:
        images = idx2numpy.convert_from_file(file)
    labels = idx2numpy.convert_from_string(unpacked(out / ("train-labels-idx1-ubyte" + suffix)))
    assert images.shape == (4, 28, 28)
    assert [bytes(image.tobytes()) for image in images] == [pixels for _, pixels, _ in items["train"]]
    assert list(labels) == [label for label, _, _ in items["train"]]


@pytest.mark.parametrize("compress", ["gzip", "none"])
def test_python_mnist_reads_the_export(tmp_path, compress):
    mnist = pytest.importorskip("mnist")
    items, out = _export_mnist(tmp_path, compress)
    loader = mnist.MNIST(str(out), gz=compress == "gzip")
    images, labels = loader.load_testing()
    assert list(labels) == [label for label, _, _ in items["test"]]
    assert [bytes(image) for image in images] == [pixels for _, pixels, _ in items["test"]]


TORCHVISION_CASES = ["MNIST", "FashionMNIST", "KMNIST", "EMNIST", "QMNIST"]


@pytest.mark.parametrize("name", TORCHVISION_CASES)
def test_torchvision_loads_the_export(tmp_path, name):
    datasets = pytest.importorskip("torchvision.datasets")
    if name == "EMNIST":
        fx.emnist(str(tmp_path / "in"))
        source = dm.Dataset.import_from(tmp_path / "in", split="letters")
        options = {"emnist_split": "letters"}
    elif name == "QMNIST":
        fx.qmnist(str(tmp_path / "in"))
        source, options = dm.Dataset.import_from(tmp_path / "in"), {}
    else:
        fx.mnist(str(tmp_path / "in"))
        source, options = dm.Dataset.import_from(tmp_path / "in"), {}
    source.export(tmp_path / "root", "mnist", save_media=True, torchvision_layout=name, **options)
    kinds = {"EMNIST": {"split": "letters"}, "QMNIST": {"what": "nist"}}.get(name, {})
    loaded = getattr(datasets, name)(str(tmp_path / "root"), train=False, download=False, **kinds)
    subset = "nist" if name == "QMNIST" else "test"
    want = [item for item in source if item.subset == subset]
    assert len(loaded) == len(want)
    for (image, target), item in zip(loaded, want):
        stored = bytes(image.tobytes())
        # torchvision reads EMNIST's files as stored: transposed
        upright = bytes(item.media.data)
        assert stored == (fx.transpose(upright) if name == "EMNIST" else upright)
        assert target == item.labels[0]
    if name == "QMNIST":
        full = datasets.QMNIST(str(tmp_path / "root"), what="nist", compat=False, download=False)
        assert [int(v) for v in full[0][1][1:]] == [want[0].attributes[c] for c in fx.QMNIST_COLUMNS]
    shutil.rmtree(tmp_path / "root")


# -- the command line: import options as flags -----------------------------------------------------

def test_cli_split_and_dataset_flags(tmp_path, capsys):
    from mnistio.cli import main

    fx.emnist(str(tmp_path / "emnist"))
    assert main(["info", str(tmp_path / "emnist")]) == 1
    assert "several splits (balanced, letters)" in capsys.readouterr().err
    assert main(["convert", "-i", str(tmp_path / "emnist"), "--split", "letters", "-f", "mnist", "-o",
                 str(tmp_path / "tv"), "--", "--save-media", "--torchvision-layout", "EMNIST",
                 "--emnist-split", "letters"]) == 0
    raw = tmp_path / "tv" / "EMNIST" / "raw"
    assert unpacked(raw / "emnist-letters-train-images-idx3-ubyte") == \
        unpacked(tmp_path / "emnist" / "gzip" / "emnist-letters-train-images-idx3-ubyte.gz")
    fx.torchvision_root(str(tmp_path / "tv"))
    assert main(["info", str(tmp_path / "tv"), "--dataset", "EMNIST", "--json"]) == 0
    assert '"items": 6' in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["info", str(tmp_path / "tv"), "--dataset", "CIFAR"])
    assert "invalid choice: 'CIFAR'" in capsys.readouterr().err


# -- names files and saving in place -------------------------------------------------------------

name_chars = st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc"))


@given(names=st.lists(st.text(name_chars, min_size=1, max_size=2), min_size=1, max_size=8, unique=True),
       gap=st.booleans())
def test_emnist_mapping_round_trips(tmp_path_factory, names, gap):
    from mnistio.formats import _idxfamily

    names = (["N/A"] if gap else []) + [name for name in names if name != "N/A"]
    path = tmp_path_factory.mktemp("m") / "emnist-x-mapping.txt"
    text = _idxfamily.emnist_mapping_lines(names)
    path.write_text(text, encoding="utf-8")
    assert _idxfamily.emnist_names(str(path)) == names


def test_emnist_mapping_refuses_surrogates_and_repeats(tmp_path):
    from mnistio.formats import _idxfamily

    path = tmp_path / "emnist-x-mapping.txt"
    for text, where in (("0 48\n1 55296\n", "line 2"), ("0 48\n0 49\n", "given twice"), ("0 48\n1 48\n", "same name")):
        path.write_text(text)
        with pytest.raises(FormatError, match=where):
            _idxfamily.emnist_names(str(path))


def test_saving_an_emnist_folder_in_place_is_refused(tmp_path):
    fx.emnist(str(tmp_path), splits=("digits",))
    dataset = dm.Dataset.import_from(tmp_path / "gzip")
    dataset.remove("0", "train")
    with pytest.raises(UsageError, match="export to a new folder"):
        dataset.save()
    assert sorted(os.listdir(tmp_path / "gzip"))[0] == "emnist-digits-mapping.txt"  # nothing touched


def test_a_file_named_raw_does_not_stop_detection(tmp_path):
    fx.mnist(str(tmp_path))
    (tmp_path / "raw").write_bytes(b"not a folder")
    (tmp_path / "MNIST").symlink_to(tmp_path / "nowhere")
    assert formats.detect(str(tmp_path))[0] == "mnist"
    assert len(dm.Dataset.import_from(tmp_path)) == 7


def test_a_compressed_tail_is_counted_only_so_far(tmp_path):
    import bz2

    path = tmp_path / "bomb-labels-idx1-ubyte.bz2"
    path.write_bytes(bz2.compress(struct.pack(">II", 0x801, 1) + b"\x03" + bytes(4 << 20), 9))
    with pytest.raises(FormatError, match=r"more than 1048576 bytes after the 1 bytes of values"):
        idx.read(path)


# -- hostile inputs: only mnistio errors, bounded memory and time (tests/hostile.py) -------------

READ_ALL = """
def check(folder):
    dataset = mnistio.Dataset.import_from(folder)
    for item in dataset:
        if item.media is not None:
            bytes(item.media.data)
    dataset.subset_counts()
"""


def _write_folders(tmp_path, blobs, name, others):
    folders = []
    for number, blob in enumerate(blobs):
        folder = tmp_path / str(number)
        folder.mkdir()
        for file, data in dict(others, **{name: blob}).items():
            (folder / file).write_bytes(data)
        folders.append(str(folder))
    return folders


@pytest.mark.skipif(os.name != "posix", reason="resource limits and SIGALRM are POSIX")
@pytest.mark.parametrize("packer", ["xz", "bz2"])
def test_hostile_xz_and_bz2_streams(tmp_path, packer):
    import bz2

    from hostile import assert_contained, case_count, mutations, run_cases

    labels = fx.idx_bytes(0x0C, (3, 8), bytes(96))
    images = fx.idx_bytes(8, (3, 4, 3), bytes(range(36)))
    blob = lzma.compress(images) if packer == "xz" else bz2.compress(images)
    folders = _write_folders(tmp_path, mutations(blob, seed=21, count=case_count(60), protect=6),
                             "xnist-images-idx3-ubyte." + packer, {"xnist-labels-idx2-int": labels})
    assert_contained(run_cases(READ_ALL, folders, tmp_path))


@pytest.mark.skipif(os.name != "posix", reason="resource limits and SIGALRM are POSIX")
@pytest.mark.parametrize("names_file", ["emnist-digits-mapping.txt", "kmnist_classmap.csv"])
def test_hostile_names_files(tmp_path, names_file):
    from hostile import assert_contained, case_count, mutations, run_cases

    prefix = "emnist-digits-train" if names_file.startswith("emnist") else "train"
    text = "".join("%d %d\n" % (d, 48 + d) for d in range(10)) if names_file.startswith("emnist") else \
        "index,codepoint,char\n" + "".join("%d,U+%04X,%s\n" % (d, 48 + d, chr(48 + d)) for d in range(10))
    others = {prefix + "-labels-idx1-ubyte": fx.idx_bytes(8, (3,), bytes([1, 9, 4])),
              prefix + "-images-idx3-ubyte": fx.idx_bytes(8, (3, 2, 2), bytes(12))}
    folders = _write_folders(tmp_path, mutations(text.encode(), seed=5, count=case_count(60)), names_file, others)
    assert_contained(run_cases(READ_ALL, folders, tmp_path))


def test_export_to_a_new_folder_inside_the_dataset_folder_is_refused_not_skipped(tmp_path):
    # a path that did not exist yet was taken for a file of the dataset's folder: the export was
    # mistaken for saving in place, and nothing was written without an error
    fx.mnist(str(tmp_path))
    dataset = dm.Dataset.import_from(tmp_path)
    with pytest.raises(UsageError, match="would replace or write into the input"):
        dataset.export(tmp_path / "out", "mnist", save_media=True)
    assert not os.path.exists(tmp_path / "out")
    dataset.export(tmp_path.parent / (tmp_path.name + "-out"), "mnist", save_media=True)
    assert len(dm.Dataset.import_from(tmp_path.parent / (tmp_path.name + "-out"))) == 7


@given(subset=st.one_of(st.sampled_from(["train", "test", "nist", "xnist", "qmnist-train", "emnist-digits-test",
                                         "emnist-a_b-train", "val"]),
                        st.text(st.sampled_from("aetx-_"), min_size=1, max_size=12)))
def test_subset_names_come_back_as_written_or_are_refused(tmp_path_factory, subset):
    from mnistio.formats import _paths

    try:
        _paths.check_subset_name(subset, "mnist")
    except UsageError:
        return
    dataset = dm.Dataset.from_iterable([dm.DatasetItem(id="0", subset=subset, annotations=[dm.Label(0)])],
                                       categories=["a"])
    out = tmp_path_factory.mktemp("s") / "out"
    try:
        dataset.export(out, "mnist")
    except UsageError as error:
        assert "read back as" in str(error) or "t10k" in str(error)
        assert not os.path.exists(out)
        return
    assert dm.Dataset.import_from(out).subset_counts() == {subset: 1}
