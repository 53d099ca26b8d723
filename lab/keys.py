"""`python -m lab keys`: create and list the key pairs that sign JWTs with RS256, ES256, EdDSA."""

from rich.table import Table

from auth import keys
from lab.stack import key_folder


def add_parser(commands):
    """Add the `keys` subcommand."""
    parser = commands.add_parser("keys", help="create (rotate) or list JWT signing key pairs")
    actions = parser.add_subparsers(dest="action", required=True)
    new = actions.add_parser("new", help="add a key pair; it signs from now on (a rotation)")
    listing = actions.add_parser("list", help="list the key pairs of an algorithm")
    for sub in (new, listing):
        sub.add_argument("--algorithm", choices=sorted(keys.ASYMMETRIC_ALGORITHMS), default="ES256")
        sub.add_argument(
            "--dir",
            help="key folder (default: $XDG_STATE_HOME/authlab/keys/ALG, "
            "~/.local/state/authlab/keys/ALG without it)",
        )
    parser.set_defaults(run=run)


def run(args, console):
    """Create or list key pairs; return the exit code."""
    folder = key_folder(args.algorithm, args.dir)
    if args.action == "new":
        kid = keys.generate_key_pair(args.algorithm, folder)
        console.print(f"new key pair {kid} in {folder}: restart the backends to sign with it.")
        console.print(
            "Keep the old public keys until the last token they signed has expired "
            "(REFRESH_TOKEN_EXPIRES), then delete them."
        )
        return 0
    table = Table(title=f"{args.algorithm} keys in {folder}")
    for column in ("kid", "private key here", "signs"):
        table.add_column(column)
    kids, private = keys.key_files(folder, args.algorithm)
    # The newest private key signs, as auth.keys.load_key_set picks it.
    signer = private[-1] if private else None
    for kid in kids:
        table.add_row(kid, "yes" if kid in private else "no", "yes" if kid == signer else "")
    console.print(table)
    return 0
