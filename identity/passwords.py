"""Password hashing with argon2 (argon2-cffi)."""

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches `password_hash`; never raises for a wrong password or a broken hash. No hash (no
    such user) is False after the same argon2 work against a dummy hash, so the time taken tells nothing."""
    try:
        checked = password_hash if password_hash is not None else _dummy_hash()
        return _hasher.verify(checked, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    """A hash of a random password, made once, with the parameters of the users' hashes."""
    return _hasher.hash(secrets.token_urlsafe(32))
