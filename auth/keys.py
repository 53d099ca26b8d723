"""The keys that sign and verify the lab's JWTs: one HMAC secret, or an asymmetric key set.

HS256 signs and verifies with one shared secret: every verifier can also forge tokens. With
RS256, ES256 or EdDSA only the holder of the private key can sign, and anyone may verify with
the public key, which /.well-known/jwks.json publishes with its key id (kid).

A key folder holds pairs named after their kid: `<kid>.pem` (private, 0600) and
`<kid>.pub.pem`. The newest private key signs; every public key in the folder verifies, so a
rotation adds a new pair and keeps the old public key until the last token it signed has
expired. A token's kid only ever selects from this fixed set: it never names a file, a URL or
a key to fetch, and jku, x5u and jwk headers are never read.
"""

import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

HMAC_ALGORITHMS = {"HS256"}
ASYMMETRIC_ALGORITHMS = {"RS256": RSAAlgorithm, "ES256": ECAlgorithm, "EdDSA": OKPAlgorithm}
ALGORITHMS = HMAC_ALGORITHMS | set(ASYMMETRIC_ALGORITHMS)


def _new_private_key(algorithm):
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    return ed25519.Ed25519PrivateKey.generate()


def generate_key_pair(algorithm, folder):
    """Create a new key pair for algorithm in folder; return its kid (it signs from now on)."""
    if algorithm not in ASYMMETRIC_ALGORITHMS:
        raise ValueError(
            f"{algorithm} is not an asymmetric algorithm: {sorted(ASYMMETRIC_ALGORITHMS)}"
        )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Sorting by name sorts by creation time: the newest key is the last one.
    kid = f"{algorithm}-{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}"
    private_key = _new_private_key(algorithm)
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private_path = folder / f"{kid}.pem"
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(private_pem)
    (folder / f"{kid}.pub.pem").write_bytes(public_pem)
    return kid


@dataclass
class KeySet:
    """What this backend signs with and what it accepts signatures from."""

    algorithm: str
    signing_kid: str | None = None
    signing_key: object = None
    verifying_keys: dict = field(default_factory=dict)

    @property
    def asymmetric(self):
        """Whether tokens are signed with a private key and verified with public ones."""
        return self.algorithm in ASYMMETRIC_ALGORITHMS

    def jwks(self):
        """Return the public keys as a JSON Web Key Set (nothing for an HMAC secret)."""
        if not self.asymmetric:
            return {"keys": []}
        to_jwk = ASYMMETRIC_ALGORITHMS[self.algorithm].to_jwk
        keys = []
        for kid, key in sorted(self.verifying_keys.items()):
            jwk = to_jwk(key, as_dict=True)
            jwk.update(kid=kid, alg=self.algorithm, use="sig")
            keys.append(jwk)
        return {"keys": keys}


def key_files(folder, algorithm):
    """Return the kids of folder's public keys and of its private keys for algorithm, sorted."""
    public = sorted(
        path.name.removesuffix(".pub.pem") for path in folder.glob(f"{algorithm}-*.pub.pem")
    )
    private = sorted(
        path.name.removesuffix(".pem")
        for path in folder.glob(f"{algorithm}-*.pem")
        if not path.name.endswith(".pub.pem")
    )
    return public, private


def load_key_set(config):
    """Build the key set from the app's configuration; raise RuntimeError saying what to set."""
    algorithm = config["JWT_ALGORITHM"]
    if algorithm not in ALGORITHMS:
        raise RuntimeError(f"JWT_ALGORITHM must be one of {', '.join(sorted(ALGORITHMS))}")
    if algorithm in HMAC_ALGORITHMS:
        secret = config["JWT_SECRET_KEY"]
        return KeySet(algorithm, signing_key=secret, verifying_keys={None: secret})
    folder = config.get("JWT_KEY_DIR")
    if not folder or not Path(folder).is_dir():
        raise RuntimeError(
            f"JWT_ALGORITHM={algorithm} needs JWT_KEY_DIR, a folder of key pairs "
            "(python -m lab keys new --algorithm ALG --dir FOLDER creates one)"
        )
    folder = Path(folder)
    public, private = key_files(folder, algorithm)
    if not public:
        raise RuntimeError(f"JWT_KEY_DIR {folder} holds no {algorithm} public key")
    verifying = {
        kid: serialization.load_pem_public_key((folder / f"{kid}.pub.pem").read_bytes())
        for kid in public
    }
    key_set = KeySet(algorithm, verifying_keys=verifying)
    if private:
        # Only an issuer needs a private key; a verifier can run with the public keys alone.
        key_set.signing_kid = private[-1]
        key_set.signing_key = (folder / f"{private[-1]}.pem").read_bytes()
    return key_set
