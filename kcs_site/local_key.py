"""A random secret key for this checkout, kept in var/secret_key (never committed).

`manage.py` and `make run` use it when DJANGO_SECRET_KEY is not set, so commands and the local
demo work on a fresh checkout without the public development key. The settings themselves never
read the file: a server started without DJANGO_SECRET_KEY (gunicorn in production) still stops
with a clear message, and every server of a site must be given the same key.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def key_file() -> Path:
    return Path(os.environ.get("KCS_VAR_DIR", BASE_DIR / "var")) / "secret_key"


def local_secret_key() -> str:
    """This checkout's key, made on first use (readable by its owner only)."""
    path = key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(50) + "\n")
    return path.read_text().strip()


def use_local_key_if_unset() -> None:
    if not os.environ.get("DJANGO_SECRET_KEY"):
        os.environ["DJANGO_SECRET_KEY"] = local_secret_key()


if __name__ == "__main__":  # `python -m kcs_site.local_key`: make the file, print nothing
    local_secret_key()
