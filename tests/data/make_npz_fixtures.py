"""Small .npz files in the exact naming and keys their publishers use, written without numpy.

Run as ``python tests/data/make_npz_fixtures.py OUT_DIR`` to look at them;
``tests/test_npz.py`` builds them at test time (nothing binary is kept in the
repository). Pixels and labels are seeded random values: the files are small
(a few KB) but laid out as the real downloads are:

* keras ``mnist.npz`` (https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz):
  members ``x_test``, ``x_train``, ``y_train``, ``y_test`` in that order,
  uint8 images N x 28 x 28, uint8 labels N, deflated;
* KMNIST and Kuzushiji-49 (https://github.com/rois-codh/kmnist):
  ``kmnist-train-imgs.npz``, ``kmnist-train-labels.npz``, ``kmnist-test-*``,
  ``k49-train-imgs.npz`` ..., each holding one array ``arr_0`` (as
  ``numpy.savez_compressed(file, array)`` names it); K49's labels go to 48;
* MedMNIST (https://github.com/MedMNIST/MedMNIST): ``pathmnist.npz`` (colour,
  N x 28 x 28 x 3, 9 classes) and ``organamnist.npz`` (gray, 11 classes),
  members ``train_images``, ``val_images``, ``test_images``, ``train_labels``,
  ``val_labels``, ``test_labels``; labels uint8 N x 1.
"""

import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from mnistio.codecs import npz  # noqa: E402

#: the fixtures: {folder: {file: [(key, kind, count, classes)]}}, kind "images" (shape 28 x 28 [x 3]) or "labels"
SETS = {
    "keras": {"mnist.npz": [("x_test", (28, 28), 3, 10), ("x_train", (28, 28), 5, 10),
                            ("y_train", None, 5, 10), ("y_test", None, 3, 10)]},
    "kmnist": {"kmnist-train-imgs.npz": [("arr_0", (28, 28), 5, 10)],
               "kmnist-train-labels.npz": [("arr_0", None, 5, 10)],
               "kmnist-test-imgs.npz": [("arr_0", (28, 28), 3, 10)],
               "kmnist-test-labels.npz": [("arr_0", None, 3, 10)]},
    "k49": {"k49-train-imgs.npz": [("arr_0", (28, 28), 6, 49)],
            "k49-train-labels.npz": [("arr_0", None, 6, 49)],
            "k49-test-imgs.npz": [("arr_0", (28, 28), 3, 49)],
            "k49-test-labels.npz": [("arr_0", None, 3, 49)]},
    "pathmnist": {"pathmnist.npz": [("train_images", (28, 28, 3), 4, 9), ("val_images", (28, 28, 3), 2, 9),
                                    ("test_images", (28, 28, 3), 2, 9), ("train_labels", (1,), 4, 9),
                                    ("val_labels", (1,), 2, 9), ("test_labels", (1,), 2, 9)]},
    "organamnist": {"organamnist.npz": [("train_images", (28, 28), 4, 11), ("val_images", (28, 28), 2, 11),
                                        ("test_images", (28, 28), 3, 11), ("train_labels", (1,), 4, 11),
                                        ("val_labels", (1,), 2, 11), ("test_labels", (1,), 3, 11)]},
}


def _values(rng, count, shape, classes):
    """Pixels, or labels: the largest class is always there, so the class count shows."""
    if shape is None or shape == (1,):
        labels = [rng.randrange(classes) for _ in range(count)]
        labels[-1] = classes - 1
        return bytes(labels)
    size = count
    for side in shape:
        size *= side
    return bytes(rng.randrange(256) for _ in range(size))


def arrays(folder_name):
    """``{file: [(key, shape, values bytes)]}`` of one fixture set (the same every time)."""
    made = {}
    for file, members in SETS[folder_name].items():
        rng = random.Random(file)
        made[file] = []
        for key, shape, count, classes in members:
            # a file's images and labels of one subset share the seed's sequence, not each other's values
            made[file].append((key, (count,) + (shape or ()), _values(rng, count, shape, classes)))
    return made


def write(folder, folder_name):
    """Write one fixture set into ``folder``; returns ``{file: {key: (shape, values)}}``."""
    os.makedirs(folder, exist_ok=True)
    written = {}
    for file, members in arrays(folder_name).items():
        with npz.Writer(os.path.join(folder, file)) as out:
            for key, shape, values in members:
                out.add(key, "|u1", shape, values)
        written[file] = {key: (shape, values) for key, shape, values in members}
    return written


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "npz_fixtures"
    for name in SETS:
        write(os.path.join(out, name), name)
        print(os.path.join(out, name))
