"""Typed options: what a format's export, or a transform, can be told, with types and defaults.

One :class:`Option` describes one keyword argument: its Python name, the
command-line flags that spell it (Datumaro's), its type, its default and
help. The layers that own options (the formats' export options, the
transforms' parameters) declare them; the command line builds its flags from
them and the project file stores their values as JSON, so neither repeats
them. Nothing here imports argparse: :meth:`Options.parse_words` reads
Datumaro-style words (``-s train:0.8 --seed 1 --save-media``) itself, so the
project file can turn the words an older version stored into values.
"""

from __future__ import annotations

from ..errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

    #: a text converter: returns the value, raises ValueError (or UsageError) with what is wrong
    Parser = Callable[[str], Any]

__all__ = ["Option", "Options"]

_TYPE_NAMES = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}


class Option:
    """One option: ``name`` (the keyword), ``flags``, ``type``, ``default``, ``help``.

    ``type`` is ``bool`` (a flag taking no value), ``int``, ``float``,
    ``str``, or a function from the text of one value to the value (the
    command line's form; Python callers pass the value itself). ``multiple``
    options take a list, one value per flag given. ``choices`` limits the
    values. The default flag is ``--`` and the name with ``-`` for ``_``.
    """

    __slots__ = ("name", "flags", "type", "default", "help", "multiple", "required", "choices", "metavar",
                 "to_text")

    def __init__(self, name: str, type: Union[type, Parser] = str, *, default: Any = None, help: str = "",
                 flags: Sequence[str] = (), multiple: bool = False, required: bool = False,
                 choices: Sequence[Any] = (), metavar: Optional[str] = None,
                 to_text: Callable[[Any], str] = str) -> None:
        if not name.isidentifier():
            raise UsageError("option name %r is not a Python identifier" % (name,))
        self.name = name
        self.flags = tuple(flags) or ("--" + name.replace("_", "-"),)
        for flag in self.flags:
            if not flag.startswith("-") or flag in ("-", "--", "-h", "--help"):
                raise UsageError("option %s: %r cannot be a flag" % (name, flag))
        self.type = type
        self.default = default
        self.help = help
        self.multiple = multiple
        self.required = required
        self.choices = tuple(choices)
        self.metavar = metavar or (None if type is bool else name.upper())
        self.to_text = to_text

    @property
    def takes_value(self) -> bool:
        return self.type is not bool

    def from_text(self, text: str) -> Any:
        """One value from its command-line text; errors are worded as argparse words them."""
        try:
            value = self.type(text)
        except (ValueError, TypeError, UsageError) as error:
            if self.type in _TYPE_NAMES:
                reason = "invalid %s value: %r" % (self.type.__name__, text)
            else:
                reason = str(error.message if isinstance(error, UsageError) else error) or "invalid value %r" % text
            raise UsageError("argument %s: %s" % (self.spelled, reason)) from None
        if self.choices and value not in self.choices:
            raise UsageError("argument %s: invalid choice: %r (choose from %s)"
                             % (self.spelled, value, ", ".join(repr(choice) for choice in self.choices)))
        return value

    @property
    def spelled(self) -> str:
        """``-s/--subset``."""
        return "/".join(self.flags)

    def check(self, value: Any) -> Any:
        """A value given from Python, checked against the basic types (converters check their own)."""
        if self.multiple:
            if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
                raise UsageError("option %s takes a list, not %r" % (self.name, value))
            return [self._check_one(element) for element in value]
        return self._check_one(value)

    def _check_one(self, value: Any) -> Any:
        expected = self.type if self.type in _TYPE_NAMES else None
        if expected is not None and value is not None:
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                raise UsageError("option %s is %s, not %r" % (self.name, _TYPE_NAMES[expected], value))
        return self._checked_choice(value)

    def _checked_choice(self, value: Any) -> Any:
        if self.choices and value not in self.choices:
            raise UsageError("option %s is one of %s, not %r"
                             % (self.name, ", ".join(map(repr, self.choices)), value))
        return value

    def usage(self) -> str:
        """``-s NAME:RATIO, --subset NAME:RATIO``, as argparse's help shows an option."""
        value = " " + self.metavar if self.takes_value and self.metavar else ""
        return ", ".join(flag + value for flag in self.flags)

    def __repr__(self) -> str:
        return "Option(%r, flags=%r)" % (self.name, self.flags)


class Options:
    """An ordered, checked set of options: a format's export options, a transform's parameters."""

    def __init__(self, options: Iterable[Option] = (), owner: str = "") -> None:
        self.owner = owner
        self._options: Tuple[Option, ...] = tuple(options)
        self._by_name: Dict[str, Option] = {}
        self._by_flag: Dict[str, Option] = {}
        for option in self._options:
            if not isinstance(option, Option):
                raise UsageError("%s: %r is not an Option" % (owner, option))
            if option.name in self._by_name:
                raise UsageError("%s: option %s is declared twice" % (owner, option.name))
            self._by_name[option.name] = option
            for flag in option.flags:
                if flag in self._by_flag:
                    raise UsageError("%s: flag %s belongs to two options" % (owner, flag))
                self._by_flag[flag] = option

    def __iter__(self) -> Iterator[Option]:
        return iter(self._options)

    def __len__(self) -> int:
        return len(self._options)

    def __add__(self, other: "Options") -> "Options":
        return Options(tuple(self) + tuple(other), self.owner)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def get(self, name: str) -> Optional[Option]:
        return self._by_name.get(name)

    def get_by_flag(self, flag: str) -> Optional[Option]:
        return self._by_flag.get(flag)

    @property
    def names(self) -> List[str]:
        return [option.name for option in self._options]

    def check(self, values: Dict[str, Any], check_types: bool = True) -> Dict[str, Any]:
        """Values given from Python, checked: an unknown name is a UsageError that lists the known ones.

        With ``check_types=False`` only the names are checked (for functions
        that check their own values, and word them better).
        """
        checked = {}
        for name, value in values.items():
            option = self._by_name.get(name)
            if option is None:
                raise UsageError("%s: unexpected option %r (its options: %s)"
                                 % (self.owner, name, ", ".join(self.names) or "none"))
            checked[name] = option.check(value) if check_types else value
        return checked

    def parse_words(self, words: Sequence[str]) -> Dict[str, Any]:
        """Values from command-line words: ``["-s", "train:.8", "--seed=1", "--save-media"]``.

        Only the options given are returned, so defaults stay where they are
        declared; a ``multiple`` option collects a list. An unknown flag, a
        missing value or a missing required option is a UsageError.
        """
        try:
            return self._parse_words(list(words))
        except UsageError as error:
            raise UsageError("%s: %s" % (self.owner, error.message)) from None

    def _parse_words(self, words: List[str]) -> Dict[str, Any]:
        values: Dict[str, Any] = {}
        position = 0
        while position < len(words):
            word = words[position]
            flag, equals, inline = word.partition("=") if word.startswith("--") else (word, "", "")
            option = self._by_flag.get(flag)
            if option is None:
                raise UsageError("unrecognized arguments: %s" % " ".join(words[position:]))
            if not option.takes_value:
                if equals:
                    raise UsageError("argument %s: ignored explicit argument %r" % (option.spelled, inline))
                value: Any = True
            elif equals:
                value = option.from_text(inline)
            else:
                position += 1
                if position == len(words) or (words[position].startswith("-") and words[position] in self._by_flag):
                    raise UsageError("argument %s: expected one argument" % option.spelled)
                value = option.from_text(words[position])
            if option.multiple:
                values.setdefault(option.name, []).append(value)
            else:
                values[option.name] = value
            position += 1
        missing = [option.spelled for option in self if option.required and option.name not in values]
        if missing:
            raise UsageError("the following arguments are required: %s" % ", ".join(missing))
        return values

    def to_words(self, values: Dict[str, Any]) -> List[str]:
        """The command-line words that :meth:`parse_words` reads back as ``values``."""
        words: List[str] = []
        for option in self:
            if option.name not in values:
                continue
            value = values[option.name]
            for one in (value if option.multiple else [value]):
                if not option.takes_value:
                    if one:
                        words.append(option.flags[-1])
                    continue
                words.extend([option.flags[0], option.to_text(one)])
        return words

    def help_lines(self) -> List[str]:
        """One ``flags  help (default)`` line per option."""
        lines = []
        for option in self:
            default = ""
            if option.default not in (None, False, ()) and option.takes_value and "default" not in option.help:
                default = " (default: %s)" % (option.default,)
            usage = option.usage()
            lines.append("  %-28s %s%s" % (usage, option.help, default) if len(usage) <= 28
                         else "  %s\n  %-28s %s%s" % (usage, "", option.help, default))
        return lines
