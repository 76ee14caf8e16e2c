"""Dataset statistics and validation, in one streaming pass.

::

    stats = compute_stats(dataset)          # a JSON-able dict
    stats["pixels"]["mean"], stats["pixels"]["std"]   # the normalisation constants
    for problem in validate(dataset):       # or validate(stats): no second pass
        problem.severity, problem.code, problem.message, problem.items

``compute_stats`` counts, per subset and overall: items, label annotations
per name (the histogram), unlabeled and multi-labeled items, label indices
without a name, items without an image, image sizes, and the pixel mean
and standard deviation over [0, 1]; overall also labels without items,
duplicate images and blank images.

* **Pixel moments** are exact: the sum of the values and the sum of their
  squares are Python integers, so ``mean = S / (255 n)`` and ``std =
  sqrt(n Q - S**2) / (255 n)`` round only at the end, and agree with
  numpy's ``images.mean() / 255`` and ``images.std() / 255`` (population
  std) to about 12 decimals. Every channel
  value counts as one value; colour images also get per-channel figures
  (``channels``) when all images have the same channel count. The sums run
  in C, without a loop per pixel: see :func:`_byte_sum`.
* **Duplicates** are images with the same shape and pixels, found by a
  16-byte BLAKE2b digest. The digests of the images seen so far are kept
  with the first item of each (its id and labels): about 200 bytes per
  image (14 MB for 70,000), plus a small record per group of duplicates.
  Nothing else grows with the dataset.
* **Blank** images have all their pixels equal; the value is reported.

``validate`` turns these into :class:`Problem` s, with Datumaro's
severities (``error`` > ``warning`` > ``info``):

=========================  ========  ==========================================
code                       severity  when
=========================  ========  ==========================================
no_label_names             error     the dataset names no labels
undefined_label            error     an item has a label index without a name
missing_image              error     an item has no image (or no pixels)
conflicting_duplicates     warning   the same image with different labels
duplicates_across_subsets  warning   the same image in two subsets (train and
                                     test, say)
imbalanced_labels          warning   most / fewest items of a label is more than
                                     ``imbalance_ratio`` (default 5; labels
                                     without items are not counted)
labels_without_items       warning   a label name that no item has
blank_images               warning   an image whose pixels are all equal
unlabeled_items            warning   an item without a label
multi_labeled_items        warning   an item with two or more labels
empty_dataset              warning   no items at all
duplicate_images           info      the same image more than once
image_sizes_differ         info      images of more than one size or channel
                                     count
=========================  ========  ==========================================

Each problem's ``items`` lists up to :data:`MAX_EXAMPLES` of the items
concerned (``{"subset": ..., "id": ...}``); its message gives the full count.
"""

from __future__ import annotations

import math
from collections import namedtuple
from hashlib import blake2b
from zlib import adler32

from .._words import count, number
from ..model.dataset import Dataset
from ..model.items import Label

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Union

__all__ = ["compute_stats", "validate", "Problem", "SEVERITIES", "IMBALANCE_RATIO", "MAX_EXAMPLES",
           "severity_rank"]

#: the severities, least severe first
SEVERITIES = ("info", "warning", "error")
#: most / fewest items of a label above which the labels are imbalanced
IMBALANCE_RATIO = 5.0
#: items (or groups of duplicates) kept as examples of each kind
MAX_EXAMPLES = 10

# adler32's first half is (1 + sum of the bytes) mod 65521: exact for 256
# bytes or fewer, whose sum is at most 65280.
_SLICE = 256
_ADLER_LOW = 0xFFFF
# A value's square v*v < 65536 is 256 * high + low, two bytes summed apart.
_SQUARE_HIGH = bytes(value * value >> 8 for value in range(256))
_SQUARE_LOW = bytes(value * value & 0xFF for value in range(256))
# Pixels are gathered into blocks this large before the sums run on them.
_BLOCK = 1 << 16

Problem = namedtuple("Problem", "severity code message items")
Problem.__doc__ = """One finding of :func:`validate`: ``items`` are example ``{"subset", "id"}`` dicts."""


# -- exact pixel moments ----------------------------------------------------------

def _byte_sum(data):
    """The sum of the bytes of ``data``, exactly, with one C call per 256 bytes."""
    view = memoryview(data)
    starts = range(0, len(view), _SLICE)
    return sum([adler32(view[start:start + _SLICE]) & _ADLER_LOW for start in starts]) - len(starts)


def _moments(data):
    """``(sum of the values, sum of their squares)`` of a bytes-like object."""
    # Zeros add nothing to either sum, and digit images are mostly zeros.
    data = data.translate(None, b"\x00")
    return (_byte_sum(data),
            (_byte_sum(data.translate(_SQUARE_HIGH)) << 8) + _byte_sum(data.translate(_SQUARE_LOW)))


class _Pixels:
    """Exact sums, per channel, of the images of one subset with one channel count."""

    __slots__ = ("channels", "values", "sums", "squares", "pending")

    def __init__(self, channels):
        self.channels = channels
        self.values = 0          # values per channel
        self.sums = [0] * channels
        self.squares = [0] * channels
        self.pending = [bytearray() for _ in range(channels)]

    def add(self, data):
        if self.channels == 1:
            pending = self.pending[0]
            pending += data
        else:
            data, channels = bytes(data), self.channels
            for channel, pending in enumerate(self.pending):
                pending += data[channel::channels]
        if len(pending) >= _BLOCK:
            self.flush()

    def flush(self):
        self.values += len(self.pending[0])
        for channel, block in enumerate(self.pending):
            if block:
                total, squares = _moments(block)
                self.sums[channel] += total
                self.squares[channel] += squares
                del block[:]


def _moment_summary(values, total, squares):
    """Mean and population std over [0, 1] from exact sums (the mean correctly rounded)."""
    spread = values * squares - total * total
    return {"values": values, "mean": total / (255 * values),
            "std": math.sqrt(spread) / (255 * values), "sum": total, "sum_of_squares": squares}


def _pixel_summary(groups):
    """The ``pixels`` entry for some :class:`_Pixels` (flushed), or None."""
    groups = [group for group in groups if group.values]
    if not groups:
        return None
    values = sum(group.values * group.channels for group in groups)
    summary = _moment_summary(values, sum(sum(group.sums) for group in groups),
                              sum(sum(group.squares) for group in groups))
    counts = {group.channels for group in groups}
    if len(counts) == 1 and groups[0].channels > 1:
        channels = groups[0].channels
        summary["channels"] = []
        for channel in range(channels):
            figures = _moment_summary(sum(group.values for group in groups),
                                      sum(group.sums[channel] for group in groups),
                                      sum(group.squares[channel] for group in groups))
            summary["channels"].append({"mean": figures["mean"], "std": figures["std"]})
    return summary


# -- the pass ------------------------------------------------------------------------

class _Subset:
    """What is counted per subset."""

    __slots__ = ("items", "labels", "undefined", "unlabeled", "multi_labeled", "without_image", "shapes",
                 "pixels")

    def __init__(self, names_count):
        self.items = 0
        self.labels = [0] * names_count
        self.undefined = {}
        self.unlabeled = 0
        self.multi_labeled = 0
        self.without_image = 0
        # (height, width, channels) -> [count, _Pixels, BLAKE2b personalisation,
        #                              the _Pixels' pending bytearray if one channel]
        self.shapes = {}
        self.pixels = {}         # channel count -> _Pixels


class _Group:
    """Images with one digest: how many, their labels and subsets, the first few."""

    __slots__ = ("count", "labels", "subsets", "examples", "blank")

    def __init__(self, first, blank):
        self.count = 1
        self.labels = {first[2]}
        self.subsets = {first[0]}
        self.examples = [first]
        self.blank = blank

    def add(self, item, labels):
        self.count += 1
        self.labels.add(labels)
        self.subsets.add(item.subset)
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append((item.subset, item.id, labels))


class _Pass:
    """The counters of :func:`compute_stats`: :meth:`run` feeds them, :meth:`result` reads them."""

    def __init__(self, names):
        self.names = names
        self.names_count = len(names)
        self.subsets = {}
        self.examples = {}            # kind -> up to MAX_EXAMPLES {"subset", "id"} records
        self.first_of_digest = {}     # digest -> (subset, id, labels key) of its first image
        self.groups = {}              # digest -> _Group, for digests seen twice or more
        self.blank_digests = set()    # digests of the blank images, whose copies are blank too
        self.blank = {}               # pixel value -> blank images

    def run(self, items):
        """Count ``items``: the hot loop, with the common case inline and local names."""
        subsets, first_of_digest, groups = self.subsets, self.first_of_digest, self.groups
        names_count = self.names_count
        for item in items:
            subset = subsets.get(item.subset)
            if subset is None:
                subset = subsets[item.subset] = _Subset(names_count)
            subset.items += 1
            annotations = item.annotations
            if len(annotations) == 1 and type(annotations[0]) is Label and annotations[0].label < names_count:
                labels = annotations[0].label
                subset.labels[labels] += 1
            else:
                labels = self._count_labels(item, subset)
            media = item.media
            if media is None or not media.has_data:
                subset.without_image += 1
                self._example("without_image", item)
                continue
            data = media.data
            shape = (media.height, media.width, media.channels)
            known = subset.shapes.get(shape)
            if known is None:
                known = self._new_shape(subset, shape)
            known[0] += 1
            if not data:
                continue
            pending = known[3]
            if pending is not None:  # one channel: the common case, inline
                pending += data
                if len(pending) >= _BLOCK:
                    known[1].flush()
            else:
                known[1].add(data)
            digest = blake2b(data, digest_size=16, person=known[2]).digest()
            first = first_of_digest.get(digest)
            if first is None:
                first_of_digest[digest] = (item.subset, item.id, labels)
                if not bytes(data).strip(data[:1]):
                    self._blank(item, data, digest)
            else:
                group = groups.get(digest)
                if group is None:
                    group = groups[digest] = _Group(first, digest in self.blank_digests)
                group.add(item, labels)
                if group.blank:
                    self._blank(item, data, digest)

    def _count_labels(self, item, subset):
        """Count the item's labels; return its labels key: an index, None or a tuple."""
        labels = tuple(item.labels)
        for label in labels:
            if label < self.names_count:
                subset.labels[label] += 1
            else:
                subset.undefined[label] = subset.undefined.get(label, 0) + 1
                self._example("undefined_label", item)
        if len(labels) == 1:
            return labels[0]
        if not labels:
            subset.unlabeled += 1
            self._example("unlabeled", item)
            return None
        subset.multi_labeled += 1
        self._example("multi_labeled", item)
        return labels

    def _new_shape(self, subset, shape):
        pixels = subset.pixels.get(shape[2])
        if pixels is None:
            pixels = subset.pixels[shape[2]] = _Pixels(shape[2])
        gray_pending = pixels.pending[0] if shape[2] == 1 else None
        known = subset.shapes[shape] = [0, pixels, ("%dx%dx%d" % shape).encode()[:16], gray_pending]
        return known

    def _blank(self, item, data, digest):
        self.blank[data[0]] = self.blank.get(data[0], 0) + 1
        self.blank_digests.add(digest)
        self._example("blank", item, value=data[0])

    def _example(self, kind, item, **more):
        kept = self.examples.setdefault(kind, [])
        if len(kept) < MAX_EXAMPLES:
            kept.append(dict({"subset": item.subset, "id": item.id}, **more))

    def result(self, dataset):
        subsets = {name: self._subset_result(subset) for name, subset in self.subsets.items()}
        totals = _Subset(self.names_count)
        for subset in self.subsets.values():
            _add_into(totals, subset)
        overall = self._subset_result(totals)
        del overall["items"]
        examples = dict(self.examples)
        return dict(
            {"path": dataset.path, "format": dataset.format, "items": totals.items, "label_names": self.names},
            **overall,
            labels_without_items=[name for name, count in zip(self.names, totals.labels) if not count],
            subsets=subsets, duplicates=self._duplicates_result(),
            blank={"items": sum(self.blank.values()),
                   "values": {str(value): count for value, count in sorted(self.blank.items())},
                   "examples": examples.pop("blank", [])},
            examples=examples)

    def _subset_result(self, subset):
        for pixels in subset.pixels.values():
            pixels.flush()
        return {
            "items": subset.items,
            "labels": dict(zip(self.names, subset.labels)),
            "undefined_labels": {str(label): count for label, count in sorted(subset.undefined.items())},
            "unlabeled": subset.unlabeled,
            "multi_labeled": subset.multi_labeled,
            "without_image": subset.without_image,
            "image_sizes": {_size_name(shape): known[0] for shape, known in subset.shapes.items()},
            "pixels": _pixel_summary(subset.pixels.values()),
        }

    def _duplicates_result(self):
        groups = list(self.groups.values())
        # The examples worth a look first: conflicting labels, then across subsets.
        shown = sorted(groups, key=lambda group: (len(group.labels) == 1, len(group.subsets) == 1))
        return {"groups": len(groups), "items": sum(group.count for group in groups),
                "conflicting_groups": sum(len(group.labels) > 1 for group in groups),
                "groups_across_subsets": sum(len(group.subsets) > 1 for group in groups),
                "examples": [self._group_result(group) for group in shown[:MAX_EXAMPLES]]}

    def _group_result(self, group):
        return {"count": group.count, "conflicting": len(group.labels) > 1, "across_subsets": len(group.subsets) > 1,
                "items": [self._labelled(record) for record in group.examples]}

    def _labelled(self, record):
        subset, item_id, labels = record
        labels = () if labels is None else labels if isinstance(labels, tuple) else (labels,)
        return {"subset": subset, "id": item_id,
                "labels": [self.names[label] if label < self.names_count else label for label in labels]}


def _add_into(totals, subset):
    """Add a subset's counts into ``totals`` (flushed pixels only)."""
    totals.items += subset.items
    totals.labels = [a + b for a, b in zip(totals.labels, subset.labels)]
    for label, found in subset.undefined.items():
        totals.undefined[label] = totals.undefined.get(label, 0) + found
    totals.unlabeled += subset.unlabeled
    totals.multi_labeled += subset.multi_labeled
    totals.without_image += subset.without_image
    for shape, known in subset.shapes.items():
        totals.shapes.setdefault(shape, [0])[0] += known[0]
    for channels, pixels in subset.pixels.items():
        pixels.flush()
        total = totals.pixels.get(channels)
        if total is None:
            total = totals.pixels[channels] = _Pixels(channels)
        total.values += pixels.values
        total.sums = [a + b for a, b in zip(total.sums, pixels.sums)]
        total.squares = [a + b for a, b in zip(total.squares, pixels.squares)]


def _size_name(shape):
    height, width, channels = shape
    return "%dx%d" % (height, width) + ("x%d" % channels if channels > 1 else "")


def compute_stats(dataset: Dataset) -> Dict[str, Any]:
    """The statistics of ``dataset`` (a JSON-able dict), in one pass over its items."""
    counting = _Pass(list(dataset.label_names))
    counting.run(dataset)
    return counting.result(dataset)


# -- validation ---------------------------------------------------------------------

def severity_rank(severity: str) -> int:
    """0 for info, 1 for warning, 2 for error."""
    return SEVERITIES.index(severity)


def validate(dataset: Union[Dataset, Dict[str, Any]], *, imbalance_ratio: float = IMBALANCE_RATIO) -> List[Problem]:
    """The problems of ``dataset`` (or of its :func:`compute_stats` dict), most severe first."""
    stats = compute_stats(dataset) if isinstance(dataset, Dataset) else dataset
    found = []
    for check in _CHECKS:
        found.extend(check(stats, imbalance_ratio))
    return sorted(found, key=lambda problem: -severity_rank(problem.severity))


_plural = count


def _check_label_names(stats, _):
    if not stats["label_names"] and stats["items"]:
        yield Problem("error", "no_label_names", "the dataset names no labels", [])
    undefined = stats["undefined_labels"]
    if undefined:
        indices = ", ".join(sorted(undefined, key=int))
        yield Problem("error", "undefined_label", "label %s %s %s no name (%s; the dataset names %s)"
                      % ("index" if len(undefined) == 1 else "indices", indices,
                         "has" if len(undefined) == 1 else "have", _plural(sum(undefined.values()), "annotation"),
                         count(len(stats["label_names"]), "label")),
                      stats["examples"].get("undefined_label", []))


def _check_images(stats, _):
    if stats["without_image"]:
        yield Problem("error", "missing_image", "%s without an image" % _plural(stats["without_image"], "item"),
                      stats["examples"].get("without_image", []))
    blank = stats["blank"]
    if blank["items"]:
        values = ", ".join("%s: %s" % (value, number(items)) for value, items in blank["values"].items())
        yield Problem("warning", "blank_images", "%s (all pixels equal; value: count %s)"
                      % (_plural(blank["items"], "blank image"), values), blank["examples"])
    if len(stats["image_sizes"]) > 1:
        sizes = ", ".join("%s: %s" % (size, number(items)) for size, items in stats["image_sizes"].items())
        yield Problem("info", "image_sizes_differ", "images of %s (%s)" % (count(len(stats["image_sizes"]), "size"),
                                                                           sizes), [])


def _check_duplicates(stats, _):
    duplicates = stats["duplicates"]
    examples = duplicates["examples"]  # conflicting groups first, then groups across subsets
    conflicting = [group for group in examples if group["conflicting"]]
    if duplicates["conflicting_groups"]:
        yield Problem("warning", "conflicting_duplicates", "%s more than once with different labels, e.g. %s"
                      % (_plural(duplicates["conflicting_groups"], "image"), _describe_group(conflicting[0])),
                      _group_items(conflicting))
    if duplicates["groups_across_subsets"]:
        yield Problem("warning", "duplicates_across_subsets",
                      "%s in more than one subset (a model may be tested on what it was trained on)"
                      % _plural(duplicates["groups_across_subsets"], "image"),
                      _group_items(group for group in examples if group["across_subsets"]))
    if duplicates["groups"]:
        yield Problem("info", "duplicate_images", "%s more than once (%s in all)"
                      % (_plural(duplicates["groups"], "image"), count(duplicates["items"], "item")),
                      _group_items(examples))


def _describe_group(group):
    """``train/3: 5, test/7: 6``: the first few items of a group, with their labels."""
    return ", ".join("%s/%s: %s" % (item["subset"], item["id"], "+".join(map(str, item["labels"])) or "no label")
                     for item in group["items"][:3])


def _group_items(groups):
    items = [{"subset": item["subset"], "id": item["id"]} for group in groups for item in group["items"]]
    return items[:MAX_EXAMPLES]


def _check_labels(stats, imbalance_ratio):
    if not stats["items"]:
        yield Problem("warning", "empty_dataset", "the dataset has no items", [])
        return
    missing = stats["labels_without_items"]
    if missing:
        yield Problem("warning", "labels_without_items", "%s without items: %s"
                      % (_plural(len(missing), "label"), ", ".join(map(repr, missing))), [])
    counts = {name: count for name, count in stats["labels"].items() if count}
    if len(counts) > 1:
        most, fewest = max(counts, key=counts.__getitem__), min(counts, key=counts.__getitem__)
        if counts[most] > imbalance_ratio * counts[fewest]:
            yield Problem("warning", "imbalanced_labels",
                          "label %r has %s, %r only %s (ratio %.1f > %g)"
                          % (most, count(counts[most], "item"), fewest, number(counts[fewest]),
                             counts[most] / counts[fewest],
                             imbalance_ratio), [])
    for key, code, noun in (("unlabeled", "unlabeled_items", "item without a label"),
                            ("multi_labeled", "multi_labeled_items", "item with several labels")):
        if stats[key]:
            yield Problem("warning", code, _items_phrase(stats[key], noun), stats["examples"].get(key, []))


def _items_phrase(items, noun):
    """``1 item without a label``, ``2 items without a label``."""
    return count(items, noun, noun.replace("item", "items", 1))


_CHECKS = (_check_label_names, _check_images, _check_duplicates, _check_labels)
