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
                     DatasetBase,
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
                     SubsetBase,
                     Transform,
                     eager_mode,
)

__version__ = "0.1.0"

#: Datumaro's names that ``import mnistio`` does not load: each is imported when first used
_LAZY = {
    "ImportErrorPolicy": "model.policy", "FailingImportErrorPolicy": "model.policy",
    "ExportErrorPolicy": "model.policy", "FailingExportErrorPolicy": "model.policy",
    "ProgressReporter": "model.progress", "NullProgressReporter": "model.progress",
    "SimpleProgressReporter": "model.progress", "TQDMProgressReporter": "model.progress",
    "HLOps": "ops.hlops",  # the upward imports: operations load only when first called for
    "download": "ops.download",
    "load": "model.arrays",  # training scripts (issue 11): arrays in one call, map-style datasets
    "MNIST": "model.mapstyle", "FashionMNIST": "model.mapstyle", "KMNIST": "model.mapstyle",
    "EMNIST": "model.mapstyle", "QMNIST": "model.mapstyle",
}


def __getattr__(name: str) -> object:
    """The names of :data:`_LAZY`, from their module (imported now, once)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    import importlib

    value = getattr(importlib.import_module("." + module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Dataset", "DatasetItem", "Image", "Label", "LabelCategories", "AnnotationType", "GroupType", "DatasetSubset",
    "StreamDataset", "DatasetPatch", "ItemStatus", "Transform", "ItemTransform", "eager_mode", "DatasetBase",
    "SubsetBase",
    "DEFAULT_SUBSET_NAME", "MnistioError", "FormatError", "TruncatedError", "LimitError", "ImageTooLargeError",
    "UsageError", "FileSystemError", "limits", "__version__", "HLOps", "download",
    "ImportErrorPolicy", "FailingImportErrorPolicy", "ExportErrorPolicy", "FailingExportErrorPolicy",
    "ProgressReporter", "NullProgressReporter", "SimpleProgressReporter", "TQDMProgressReporter",
    "load", "MNIST", "FashionMNIST", "KMNIST", "EMNIST", "QMNIST",
]
