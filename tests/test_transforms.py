"""Transforms: split invariants and golden assignments, label semantics, resize and pad, CLI, streaming."""

import gc
import math
import os
import subprocess
import sys
import tracemalloc
from collections import Counter
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mnistio as dm
from mnistio.cli import main
from mnistio.dataset import ItemSource
from mnistio.errors import UsageError
from mnistio.ops.transforms import (
    TRANSFORMS,
    map_subsets,
    pad,
    parse_options,
    project_labels,
    random_split,
    reindex,
    remap_labels,
    remove_annotations,
    remove_items,
    rename,
    resize,
    split,
    transform,
)
from mnistio.ops.transforms._splitting import LegacyRandomState, SplitMix64

try:
    from PIL import Image as PILImage
except ImportError:  # the Pillow comparisons are skipped
    PILImage = None

needs_pillow = pytest.mark.skipif(PILImage is None, reason="Pillow is not installed")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# -- helpers -----------------------------------------------------------------------------

def labelled(labels, subset="train", names=("a", "b", "c")):
    """A dataset whose item i has ``labels[i]`` (an index, None for no label, or a list)."""
    items = []
    for i, label in enumerate(labels):
        annotations = [] if label is None else [dm.Label(x) for x in (label if isinstance(label, list) else [label])]
        items.append(dm.DatasetItem(str(i), subset=subset, annotations=annotations))
    return dm.Dataset.from_iterable(items, categories=list(names))


def subsets_of(dataset):
    return [item.subset for item in dataset]


def largest_remainder(n, ratios):
    """The documented rounding, written out independently: floors, then the largest remainders."""
    ideal = [n * r for r in ratios]
    counts = [math.floor(v) for v in ideal]
    order = sorted(range(len(ratios)), key=lambda k: (-(ideal[k] - counts[k]), k))
    for k in order[:n - sum(counts)]:
        counts[k] += 1
    return counts


ratio_lists = st.lists(st.integers(0, 9), min_size=1, max_size=5).filter(sum).map(
    lambda weights: [Fraction(w, sum(weights)) for w in weights])


def as_splits(ratios):
    return [("s%d" % k, r) for k, r in enumerate(ratios)]  # exact: floats would be read as decimals


# -- the generators and the golden assignments -----------------------------------------------

def test_splitmix64_reference_values():
    generator = SplitMix64(0)
    assert [generator.next() for _ in range(3)] == [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]
    assert SplitMix64(-1).next() == SplitMix64(2 ** 64 - 1).next()


def test_legacy_random_state_is_mt19937_seeded_as_numpy_seeds_it():
    # init_genrand(5489) is the reference implementation's default; its first words are published.
    generator = LegacyRandomState(5489)
    assert [generator._bits(32) for _ in range(3)] == [3499211612, 581869302, 3890346734]


@given(seed=st.integers(0, 2 ** 32 - 1), n=st.integers(0, 300))
def test_legacy_shuffle_is_numpys(seed, n):
    numpy = pytest.importorskip("numpy")
    expected = list(range(n))
    numpy.random.RandomState(seed).shuffle(expected)
    values, twins = list(range(n)), [-i for i in range(n)]
    LegacyRandomState(seed).shuffle(values, twins)
    assert values == expected and twins == [-i for i in expected]


@given(seed=st.integers(0, 2 ** 32 - 1), bits=st.integers(33, 64))
def test_legacy_interval_above_32_bits_is_numpys(seed, bits):
    numpy = pytest.importorskip("numpy")
    maximum = (1 << bits) - 1 - seed % 1000
    # legacy randint of uint64 draws masked 64-bit words, high word first, as random_interval does
    expected = numpy.random.RandomState(seed).randint(0, maximum + 1, dtype=numpy.uint64)
    assert LegacyRandomState(seed).interval(maximum) == int(expected)


def test_golden_random_split_of_20_items():
    # Must hold on every Python version: a change of generator or of rounding shows here.
    dataset = labelled([i % 3 for i in range(20)])
    assert subsets_of(random_split(dataset, [("train", .6), ("val", .2), ("test", .2)], seed=42)) == [
        "val", "test", "train", "train", "train", "test", "val", "test", "train", "test",
        "train", "val", "train", "train", "train", "train", "train", "train", "val", "train"]


def test_golden_split_of_20_items_is_datumaros():
    # What Datumaro 1.13 gives for the same items and seed (tests/test_dropin_ops.py runs both).
    dataset = labelled([i % 3 for i in range(20)])
    assert subsets_of(split(dataset, [("train", .5), ("test", .5)], seed=7)) == [
        "train", "test", "test", "test", "test", "train", "train", "test", "train", "test",
        "train", "train", "train", "train", "test", "train", "train", "test", "test", "test"]


# -- random_split and split ---------------------------------------------------------------------

@given(n=st.integers(0, 60), ratios=ratio_lists, seed=st.integers(-2 ** 70, 2 ** 70))
def test_random_split_invariants(n, ratios, seed):
    dataset = labelled([i % 3 for i in range(n)], subset="whatever")
    result = random_split(dataset, as_splits(ratios), seed=seed)
    items = list(result)
    assert [item.id for item in items] == [str(i) for i in range(n)]  # each item once, in order
    expected = largest_remainder(n, ratios)
    assert [subsets_of(result).count("s%d" % k) for k in range(len(ratios))] == expected
    assert result.subset_counts() == {"s%d" % k: count for k, count in enumerate(expected)}
    assert subsets_of(result) == [item.subset for item in items]  # every pass assigns alike
    assert subsets_of(random_split(dataset, as_splits(ratios), seed=seed)) == [item.subset for item in items]


#: ratios in tenths and hundredths, whose blocks (split.py) split exactly
TENTHS = [(.5, .5), (.7, .3), (.6, .2, .2), (.5, .2, .3), (.8, .1, .1), (.4, .6), (1.0,), (.25, .75),
          (.34, .33, .33), (.05, .95), (.6, 0.0, .4)]
BLOCKS = {(.5, .5): 2, (.7, .3): 10, (.6, .2, .2): 5, (.5, .2, .3): 10, (.8, .1, .1): 10, (.4, .6): 5, (1.0,): 1,
          (.25, .75): 4, (.34, .33, .33): 100, (.05, .95): 20, (.6, 0.0, .4): 5}


def stratified(entries):
    """Items of ``(label or None or a list, color or None)``, the color a label attribute."""
    items = []
    for i, (label, color) in enumerate(entries):
        labels = [] if label is None else label if isinstance(label, list) else [label]
        attributes = {} if color is None else {"color": color, "score": 0.5}  # floats are not grouped by
        items.append(dm.DatasetItem(str(i), subset="x", annotations=[dm.Label(x, attributes=attributes)
                                                                     for x in labels]))
    return dm.Dataset.from_iterable(items, categories=["a", "b", "c"])


@given(entries=st.lists(st.tuples(st.one_of(st.integers(0, 2), st.none(), st.just([0, 1])),
                                  st.sampled_from([None, "red", "blue"])), max_size=150),
       ratios=st.sampled_from(TENTHS), seed=st.integers(0, 2 ** 32 - 1))
def test_split_stratifies_by_label_and_attribute_values(entries, ratios, seed):
    names = ["s%d" % k for k in range(len(ratios))]
    result = split(stratified(entries), list(zip(names, ratios)), seed=seed)
    items = list(result)
    assert [item.id for item in items] == [str(i) for i in range(len(entries))]  # each item once, in order
    assert [item.subset for item in result] == [item.subset for item in items]  # every pass assigns alike
    assert result.subset_counts() == {name: [item.subset for item in items].count(name) for name in names}
    assert {item.subset for item in items} <= {name for name, ratio in zip(names, ratios) if ratio}
    block = BLOCKS[ratios]
    groups = {}
    for (label, color), item in zip(entries, items):
        if isinstance(label, int):
            groups.setdefault((label, color), []).append(item.subset)
    for members in groups.values():  # every label and color keeps its share, to within one block
        for name, ratio in zip(names, ratios):
            assert abs(members.count(name) - len(members) * ratio) < block
    if all(isinstance(label, int) for label, _ in entries):  # and so does every subset
        for name, ratio in zip(names, ratios):
            assert abs(len(result.get_subset(name)) - len(entries) * ratio) < block


def test_split_of_whole_blocks_is_exact_per_label_and_attribute():
    entries = [(label, color) for label in (0, 1, 2) for color in ("red", "blue") for _ in range(20)]
    result = split(stratified(entries), [("train", .7), ("val", .2), ("test", .1)], seed=5)
    counts = Counter((label, color, item.subset) for (label, color), item in zip(entries, result))
    assert set(counts.values()) == {14, 4, 2} and len(counts) == 18


def test_split_totals_stay_close_when_labels_tie():
    # 10 labels of 5 items, half and half: blocks of 2 split 1 / 1, the odd items pooled.
    result = split(labelled([i % 10 for i in range(50)], names=[str(i) for i in range(10)]),
                   [("train", .5), ("test", .5)])
    assert result.subset_counts() == {"train": 25, "test": 25}
    assert sorted(subsets_of(result).count(name) for name in ("train", "test")) == [25, 25]


def test_split_keeps_unlabelled_items_in_place():
    # Datumaro assigns the items after the first unlabelled one other items' subsets, some none ('default').
    result = split(labelled([None if i % 4 == 1 else i % 2 for i in range(20)]), [("train", .5), ("test", .5)],
                   seed=1)
    assert result.subset_counts() == {"train": 10, "test": 10}
    assert Counter(subsets_of(result)) == Counter({"train": 10, "test": 10})
    by_label = Counter((item.labels[0] if item.labels else None, item.subset) for item in result)
    assert by_label[(0, "train")] == by_label[(0, "test")] == 5  # 10 items of label 0
    assert {by_label[(1, "train")], by_label[(1, "test")]} == {2, 3}  # 5 of label 1: one block short


def test_different_seeds_give_different_assignments():
    dataset = labelled([i % 3 for i in range(100)])
    assignments = {tuple(subsets_of(random_split(dataset, seed=seed))) for seed in range(10)}
    assert len(assignments) == 10
    assert len({tuple(subsets_of(split(dataset, seed=seed))) for seed in range(10)}) == 10


def test_split_pools_the_source_subsets_and_names_only_the_given_ones():
    items = [dm.DatasetItem(str(i), subset=("a", "b", "c")[i % 3], annotations=[dm.Label(i % 2)])
             for i in range(30)]
    dataset = dm.Dataset.from_iterable(items, categories=["x", "y"])
    for result in (random_split(dataset, [("train", .8), ("test", .2)]),
                   split(dataset, [("train", .8), ("test", .2)])):
        assert set(subsets_of(result)) == {"train", "test"}
        assert result.subset_counts() == {"train": 24, "test": 6}
        assert [len(subset) for subset in result.subsets().values()] == [24, 6]


def test_zero_ratio_subset_is_named_but_empty():
    for transform_function in (random_split, split):
        result = transform_function(labelled([0] * 7), [("train", 1), ("test", 0)])
        assert result.subset_counts() == {"train": 7, "test": 0}
        assert set(subsets_of(result)) == {"train"}


def test_ratios_are_exact_decimals():
    # 0.7 * 10 is 7.000000000000001 in floats; read as 7/10 it is 7.
    assert random_split(labelled([0] * 10), [("a", .7), ("b", .3)]).subset_counts() == {"a": 7, "b": 3}
    assert random_split(labelled([0] * 10), [("a", "0.7"), ("b", "0.3")]).subset_counts() == {"a": 7, "b": 3}
    assert split(labelled([0] * 10), [("a", "0.7"), ("b", "0.3")]).subset_counts() == {"a": 7, "b": 3}


@pytest.mark.parametrize("splits, message", [
    ([("a", .5), ("b", .4)], r"Sum of ratios is expected to be 1, got \[\('a', 0.5\), \('b', 0.4\)\], which is 0.9"),
    ([("a", .5), ("a", .5)], r"Subset \(a\) is duplicated"),
    ([("a", 1.5), ("b", -.5)], r"Ratio is expected to be in the range \[0, 1\], but got 1.5 for a"),
    ([("a", "half"), ("b", .5)], "ratio 'half' is not a number"),
    ([], "Expected at least one split"),
])
def test_bad_splits(splits, message):
    for transform_function in (random_split, split):
        with pytest.raises(UsageError, match=message):
            transform_function(labelled([0]), splits)


def test_a_subset_given_again_with_no_share_is_fine():
    # As Datumaro: only subsets that get items must be named once; the share decides the place.
    result = split(labelled([0] * 10), [("test", 0), ("train", .5), ("test", .5), ("train", 0.0)])
    assert result.subset_counts() == {"train": 5, "test": 5}


def test_split_rejects_other_tasks_and_bad_seeds():
    with pytest.raises(UsageError, match="only 'classification'"):
        split(labelled([0]), task="detection")
    with pytest.raises(UsageError, match="a seed is an integer"):
        random_split(labelled([0]), seed="1")
    for seed in (-1, 2 ** 32):  # numpy's legacy seeds, as Datumaro's split uses them
        with pytest.raises(UsageError, match="Seed must be between 0 and 4294967295"):
            split(labelled([0]), seed=seed)


def test_seed_none_is_random_but_fixed_per_dataset():
    for transform_function in (random_split, split):
        result = transform_function(labelled([0] * 50), seed=None)
        assert subsets_of(result) == subsets_of(result)


def test_a_source_that_changes_between_passes_is_an_error():
    class Growing(ItemSource):
        def __init__(self):
            super().__init__(dm.LabelCategories(["a"]))
            self.passes = 0

        def __iter__(self):
            self.passes += 1
            return iter([dm.DatasetItem(str(i), annotations=[dm.Label(0)]) for i in range(10 + self.passes)])

    for transform_function in (random_split, split):
        result = transform_function(dm.Dataset(Growing()))
        with pytest.raises(UsageError, match="yielded more items on this pass of the split than when it was planned"):
            list(result)


# -- labels ---------------------------------------------------------------------------------------

def test_remap_renames_merges_and_keeps_by_default():
    dataset = labelled([0, 1, 2, None], names=("cat", "dog", "car"))
    result = remap_labels(dataset, {"cat": "pet", "dog": "pet"})
    assert result.label_names == ["pet", "car"]
    assert [item.labels for item in result] == [[0], [0], [1], []]


def test_remap_delete_drops_labels_but_not_items():
    dataset = labelled([0, 1, 2, [0, 2]], names=("cat", "dog", "car"))
    result = remap_labels(dataset, [("car", "vehicle")], default="delete")
    assert result.label_names == ["vehicle"]
    assert [(item.id, item.labels) for item in result] == [("0", []), ("1", []), ("2", [0]), ("3", [0])]
    kept = remap_labels(dataset, [("dog", "")])  # 'dog:' deletes dog, keeps the rest
    assert kept.label_names == ["cat", "car"]
    assert [item.labels for item in kept] == [[0], [], [1], [0, 1]]


def test_remap_to_an_existing_name_merges_in_datumaro_order():
    # Datumaro adds names in order of first appearance: cat -> dog comes first.
    result = remap_labels(labelled([0, 1, 2], names=("cat", "dog", "car")), {"cat": "dog"})
    assert result.label_names == ["dog", "car"]
    assert [item.labels for item in result] == [[0], [0], [1]]


def test_remap_keeps_label_fields_and_refuses_unknown_names():
    item = dm.DatasetItem("x", annotations=[dm.Label(1, id=4, group=2, attributes={"score": 1})])
    result = list(remap_labels(dm.Dataset.from_iterable([item], ["a", "b"]), {"a": ""}))[0]
    assert result.annotations == [dm.Label(0, id=4, group=2, attributes={"score": 1})]
    with pytest.raises(UsageError, match="no label 'z' to remap"):
        remap_labels(labelled([0]), {"z": "a"})
    with pytest.raises(UsageError, match="'keep' or 'delete'"):
        remap_labels(labelled([0]), {}, default="drop")


def test_project_labels_reorders_drops_and_adds():
    result = project_labels(labelled([0, 1, 2], names=("a", "b", "c")), ["c", "new", "a"])
    assert result.label_names == ["c", "new", "a"]
    assert [item.labels for item in result] == [[2], [], [0]]


def test_label_out_of_range_is_an_error():
    dataset = dm.Dataset.from_iterable([dm.DatasetItem("x", annotations=[dm.Label(5)])], ["a"])
    with pytest.raises(UsageError, match="has label 5, but the dataset names only 1 labels"):
        list(remap_labels(dataset, {"a": "b"}))


# -- ids and subsets -----------------------------------------------------------------------------

def test_map_subsets_merges_and_counts():
    items = [dm.DatasetItem(str(i), subset=s) for i, s in enumerate(["train", "val", "test", "val"])]
    result = map_subsets(dm.Dataset.from_iterable(items), [("val", "train"), ("test", "")])
    assert subsets_of(result) == ["train", "train", "default", "train"]
    assert result.subset_counts() == {"train": 3, "default": 1}


def test_reindex_numbers_the_whole_dataset():
    items = [dm.DatasetItem(name, subset=s) for name, s in [("x", "a"), ("y", "b"), ("z", "a")]]
    result = reindex(dm.Dataset.from_iterable(items), start=5)
    assert [(item.id, item.subset) for item in result] == [("5", "a"), ("6", "b"), ("7", "a")]
    assert [item.id for item in reindex(dm.Dataset.from_iterable(items))] == ["1", "2", "3"]


def test_rename_with_datumaro_syntax():
    items = [dm.DatasetItem("frame_12", subset="train"), dm.DatasetItem("odd{id}", subset="test")]
    dataset = dm.Dataset.from_iterable(items)
    assert [i.id for i in rename(dataset, "|frame_(\\d+)|{item.subset}_\\1|")] == ["train_12", "odd{id}"]
    assert [i.id for i in rename(dataset, "|^frame_||")] == ["12", "odd{id}"]
    assert [i.id for i in rename(dataset, "|^(.*)$|{item.id}-{item.subset}|")] == ["frame_12-train", "odd{id}-test"]
    assert [i.id for i in rename(dataset, "#[{}]#_#")] == ["frame_12", "odd_id_"]
    for bad, message in [("|(|x|", "rename pattern"), ("|x", "not in the form"), ("|a|b|c", "not in the form"),
                         ("|a|{size}|", "is not of the item"),
                         ("|a|{item.__class__.__init__.__globals__}|", "only {item.id}, {item.subset}"),
                         ("|a|{item.media.path}|", "is not of the item"), ("|a|{item.id.__class__}|", "only"),
                         ("|^(.*)$|{item.id:{item.__class__.__init__.__globals__[__builtins__]}}|", "no format spec"),
                         ("|^(.*)$|{item.id:>2000000000}|", "no format spec"), ("|a|{item.id!r}|", "conversion")]:
        with pytest.raises(UsageError, match=message):
            rename(dataset, bad)


def test_remove_items_by_id_and_subset():
    items = [dm.DatasetItem(i, subset=s) for i, s in [("1", "train"), ("1", "test"), ("2", "test"), ("3", "a")]]
    dataset = dm.Dataset.from_iterable(items)
    assert [(i.id, i.subset) for i in remove_items(dataset, ["1:test", "3"])] == [("1", "train"), ("2", "test")]
    assert [(i.id, i.subset) for i in remove_items(dataset, [("2", "test")])] == [
        ("1", "train"), ("1", "test"), ("3", "a")]
    assert remove_items(dataset, "1").subset_counts() == {"test": 1, "a": 1}


def test_remove_annotations():
    dataset = labelled([0, 1, 2])
    assert [item.labels for item in remove_annotations(dataset)] == [[], [], []]
    assert [item.labels for item in remove_annotations(dataset, ids=["1:train"])] == [[0], [], [2]]


def test_remove_annotations_by_annotation_id_in_any_subset_and_as_text():
    items = [dm.DatasetItem("x", subset=s, annotations=[dm.Label(0, id=1), dm.Label(1, id=2)]) for s in "ab"]
    dataset = dm.Dataset.from_iterable(items, ["p", "q"])
    result = remove_annotations(dataset, ids=[("x", None, 1), ("x", "b", "2")])
    assert [[a.id for a in item.annotations] for item in result] == [[2], []]
    assert [[a.id for a in item.annotations] for item in remove_annotations(dataset, ("x", "a", 2))] == [[1], [1, 2]]
    for bad in (("x", "a", "one"), ("x", "a", 1.5), ("x", "a", True)):
        with pytest.raises(UsageError, match="the annotation id an integer"):
            remove_annotations(dataset, ids=[bad])
    with pytest.raises(UsageError, match="an item is 'id:subset', 'id' or an \\(id, subset\\) pair"):
        remove_items(dataset, [("x", "a", 1)])


# -- resize ----------------------------------------------------------------------------------------

def reference_nearest(data, h, w, c, new_h, new_w):
    """Per pixel: floor((x + 0.5) * w / new_w), the position summed as Pillow sums it."""
    def positions(size_in, size_out):
        scale, position, found = size_in / size_out, size_in / size_out * 0.5, []
        for _ in range(size_out):
            found.append(min(int(position), size_in - 1))
            position += scale
        return found
    ys, xs = positions(h, new_h), positions(w, new_w)
    return bytes(data[(ys[y] * w + xs[x]) * c + ch] for y in range(new_h) for x in range(new_w) for ch in range(c))


def reference_bilinear(data, h, w, c, new_h, new_w):
    """Per pixel: x = (x_out + 0.5) * w / new_w - 0.5 clamped, weights rounded to 22 bits,
    horizontal first, rounded to 0..255, then vertical."""
    one = 1 << 22

    def taps(i, size_in, size_out):
        x = min(max(Fraction((2 * i + 1) * size_in, 2 * size_out) - Fraction(1, 2), 0), size_in - 1)
        x0 = math.floor(x)
        return x0, min(x0 + 1, size_in - 1), math.floor((x - x0) * one + Fraction(1, 2))

    def blend(a, b, weight):
        return (a * (one - weight) + b * weight + one // 2) >> 22

    middle = [[0] * (new_w * c) for _ in range(h)]
    for y in range(h):
        for x in range(new_w):
            x0, x1, weight = taps(x, w, new_w) if new_w != w else (x, x, 0)
            for ch in range(c):
                middle[y][x * c + ch] = blend(data[(y * w + x0) * c + ch], data[(y * w + x1) * c + ch], weight)
    out = []
    for y in range(new_h):
        y0, y1, weight = taps(y, h, new_h) if new_h != h else (y, y, 0)
        out.extend(blend(middle[y0][i], middle[y1][i], weight) for i in range(new_w * c))
    return bytes(out)


def resized(data, h, w, c, new_h, new_w, method):
    image = dm.Image(data, shape=(h, w, c))
    dataset = dm.Dataset.from_iterable([dm.DatasetItem("x", media=image)])
    result = list(resize(dataset, width=new_w, height=new_h, method=method))[0].media
    assert result.shape == ((new_h, new_w) if c == 1 else (new_h, new_w, c))
    return bytes(result.data)


images = st.tuples(st.integers(1, 9), st.integers(1, 9), st.integers(1, 4)).flatmap(
    lambda s: st.tuples(st.just(s), st.binary(min_size=s[0] * s[1] * s[2], max_size=s[0] * s[1] * s[2])))


@given(image=images, new_h=st.integers(1, 14), new_w=st.integers(1, 14))
def test_resize_equals_the_per_pixel_reference(image, new_h, new_w):
    (h, w, c), data = image
    assert resized(data, h, w, c, new_h, new_w, "nearest") == reference_nearest(data, h, w, c, new_h, new_w)
    assert resized(data, h, w, c, new_h, new_w, "bilinear") == reference_bilinear(data, h, w, c, new_h, new_w)


def test_resize_golden_bytes():
    # 2x2 -> 4x4: inside, the taps weigh 3/4 and 1/4 (row 1: 0.75 * (0, 25, 75, 100) + 0.25 *
    # (200, 160, 80, 40), rounded); the edges are clamped. Pillow gives the same bytes.
    data = bytes([0, 100, 200, 40])
    assert resized(data, 2, 2, 1, 4, 4, "bilinear") == bytes([
        0, 25, 75, 100, 50, 59, 76, 85, 150, 126, 79, 55, 200, 160, 80, 40])
    # 2x2 -> 3x3: sources floor((i + 0.5) * 2 / 3) = 0, 1, 1.
    assert resized(data, 2, 2, 1, 3, 3, "nearest") == bytes([0, 100, 100, 200, 40, 40, 200, 40, 40])


PIL_MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}


def pillow_resize(data, h, w, c, new_h, new_w, method):
    """Pillow's resize, band by band for bilinear (Pillow premultiplies alpha for LA and RGBA)."""
    image = PILImage.frombytes(PIL_MODES[c], (w, h), bytes(data))
    if method == "nearest":
        return image.resize((new_w, new_h), PILImage.NEAREST).tobytes()
    bands = [band.resize((new_w, new_h), PILImage.BILINEAR).tobytes() for band in image.split()]
    return bytes(value for pixel in zip(*bands) for value in pixel)


@needs_pillow
@settings(max_examples=150)
@given(image=images, new_h=st.integers(1, 20), new_w=st.integers(1, 20))
def test_nearest_equals_pillow(image, new_h, new_w):
    (h, w, c), data = image
    assert resized(data, h, w, c, new_h, new_w, "nearest") == pillow_resize(data, h, w, c, new_h, new_w, "nearest")


@needs_pillow
@settings(max_examples=150)
@given(image=images, grow_h=st.integers(0, 12), grow_w=st.integers(0, 12))
def test_bilinear_equals_pillow_when_enlarging(image, grow_h, grow_w):
    (h, w, c), data = image
    new_h, new_w = h + grow_h, w + grow_w
    assert resized(data, h, w, c, new_h, new_w, "bilinear") == pillow_resize(data, h, w, c, new_h, new_w, "bilinear")


@needs_pillow
def test_bilinear_on_real_digits_28_to_32_equals_pillow_and_shrinking_differs(sample_dir):
    digits = [item.media for _, item in zip(range(50), dm.Dataset.import_from(sample_dir))]
    for digit in digits:
        ours = resized(digit.data, 28, 28, 1, 32, 32, "bilinear")
        assert ours == pillow_resize(digit.data, 28, 28, 1, 32, 32, "bilinear")
    # Shrinking: Pillow averages a widened window, this blends two taps (documented).
    differences = [abs(a - b) for digit in digits for a, b in zip(
        resized(digit.data, 28, 28, 1, 14, 14, "bilinear"), pillow_resize(digit.data, 28, 28, 1, 14, 14, "bilinear"))]
    assert 0 < sum(differences) / len(differences) < 12


def test_resize_refuses_bad_calls():
    dataset = dm.Dataset.from_iterable([dm.DatasetItem("x")])
    with pytest.raises(UsageError, match="item 'x' \\(subset 'default'\\) has no image to resize"):
        list(resize(dataset, 4, 4))
    with pytest.raises(UsageError, match="width must be a positive integer"):
        resize(dataset, 0, 4)
    with pytest.raises(UsageError, match="method must be one of nearest, bilinear"):
        resize(dataset, 4, 4, method="cubic")


# -- pad -------------------------------------------------------------------------------------------

def padded(data, shape, **options):
    dataset = dm.Dataset.from_iterable([dm.DatasetItem("x", media=dm.Image(data, shape=shape))])
    image = list(pad(dataset, **options))[0].media
    return image.shape, bytes(image.data)


def test_pad_golden_bytes():
    # 2x2 on a 5 wide, 4 high canvas: one column left, two right; one row above, one below.
    assert padded(bytes([1, 2, 3, 4]), (2, 2), width=5, height=4, value=9) == ((4, 5), bytes([
        9, 9, 9, 9, 9,
        9, 1, 2, 9, 9,
        9, 3, 4, 9, 9,
        9, 9, 9, 9, 9]))
    assert padded(bytes([1, 2, 3, 4, 5, 6]), (1, 2, 3), width=3, value=(7, 8, 9), left=0) == (
        (1, 3, 3), bytes([1, 2, 3, 4, 5, 6, 7, 8, 9]))
    assert padded(bytes([5]), (1, 1), height=3, top=2) == ((3, 1), bytes([0, 0, 5]))


def test_pad_mnist_to_lenet_size(sample_dir):
    digit = next(iter(dm.Dataset.import_from(sample_dir)))
    result = next(iter(pad(dm.Dataset.import_from(sample_dir), width=32, height=32)))
    data = bytes(result.media.data)
    assert result.media.shape == (32, 32) and result.labels == digit.labels
    assert [data[(y + 2) * 32 + 2:(y + 2) * 32 + 30] for y in range(28)] == [
        bytes(digit.media.data)[y * 28:(y + 1) * 28] for y in range(28)]
    assert data[:64] == bytes(64) and data[-64:] == bytes(64)


@pytest.mark.parametrize("options, message", [
    ({"width": 1, "height": 4}, "its 2x2 image is larger than the 1x4 canvas \\(pad does not crop\\)"),
    ({"width": 4, "height": 4, "left": 3}, "at left 3, top 1 does not fit the 4x4 canvas"),
    ({"width": 4, "value": (1, 2)}, "has 1 channels, but 2 fill values are given"),
    ({"width": 4, "value": 256}, "the fill value is 0..255"),
])
def test_pad_refuses(options, message):
    with pytest.raises(UsageError, match=message):
        padded(bytes(4), (2, 2), **options)


# -- options and the dispatcher -------------------------------------------------------------------

@pytest.mark.parametrize("name, argv, expected", [
    ("random_split", ["-s", "train:.8", "--subset", "test:.2", "--seed", "3"],
     {"splits": [("train", ".8"), ("test", ".2")], "seed": 3}),
    ("split", ["-t", "classification", "-s", "a:1"], {"task": "classification", "splits": [("a", "1")]}),
    ("remap_labels", ["-l", "a:pet", "--label", "b:", "--default", "delete"],
     {"mapping": [("a", "pet"), ("b", "")], "default": "delete"}),
    ("project_labels", ["-l", "b", "-l", "a"], {"dst_labels": ["b", "a"]}),
    ("map_subsets", ["-s", "val:train"], {"mapping": [("val", "train")]}),
    ("reindex", ["-s", "0"], {"start": 0}),
    ("rename", ["-e", "|a|b|"], {"regex": "|a|b|"}),
    ("remove_items", ["--id", "1:train", "--id", "2"], {"ids": ["1:train", "2"]}),
    ("remove_annotations", [], {}),
    ("resize", ["-dw", "32", "-dh", "30", "--method", "nearest"], {"width": 32, "height": 30, "method": "nearest"}),
    ("pad", ["--width", "32", "-dh", "32", "--value", "1,2,3", "--top", "0"],
     {"width": 32, "height": 32, "value": (1, 2, 3), "top": 0}),
])
def test_parse_options_with_datumaro_spellings(name, argv, expected):
    assert parse_options(name, argv) == expected
    transform(labelled([0, 1]), name, **expected)  # the options are the function's


@pytest.mark.parametrize("name, argv, message", [
    ("resize", ["-dw", "32"], "transform resize: the following arguments are required: -dh/--height"),
    ("random_split", ["-s", "train"], "'train' is not NAME:RATIO"),
    ("reindex", ["--bogus"], "unrecognized arguments: --bogus"),
    ("nope", [], "unknown transform 'nope'"),
])
def test_parse_options_errors(name, argv, message):
    with pytest.raises(UsageError, match=message):
        parse_options(name, argv)


def test_transform_dispatch():
    assert sorted(TRANSFORMS) == sorted(["random_split", "split", "remap_labels", "project_labels", "map_subsets",
                                         "reindex", "rename", "remove_items", "remove_annotations", "resize", "pad"])
    assert labelled([0, 1]).transform("reindex", start=7).get("8", "train") is not None
    with pytest.raises(UsageError, match="transform reindex: .*'begin'.* \\(its options: start\\)"):
        transform(labelled([0]), "reindex", begin=1)
    with pytest.raises(UsageError, match="unknown transform 'shuffle'"):
        labelled([0]).transform("shuffle")


# -- command line ----------------------------------------------------------------------------------

def test_cli_random_split_80_20(tmp_path, sample_dir, capsys):
    out = tmp_path / "split"
    assert main(["transform", "-t", "random_split", "-i", sample_dir, "-o", str(out), "--",
                 "-s", "train:.8", "-s", "test:.2", "--seed", "1"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("wrote 600 items (") and printed.endswith(
        ") as mnist to %s\nnote: the images of 600 items were not saved: only the labels are written without "
        "--save-media (save_media=True), as in Datumaro\n" % out)  # the note is said since issue 8
    assert "train: 480" in printed and "test: 120" in printed
    back = dm.Dataset.import_from(str(out))
    assert back.format == "mnist" and back.subset_counts() == {"test": 120, "train": 480}
    expected = random_split(dm.Dataset.import_from(sample_dir), [("train", .8), ("test", .2)], seed=1)
    assert sorted((i.subset, i.labels) for i in back) == sorted((i.subset, i.labels) for i in expected)


def test_cli_resize_to_32_with_saved_media(tmp_path, sample_dir, capsys):
    out = tmp_path / "big"
    assert main(["transform", "-t", "resize", "-i", sample_dir, "-o", str(out), "-f", "mnist_csv", "--",
                 "-dw", "32", "-dh", "32", "--save-media"]) == 0
    assert "wrote 600 items (train: 500, test: 100) as mnist_csv" in capsys.readouterr().out
    back = list(dm.Dataset.import_from(str(out)))
    source = list(dm.Dataset.import_from(sample_dir))
    assert len(back) == 600 and {item.media.shape for item in back} == {(32, 32)}
    first = [item for item in source if (item.subset, item.id) == (back[0].subset, back[0].id)][0]
    assert bytes(back[0].media.data) == resized(first.media.data, 28, 28, 1, 32, 32, "bilinear")


def test_cli_export_options_after_a_second_dashes(tmp_path, sample_dir, capsys):
    out = tmp_path / "padded"
    assert main(["transform", "-t", "pad", "-i", sample_dir, "-o", str(out), "--",
                 "-dw", "30", "-dh", "30", "--", "--save-media", "--image-ext", ".png"]) == 0
    capsys.readouterr()
    assert {item.media.shape for item in dm.Dataset.import_from(str(out))} == {(30, 30)}


def test_cli_errors_are_one_line(tmp_path, sample_dir):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT] + sys.path))
    done = subprocess.run([sys.executable, "-m", "mnistio", "transform", "-t", "resize", "-i", sample_dir,
                           "-o", str(tmp_path / "x"), "--", "-dw", "32"], capture_output=True, text=True, env=env)
    assert done.returncode == 1
    assert done.stderr == "mnistio: error: transform resize: the following arguments are required: -dh/--height\n"
    done = subprocess.run([sys.executable, "-m", "mnistio", "transform", "-t", "resize", "-i", sample_dir,
                           "--", "-h"], capture_output=True, text=True, env=env, cwd=str(tmp_path))
    assert done.returncode == 0 and "-dw WIDTH" in done.stdout and "--save-media" in done.stdout
    assert not os.listdir(str(tmp_path))


# -- streaming ---------------------------------------------------------------------------------------

class Generated(ItemSource):
    """``count`` items made on the fly, again on every pass: nothing is held."""

    categories = dm.LabelCategories([str(d) for d in range(10)])

    def __init__(self, count):
        self.count = count
        self.passes = 0

    def __iter__(self):
        self.passes += 1
        for i in range(self.count):
            image = dm.Image(bytes([i % 256]) * 64, shape=(8, 8))
            yield dm.DatasetItem._make(str(i), "train", image, [dm.Label(i % 10)])


def pipeline_peak(count):
    source = Generated(count)
    dataset = dm.Dataset(source)
    result = (dataset.transform("split", splits=[("train", .7), ("val", .1), ("test", .2)], seed=3)
              .transform("remap_labels", mapping={"9": "8"})
              .transform("resize", width=12, height=12)
              .transform("pad", width=16, height=16)
              .transform("reindex", start=0))
    assert source.passes == 0  # lazy: nothing is read before iterating
    gc.collect()
    tracemalloc.start()
    try:
        seen = 0
        for item in result:
            item.media.data
            seen += 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seen == count and source.passes == 2
    return peak


def test_transforms_stream_in_flat_memory():
    small, large = pipeline_peak(500), pipeline_peak(4000)
    # 3,500 more items would hold well over 1 MB if kept (items, images, labels).
    assert large - small < 64 * 1024, (small, large)
