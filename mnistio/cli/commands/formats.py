"""``mnistio formats``: the known formats, each with what it is and its own export options."""

from ... import formats

__all__ = ["register"]


def register(subparsers):
    parser = subparsers.add_parser(
        "formats", help="list the known formats and their export options",
        description="List the known formats, in the order detection tries them; with -v, each with its "
                    "export options (given after '--' to convert, filter, transform, merge and export).")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also what each format is, and its export options")
    parser.set_defaults(run=run)


def run(args):
    if not args.verbose:
        print("\n".join(formats.names()))
        return 0
    print("export options of every format (after '--'):")
    print("\n".join(formats.COMMON_EXPORT_OPTIONS.help_lines()))
    export_flags = {flag for spec in formats.specs() for option in spec.all_export_options for flag in option.flags}
    for spec in formats.specs():
        print()
        print("%s: %s" % (spec.name, spec.description))
        if len(spec.export_options):
            print("\n".join(spec.export_options.help_lines()))
        # An import option whose flag is an export option's (--workers) is for Python callers only.
        reading = formats.Options([option for option in spec.import_options
                                   if not set(option.flags) & export_flags])
        if len(reading):
            print("  reading (among the flags of convert, info, filter, transform, stats, preview):")
            print("\n".join("  " + line for line in reading.help_lines()))
    return 0
