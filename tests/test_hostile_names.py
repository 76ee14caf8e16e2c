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

LAYOUTS = ["mnist", "mnist_csv", "cifar", "imagenet", "imagenet_with_subset_dirs", "imagenet_txt", "image_dir"]
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
