"""``mnistio download``: fetch a published MNIST-family file set by name, verified.

::

    mnistio download NAME [-o DIR] [--mirror URL]... [-q]

The files go to ``DIR/<Folder>/raw/`` (torchvision's layout; ``DIR`` is the
current folder by default), each checked against its published size and
checksum before it gets its name (``docs/download.rst``). A progress bar is
drawn on stderr when it is a terminal; the folder is printed at the end.
"""

from __future__ import annotations

from ..._words import count
from ...formats import _catalogue
from ...ops.download import download, get
from .._shared import HelpFormatter
from ..progress import Progress

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

__all__ = ["register", "run"]


def _names_help() -> str:
    lines = ["datasets (NAME):"]
    for fileset in _catalogue.CATALOGUE:
        sizes = [known.size for known in fileset.files]
        size = " (%.0f MB)" % (sum(sizes) / 1e6) if all(size is not None for size in sizes) else ""  # type: ignore
        inside = ", from %s" % fileset.archive if fileset.archive else ""
        lines.append("  %-16s %s%s%s -> %s/raw/" % (fileset.name, fileset.title, size, inside, fileset.folder))
    return "\n".join(lines)


def register(subparsers):
    parser = subparsers.add_parser(
        "download", help="download a published MNIST-family dataset by name, checksums verified",
        formatter_class=HelpFormatter,
        description="Download the published files of a dataset from the mirrors torchvision uses (or those "
                    "given with --mirror), each checked against its published size and checksum before it "
                    "gets its name. A download cut short is continued by the next run; files already there and "
                    "verified are not downloaded again. The http_proxy and https_proxy variables are honoured.",
        epilog=_names_help() + "\n\nexample:\n  mnistio download fashion-mnist -o data && mnistio info "
                               "data/FashionMNIST/raw")
    parser.add_argument("name", metavar="NAME", help="the dataset (listed below)")
    parser.add_argument("-o", "--output-dir", default=".",
                        help="the root folder: files go to DIR/<Folder>/raw/ as torchvision keeps them "
                             "(default: the current folder)")
    parser.add_argument("--mirror", action="append", metavar="URL",
                        help="a base URL to download from instead of the published mirrors (repeat for several, "
                             "tried in order); a file's URL is URL/<file name>")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar (there is none when stderr "
                                                                   "is not a terminal)")
    parser.set_defaults(run=run)


class _Bars:
    """One progress bar per file, in bytes."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Optional[Progress] = None
        self.name: Optional[str] = None

    def __call__(self, name: str, done: int, total: Optional[int]) -> None:
        if self.bar is None or name != self.name:
            self.close()
            self.name = name
            self.bar = Progress(total=total, enabled=self.enabled, label=name, unit="bytes")
        if total is not None:
            self.bar.total = total
        if done < self.bar.count:  # the server ignored the resume: starting over
            self.bar.count = 0
        self.bar.update(done - self.bar.count)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def run(args):
    bars = _Bars(not args.quiet)
    try:
        folder = download(args.name, args.output_dir, args.mirror, bars)
    finally:
        bars.close()
    fileset = get(args.name)
    files = len(fileset.files) + (1 if fileset.archive else 0) if fileset is not None else 0
    print("%s: %s of %s, checksums verified" % (folder, count(files, "file"), fileset.title if fileset else args.name))
    return 0
