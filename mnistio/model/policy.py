"""Error policies, as Datumaro's: what an import does with an item it cannot read.

``Dataset.import_from(path, format, error_policy=policy)`` hands every fault
confined to one item (a label with no name, a CSV line that is not numbers,
a CIFAR row of the wrong length, a list line that cannot be parsed) to
``policy.report_item_error(error, item_id=(id, subset))``. The policy
wraps the error in an :class:`~mnistio.errors.ItemImportError` (the
reader's error, naming the file and the line or item, is its
``__cause__``) and passes it to ``_handle_item_error``. If that returns,
the reader leaves the item out and goes on with the next; if it calls
``fail``, the import stops with the reader's error, as it does with no
policy. :class:`FailingImportErrorPolicy`, the default, fails at once. To
collect the bad items instead, subclass :class:`ImportErrorPolicy`::

    class Collect(dm.ImportErrorPolicy):
        def __init__(self):
            self.errors = []

        def _handle_item_error(self, error):
            self.errors.append(error)          # error.item_id, error.__cause__

A fault that leaves the rest of the file unreadable (a file cut short, a
bad header, an unreadable pickle, text that is not UTF-8) is not confined to
one item: it stops the import whatever the policy says.

:class:`ImportContext` holds the policy and the progress reporter while a
dataset is read (Datumaro's name); readers reach it through
:meth:`~mnistio.model.sources.ItemSource.item_fault`, the one place where a
fault becomes an error or a skipped item. :class:`ExportErrorPolicy` is
Datumaro's export twin: ``Dataset.export`` accepts one, and, as Datumaro's
exporters of the classification layouts, does not consult it.
"""

from __future__ import annotations

from ..errors import (
                      AnnotationExportError,
                      AnnotationImportError,
                      ItemExportError,
                      ItemImportError,
                      MnistioError,
                      UsageError,
)
from .progress import NullProgressReporter, ProgressReporter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NoReturn, Optional, Set, Tuple, Type

    ItemId = Tuple[Optional[str], Optional[str]]

__all__ = ["ImportErrorPolicy", "FailingImportErrorPolicy", "ExportErrorPolicy", "FailingExportErrorPolicy",
           "ImportContext"]


class _PolicyFail(MnistioError):
    """What ``fail`` raises, its ``__cause__`` the error the policy failed with."""

    def __init__(self) -> None:
        super().__init__("the error policy stopped the import")


class _ImportFail(_PolicyFail):
    """Datumaro's ``_ImportFail``: an import policy gave up."""


class _ExportFail(_PolicyFail):
    """Datumaro's ``_ExportFail``: an export policy gave up."""


class _ErrorPolicy:
    """What the import and export policies share; they differ in the errors they wrap in."""

    _item_error: Any  # the ItemImportError or ItemExportError class
    _annotation_error: Any
    _fail: Type[_PolicyFail]

    def report_item_error(self, error: BaseException, *, item_id: ItemId) -> None:
        """Report a fault in one item; if this returns, the item is left out."""
        return self._report(error, item_id, self._item_error, self._handle_item_error)

    def report_annotation_error(self, error: BaseException, *, item_id: ItemId) -> None:
        """Report a fault in one annotation of an item; if this returns, the annotation is left out."""
        return self._report(error, item_id, self._annotation_error, self._handle_annotation_error)

    def _report(self, error: BaseException, item_id: ItemId, wrapper: Any, handle: Any) -> None:
        """A failure of this policy passes through as it is; any other error is wrapped (the error
        becomes the wrapper's ``__cause__``) and handed to ``handle``."""
        if isinstance(error, self._fail):
            raise error
        wrapped = wrapper(item_id)
        wrapped.__cause__ = error
        return handle(wrapped)

    def _handle_item_error(self, error: Any) -> None:
        """Either return (the item is skipped) or call :meth:`fail`. Subclasses override this."""
        self.fail(error)

    def _handle_annotation_error(self, error: Any) -> None:
        """Either return (the annotation is skipped) or call :meth:`fail`."""
        self.fail(error)

    def fail(self, error: BaseException) -> NoReturn:
        """Stop: raise the policy's failure, caused by ``error``."""
        raise self._fail() from error


class ImportErrorPolicy(_ErrorPolicy):
    """Datumaro's base import policy; as it is, it fails at the first fault (subclass it, and
    override ``_handle_item_error``, to go on)."""

    _item_error = ItemImportError
    _annotation_error = AnnotationImportError
    _fail = _ImportFail


class FailingImportErrorPolicy(ImportErrorPolicy):
    """The default: the first fault stops the import with the reader's error."""


class ExportErrorPolicy(_ErrorPolicy):
    """Datumaro's export policy (errors wrapped in :class:`~mnistio.errors.ItemExportError`)."""

    _item_error = ItemExportError
    _annotation_error = AnnotationExportError
    _fail = _ExportFail


class FailingExportErrorPolicy(ExportErrorPolicy):
    """The default export policy: it fails at the first fault."""


class ImportContext:
    """The progress reporter and the error policy of one import (Datumaro's ``ImportContext``);
    None gives a :class:`~mnistio.model.progress.NullProgressReporter` and a
    :class:`FailingImportErrorPolicy`."""

    def __init__(self, progress_reporter: Optional[ProgressReporter] = None,
                 error_policy: Optional[ImportErrorPolicy] = None) -> None:
        if progress_reporter is not None and not callable(getattr(progress_reporter, "split", None)):
            raise UsageError("progress_reporter must be a ProgressReporter (with split, iter, start, ...), not %r"
                             % (progress_reporter,))
        if error_policy is not None and not callable(getattr(error_policy, "report_item_error", None)):
            raise UsageError("error_policy must be an ImportErrorPolicy (with report_item_error), not %r"
                             % (error_policy,))
        self.progress_reporter = progress_reporter if progress_reporter is not None else NullProgressReporter()
        self.error_policy = error_policy if error_policy is not None else FailingImportErrorPolicy()
        # The faults already reported: the dataset is read again on every pass, and each fault is
        # reported once, when first met (at import); later passes skip the item quietly.
        self._reported: Set[Tuple[ItemId, str]] = set()

    def report_item(self, error: MnistioError, item_id: ItemId) -> None:
        """Hand a fault in one item to the policy: return when the item is to be skipped, raise
        ``error`` itself (the reader's, naming the file and the place) when the policy fails."""
        key = (item_id, str(error))
        if key in self._reported:
            return
        try:
            self.error_policy.report_item_error(error, item_id=item_id)
        except _ImportFail as failure:
            cause = failure.__cause__
            if isinstance(cause, ItemImportError) and cause.__cause__ is error or cause is None:
                raise error from None
            raise cause from None
        self._reported.add(key)

    @property
    def reported(self) -> int:
        """How many faults the policy took (and so items were left out) so far."""
        return len(self._reported)
