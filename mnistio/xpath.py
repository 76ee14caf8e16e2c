"""Compatibility: :mod:`mnistio.ops.xpath` (XPath 1.0 over item trees) under its old name."""

from .ops.xpath import (
                        BOOLEAN,
                        NODESET,
                        NUMBER,
                        STRING,
                        Document,
                        Element,
                        Text,
                        XPath,
                        XPathLimitError,
                        XPathSyntaxError,
                        compile,
                        to_xml,
)

__all__ = ["compile", "XPath", "XPathSyntaxError", "XPathLimitError", "Element", "Text", "Document", "to_xml",
           "NODESET", "STRING", "NUMBER", "BOOLEAN"]
