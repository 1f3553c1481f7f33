"""The article personas and fixtures, shared with the site-wide tests."""

from articles.tests.conftest import (  # noqa: F401 — fixtures are found by name
    article,
    candidate,
    contact,
    contributor,
    customer,
    kb_owner,
    product,
    publisher,
)
