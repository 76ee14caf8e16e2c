"""Hostile ids, subsets and label names through every layout: refused with the item named, or read back.

Whatever names a dataset holds (newlines, ``/``, ``..``, ``%``, quotes,
lone surrogates, empty, long, non-ASCII), an export either refuses it with
a UsageError that names the item (or the label), or writes files that read
back to the same items: none lost, none changed, nothing written outside the
output folder.
"""

import os
import string

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import mnistio as dm
from mnistio.errors import UsageError

LAYOUTS = ["mnist", "mnist_csv", "cifar", "imagenet", "imagenet_with_subset_dirs", "imagenet_txt", "image_dir", "npz"]
HOSTILE = (string.ascii_letters[:6] + string.digits[:3] + " ./\\%:\"'*?<>|~-_\n\r\t\x00\x7f"
           + "\u00e9\u732b\u2028\ufeff\U0001f600\ud800\udcff")
SAFE = string.ascii_letters[:8] + string.digits[:4] + " .-_~%:\u00e9\u732b"
texts = st.one_of(st.text(alphabet=SAFE, min_size=1, max_size=10), st.text(alphabet=HOSTILE, max_size=12))


def expected_id(layout, item, names):
    """The id an item has once read back from ``layout`` (docs/formats.rst)."""
    if layout in ("imagenet", "imagenet_with_subset_dirs"):
        label = names[item.labels[0]] if item.labels else "no_label"
        return "%s:%s" % (label, item.id.split(":", 1)[1] if ":" in item.id else item.id)
    return item.id


def expected_subset(layout, item):
    return "default" if layout in ("imagenet", "image_dir") else item.subset


def snapshot(dataset, layout, names):
    found = {}
    for item in dataset:
        labels = tuple(names[label] for label in item.labels) if layout != "image_dir" else ()
        found[(item.subset, item.id)] = (labels, bytes(item.media.data) if item.media is not None else None)
    return found


def build(ids, subsets, names):
    items = []
    for position, (item_id, subset) in enumerate(zip(ids, subsets)):
        label = position % len(names) if names else None
        pixels = bytes([position % 256]) * 4
        items.append(dm.DatasetItem(id=item_id, subset=subset or "s", image=dm.Image(pixels, shape=(2, 2)),
                                    annotations=[dm.Label(label)] if label is not None else []))
    return dm.Dataset.from_iterable(items, categories=names)


def unique_case_insensitively(values):
    return len({value.lower() for value in values}) == len(values)


@pytest.mark.parametrize("layout", LAYOUTS)
@settings(max_examples=int(os.environ.get("MNISTIO_FUZZ_CASES", 100)), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_hostile_names_round_trip_or_are_refused(tmp_path_factory, layout, data):
    count = data.draw(st.integers(1, 4))
    ids = data.draw(st.lists(texts, min_size=count, max_size=count, unique=True))
    subset = data.draw(texts)
    names = data.draw(st.lists(texts, min_size=1, max_size=3, unique=True))
    # One subset, and ids whose file names cannot clash: renames (~subset) are tested elsewhere.
    if not unique_case_insensitively([i.split(":", 1)[-1] if "imagenet" in layout else i for i in ids]):
        event("ids that would be renamed")
        return
    dataset = build(ids, [subset] * count, names)
    root = tmp_path_factory.mktemp("names")
    out = root / "out"
    try:
        dataset.export(str(out), layout, save_media=True, save_dataset_meta=True)
    except UsageError as error:
        event("refused")
        text = str(error)
        assert any(repr(value) in text for value in ids + [subset] + names) or "item id" in text, text
        assert not out.exists()
        assert sorted(os.listdir(str(root))) == []  # nothing half written, nothing left beside it
        return
    event("written")
    # Written: every file is inside the output folder, and everything reads back as it was.
    assert sorted(os.listdir(str(root))) == ["out"]
    back = dm.Dataset.import_from(str(out), layout)
    got = snapshot(back, layout, back.label_names)
    want = {(expected_subset(layout, item), expected_id(layout, item, names)):
            (tuple(names[label] for label in item.labels) if layout != "image_dir" else (),
             bytes((item.media.to_rgb() if layout == "cifar" else item.media).data))  # cifar holds R, G, B
            for item in dataset}
    assert got == want


# -- ids and label names that map onto each other's files -------------------------------------------
#
# Ids "a" and "a.png/b" in one export made the file a.png and the folder a.png: the export failed with
# "File exists", naming no item (image_dir, imagenet_txt; imagenet the same with label names "x" and
# "x/y.png"). Ids from a few tokens that make such names: every export must read back exactly, or be
# refused naming the item or the label.

CLASHING_TOKENS = ["/", ".", "a", "png", "PNG", "%", "~", "%2E"]
clashing_texts = st.lists(st.sampled_from(CLASHING_TOKENS), min_size=1, max_size=6).map("".join)
IMAGE_LAYOUTS = ["image_dir", "imagenet_txt", "imagenet", "imagenet_with_subset_dirs"]


@st.composite
def related_texts(draw, min_size, max_size):
    """Unique texts, many made from an earlier one as ``<it><joint><more>`` with a joint such as
    ``.png/``: the names whose files and folders meet (``a`` and ``a.png/b``) are found at once."""
    texts = [draw(clashing_texts)]
    joints = st.sampled_from(["/", ".png/", ".PNG/", "%2Epng/", ".png", "/.png/", ".png~s/", ""])
    for _ in range(draw(st.integers(min_size, max_size)) - 1):
        if draw(st.booleans()):
            text = draw(st.sampled_from(texts)) + draw(joints) + draw(clashing_texts)
        else:
            text = draw(st.sampled_from(texts)).split("/")[0] + draw(st.sampled_from(["", ".png"]))
        if text not in texts:
            texts.append(text)
    return draw(st.permutations(texts))


def read_back(out, layout):
    dataset = dm.Dataset.import_from(str(out), layout)
    names = dataset.label_names
    return sorted((item.id, tuple(names[label] for label in item.labels) if layout != "image_dir" else (),
                   bytes(item.media.data)) for item in dataset)


@pytest.mark.parametrize("layout", IMAGE_LAYOUTS)
@settings(max_examples=int(os.environ.get("MNISTIO_FUZZ_CASES", 150)), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_ids_that_name_each_others_files_round_trip_exactly(tmp_path_factory, layout, data):
    from mnistio.model.items import describe_item

    ids = data.draw(related_texts(2, 5))
    names = data.draw(related_texts(1, 3))
    stems = [i.split(":", 1)[-1] for i in ids]
    if not unique_case_insensitively(stems):  # "png" and "PNG": one file on Windows and macOS, renamed
        event("ids that would be renamed")
        return
    items = [dm.DatasetItem(id=item_id, subset="s", image=dm.Image(bytes([position]), shape=(1, 1)),
                            annotations=[dm.Label(position % len(names))] if position % 3 else [])
             for position, item_id in enumerate(ids)]
    dataset = dm.Dataset.from_iterable(items, categories=names)
    root = tmp_path_factory.mktemp("clash")
    out = root / "out"
    try:
        dataset.export(str(out), layout, save_media=True)
    except UsageError as error:
        event("refused")
        text = str(error)
        assert any(describe_item(item) in text for item in items) or any(repr(name) in text for name in names), text
        assert os.listdir(str(root)) == []  # refused before anything was left behind
        return
    event("written")
    want = []
    for item in items:
        labels = tuple(names[label] for label in item.labels) if layout != "image_dir" else ()
        item_id = item.id
        if layout.startswith("imagenet") and layout != "imagenet_txt":
            item_id = "%s:%s" % (labels[0] if labels else "no_label", item.id)
        want.append((item_id, labels, bytes(item.media.data)))
    assert read_back(out, layout) == sorted(want)


@pytest.mark.parametrize("layout", IMAGE_LAYOUTS)
@pytest.mark.parametrize("order", ["a first", "a.png/b first"])
def test_the_reviewers_ids_a_and_a_png_b(tmp_path, layout, order):
    ids = ["a", "a.png/b"] if order == "a first" else ["a.png/b", "a"]
    dataset = dm.Dataset.from_iterable(
        [dm.DatasetItem(id=item_id, subset="s", image=dm.Image(bytes([number]), shape=(1, 1)))
         for number, item_id in enumerate(ids)])
    report = dataset.export(str(tmp_path / "o"), layout, save_media=True)
    assert report.items == 2 and report.notes == []
    back = {item.id: bytes(item.media.data) for item in dm.Dataset.import_from(str(tmp_path / "o"), layout)}
    prefix = "no_label:" if layout.startswith("imagenet") and layout != "imagenet_txt" else ""
    assert back == {prefix + item_id: bytes([number]) for number, item_id in enumerate(ids)}


def test_a_folder_named_like_an_image_file_has_its_dot_escaped(tmp_path):
    image = dm.Image(bytes([1]), shape=(1, 1))
    dm.Dataset.from_iterable([dm.DatasetItem(id=i, image=image) for i in ["a", "a.png/b", "c.PNG/d", "e.jpg/f"]]) \
        .export(str(tmp_path / "o"), "image_dir")
    assert sorted(os.listdir(str(tmp_path / "o"))) == \
        sorted(["a.png", "a%2Epng", "c%2EPNG", "e%2Ejpg"])  # any image extension: each image keeps its own
    dm.Dataset.from_iterable([dm.DatasetItem(id="y", image=image, annotations=[dm.Label(0)]),
                              dm.DatasetItem(id="z", image=image, annotations=[dm.Label(1)])],
                             categories=["x", "x/y.png"]).export(str(tmp_path / "n"), "imagenet")
    assert sorted(os.listdir(str(tmp_path / "n" / "x"))) == ["y%2Epng", "y.png"]
    assert dm.Dataset.import_from(str(tmp_path / "n")).label_names == ["x", "x/y.png"]
