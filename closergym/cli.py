"""The command line: `python -m closergym SUBCOMMAND ...`.

Each subcommand is a small function taking the parsed arguments and the settings; it prints plain
text or JSON and returns an exit code. Errors a user can fix print one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable

import closergym
from closergym import store
from closergym.config import Config, load_config

Command = Callable[[argparse.Namespace, Config], int]
COMMANDS: dict[str, Command] = {}


def command(name: str) -> Callable[[Command], Command]:
    def register(func: Command) -> Command:
        COMMANDS[name] = func
        return func

    return register


def open_db(config: Config):
    return store.open_db(config.db_path, create_folder=not config.db_path_from_env)


@command("info")
def cmd_info(args: argparse.Namespace, config: Config) -> int:
    """Print the version, the database path and size, and the library's load status."""
    from closergym.content import library

    lib = library()
    info = {
        "version": closergym.__version__,
        "database": str(config.db_path),
        "database_bytes": store.db_file_size(config.db_path),
        "engine": "builtin",
        "objections": len(lib.objections),
        "lessons": len(lib.lessons),
        "content_errors": [str(error) for error in lib.errors],
    }
    print(json.dumps(info, indent=2, ensure_ascii=False))
    return 0


@command("trainees")
def cmd_trainees(args: argparse.Namespace, config: Config) -> int:
    """List trainees, or create one with --create NAME."""
    db = open_db(config)
    if args.create:
        try:
            trainee = store.create_trainee(db, args.create)
        except ValueError as error:
            raise CliError(str(error)) from None
        print(f"Created trainee {trainee['name']}")
        return 0
    for trainee in store.list_trainees(db):
        counts = store.trainee_counts(db, trainee["id"])
        print(f"{trainee['name']}\t{counts['sessions']} sessions\t{counts['turns']} turns")
    return 0


class CliError(Exception):
    """A problem the user can fix: printed as one line, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m closergym",
        description="Closer Gym from the command line: grade rebuttals, generate responses, "
        "export and import training data.",
    )
    parser.add_argument("--version", action="version", version=f"closergym {closergym.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND", required=True)

    sub.add_parser("info", help="version, database location and content status")

    trainees = sub.add_parser("trainees", help="list trainees or create one")
    trainees.add_argument("--create", metavar="NAME", help="create a trainee with this name")

    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    config = load_config(os.environ)
    try:
        return COMMANDS[args.command](args, config)
    except (CliError, store.StorageError) as error:
        print(f"closergym: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
