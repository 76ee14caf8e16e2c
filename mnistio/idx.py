"""Compatibility: :mod:`mnistio.codecs.idx` under its old name (``from mnistio import idx``)."""

from .codecs.idx import DTYPES, Header, Reader, Writer, is_gzip, open, read, write

__all__ = ["DTYPES", "Header", "Reader", "Writer", "open", "read", "write", "is_gzip"]
