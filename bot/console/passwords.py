"""Console passwords: the policy every new password meets, and argon2 hashing off the event loop.

Argon2 is deliberately slow (tens of milliseconds and 64 MB per hash). Run inside the event loop,
a burst of logins would stall every webhook and web chat; so verification runs in worker threads
(argon2-cffi releases the GIL), at most a few at a time, so a flood queues instead of taking all
the CPU and memory.
"""

from __future__ import annotations

import asyncio
import secrets
import weakref

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 256  # longer is refused before hashing: nobody types more, and it bounds the work
HASH_THREADS = 1  # one core hashes; the event loop keeps the other

_hasher = PasswordHasher()
# Verifying against a dummy hash for unknown users keeps timing the same as for real ones.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = weakref.WeakKeyDictionary()

# Passwords of 12 or more characters that appear near the top of published breach lists, and
# the obvious patterns; a short list, enough to stop the first guesses an attacker makes.
COMMON = frozenset("""
password1234 password12345 password123456 passwordpassword password1234! password123! p@ssword1234
123456789012 1234567890123 12345678901234 123456789123 111111111111 000000000000 123123123123
qwertyuiop12 qwertyuiop123 qwerty123456 qwertyqwerty 1q2w3e4r5t6y 1qaz2wsx3edc qazwsxedcrfv
iloveyou1234 letmein12345 welcome12345 welcome123456 changeme1234 administrator admin1234567
adminadmin12 trustno11234 football1234 baseball1234 sunshine1234 princess1234 dragon123456
monkey123456 starwars1234 superman1234 liverpool123 chelsea12345 arsenal12345 manchester12
sunderland12 sunderland123 sunderlandafc newcastle123 password2024 password2025 password2026
summer2024!! winter2024!! spring2025!! autumn2025!! nhspassword1 nhspassword123 linkworker123
communityconnect community123 connect12345 secret123456 mypassword12 mypassword123 thisismypassword
abcdefghijkl abcdefghijklm abc123abc123 aaaaaaaaaaaa zaq12wsxcde3 asdfghjkl123 zxcvbnm12345
""".split())


class PasswordRejected(ValueError):
    """The password does not meet the policy; the message says why in plain words."""


def check_policy(password: str, username: str) -> None:
    """Raise PasswordRejected unless `password` is fit for the console account `username`."""
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(f"passwords must be at least {MIN_LENGTH} characters long")
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(f"passwords must be at most {MAX_LENGTH} characters long")
    lowered = password.lower()
    name = username.strip().lower()
    if name and (lowered == name or lowered == name[::-1] or lowered.rstrip("0123456789!") == name):
        raise PasswordRejected("the password must not be the username")
    if lowered in COMMON or len(set(lowered)) <= 2:
        raise PasswordRejected("that password is too common: choose another")


def hash_password(password: str, username: str) -> str:
    check_policy(password, username)
    return _hasher.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """True if `password` matches; with no hash (unknown user) the same work is done, then False."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        _hasher.verify(password_hash or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None


def _limiter() -> anyio.CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(HASH_THREADS)
    return limiter


async def verify_off_loop(password_hash: str | None, password: str) -> bool:
    """`verify` in a worker thread, at most HASH_THREADS at once, so the event loop keeps serving."""
    return await anyio.to_thread.run_sync(verify, password_hash, password, limiter=_limiter())
