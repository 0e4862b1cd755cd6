"""Which passwords are refused: the ones an attacker tries first.

zxcvbn (Dropbox's estimator) knows the 30,000 most common passwords, common words and names, keyboard
walks, dates and l33t substitutions, and is told the username, so `carla1234` for carla scores as
the guess it is. A score below 2 ("too guessable": under about 10^6 guesses) is refused; so is the
username itself, however it is cased.
"""

from __future__ import annotations

from zxcvbn import zxcvbn

MIN_SCORE = 2
# zxcvbn's time grows with length; what decides a weak password is in its first characters.
_CHECKED_LENGTH = 64


def password_problem(password: str, username: str) -> str | None:
    """Why `password` is refused for `username`, or None when it is acceptable."""
    if password.casefold() == username.casefold():
        return "the password may not be the username"
    result = zxcvbn(password[:_CHECKED_LENGTH], user_inputs=[username])
    if result["score"] < MIN_SCORE:
        warning = result["feedback"].get("warning")
        why = f" ({warning.rstrip('.').lower()})" if warning else ""
        return f"the password is too easy to guess{why}: use a longer phrase of uncommon words"
    return None
