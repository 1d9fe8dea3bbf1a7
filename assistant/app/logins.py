"""Who may log in to the app when it serves a class: ``name:password`` pairs from a users file (one a
line) or from ``STUDY_APP__USERS`` (comma-separated), and whether an address is this computer only.

Passwords never appear in a message: a bad line is named by its number.

>>> parse_logins(["# the class", "alice:pw1", "", "bob:pa:ss"], "users.txt")
{'alice': 'pw1', 'bob': 'pa:ss'}
>>> parse_logins(["alice pw1"], "users.txt")
Traceback (most recent call last):
...
assistant.app.logins.LoginError: users.txt, line 1: expected name:password
>>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
(True, True, False)
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Iterable

from core.settings import AppSettings

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
NAME_RULE = "a name is 1 to 64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit"


class LoginError(ValueError):
    """Unusable logins; the message names the file or variable and the line, never a password."""


def parse_logins(lines: Iterable[str], origin: str, unit: str = "line") -> dict[str, str]:
    """{name: password} of ``name:password`` lines (blank lines and ``#`` comments skipped; a password
    runs from the first ``:`` to the end of the line, spaces around it dropped).
    ``origin`` and ``unit`` say where a bad one is: ``users.txt, line 3``."""
    logins: dict[str, str] = {}
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{origin}, {unit} {number}"
        name, colon, password = line.partition(":")
        name, password = name.strip(), password.strip()  # spaces around either are layout, not part of it
        if not colon:
            raise LoginError(f"{where}: expected name:password")
        if not NAME.fullmatch(name):
            raise LoginError(f"{where}: {NAME_RULE}")
        if not password:
            raise LoginError(f"{where}: {name} has no password")
        if name in logins:
            raise LoginError(f"{where}: {name} is listed twice")
        logins[name] = password
    return logins


def load_logins(app: AppSettings) -> dict[str, str]:
    """The logins of ``app.users_file`` and ``app.users`` together (empty: no login configured)."""
    logins: dict[str, str] = {}
    if app.users_file is not None:
        try:
            text = app.users_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not a UTF-8 text file"
            raise LoginError(f"can't read the users file {app.users_file}: {reason}") from None
        logins = parse_logins(text.splitlines(), f"users file {app.users_file}")
    if app.users is not None:
        entries = app.users.get_secret_value().split(",")
        for name, password in parse_logins(entries, "STUDY_APP__USERS", unit="entry").items():
            if name in logins:
                raise LoginError(f"{name} is both in the users file and in STUDY_APP__USERS")
            logins[name] = password
    return logins


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this computer only (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # a host name or any other address: reachable from elsewhere, as far as we know


def user_folder(name: str) -> str:
    """A folder name for a learner's own data: the name itself when it is plain, else a digest of it.

    >>> user_folder("alice"), user_folder("../x")
    ('alice', 'u-d6b96a97d147daaa')
    """
    if NAME.fullmatch(name):
        return name
    return "u-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]

