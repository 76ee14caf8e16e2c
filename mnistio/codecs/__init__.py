"""Codecs: bytes in, bytes out, with no knowledge of datasets.

* :mod:`.idx`: IDX files (MNIST and its family), whole or streamed;
* :mod:`.csvrows`: the rows of "MNIST in CSV";
* :mod:`.png`, :mod:`.netpbm`, :mod:`.bmp`: image files, and :mod:`.images`,
  which picks among them (and Pillow, for other types);
* :mod:`.pickles`: Python pickles read without running them, written
  without numpy (CIFAR batches).
* :mod:`.npy`, :mod:`.npz`: NumPy arrays and ``.npz`` archives, read and
  written without numpy, streamed.

``docs/architecture.rst`` says where a new codec goes.
"""
