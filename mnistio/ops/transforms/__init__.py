"""Dataset transforms, streaming, with Datumaro's names and options.

::

    import mnistio as dm
    from mnistio.ops import transforms

    dataset = dm.Dataset.import_from("data/mnist")
    parts = dataset.transform("random_split", splits=[("train", 0.8), ("val", 0.2)], seed=1)
    lenet = transforms.pad(dataset, width=32, height=32)          # 28 x 28 -> 32 x 32

Each transform returns a new :class:`~mnistio.dataset.Dataset` and reads
nothing until that dataset is iterated; none holds more than one item at a
time (``split`` keeps one small number per item: its subset). The
transforms, and the Datumaro transform each mirrors:

* ``random_split`` (Datumaro ``random_split``): every item to one of the
  given subsets, at random, in exact counts (ratios rounded by largest
  remainder). Like Datumaro, the source's subsets are pooled first.
* ``split`` (Datumaro ``split -t classification``): at random, stratified
  by label and by the labels' attribute values, Datumaro's algorithm with
  Datumaro's draws: a seed gives Datumaro's subsets (:mod:`.split`).
* ``remap_labels`` (``remap_labels``): rename labels (``src:dst``); two
  names mapped to one merge; ``default="delete"`` drops the labels not
  mentioned. Label annotations of a deleted label are removed, the item stays.
* ``project_labels`` (``project_labels``): the label list becomes the given
  one; labels not in it are deleted, new names get no annotations.

  Both keep the label hierarchy: parents (cleared when no longer a label),
  attributes and label groups (:mod:`mnistio.ops._categories`).
* ``map_subsets`` (``map_subsets``): rename subsets (``src:dst``).
* ``reindex`` (``reindex``): ids ``start``, ``start + 1``, ... in iteration order.
* ``rename`` (``rename``): ids through a regular expression,
  ``|pattern|replacement|``.
* ``remove_items`` (``remove_items``): drop items by ``id:subset`` (or ``id``
  in any subset).
* ``remove_annotations`` (``remove_annotations``): drop the annotations of
  the given items, or those with a given annotation id
  (``(id, subset, annotation id)``), or of every item.
* ``resize`` (``resize``): images to ``width`` x ``height``, ``nearest`` or
  ``bilinear`` (Datumaro resizes with OpenCV's area / cubic filters instead).
* ``pad`` (mnistio only): images centred on a larger canvas of a fill value,
  e.g. MNIST's 28 x 28 to LeNet's 32 x 32.

**Unlike Datumaro**: the seed defaults to 0, not to a fresh one each run;
``random_split`` gives other subsets than Datumaro's for a seed (another
generator, and counts rounded by largest remainder where Datumaro
truncates cumulative sums); ``split`` has the classification task only,
and keeps items in their places when unlabelled ones come first (Datumaro
then mixes up their subsets); ``remap_labels``
refuses a name the dataset lacks, where Datumaro ignores it; renamed
parents, merged labels' attributes and label groups are kept where
Datumaro drops them;
``remove_annotations`` without ids empties every item; ``rename`` accepts
ids holding braces.

Each transform is one module of this package, named as the transform,
whose ``SPEC`` (a :class:`TransformSpec`) gives its function and typed
options; the command line derives its flags from them.
"""

from __future__ import annotations

import importlib

from ..._plugins import plugin_names
from ...errors import UsageError
from ...model.dataset import Dataset
from ._spec import TransformSpec

__all__ = ["TransformSpec", "TRANSFORMS", "get", "names", "transform", "parse_options",
           "random_split", "split", "remap_labels", "project_labels", "map_subsets", "reindex", "rename",
           "remove_items", "remove_annotations", "resize", "pad"]


def _discover() -> Dict[str, TransformSpec]:
    specs = {}
    for name in plugin_names(__path__):
        module = importlib.import_module("%s.%s" % (__name__, name))
        spec = getattr(module, "SPEC", None)
        if not isinstance(spec, TransformSpec) or spec.name != name:
            raise UsageError("module %s does not define SPEC = TransformSpec(%r, ...)" % (module.__name__, name))
        specs[spec.name] = spec
    return specs


_SPECS = _discover()

#: transform name -> function(dataset, **options) -> Dataset
TRANSFORMS: Dict[str, Callable[..., Dataset]] = {name: spec.function for name, spec in _SPECS.items()}


def names() -> List[str]:
    return list(_SPECS)


def get(name: str) -> TransformSpec:
    """The spec of the transform ``name``."""
    try:
        return _SPECS[name]
    except (KeyError, TypeError):
        raise UsageError("unknown transform %r (known transforms: %s)" % (name, ", ".join(_SPECS))) from None


def transform(dataset: Dataset, name: str, **options: Any) -> Dataset:
    """``dataset`` through the transform called ``name``, lazily."""
    return get(name)(dataset, **options)


def parse_options(name: str, argv: Iterable[str]) -> Dict[str, Any]:
    """The keyword options of transform ``name`` from Datumaro-style command-line words.

    ``parse_options("random_split", ["-s", "train:.8", "-s", "test:.2"])``
    is ``{"splits": [("train", ".8"), ("test", ".2")]}``. Options not given
    are left out, so the function's defaults apply.
    """
    return get(name).options.parse_words(list(argv))


# The functions under their names (``from mnistio.ops.transforms import pad``),
# for Python callers and type checkers; the registry above needs none of these.
from .map_subsets import map_subsets  # noqa: E402
from .pad import pad  # noqa: E402
from .project_labels import project_labels  # noqa: E402
from .random_split import random_split  # noqa: E402
from .reindex import reindex  # noqa: E402
from .remap_labels import remap_labels  # noqa: E402
from .remove_annotations import remove_annotations  # noqa: E402
from .remove_items import remove_items  # noqa: E402
from .rename import rename  # noqa: E402
from .resize import resize  # noqa: E402
from .split import split  # noqa: E402

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Iterable, List
