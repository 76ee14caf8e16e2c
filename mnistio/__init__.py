"""mnistio: read, write and convert MNIST-format datasets, standard library only.

    import mnistio as dm

    dataset = dm.Dataset.import_from("data/mnist", "mnist")
    for item in dataset:                    # streamed, a bounded window at a time
        item.id, item.subset, item.labels, item.media.data
    dataset.export("out", "mnist_csv", save_media=True)

The package is layered, each layer importing only those below it
(``docs/architecture.rst``): :mod:`mnistio.errors`; the codecs
(:mod:`mnistio.codecs`: bytes in, bytes out); the model
(:mod:`mnistio.model`: images, items, datasets); the layouts
(:mod:`mnistio.formats`); the operations (:mod:`mnistio.ops`); projects
(:mod:`mnistio.project`); the command line (:mod:`mnistio.cli`). The public
surface is written down in ``docs/api.rst``.
"""

from . import limits  # so that ``mnistio.limits.MAX_IMAGE_PIXELS = ...`` works after ``import mnistio``
from .errors import (
                     FileSystemError,
                     FormatError,
                     ImageTooLargeError,
                     LimitError,
                     MnistioError,
                     TruncatedError,
                     UsageError,
)
from .model import (
    DEFAULT_SUBSET_NAME,
    AnnotationType,
    Dataset,
    DatasetItem,
    DatasetPatch,
    DatasetSubset,
    GroupType,
    Image,
    ItemStatus,
    ItemTransform,
    Label,
    LabelCategories,
    StreamDataset,
    Transform,
    eager_mode,
)

__version__ = "0.1.0"

__all__ = [
    "Dataset", "DatasetItem", "Image", "Label", "LabelCategories", "AnnotationType", "GroupType", "DatasetSubset",
    "StreamDataset", "DatasetPatch", "ItemStatus", "Transform", "ItemTransform", "eager_mode",
    "DEFAULT_SUBSET_NAME", "MnistioError", "FormatError", "TruncatedError", "LimitError", "ImageTooLargeError",
    "UsageError", "FileSystemError", "limits", "__version__", "HLOps",
]


def __getattr__(name: str) -> object:
    """``mnistio.HLOps`` (:mod:`mnistio.ops.hlops`), loaded on first use: ``import mnistio`` loads only
    the errors and the model, the operations when they are first called for."""
    if name == "HLOps":
        from .ops.hlops import HLOps

        globals()["HLOps"] = HLOps  # found directly from now on
        return HLOps
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


def __dir__() -> list:
    return sorted(set(globals()) | {"HLOps"})
