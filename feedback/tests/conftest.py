from articles.tests.conftest import (  # noqa: F401 — fixtures are found by name
    article,
    candidate,
    coach,
    contact,
    contributor,
    customer,
    kb_owner,
    partner,
    product,
    publisher,
)
