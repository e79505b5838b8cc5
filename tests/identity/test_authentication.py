"""Checking credentials: an unknown user costs the same argon2 check as a wrong password."""

from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy import select

from identity import passwords
from identity.authentication import authenticate
from identity.models import User
from identity.seed import seed_demo


class CountingHasher(PasswordHasher):
    """The real argon2 hasher, noting which hashes it verified."""

    def __init__(self) -> None:
        super().__init__()
        self.verified: list[str] = []

    def verify(self, hash, password):
        self.verified.append(hash)
        return super().verify(hash, password)


def test_an_unknown_or_inactive_user_is_checked_against_a_dummy_hash_as_a_wrong_password_is(session, monkeypatch):
    seed_demo(session)
    session.scalar(select(User).where(User.username == "crew")).active = False
    session.commit()
    hasher = CountingHasher()
    monkeypatch.setattr(passwords, "_hasher", hasher)
    assert authenticate(session, "uk_lawyer", "wrong") is None
    assert authenticate(session, "nobody", "wrong") is None
    assert authenticate(session, "crew", "crew") is None
    lawyer = session.scalar(select(User).where(User.username == "uk_lawyer"))
    assert hasher.verified == [lawyer.password_hash, passwords._dummy_hash(), passwords._dummy_hash()]
    parameters = lawyer.password_hash.rsplit("$", 2)[0]  # $argon2id$v=19$m=…,t=…,p=…: what a check costs
    assert passwords._dummy_hash().rsplit("$", 2)[0] == parameters


def test_the_right_password_still_signs_in(session):
    seed_demo(session)
    assert authenticate(session, "uk_lawyer", "uk_lawyer").username == "uk_lawyer"
