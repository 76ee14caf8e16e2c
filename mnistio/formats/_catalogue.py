"""The published MNIST-family files, and telling them apart (``docs/download.rst``).

A catalogue of the file sets their publishers put online: MNIST,
Fashion-MNIST, Kuzushiji-MNIST and Kuzushiji-49, EMNIST (one ``gzip.zip``
archive holding six splits) and QMNIST (with its ``xnist`` set). For each file:
its published name, size in bytes and checksums; for each set: the mirrors
torchvision downloads it from (in torchvision's order), the folder torchvision
keeps it in, its label names and whether its images are stored transposed.

Where the figures come from (nothing here is computed from a guess):

* md5: ``torchvision/datasets/mnist.py`` (``resources``, ``url``, ``md5``)
  for MNIST, Fashion-MNIST, KMNIST, EMNIST and QMNIST. The publisher of
  Kuzushiji-49 posts no checksum; its md5s are the ones several independent
  public loaders agree on.
* sizes and sha256: TensorFlow Datasets' ``url_checksums`` for MNIST,
  Fashion-MNIST, KMNIST and the EMNIST archive. QMNIST, Kuzushiji-49 and the
  files inside EMNIST's archive have no published size (None).
* label names: Fashion-MNIST's ten (torchvision's ``classes``); KMNIST's and
  Kuzushiji-49's class maps (``kmnist_classmap.csv``, ``k49_classmap.csv``:
  the characters); EMNIST's ``emnist-<split>-mapping.txt`` (each label is the
  character of the mapping's first code; ``letters`` counts from 1);
  MNIST's and QMNIST's digits.

:func:`identify` recognises a file set on disk: the size first (a cheap
``stat``), then the checksum, computed in chunks, only for files whose size
matches. :func:`known_label_names` is its cheap form for reading a folder.
"""

from __future__ import annotations

import os
import stat
from collections import namedtuple

from ..model.sources import subset_order_key
from ._labels import DEFAULT_LABEL_NAMES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, Iterable, List, Optional, Sequence, Tuple

__all__ = ["KnownFile", "FileSet", "Match", "CATALOGUE", "NAMES", "get", "identify", "describe_matches",
           "known_label_names", "default_label_names", "category_names", "file_md5", "file_digest"]

_CHUNK = 1 << 20  # bytes hashed at a time: memory stays bounded whatever the file's size


if TYPE_CHECKING:
    from typing import NamedTuple

    class KnownFile(NamedTuple):
        name: str
        size: Optional[int]
        md5: Optional[str]
        sha256: Optional[str] = None
        role: str = "images"
        subset: Optional[str] = None
        member: Optional[str] = None

    class FileSet(NamedTuple):
        name: str
        title: str
        files: Tuple[KnownFile, ...]
        mirrors: Tuple[str, ...]
        folder: str
        label_names: Tuple[str, ...]
        first_label: int = 0
        transposed: bool = False
        archive: Optional[str] = None
        source: str = "torchvision"

    class Match(NamedTuple):
        fileset: FileSet
        file: KnownFile
        path: str
else:
    # collections' namedtuple, not typing's NamedTuple: importing typing would cost every import of the
    # mnist layout 2 ms; the classes above are the same, for type checkers.
    KnownFile = namedtuple("KnownFile", "name size md5 sha256 role subset member",
                           defaults=(None, "images", None, None))
    FileSet = namedtuple("FileSet", "name title files mirrors folder label_names first_label transposed archive "
                                    "source", defaults=(0, False, None, "torchvision"))
    Match = namedtuple("Match", "fileset file path")

KnownFile.__doc__ = """One published file: ``name``, ``size`` in bytes, ``md5``, ``sha256`` (None where none is
published); ``role``: ``images``, ``labels``, ``archive`` (EMNIST's zip) or ``mapping`` (EMNIST's label map);
``subset``: ``train``, ``test``, ``nist`` (None for an archive); ``member``: for a file inside an archive, its
path there (the set's ``archive`` names the archive)."""
FileSet.__doc__ = """A published set of files, downloaded and recognised as one: ``name`` (what ``mnistio
download`` takes), ``title`` (as its publisher writes it), ``files``, ``mirrors`` (base URLs, tried in order; a
file's URL is the base plus its name), ``folder`` (torchvision's: ``<root>/<folder>/raw/``), ``label_names``,
``first_label`` (EMNIST letters count from 1), ``transposed`` (EMNIST: each image is stored as its transpose),
``archive`` (the file of another set whose archive holds these files, or None), ``source`` (where the
figures come from)."""
Match.__doc__ = """A file on disk (``path``) recognised as a published ``file`` of ``fileset``."""


_DIGITS = tuple("0123456789")
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_FASHION = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
            "Ankle boot")
# kmnist_classmap.csv: index,codepoint,char (U+304A ... U+3092)
_KMNIST = ("\u304a", "\u304d", "\u3059", "\u3064", "\u306a", "\u306f", "\u307e", "\u3084", "\u308c", "\u3092")
# k49_classmap.csv: the 48 hiragana in goju-on order, then the iteration mark U+309D
_K49 = tuple("\u3042\u3044\u3046\u3048\u304a\u304b\u304d\u304f\u3051\u3053\u3055\u3057\u3059\u305b\u305d"
             "\u305f\u3061\u3064\u3066\u3068\u306a\u306b\u306c\u306d\u306e\u306f\u3072\u3075\u3078\u307b"
             "\u307e\u307f\u3080\u3081\u3082\u3084\u3086\u3088\u3089\u308a\u308b\u308c\u308d\u308f\u3090"
             "\u3091\u3092\u3093\u309d")
# emnist-<split>-mapping.txt: "label code [code...]"; bymerge and balanced merge the 15 letters whose
# cases look alike (c i j k l m o p s u v w x y z) into their upper case
_EMNIST_BYCLASS = _DIGITS + tuple(_UPPER + _UPPER.lower())
_EMNIST_MERGED = _DIGITS + tuple(_UPPER + "abdefghnqrt")
_EMNIST_LETTERS = tuple(_UPPER)  # mapping "1 65 97" ... "26 90 122": labels 1..26

_MNIST_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                "t10k-labels-idx1-ubyte.gz")


def _idx_files(figures):
    """The four files of an MNIST-like set, in :data:`_MNIST_FILES`' order, from (size, md5, sha256)."""
    return tuple(KnownFile(name, size, md5, sha256, "labels" if "labels" in name else "images",
                           "train" if name.startswith("train") else "test")
                 for name, (size, md5, sha256) in zip(_MNIST_FILES, figures))


def _emnist_split(split, names, first_label=0):
    files = []
    for subset in ("train", "test"):
        for role, kind in (("images", "images-idx3"), ("labels", "labels-idx1")):
            name = "emnist-%s-%s-%s-ubyte.gz" % (split, subset, kind)
            files.append(KnownFile(name, None, None, None, role, subset, "gzip/" + name))
    mapping = "emnist-%s-mapping.txt" % split
    files.append(KnownFile(mapping, None, None, None, "mapping", None, "gzip/" + mapping))
    return FileSet("emnist-" + split, "EMNIST " + split, tuple(files), _EMNIST_MIRRORS, "EMNIST", names,
                   first_label, transposed=True, archive="gzip.zip",
                   source="files inside EMNIST's gzip.zip: no published size or checksum of their own")


_EMNIST_MIRRORS = ("https://biometrics.nist.gov/cs_links/EMNIST/",
                   "https://www.itl.nist.gov/iaui/vip/cs_links/EMNIST/")  # torchvision's URL, then its earlier one
_QMNIST_MIRRORS = ("https://raw.githubusercontent.com/facebookresearch/qmnist/master/",)


CATALOGUE: Tuple[FileSet, ...] = (  # the published sets, in the order ``mnistio download --help`` lists them
    FileSet("mnist", "MNIST", _idx_files([
        (9912422, "f68b3c2dcbeaaa9fbdd348bbdeb94873",
         "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
        (28881, "d53e105ee54ea40749a09fcbcd1e9432",
         "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
        (1648877, "9fb629c4189551a2d022fa330f9573f3",
         "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
        (4542, "ec29112dd5afa0611ce80d1b7f02629c",
         "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
    ]), ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"), "MNIST", _DIGITS,
        source="md5: torchvision; sizes and sha256: TensorFlow Datasets"),
    FileSet("fashion-mnist", "Fashion-MNIST", _idx_files([
        (26421880, "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
         "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
        (29515, "25c81989df183df01b3e8a0aad5dffbe",
         "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
        (4422102, "bef4ecab320f06d8554ea6380940ec79",
         "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
        (5148, "bb300cfdad3c16e7a12a480ee83cd310",
         "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
    ]), ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",), "FashionMNIST", _FASHION,
        source="md5: torchvision; sizes and sha256: TensorFlow Datasets"),
    FileSet("kmnist", "Kuzushiji-MNIST", _idx_files([
        (18165135, "bdb82020997e1d708af4cf47b453dcf7",
         "51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4"),
        (29497, "e144d726b3acfaa3e44228e80efcd344",
         "e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17"),
        (3041136, "5c965bf0a639b31b8f53240b1b52f4d7",
         "edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5"),
        (5120, "7320c461ea6c1c855c0b718fb2a4b134",
         "20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c"),
    ]), ("http://codh.rois.ac.jp/kmnist/dataset/kmnist/",), "KMNIST", _KMNIST,
        source="md5: torchvision; sizes and sha256: TensorFlow Datasets"),
    FileSet("k49", "Kuzushiji-49", (
        KnownFile("k49-train-imgs.npz", None, "7ac088b20481cf51dcd01ceaab89d821", None, "images", "train"),
        KnownFile("k49-train-labels.npz", None, "44a8e1b893f81e63ff38d73cad420f7a", None, "labels", "train"),
        KnownFile("k49-test-imgs.npz", None, "d352e201d846ce6b94f42c990966f374", None, "images", "test"),
        KnownFile("k49-test-labels.npz", None, "4da6f7a62e67a832d5eb1bd85c5ee448", None, "labels", "test"),
    ), ("http://codh.rois.ac.jp/kmnist/dataset/k49/",), "K49", _K49,
        source="md5: independent public loaders that agree (the publisher posts none); no published sizes"),
    FileSet("emnist", "EMNIST", (
        KnownFile("gzip.zip", 561753746, "58c8d27c78d21e728a6bc7b3cc06412e",
                  "fb9bb67e33772a9cc0b895e4ecf36d2cf35be8b709693c3564cea2a019fcda8e", "archive"),
    ), _EMNIST_MIRRORS, "EMNIST", _EMNIST_BYCLASS, transposed=True,
        source="md5: torchvision; size and sha256: TensorFlow Datasets"),
    _emnist_split("byclass", _EMNIST_BYCLASS),
    _emnist_split("bymerge", _EMNIST_MERGED),
    _emnist_split("balanced", _EMNIST_MERGED),
    _emnist_split("letters", _EMNIST_LETTERS, first_label=1),
    _emnist_split("digits", _DIGITS),
    _emnist_split("mnist", _DIGITS),
    FileSet("qmnist", "QMNIST", (
        KnownFile("qmnist-train-images-idx3-ubyte.gz", None, "ed72d4157d28c017586c42bc6afe6370", None, "images",
                  "train"),
        KnownFile("qmnist-train-labels-idx2-int.gz", None, "0058f8dd561b90ffdd0f734c6a30e5e4", None, "labels",
                  "train"),
        KnownFile("qmnist-test-images-idx3-ubyte.gz", None, "1394631089c404de565df7b7aeaf9412", None, "images",
                  "test"),
        KnownFile("qmnist-test-labels-idx2-int.gz", None, "5b5b05890a5e13444e108efe57b788aa", None, "labels",
                  "test"),
    ), _QMNIST_MIRRORS, "QMNIST", _DIGITS, source="md5: torchvision; no published sizes"),
    FileSet("qmnist-nist", "QMNIST xnist", (
        KnownFile("xnist-images-idx3-ubyte.xz", None, "7f124b3b8ab81486c9d8c2749c17f834", None, "images", "nist"),
        KnownFile("xnist-labels-idx2-int.xz", None, "5ed0e788978e45d4a8bd4b7caec3d79d", None, "labels", "nist"),
    ), _QMNIST_MIRRORS, "QMNIST", _DIGITS, source="md5: torchvision; no published sizes"),
)

#: the names of :data:`CATALOGUE`, in order
NAMES = tuple(fileset.name for fileset in CATALOGUE)


def get(name: str, catalogue: Optional[Iterable[FileSet]] = None) -> Optional[FileSet]:
    """The file set called ``name`` (case and ``_``/``-`` ignored), or None. ``catalogue`` defaults
    to :data:`CATALOGUE` (as in every function here: read when called, so it can be replaced)."""
    wanted = name.strip().lower().replace("_", "-")
    for fileset in _catalogue(catalogue):
        if fileset.name == wanted:
            return fileset
    return None


def _catalogue(catalogue: Optional[Iterable[FileSet]]) -> Tuple[FileSet, ...]:
    return tuple(CATALOGUE if catalogue is None else catalogue)


# -- checksums --------------------------------------------------------------------

def file_digest(path: str, algorithm: str = "md5") -> str:
    """The hex digest of a file, read in chunks (memory does not grow with its size)."""
    import hashlib  # here: OpenSSL's library costs milliseconds and megabytes, and most imports hash nothing

    digest = hashlib.new(algorithm)
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_md5(path: str) -> str:
    return file_digest(path, "md5")


def _checksum_matches(path: str, known: KnownFile) -> bool:
    """Whether ``path`` has ``known``'s published checksum (sha256 when published, else md5)."""
    if known.sha256 is not None:
        return file_digest(path, "sha256") == known.sha256
    return known.md5 is not None and file_md5(path) == known.md5


# -- recognising files on disk ------------------------------------------------------

def _regular_size(path: str) -> Optional[int]:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_size if stat.S_ISREG(found.st_mode) else None


def _candidates(name: str, size: Optional[int], catalogue: Iterable[FileSet], roles: Optional[Tuple[str, ...]]
                ) -> List[Tuple[FileSet, KnownFile]]:
    """The published files a file of this name and size could be: same size when the size is
    published, else same name (a checksum with nothing cheaper before it would cost a read of
    any file); never a file without a checksum."""
    found = []
    for fileset in catalogue:
        for known in fileset.files:
            if known.md5 is None and known.sha256 is None:
                continue
            if roles is not None and known.role not in roles:
                continue
            if known.size is not None and known.size == size or known.size is None and known.name == name:
                found.append((fileset, known))
    return found


def identify(path: str, catalogue: Optional[Iterable[FileSet]] = None) -> List[Match]:
    """The published files among ``path`` (a file, or the files of a folder, not its subfolders).

    A file is compared with the catalogue by size first; its checksum is
    computed (in chunks) only when a published size matches, or, for the
    files published without a size, when its name is the published name.
    The same bytes published in two sets match both.
    """
    catalogue = _catalogue(catalogue)
    if os.path.isdir(path):
        paths = [os.path.join(path, name) for name in sorted(os.listdir(path))]
    else:
        paths = [path]
    matches = []
    for file_path in paths:
        size = _regular_size(file_path)
        if size is None:
            continue
        digests: Dict[str, str] = {}
        for fileset, known in _candidates(os.path.basename(file_path), size, catalogue, None):
            algorithm = "sha256" if known.sha256 is not None else "md5"
            if algorithm not in digests:
                digests[algorithm] = file_digest(file_path, algorithm)
            if digests[algorithm] == (known.sha256 if algorithm == "sha256" else known.md5):
                matches.append(Match(fileset, known, file_path))
    return matches


def describe_matches(matches: Iterable[Match]) -> List[str]:
    """One phrase per file set matched: ``"Fashion-MNIST train, test, original files"``
    (``"...: 3 of 4 original files"`` when some are missing)."""
    by_set: Dict[str, Tuple[FileSet, List[KnownFile]]] = {}
    for match in matches:
        entry = by_set.setdefault(match.fileset.name, (match.fileset, []))
        if match.file not in entry[1]:
            entry[1].append(match.file)
    phrases = []
    for fileset, files in by_set.values():
        subsets = sorted({known.subset for known in files if known.subset is not None}, key=subset_order_key)
        what = ("original files" if len(files) == len(fileset.files)
                else "%d of %d original files" % (len(files), len(fileset.files)))
        phrases.append("%s %s" % (fileset.title, ", ".join(subsets + [what])))
    return phrases


def category_names(fileset: FileSet) -> List[str]:
    """The label names by value: EMNIST letters' value 0, which has no letter, is named "N/A"
    (as torchvision names it)."""
    return ["N/A"] * fileset.first_label + list(fileset.label_names)


def known_label_names(folder: str, names: Iterable[str] = (),
                      catalogue: Optional[Iterable[FileSet]] = None) -> Optional[List[str]]:
    """The label names of the published set whose labels file is in ``folder``, or None.

    Cheap enough for every import: only published labels files of sets whose
    names are not the digits are looked for, by size (a ``stat``), and only a
    file of the right size is hashed (the largest is 30 KB). ``names`` are the
    folder's file names, when the caller has listed it already.
    """
    catalogue = [fileset for fileset in _catalogue(catalogue) if fileset.label_names != _DIGITS]
    found = None
    for name in names or os.listdir(folder):
        if "label" not in name:  # every published labels file says so: a big folder costs no stat per file
            continue
        path = os.path.join(folder, name)
        size = _regular_size(path)
        if size is None:
            continue
        for fileset, known in _candidates(name, size, catalogue, ("labels",)):
            if _checksum_matches_md5_first(path, known):
                if found is not None and found is not fileset:
                    return None  # two sets' labels side by side: nothing to go by
                found = fileset
    return category_names(found) if found is not None else None


def default_label_names(folder: str) -> Sequence[str]:
    """The label names of a folder without a names file: the published set's when its labels
    file is there (:func:`known_label_names`), else the digits."""
    return known_label_names(folder) or DEFAULT_LABEL_NAMES


def _checksum_matches_md5_first(path: str, known: KnownFile) -> bool:
    """md5 (cheaper than sha256) when published; else the sha256."""
    if known.md5 is not None:
        return file_md5(path) == known.md5
    return _checksum_matches(path, known)
