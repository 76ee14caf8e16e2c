"""mnistio: read, write and convert MNIST-format datasets, standard library only.

    import mnistio as dm

    dataset = dm.Dataset.import_from("data/mnist", "mnist")
    for item in dataset:                    # streamed, a bounded window at a time
        item.id, item.subset, item.labels, item.media.data
    dataset.export("out", "mnist_csv", save_media=True)

Layers, bottom to top: codecs (:mod:`mnistio.idx`, :mod:`mnistio.csvrows`),
the model (:mod:`mnistio.image`, :mod:`mnistio.dataset`), the layouts
(:mod:`mnistio.formats`), the command line (:mod:`mnistio.cli`).
"""

from .dataset import (DEFAULT_SUBSET_NAME, AnnotationType, Dataset, DatasetItem, Label,
                      LabelCategories)
from .errors import FormatError, ImageTooLargeError, MnistioError, TruncatedError, UsageError
from .image import Image

__version__ = "0.1.0"

__all__ = [
    "Dataset", "DatasetItem", "Image", "Label", "LabelCategories", "AnnotationType",
    "DEFAULT_SUBSET_NAME", "MnistioError", "FormatError", "TruncatedError", "ImageTooLargeError",
    "UsageError", "__version__",
]
