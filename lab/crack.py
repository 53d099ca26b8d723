"""`python -m lab crack TOKEN`: find the HMAC secret of an HS256 token in a list of words.

This is why an HMAC secret must be long and random: the signature lets anyone who holds one
token test guesses offline, as fast as their machine computes HMAC-SHA256, without ever
asking the server.
"""

import binascii
import hashlib
import hmac
from pathlib import Path

from jwt.utils import base64url_decode

WORDLIST = Path(__file__).resolve().parent / "wordlist.txt"


def crack(token, words):
    """Return the word that signed token with HS256, or None; also the number of guesses."""
    signing_input, _, signature = token.rpartition(".")
    signature = base64url_decode(signature)
    guesses = 0
    for word in words:
        guesses += 1
        digest = hmac.new(word.encode(), signing_input.encode(), hashlib.sha256).digest()
        if hmac.compare_digest(digest, signature):
            return word, guesses
    return None, guesses


def add_parser(commands):
    """Add the `crack` subcommand."""
    parser = commands.add_parser("crack", help="find an HS256 token's secret in a word list")
    parser.add_argument("token", help="an HS256 JWT")
    parser.add_argument("--wordlist", type=Path, default=WORDLIST, help="one guess per line")
    parser.set_defaults(run=run)


def run(args, console):
    """Try every word of the list; return 0 when the secret was found, 1 when not, 2 if no JWT."""
    words = [line.strip() for line in args.wordlist.read_text().splitlines() if line.strip()]
    if args.token.count(".") != 2:
        console.print("error: that is not a JWT (three dot-separated parts)")
        return 2
    try:
        with console.status(f"trying {len(words)} words…"):
            secret, guesses = crack(args.token, words)
    except (binascii.Error, ValueError):
        console.print("error: that is not a JWT (its signature part is not base64url)")
        return 2
    if secret is None:
        console.print(f"not found in {guesses} guesses: the secret is not a listed word.")
        return 1
    console.print(f"secret found after {guesses} guesses: [bold]{secret}[/bold]")
    console.print("Anyone who knows it can sign any token this server will accept.")
    return 0
