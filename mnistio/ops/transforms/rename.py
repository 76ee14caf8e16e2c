"""``rename``: item ids through a regular expression, ``|pattern|replacement|`` (Datumaro's)."""

from __future__ import annotations

import re
import string

from ...errors import UsageError
from ...model.dataset import Dataset
from ...model.options import Option
from ...model.sources import MappedSource
from ._common import where
from ._spec import TransformSpec


class _EscapingFormatter(string.Formatter):
    """``str.format`` whose fields come out safe in a ``re.sub`` replacement."""

    def format_field(self, value, format_spec):
        return super().format_field(value, format_spec).replace("\\", "\\\\")


#: the fields a replacement may use; any other attribute chain could read the process's memory
#: ({item.__class__.__init__.__globals__...}) into the exported ids
FIELDS = ("item.id", "item.subset")


def _check_template(formatter, template):
    try:
        fields = [(field, spec, conversion) for _, field, spec, conversion in formatter.parse(template)
                  if field is not None]
    except ValueError as error:
        raise UsageError("rename replacement %r: %s (double literal braces)" % (template, error)) from None
    for field, spec, conversion in fields:
        if spec or conversion:
            # A format spec can hold fields of its own ({item.id:{item.__class__...}}) and widths
            # that allocate gigabytes ({item.id:>2000000000}): none is needed to rename.
            raise UsageError("rename replacement %r: field {%s} takes no format spec or conversion (%r)"
                             % (template, field, (":" + spec) if spec else ("!" + conversion)))
        if field not in FIELDS:
            raise UsageError("rename replacement %r: field {%s} is not of the item as a replacement may use it "
                             "(only %s; double literal braces)"
                             % (template, field, ", ".join("{%s}" % name for name in FIELDS)))


def rename(dataset: Dataset, regex: str) -> Dataset:
    r"""Item ids through ``re.sub``, given Datumaro's way: ``"|pattern|replacement|"``.

    The first character is the separator. The replacement may use ``\1``
    and the fields ``{item.id}`` and ``{item.subset}`` (literal braces
    doubled), as in Datumaro's examples; Datumaro allows any attribute chain
    of the item, which can read the process's memory, so no other field is
    accepted. Unlike Datumaro, ids holding braces are fine.
    """
    if not isinstance(regex, str) or not regex:
        raise UsageError("rename needs a regex like '|pattern|replacement|', not %r" % (regex,))
    parts = regex.split(regex[0], 3)
    if len(parts) < 3 or (len(parts) == 4 and parts[3]):
        raise UsageError("rename regex %r is not in the form '|pattern|replacement|'" % regex)
    try:
        pattern = re.compile(parts[1])
    except re.error as error:
        raise UsageError("rename pattern %r: %s" % (parts[1], error)) from None
    template, formatter = parts[2], _EscapingFormatter()
    _check_template(formatter, template)
    uses_fields = "{" in template or "}" in template

    def rename_item(item):
        try:
            replacement = formatter.format(template, item=item) if uses_fields else template
            new_id = pattern.sub(replacement, item.id)
        except (re.error, AttributeError, IndexError, KeyError, ValueError) as error:
            raise UsageError("rename %s: %s" % (where(item), error)) from None
        return item if new_id == item.id else item.wrap(id=new_id)

    return Dataset(MappedSource(dataset.source, rename_item, keeps_count=True))


SPEC = TransformSpec("rename", rename, [
    Option("regex", str, flags=("-e", "--regex"), required=True, metavar="|PATTERN|REPLACEMENT|",
           help="re.sub pattern and replacement, the first character separating them"),
])
