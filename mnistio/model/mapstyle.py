"""Map-style datasets as torchvision names them: ``MNIST(root)[i] -> (image, label)`` (``docs/api.rst``).

::

    train = mnistio.MNIST("data/mnist", "train", transform=to_tensor)
    loader = torch.utils.data.DataLoader(train, batch_size=64, num_workers=2)

``MNIST``, ``FashionMNIST``, ``KMNIST``, ``EMNIST`` (with ``split=``) and
``QMNIST`` read the ``mnist`` layout: ``root`` is a folder of the IDX files,
or a torchvision root holding ``<root>/<ClassName>/raw`` (then that class's
folder is read). They duck-type a torch ``Dataset`` (``__len__``,
``__getitem__``) and never import torch.

* The subset is loaded once, on first use, as :func:`mnistio.load`'s
  arrays: memory is the arrays (``N * H * W * C`` bytes and 8 bytes a
  label); ``dataset[i]`` is O(1), a slice of the image buffer.
* Pickling (DataLoader workers started with ``spawn``) carries the path and
  the options only, not the arrays: each worker loads the files again
  on its first item (with ``fork``, workers share the parent's arrays).
* The image handed to ``transform`` is an :class:`~mnistio.model.image.Image`
  holding a *copy* of the item's pixels in a ``bytearray``: ``numpy.asarray``
  of it is writable and ``torch.from_numpy`` takes it without a warning, and
  augmenting it in place leaves the dataset as it was. With
  ``image_type="pil"`` it is a Pillow image (mode ``L``, ``LA``, ``RGB`` or
  ``RGBA``), as torchvision's datasets hand over.
* The label is an ``int``; an item without one gets -1. ``classes`` are
  the names the folder gives (``labels.txt``, EMNIST's mapping, KMNIST's
  class map, ...); ``FashionMNIST`` and ``KMNIST`` name theirs as
  torchvision does when the folder gives only the digits.
"""

from __future__ import annotations

import os

from ..errors import UsageError
from .image import Image

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional, Tuple

    from .arrays import Array

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "EMNIST", "QMNIST"]

_IMAGE_TYPES = ("image", "pil")
_PIL_MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}


class MNIST:
    """The items of one subset of an ``mnist`` folder, indexable: see the module's text."""

    #: the torchvision class (and the folder under a torchvision root) this class reads
    torchvision_name = "MNIST"
    #: the names of the classes when the folder gives only the default digits (torchvision's ``classes``)
    known_classes: Optional[List[str]] = None

    def __init__(self, root: Any, subset: str = "train", transform: Optional[Callable[[Any], Any]] = None,
                 target_transform: Optional[Callable[[int], Any]] = None, image_type: str = "image", *,
                 train: Optional[bool] = None, **options: Any) -> None:
        if train is not None:  # torchvision's spelling
            subset = "train" if train else "test"
        if image_type not in _IMAGE_TYPES:
            raise UsageError("image_type is 'image' (an mnistio Image) or 'pil' (a Pillow image), not %r"
                             % (image_type,))
        for name, function in (("transform", transform), ("target_transform", target_transform)):
            if function is not None and not callable(function):
                raise UsageError("%s must be callable, not %r" % (name, function))
        if not isinstance(subset, str):
            raise UsageError("subset is a subset name such as 'train' or 'test', not %r" % (subset,))
        self.root = os.fspath(root)
        self.subset = subset
        self.transform = transform
        self.target_transform = target_transform
        self.image_type = image_type
        self.options = self._import_options(self.root, options)
        self._arrays: Optional[Tuple[Array, Array]] = None
        self._classes: Optional[List[str]] = None
        self._load()  # now: a wrong path or subset is an error here, not in a worker

    def _import_options(self, root: str, options: Dict[str, Any]) -> Dict[str, Any]:
        """The ``mnist`` import options: this class's folder when ``root`` is a torchvision root."""
        options = dict(options)
        if "dataset" not in options and os.path.isdir(os.path.join(root, self.torchvision_name)):
            options["dataset"] = self.torchvision_name
        return options

    def _load(self) -> Tuple[Array, Array]:
        if self._arrays is None:
            from .dataset import Dataset  # here: ``import mnistio`` stays cheap

            dataset = Dataset.import_from(self.root, "mnist", **self.options)
            counts = dataset.subset_counts()
            if self.subset not in counts:
                raise UsageError("no subset %r (found: %s)" % (self.subset, ", ".join(counts) or "none"), self.root)
            self._classes = list(dataset.label_names)
            if self.known_classes is not None and self._classes == [str(digit) for digit in range(10)]:
                self._classes = list(self.known_classes)
            self._arrays = tuple(dataset.get_subset(self.subset).to_arrays())
        return self._arrays

    # -- torch's Dataset -----------------------------------------------------

    def __len__(self) -> int:
        return len(self._load()[1])

    def __getitem__(self, index: int) -> Tuple[Any, Any]:
        images, labels = self._load()
        if isinstance(index, bool) or not isinstance(index, int):
            try:
                index = index.__index__()  # numpy and torch integers
            except AttributeError:
                raise UsageError("a %s is indexed by an item number, not %r"
                                 % (type(self).__name__, index)) from None
        count = len(labels)
        if not -count <= index < count:
            raise IndexError("item %d of a %s of %d items" % (index, type(self).__name__, count))
        index %= count
        shape = images.shape[1:]
        size = len(images.data) // count if count else 0
        pixels = bytearray(images.data[index * size:(index + 1) * size])  # a copy: the transform may change it
        image: Any = Image._wrap(pixels, shape[0], shape[1], shape[2] if len(shape) == 3 else 1)
        if self.image_type == "pil":
            image = _to_pil(image)
        target: Any = labels.data[index]
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    # -- torchvision's attributes -----------------------------------------------

    @property
    def data(self) -> Array:
        """The images, ``(N, H, W[, C])`` uint8 (``numpy.asarray`` shares it)."""
        return self._load()[0]

    @property
    def targets(self) -> Array:
        """The labels, ``(N,)`` int64."""
        return self._load()[1]

    @property
    def classes(self) -> List[str]:
        """The label names."""
        self._load()
        return list(self._classes or [])

    def __getstate__(self) -> Dict[str, Any]:
        """The path and options, not the arrays: a worker loads them again when first indexed."""
        state = dict(self.__dict__)
        state["_arrays"] = None
        return state

    def __repr__(self) -> str:
        loaded = "%d items" % len(self._arrays[1]) if self._arrays is not None else "not loaded"
        return "%s(%r, subset=%r, %s)" % (type(self).__name__, self.root, self.subset, loaded)


class FashionMNIST(MNIST):
    torchvision_name = "FashionMNIST"
    known_classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                     "Ankle boot"]


class KMNIST(MNIST):
    torchvision_name = "KMNIST"
    known_classes = list("\u304a\u304d\u3059\u3064\u306a\u306f\u307e\u3084\u308c\u3092")  # kmnist_classmap.csv


class QMNIST(MNIST):
    """QMNIST: subsets ``train``, ``test`` and ``nist``; the label is the class (column 0)."""

    torchvision_name = "QMNIST"


class EMNIST(MNIST):
    """One EMNIST split (``balanced``, ``letters``, ...): ``EMNIST(root, "letters", "test")``.
    Images come upright (the ``mnist`` layout's ``upright="auto"``), unlike torchvision's."""

    torchvision_name = "EMNIST"

    def __init__(self, root: Any, split: str, subset: str = "train",
                 transform: Optional[Callable[[Any], Any]] = None,
                 target_transform: Optional[Callable[[int], Any]] = None, image_type: str = "image", *,
                 train: Optional[bool] = None, **options: Any) -> None:
        super().__init__(root, subset, transform, target_transform, image_type, train=train, split=split,
                         **options)


def _to_pil(image: Image) -> Any:
    try:
        from PIL import Image as PILImage
    except ImportError:
        raise UsageError("image_type='pil' needs Pillow, which is not installed (pip install Pillow)") from None
    return PILImage.frombytes(_PIL_MODES[image.channels], (image.width, image.height), bytes(image.data))
