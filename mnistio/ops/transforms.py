"""Dataset transforms, streaming, with Datumaro's names and options.

::

    import mnistio as dm
    from mnistio.ops import transforms

    dataset = dm.Dataset.import_from("data/mnist")
    parts = dataset.transform("random_split", splits=[("train", 0.8), ("val", 0.2)], seed=1)
    lenet = transforms.pad(dataset, width=32, height=32)          # 28 x 28 -> 32 x 32

Each transform returns a new :class:`~mnistio.dataset.Dataset` and reads
nothing until that dataset is iterated; none holds more than one item at a
time. The transforms, and the Datumaro transform each mirrors:

* ``random_split`` (Datumaro ``random_split``): every item to one of the
  given subsets, at random, in exact counts (ratios rounded by largest
  remainder). Like Datumaro, the source's subsets are pooled first.
* ``split`` (Datumaro ``split -t classification``): the same, stratified:
  each label (and the items with no label or several, as one more group) is
  split on its own, so every subset keeps the label distribution.
* ``remap_labels`` (``remap_labels``): rename labels (``src:dst``); two
  names mapped to one merge; ``default="delete"`` drops the labels not
  mentioned. Label annotations of a deleted label are removed, the item stays.
* ``project_labels`` (``project_labels``): the label list becomes the given
  one; labels not in it are deleted, new names get no annotations.
* ``map_subsets`` (``map_subsets``): rename subsets (``src:dst``).
* ``reindex`` (``reindex``): ids ``start``, ``start + 1``, ... in iteration order.
* ``rename`` (``rename``): ids through a regular expression,
  ``|pattern|replacement|``.
* ``remove_items`` (``remove_items``): drop items by ``id:subset`` (or ``id``
  in any subset).
* ``remove_annotations`` (``remove_annotations``): drop the annotations of
  the given items, or of every item.
* ``resize`` (``resize``): images to ``width`` x ``height``, ``nearest`` or
  ``bilinear`` (Datumaro resizes with OpenCV's area / cubic filters instead).
* ``pad`` (mnistio only): images centred on a larger canvas of a fill value,
  e.g. MNIST's 28 x 28 to LeNet's 32 x 32.

**Unlike Datumaro**: the seed defaults to 0, not to a fresh one each run,
and a seed gives other subsets than in Datumaro (another generator, and
counts rounded by largest remainder where Datumaro truncates cumulative
sums); ``split`` has the classification task only; ``remap_labels``
refuses a name the dataset lacks, where Datumaro ignores it;
``remove_annotations`` without ids empties every item; ``rename`` accepts
ids holding braces.

**Randomness.** The splits draw from :class:`_SplitMix64`, a 64-bit
generator written out here, not from :mod:`random`: the random module
promises the same sequence across Python versions for ``random()`` only
(its notes on reproducibility); ``shuffle``, ``randrange`` and ``choice``
may change their algorithms (``randrange`` did, in 3.2), and a split must
be the same on every version for a given seed. Integer arithmetic alone is
used, so the same seed gives the same subsets everywhere.

**Exact counts in two passes.** A split first counts (the items, or the
items of every label) in one streaming pass, turns the ratios into whole
counts, and then assigns the items in a second pass by sequential
selection: an item goes to subset *k* with probability
``remaining_k / remaining_total``, which yields a uniformly random
assignment with exactly those counts while holding only the counters.

**Rounding** is by largest remainder, on exact fractions (a float ratio
is read as its shortest decimal, ``0.67`` as 67/100; ratios summing to 1
within 1e-7, as Datumaro allows, are scaled to sum to 1): every subset
first gets ``floor(n * ratio)``, then the items left over go one each to
the subsets with the largest remainders, the earlier subset first on a
tie. A stratified split rounds every label group so: each of its counts is
the floor or the ceiling of ``group size * ratio``, and which subsets of a
group get a ceiling is settled by a small bipartite flow (largest
remainders preferred) so that every subset's total is also the floor or
the ceiling of ``n * ratio``: groups with remainders for the same subset
do not all round it up together.

**Resizing.** ``nearest`` picks source pixel ``floor((x + 0.5) * w_in /
w_out)``, the position summed as Pillow sums it (a double added once per
column, which CPython computes alike on every version), so it equals
Pillow's ``Image.NEAREST`` pixel for pixel, ties included. ``bilinear``
samples ``x_in = (x + 0.5) * w_in / w_out - 0.5`` clamped to the image,
blends the two nearest pixels with weights rounded to 22 fractional bits
(Pillow's precision) computed from integers, horizontally first, rounding
to 0..255, then vertically. That equals Pillow's ``Image.BILINEAR`` exactly
along an axis that is enlarged; along one that is shrunk Pillow widens its
filter to average every source pixel (anti-aliasing) while this keeps two
taps (like OpenCV's ``INTER_LINEAR``), so shrinking differs. Channels are
filtered independently (Pillow premultiplies alpha for LA and RGBA).
"""

import argparse
import inspect
import os
import re
import string
from collections import deque
from fractions import Fraction
from functools import lru_cache
from operator import itemgetter

from ..dataset import DEFAULT_SUBSET_NAME, Dataset, DatasetItem, ItemSource, Label, LabelCategories
from ..errors import UsageError
from ..image import Image

__all__ = [
    "TRANSFORMS", "transform", "parse_options", "options_parser",
    "random_split", "split", "remap_labels", "project_labels", "map_subsets", "reindex", "rename",
    "remove_items", "remove_annotations", "resize", "pad",
]

_MASK64 = (1 << 64) - 1
_RATIO_TOLERANCE = Fraction(1, 10 ** 7)  # Datumaro's: the ratios must sum to 1 within it
_WEIGHT_BITS = 22                         # Pillow's PRECISION_BITS for 8-bit images
_ONE = 1 << _WEIGHT_BITS
_HALF_LANE = (1 << (_WEIGHT_BITS - 1)).to_bytes(4, "big")
_RANDOM_SPLIT_DEFAULT = (("train", 0.67), ("test", 0.33))
_SPLIT_DEFAULT = (("train", 0.5), ("val", 0.2), ("test", 0.3))
_METHODS = ("nearest", "bilinear")


# -- the generator ---------------------------------------------------------------------

class _SplitMix64:
    """Steele, Lea and Flood's SplitMix64 (as in Java's SplittableRandom):
    a 64-bit state stepped by the golden-ratio constant, then mixed."""

    def __init__(self, seed):
        self.state = seed & _MASK64

    def next(self):
        self.state = z = (self.state + 0x9E3779B97F4A7C15) & _MASK64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        return z ^ (z >> 31)

    def below(self, bound):
        """A uniform integer in ``0 .. bound - 1``."""
        # Rejecting the top (2**64 % bound) values keeps every residue equally likely.
        limit = (1 << 64) - (1 << 64) % bound
        while True:
            value = self.next()
            if value < limit:
                return value % bound


def _check_seed(seed):
    if seed is None:
        return int.from_bytes(os.urandom(8), "big")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise UsageError("a seed is an integer, not %r" % (seed,))
    return seed


# -- ratios and counts -----------------------------------------------------------------

def _fraction(value, name):
    """An exact ratio: floats by their shortest decimal (0.67 is 67/100)."""
    try:
        if isinstance(value, bool):
            raise TypeError
        if isinstance(value, float):
            value = repr(value)
        ratio = Fraction(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, ZeroDivisionError):
        raise UsageError("subset %r: ratio %r is not a number" % (name, value)) from None
    if not 0 <= ratio <= 1:
        raise UsageError("subset %r: ratio %s is outside 0..1" % (name, value))
    return ratio


def _check_splits(splits):
    """``(names, ratios)`` from ``[(name, ratio), ...]`` or ``{name: ratio}``, the ratios summing to 1."""
    if isinstance(splits, dict):
        splits = list(splits.items())
    try:
        pairs = [(name, ratio) for name, ratio in splits]
    except (TypeError, ValueError):
        raise UsageError("splits are (subset, ratio) pairs, e.g. [('train', 0.8), ('test', 0.2)]") from None
    if not pairs:
        raise UsageError("no subsets to split into")
    names = []
    for name, _ in pairs:
        if not isinstance(name, str) or not name:
            raise UsageError("a subset name is a non-empty string, not %r" % (name,))
        if name in names:
            raise UsageError("subset %r is given twice" % name)
        names.append(name)
    ratios = [_fraction(ratio, name) for name, ratio in pairs]
    total = sum(ratios)
    if abs(total - 1) > _RATIO_TOLERANCE:
        raise UsageError("the ratios sum to %s; they must sum to 1" % float(total))
    return names, [ratio / total for ratio in ratios]


def _apportion(group_sizes, ratios):
    """``{group: [count per subset]}``: every group's size split by ``ratios``.

    Each count is the floor or the ceiling of ``size * ratio``, and so is
    each subset's total over the groups (the module docstring says how).
    """
    groups = sorted(group_sizes, key=_group_order)
    subsets = range(len(ratios))
    ideal = {group: [group_sizes[group] * ratio for ratio in ratios] for group in groups}
    counts = {group: [_floor(value) for value in ideal[group]] for group in groups}
    need = {group: group_sizes[group] - sum(counts[group]) for group in groups}
    # A group's leftover items go one each to subsets where its share has a remainder,
    # the largest remainder first.
    choices = {group: sorted((k for k in subsets if ideal[group][k] != counts[group][k]),
                             key=lambda k, group=group: (counts[group][k] - ideal[group][k], k))
               for group in groups}
    totals = [sum(ideal[group][k] for group in groups) for k in subsets]
    floors = [sum(counts[group][k] for group in groups) for k in subsets]
    at_least = [_floor(totals[k]) - floors[k] for k in subsets]
    at_most = [-_floor(-totals[k]) - floors[k] for k in subsets]
    extra = _assign_leftovers(groups, need, choices, at_least, at_most)
    for group in groups:
        for k in extra[group]:
            counts[group][k] += 1
    return {group: counts[group] for group in groups}


def _floor(value):
    return value.numerator // value.denominator


def _assign_leftovers(groups, need, choices, at_least, at_most):
    """``{group: subsets}``: ``need[group]`` distinct subsets per group, from ``choices[group]``,
    every subset picked ``at_least[k]`` to ``at_most[k]`` times.

    A bipartite flow: filled greedily, then completed along augmenting paths
    (Edmonds-Karp). Filling up to ``at_least`` first and then to ``at_most``
    meets both bounds, since a path never takes an item back from a subset.
    It always succeeds: the exact fractional remainders are a flow meeting
    them, and flows with integer bounds have integer solutions.
    """
    picked = {group: [] for group in groups}
    load = [0] * len(at_least)
    for capacity in (at_least, at_most):
        for group in groups:
            for k in choices[group]:
                if len(picked[group]) < need[group] and k not in picked[group] and load[k] < capacity[k]:
                    picked[group].append(k)
                    load[k] += 1
        while _augment(groups, need, choices, picked, load, capacity):
            pass
    if any(len(picked[group]) != need[group] for group in groups):
        raise AssertionError("no rounding of the split counts (please report it)")  # unreachable, see above
    return picked


def _augment(groups, need, choices, picked, load, capacity):
    """Move one more leftover into a subset with room, along the shortest alternating path."""
    parent = {("group", group): None for group in groups if len(picked[group]) < need[group]}
    queue = deque(parent)
    while queue:
        node = queue.popleft()
        if node[0] == "group":
            for k in choices[node[1]]:
                if k not in picked[node[1]] and ("subset", k) not in parent:
                    parent[("subset", k)] = node
                    queue.append(("subset", k))
            continue
        k = node[1]
        if load[k] < capacity[k]:
            load[k] += 1
            while node is not None:  # flip the path: subset <- group (take), group <- subset (give back)
                group_node = parent[node]
                picked[group_node[1]].append(node[1])
                node = parent[group_node]
                if node is not None:
                    picked[group_node[1]].remove(node[1])
            return True
        for group in groups:
            if k in picked[group] and ("group", group) not in parent:
                parent[("group", group)] = node
                queue.append(("group", group))
    return False


def _group_order(group):
    return (group is None, group if group is not None else 0)


def _stratum(item):
    """The label of a single-label item; None for the unlabeled and the multi-labeled (Datumaro's rule)."""
    labels = item.labels
    return labels[0] if len(labels) == 1 else None


# -- items -----------------------------------------------------------------------------

def _replace(item, **changes):
    """A copy of ``item`` with some of id, subset, media, annotations changed; no checks."""
    fields = {"id": item.id, "subset": item.subset, "media": item.media, "annotations": item.annotations}
    fields.update(changes)
    copy = DatasetItem._make(fields["id"], fields["subset"], fields["media"], fields["annotations"])
    if item.attributes:
        copy.attributes = dict(item.attributes)
    return copy


def _where(item):
    return "item %r (subset %r)" % (item.id, item.subset)


def _parse_item_ref(ref):
    """``(id, subset or None)`` from ``"id:subset"``, ``"id"`` or a pair; None means any subset."""
    if isinstance(ref, str):
        item_id, colon, subset = ref.rpartition(":")
        if not colon:
            return ref, None
        return item_id, subset or None
    try:
        item_id, subset = ref
    except (TypeError, ValueError):
        raise UsageError("an item is 'id:subset', 'id' or an (id, subset) pair, not %r" % (ref,)) from None
    return str(item_id), (str(subset) if subset else None)


class _ItemRefs:
    """A set of ``(id, subset)`` references, some matching any subset."""

    def __init__(self, refs):
        if refs is None:
            raise UsageError("no items given (ids like 'id:subset', 'id', or (id, subset) pairs)")
        if isinstance(refs, (str, tuple)):
            refs = [refs]
        self.exact = set()
        self.any_subset = set()
        for ref in refs:
            item_id, subset = _parse_item_ref(ref)
            if subset is None:
                self.any_subset.add(item_id)
            else:
                self.exact.add((item_id, subset))

    def __contains__(self, item):
        return item.id in self.any_subset or (item.id, item.subset) in self.exact


# -- sources ---------------------------------------------------------------------------

class _DerivedSource(ItemSource):
    def __init__(self, parent, categories=None):
        self._parent = parent
        self.categories = parent.categories if categories is None else categories
        self.path = parent.path
        self.format = parent.format


class _ItemwiseSource(_DerivedSource):
    """Items through ``function`` one at a time (None drops one); subsets unchanged."""

    def __init__(self, parent, function, categories=None, keeps_count=True):
        super().__init__(parent, categories)
        self._function = function
        self._keeps_count = keeps_count

    def __iter__(self):
        return self._map(self._parent)

    def _map(self, items):
        function = self._function
        for item in items:
            result = function(item)
            if result is not None:
                yield result

    def iter_subset(self, name):
        return self._map(self._parent.iter_subset(name))

    def subset_counts(self):
        return self._parent.subset_counts() if self._keeps_count else super().subset_counts()

    def known_counts(self):
        return self._parent.known_counts() if self._keeps_count else None


class _MapSubsetsSource(_DerivedSource):
    def __init__(self, parent, mapping):
        super().__init__(parent)
        self._mapping = mapping

    def _name(self, subset):
        return self._mapping.get(subset, subset) or DEFAULT_SUBSET_NAME

    def __iter__(self):
        for item in self._parent:
            subset = self._name(item.subset)
            yield item if subset == item.subset else _replace(item, subset=subset)

    def _merge(self, counts):
        merged = {}
        for subset, count in counts.items():
            merged[self._name(subset)] = merged.get(self._name(subset), 0) + count
        return merged

    def subset_counts(self):
        return self._merge(self._parent.subset_counts())

    def known_counts(self):
        counts = self._parent.known_counts()
        return None if counts is None else self._merge(counts)


class _ReindexSource(_DerivedSource):
    def __init__(self, parent, start):
        super().__init__(parent)
        self._start = start

    def __iter__(self):
        for number, item in enumerate(self._parent, self._start):
            yield _replace(item, id=str(number))

    def subset_counts(self):
        return self._parent.subset_counts()

    def known_counts(self):
        return self._parent.known_counts()


class _SplitSource(_DerivedSource):
    """Items reassigned to ``names`` in exact counts; counted on first use, assigned on every pass."""

    def __init__(self, parent, names, ratios, seed, stratified):
        super().__init__(parent)
        self._names = names
        self._ratios = ratios
        self._seed = seed
        self._group_of = _stratum if stratified else (lambda item: None)
        self._stratified = stratified
        self._plan = None

    def _counts_plan(self):
        if self._plan is None:
            if self._stratified:
                sizes = {}
                for item in self._parent:
                    group = _stratum(item)
                    sizes[group] = sizes.get(group, 0) + 1
            else:
                sizes = {None: sum(self._parent.subset_counts().values())}
            self._plan = _apportion(sizes, self._ratios)
        return self._plan

    def __iter__(self):
        remaining = {group: list(counts) for group, counts in self._counts_plan().items()}
        totals = {group: sum(counts) for group, counts in remaining.items()}
        names, group_of, generator = self._names, self._group_of, _SplitMix64(self._seed)
        for item in self._parent:
            group = group_of(item)
            total = totals.get(group, 0)
            if not total:
                raise UsageError("the dataset yielded more items on the second pass of the split than on "
                                 "the first (it changed while being read?)", self.path)
            draw = generator.below(total)
            left = remaining[group]
            k = 0
            while draw >= left[k]:
                draw -= left[k]
                k += 1
            left[k] -= 1
            totals[group] = total - 1
            yield item if item.subset == names[k] else _replace(item, subset=names[k])
        if any(totals.values()):
            raise UsageError("the dataset yielded fewer items on the second pass of the split than on "
                             "the first (it changed while being read?)", self.path)

    def subset_counts(self):
        counts = dict.fromkeys(self._names, 0)
        for group_counts in self._counts_plan().values():
            for name, count in zip(self._names, group_counts):
                counts[name] += count
        return counts

    def known_counts(self):
        if self._plan is None and (self._stratified or self._parent.known_counts() is None):
            return None
        return self.subset_counts()


# -- labels ----------------------------------------------------------------------------

def _labels_source(dataset, categories, index_map):
    """Label annotations renumbered by ``index_map`` (old index -> new index or None to drop)."""
    names_count = len(index_map)
    identity = all(new == old for old, new in enumerate(index_map))

    def relabel(item):
        annotations = item.annotations
        if identity and all(getattr(ann, "label", 0) < names_count for ann in annotations):
            return item
        changed = []
        for ann in annotations:
            if not isinstance(ann, Label):
                changed.append(ann)
                continue
            if ann.label >= names_count:
                raise UsageError("%s has label %d, but the dataset names only %d labels"
                                 % (_where(item), ann.label, names_count))
            new = index_map[ann.label]
            if new is not None:
                changed.append(ann if new == ann.label else
                               Label(new, id=ann.id, group=ann.group, attributes=ann.attributes))
        return _replace(item, annotations=changed)

    return Dataset(_ItemwiseSource(dataset._source, relabel, categories))


def _mapping_pairs(mapping, what):
    if mapping is None:
        return []
    if isinstance(mapping, dict):
        return list(mapping.items())
    try:
        return [(src, dst) for src, dst in mapping]
    except (TypeError, ValueError):
        raise UsageError("%s mapping is a dict or (src, dst) pairs, not %r" % (what, mapping)) from None


# -- images ----------------------------------------------------------------------------

def _gatherer(indices):
    """A function picking ``indices`` out of bytes, as bytes."""
    if len(indices) == 1:
        only = indices[0]
        return lambda data: data[only:only + 1]
    getter = itemgetter(*indices)
    return lambda data: bytes(getter(data))


def _nearest_positions(size_in, size_out):
    """Pillow's source positions: ``(i + 0.5) * scale`` summed as a double, floored."""
    scale = size_in / size_out
    position = scale * 0.5
    positions = []
    for _ in range(size_out):
        positions.append(min(int(position), size_in - 1))
        position += scale
    return positions


def _bilinear_taps(size_in, size_out):
    """``(i0, i1, weight of i1 in 1/2**22)`` per output position, exactly from integers."""
    taps = []
    denominator = 2 * size_out
    for i in range(size_out):
        numerator = (2 * i + 1) * size_in - size_out  # (i + 0.5) * size_in / size_out - 0.5, times 2 * size_out
        if numerator <= 0:
            taps.append((0, 0, 0))
            continue
        i0, remainder = divmod(numerator, denominator)
        weight = (remainder * 2 * _ONE + denominator) // (2 * denominator)
        if i0 >= size_in - 1 or weight == 0:
            i0 = min(i0, size_in - 1)
            taps.append((i0, i0, 0))
        elif weight == _ONE:
            taps.append((i0 + 1, i0 + 1, 0))
        else:
            taps.append((i0, i0 + 1, weight))
    return taps


def _column(data, x, height, width, channels):
    """Column ``x`` of an image as bytes: its pixels top to bottom, channels interleaved."""
    if channels == 1:
        return data[x::width]
    column = bytearray(height * channels)
    for channel in range(channels):
        column[channel::channels] = data[x * channels + channel::width * channels]
    return bytes(column)


def _from_columns(columns, height, width, channels):
    """The row-major image whose columns are ``columns``."""
    image = bytearray(height * width * channels)
    for x, column in enumerate(columns):
        for channel in range(channels):
            image[x * channels + channel::width * channels] = column[channel::channels]
    return bytes(image)


def _spread(row):
    """The bytes of ``row`` as the low bytes of 32-bit lanes of one integer."""
    lanes = bytearray(4 * len(row))
    lanes[3::4] = row
    return int.from_bytes(lanes, "big")


def _blend_rows(rows, taps, row_length):
    """Rows ``(rows[i0] * (1 - w) + rows[i1] * w)`` rounded, every pixel of a row at once.

    Each row becomes one integer with a 32-bit lane per value, so two
    multiplications and two additions weigh the whole row: a lane holds at
    most 255 * 2**22 + 2**21 < 2**30 and never carries into the next. The
    result is lane >> 22, read as the top byte of each lane after << 2.
    """
    half = int.from_bytes(_HALF_LANE * row_length, "big")
    spread = {}
    blended = []
    for i0, i1, weight in taps:
        if not weight:
            blended.append(rows[i0])
            continue
        for i in (i0, i1):
            if i not in spread:
                spread[i] = _spread(rows[i])
        total = spread[i0] * (_ONE - weight) + spread[i1] * weight + half
        blended.append((total << 2).to_bytes(4 * row_length, "big")[0::4])
    return blended


class _ResizePlan:
    """What resizing h x w x c to H x W needs, computed once per shape."""

    def __init__(self, height, width, channels, new_height, new_width, method):
        self.shape = (height, width, channels, new_height, new_width)
        if method == "nearest":
            self.rows = _nearest_positions(height, new_height)
            columns = _nearest_positions(width, new_width)
            self.pick = _gatherer([column * channels + channel for column in columns for channel in range(channels)])
            return
        self.column_taps = _bilinear_taps(width, new_width) if width != new_width else None
        self.row_taps = _bilinear_taps(height, new_height) if height != new_height else None
        if self.column_taps is not None:
            self.columns_used = sorted({i for i0, i1, _ in self.column_taps for i in (i0, i1)})

    def nearest(self, data):
        height, width, channels, _, _ = self.shape
        stride = width * channels
        out, last, row = [], None, None
        for source_row in self.rows:
            if source_row != last:
                row = self.pick(data[source_row * stride:(source_row + 1) * stride])
                last = source_row
            out.append(row)
        return b"".join(out)

    def bilinear(self, data):
        height, width, channels, new_height, new_width = self.shape
        if self.column_taps is not None:
            # Horizontal first, as Pillow: columns are blended as rows are.
            columns = {x: _column(data, x, height, width, channels) for x in self.columns_used}
            blended = _blend_rows(columns, self.column_taps, height * channels)
            data = _from_columns(blended, height, new_width, channels)
        if self.row_taps is None:
            return data
        stride = new_width * channels
        rows = [data[i * stride:(i + 1) * stride] for i in range(height)]
        return b"".join(_blend_rows(rows, self.row_taps, stride))


@lru_cache(maxsize=32)
def _resize_plan(height, width, channels, new_height, new_width, method):
    return _ResizePlan(height, width, channels, new_height, new_width, method)


def _resize_pixels(data, height, width, channels, new_height, new_width, method):
    """The pixels of an image resized; ``data`` is row-major, channels interleaved."""
    if (height, width) == (new_height, new_width):
        return bytes(data)
    plan = _resize_plan(height, width, channels, new_height, new_width, method)
    return plan.nearest(bytes(data)) if method == "nearest" else plan.bilinear(bytes(data))


def _pad_pixels(data, height, width, fill, new_height, new_width, top, left):
    """The pixels on a ``new_height x new_width`` canvas of ``fill`` (one pixel's bytes)."""
    stride = width * len(fill)
    before = fill * left
    after = fill * (new_width - width - left)
    blank = fill * new_width
    data = bytes(data)
    rows = [blank] * top
    rows.extend(before + data[y * stride:(y + 1) * stride] + after for y in range(height))
    rows.extend([blank] * (new_height - height - top))
    return b"".join(rows)


def _positive(value, what):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise UsageError("%s must be a positive integer, not %r" % (what, value))
    return value


def _fill_values(value):
    values = [value] if isinstance(value, int) else value
    try:
        values = list(values)
    except TypeError:
        values = None
    if not values or not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in values):
        raise UsageError("the fill value is 0..255 or one such value per channel, not %r" % (value,))
    return values


def _image_of(item, what):
    image = item.media
    if image is None or not image.has_data:
        raise UsageError("%s has no image to %s" % (_where(item), what))
    return image


# -- public functions ------------------------------------------------------------------

def random_split(dataset, splits=_RANDOM_SPLIT_DEFAULT, seed=0):
    """Every item into one of ``splits`` (``[(subset, ratio), ...]``), at random, in exact counts.

    The source's own subsets are pooled first, as Datumaro does. Counts are
    ``ratio * len(dataset)`` rounded by largest remainder; ``seed=None``
    picks a fresh seed (kept by the returned dataset).
    """
    names, ratios = _check_splits(splits)
    return Dataset(_SplitSource(dataset._source, names, ratios, _check_seed(seed), stratified=False))


def split(dataset, splits=_SPLIT_DEFAULT, seed=0, task="classification"):
    """Like :func:`random_split`, but label by label so every subset keeps the label distribution.

    Datumaro's ``split`` transform with ``task="classification"`` (the only
    task here). Items without a label, or with several, form one more group.
    Each subset gets every label's count times its ratio within one item.
    """
    if task != "classification":
        raise UsageError("split task %r is not supported (only 'classification')" % (task,))
    names, ratios = _check_splits(splits)
    return Dataset(_SplitSource(dataset._source, names, ratios, _check_seed(seed), stratified=True))


def remap_labels(dataset, mapping=None, default="keep"):
    """Rename, merge or delete labels by name, as Datumaro's ``remap_labels``.

    ``mapping`` is ``{src: dst}`` or ``[(src, dst), ...]``; a ``dst`` that is
    empty or None deletes ``src``; two names mapped to one merge into it.
    Labels not in ``mapping`` are kept (``default="keep"``) or deleted
    (``"delete"``). The new label list is in order of first appearance.
    """
    if default not in ("keep", "delete"):
        raise UsageError("default must be 'keep' or 'delete', not %r" % (default,))
    source = dataset.label_categories
    pairs = _mapping_pairs(mapping, "a label")
    for src, _ in pairs:
        if source.find(src)[0] is None:
            raise UsageError("no label %r to remap (the labels are %s)" % (src, ", ".join(source.names) or "none"))
    mapping = dict(pairs)
    categories = LabelCategories()
    index_map = []
    for category in source:
        target = mapping[category.name] if category.name in mapping else \
            category.name if default == "keep" else None
        if not target:
            index_map.append(None)
            continue
        index = categories.find(str(target))[0]
        index_map.append(categories.add(target, category.parent, category.attributes) if index is None else index)
    return _labels_source(dataset, categories, index_map)


def project_labels(dataset, dst_labels):
    """The label list becomes ``dst_labels`` (names, in order), as Datumaro's ``project_labels``.

    Annotations of labels not in it are removed; its new names have none.
    """
    if isinstance(dst_labels, str):
        raise UsageError("dst_labels is a list of label names, not a string")
    categories = dst_labels if isinstance(dst_labels, LabelCategories) else LabelCategories(dst_labels)
    index_map = [categories.find(name)[0] for name in dataset.label_names]
    return _labels_source(dataset, categories, index_map)


def map_subsets(dataset, mapping):
    """Rename subsets: ``{src: dst}`` or ``[(src, dst), ...]``; an empty ``dst`` is ``"default"``.

    Subsets not in ``mapping`` keep their names; two mapped to one merge.
    """
    pairs = _mapping_pairs(mapping, "a subset")
    return Dataset(_MapSubsetsSource(dataset._source, {str(src): str(dst or "") for src, dst in pairs}))


def reindex(dataset, start=1):
    """Item ids ``start``, ``start + 1``, ... in iteration order over the whole dataset (as Datumaro)."""
    if not isinstance(start, int) or isinstance(start, bool):
        raise UsageError("start must be an integer, not %r" % (start,))
    return Dataset(_ReindexSource(dataset._source, start))


class _EscapingFormatter(string.Formatter):
    """``str.format`` whose fields come out safe in a ``re.sub`` replacement."""

    def format_field(self, value, format_spec):
        return super().format_field(value, format_spec).replace("\\", "\\\\")


def _check_template(formatter, template):
    try:
        fields = [field for _, field, _, _ in formatter.parse(template) if field is not None]
    except ValueError as error:
        raise UsageError("rename replacement %r: %s (double literal braces)" % (template, error)) from None
    for field in fields:
        if re.match(r"item(?![\w])", field) is None:
            raise UsageError("rename replacement %r: field {%s} is not of the item (e.g. {item.subset})"
                             % (template, field))


def rename(dataset, regex):
    r"""Item ids through ``re.sub``, given Datumaro's way: ``"|pattern|replacement|"``.

    The first character is the separator. The replacement may use ``\1``
    and ``{item.subset}``-style fields of the item (literal braces doubled),
    as in Datumaro; unlike Datumaro, ids holding braces are fine.
    """
    if not isinstance(regex, str) or not regex:
        raise UsageError("rename needs a regex like '|pattern|replacement|', not %r" % (regex,))
    parts = regex.split(regex[0], 3)
    if len(parts) < 3 or (len(parts) == 4 and parts[3]):
        raise UsageError("rename regex %r is not in the form '|pattern|replacement|'" % regex)
    try:
        pattern = re.compile(parts[1])
    except re.error as error:
        raise UsageError("rename pattern %r: %s" % (parts[1], error)) from None
    template, formatter = parts[2], _EscapingFormatter()
    _check_template(formatter, template)
    uses_fields = "{" in template or "}" in template

    def rename_item(item):
        try:
            replacement = formatter.format(template, item=item) if uses_fields else template
            new_id = pattern.sub(replacement, item.id)
        except (re.error, AttributeError, IndexError, KeyError, ValueError) as error:
            raise UsageError("rename %s: %s" % (_where(item), error)) from None
        return item if new_id == item.id else _replace(item, id=new_id)

    return Dataset(_ItemwiseSource(dataset._source, rename_item))


def remove_items(dataset, ids):
    """Drop the items ``ids`` names: ``"id:subset"``, ``"id"`` (any subset) or ``(id, subset)`` pairs.

    The subset is after the last ``:``; end with ``:`` for an id holding one
    in any subset. A lone string or pair names one item.
    """
    refs = _ItemRefs(ids)
    return Dataset(_ItemwiseSource(dataset._source, lambda item: None if item in refs else item,
                                   keeps_count=False))


def remove_annotations(dataset, ids=None):
    """Remove every annotation of the items ``ids`` names (as :func:`remove_items`), or of all items."""
    refs = None if ids is None else _ItemRefs(ids)

    def strip(item):
        if not item.annotations or (refs is not None and item not in refs):
            return item
        return _replace(item, annotations=[])

    return Dataset(_ItemwiseSource(dataset._source, strip))


def resize(dataset, width, height, method="bilinear"):
    """Every image to ``width`` x ``height``, by ``"nearest"`` or ``"bilinear"`` (see the module docstring)."""
    width, height = _positive(width, "width"), _positive(height, "height")
    if method not in _METHODS:
        raise UsageError("method must be one of %s, not %r" % (", ".join(_METHODS), method))

    def resize_item(item):
        image = _image_of(item, "resize")
        if image.height * image.width == 0:
            raise UsageError("%s has an empty %dx%d image" % (_where(item), image.width, image.height))
        channels = image.channels

        def load():
            pixels = _resize_pixels(image.data, image.height, image.width, channels, height, width, method)
            return pixels, height, width, channels

        return _replace(item, media=Image.from_loader(load, (height, width, channels)))

    return Dataset(_ItemwiseSource(dataset._source, resize_item))


def pad(dataset, width=None, height=None, value=0, top=None, left=None):
    """Every image on a ``width`` x ``height`` canvas filled with ``value``.

    Centred, the odd pixel on the bottom / right, unless ``top`` / ``left``
    place it. ``value`` is 0..255, or one such value per channel. A canvas
    smaller than an image is refused (no cropping); a size left None is the
    image's own.
    """
    for size, what in ((width, "width"), (height, "height")):
        if size is not None:
            _positive(size, what)
    for offset, what in ((top, "top"), (left, "left")):
        if offset is not None and (not isinstance(offset, int) or isinstance(offset, bool) or offset < 0):
            raise UsageError("%s must be a non-negative integer, not %r" % (what, offset))
    fill_values = _fill_values(value)

    def pad_item(item):
        image = _image_of(item, "pad")
        old_height, old_width, channels = image.height, image.width, image.channels
        new_height = old_height if height is None else height
        new_width = old_width if width is None else width
        if new_height < old_height or new_width < old_width:
            raise UsageError("%s: its %dx%d image is larger than the %dx%d canvas (pad does not crop)"
                             % (_where(item), old_width, old_height, new_width, new_height))
        y = (new_height - old_height) // 2 if top is None else top
        x = (new_width - old_width) // 2 if left is None else left
        if y + old_height > new_height or x + old_width > new_width:
            raise UsageError("%s: its %dx%d image at left %d, top %d does not fit the %dx%d canvas"
                             % (_where(item), old_width, old_height, x, y, new_width, new_height))
        if len(fill_values) not in (1, channels):
            raise UsageError("%s has %d channels, but %d fill values are given"
                             % (_where(item), channels, len(fill_values)))
        fill = bytes(fill_values * channels if len(fill_values) == 1 else fill_values)

        def load():
            pixels = _pad_pixels(image.data, old_height, old_width, fill, new_height, new_width, y, x)
            return pixels, new_height, new_width, channels

        return _replace(item, media=Image.from_loader(load, (new_height, new_width, channels)))

    return Dataset(_ItemwiseSource(dataset._source, pad_item))


# -- command-line options --------------------------------------------------------------

class _OptionParser(argparse.ArgumentParser):
    """argparse that raises UsageError instead of exiting."""

    def error(self, message):
        raise UsageError("%s: %s" % (self.prog, message))


def _pair(text, what):
    src, colon, dst = text.rpartition(":")
    if not colon:
        raise argparse.ArgumentTypeError("%r is not %s" % (text, what))
    return src, dst


def _split_arg(text):
    name, ratio = _pair(text, "NAME:RATIO, e.g. train:0.8")
    if not name:
        raise argparse.ArgumentTypeError("%r has no subset name (expected NAME:RATIO)" % text)
    return name, ratio


def _mapping_arg(text):
    return _pair(text, "SRC:DST")


def _fill_arg(text):
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not V or V,V,V (0..255)" % text) from None
    return values[0] if len(values) == 1 else tuple(values)


def _split_options(parser, default):
    parser.add_argument("-s", "--subset", action="append", type=_split_arg, dest="splits", metavar="NAME:RATIO",
                        help="a subset and its ratio (repeatable; default: %s)"
                             % " ".join("%s:%s" % pair for pair in default))
    parser.add_argument("--seed", type=int, help="the random seed (default: 0)")


def _options_random_split(parser):
    _split_options(parser, _RANDOM_SPLIT_DEFAULT)


def _options_split(parser):
    parser.add_argument("-t", "--task", choices=["classification"], help="the split task (only classification)")
    _split_options(parser, _SPLIT_DEFAULT)


def _options_remap_labels(parser):
    parser.add_argument("-l", "--label", action="append", type=_mapping_arg, dest="mapping", metavar="SRC:DST",
                        help="rename SRC to DST, merging into DST if it exists; 'SRC:' deletes SRC (repeatable)")
    parser.add_argument("--default", choices=["keep", "delete"],
                        help="what happens to the labels not mentioned (default: keep)")


def _options_project_labels(parser):
    parser.add_argument("-l", "--label", action="append", dest="dst_labels", required=True, metavar="NAME",
                        help="a label name of the new list, in order (repeatable)")


def _options_map_subsets(parser):
    parser.add_argument("-s", "--subset", action="append", type=_mapping_arg, dest="mapping", required=True,
                        metavar="SRC:DST", help="rename subset SRC to DST (repeatable)")


def _options_reindex(parser):
    parser.add_argument("-s", "--start", type=int, help="the first id (default: 1)")


def _options_rename(parser):
    parser.add_argument("-e", "--regex", required=True, metavar="|PATTERN|REPLACEMENT|",
                        help="re.sub pattern and replacement, the first character separating them")


def _options_remove_items(parser):
    parser.add_argument("--id", action="append", dest="ids", required=True, metavar="ID[:SUBSET]",
                        help="an item to remove; without a subset, in every subset (repeatable)")


def _options_remove_annotations(parser):
    parser.add_argument("--id", action="append", dest="ids", metavar="ID[:SUBSET]",
                        help="an item whose annotations to remove (repeatable; default: every item)")


def _options_resize(parser):
    parser.add_argument("-dw", "--width", type=int, required=True, help="the new image width")
    parser.add_argument("-dh", "--height", type=int, required=True, help="the new image height")
    parser.add_argument("--method", choices=_METHODS, help="interpolation (default: bilinear)")


def _options_pad(parser):
    parser.add_argument("-dw", "--width", type=int, help="the canvas width (default: the image's)")
    parser.add_argument("-dh", "--height", type=int, help="the canvas height (default: the image's)")
    parser.add_argument("--value", type=_fill_arg, metavar="V[,V...]",
                        help="the fill value, or one per channel (default: 0)")
    parser.add_argument("--top", type=int, help="rows above the image (default: centred)")
    parser.add_argument("--left", type=int, help="columns left of the image (default: centred)")


def _function(name):
    try:
        return TRANSFORMS[name]
    except (KeyError, TypeError):
        raise UsageError("unknown transform %r (known transforms: %s)" % (name, ", ".join(TRANSFORMS))) from None


def options_parser(name, prog=None):
    """The argparse parser of a transform's command-line options (raising UsageError on errors)."""
    function = _function(name)
    parser = _OptionParser(prog=prog or "transform %s" % name, argument_default=argparse.SUPPRESS,
                           description=inspect.getdoc(function).replace("``", ""))
    _OPTIONS[name](parser)
    return parser


def parse_options(name, argv):
    """The keyword options of transform ``name`` from Datumaro-style command-line arguments.

    ``parse_options("random_split", ["-s", "train:.8", "-s", "test:.2"])``
    is ``{"splits": [("train", ".8"), ("test", ".2")]}``. Options not given
    are left out, so the function's defaults apply. ``-h`` prints the
    options and exits, as argparse does.
    """
    return vars(options_parser(name).parse_args(list(argv)))


def transform(dataset, name, **options):
    """``dataset`` through the transform called ``name`` (a key of :data:`TRANSFORMS`), lazily."""
    function = _function(name)
    try:
        inspect.signature(function).bind(dataset, **options)
    except TypeError as error:
        parameters = list(inspect.signature(function).parameters)[1:]
        raise UsageError("transform %s: %s (its options: %s)" % (name, error, ", ".join(parameters))) from None
    return function(dataset, **options)


#: transform name -> function(dataset, **options) -> Dataset
TRANSFORMS = {
    "random_split": random_split,
    "split": split,
    "remap_labels": remap_labels,
    "project_labels": project_labels,
    "map_subsets": map_subsets,
    "reindex": reindex,
    "rename": rename,
    "remove_items": remove_items,
    "remove_annotations": remove_annotations,
    "resize": resize,
    "pad": pad,
}

_OPTIONS = {
    "random_split": _options_random_split,
    "split": _options_split,
    "remap_labels": _options_remap_labels,
    "project_labels": _options_project_labels,
    "map_subsets": _options_map_subsets,
    "reindex": _options_reindex,
    "rename": _options_rename,
    "remove_items": _options_remove_items,
    "remove_annotations": _options_remove_annotations,
    "resize": _options_resize,
    "pad": _options_pad,
}
