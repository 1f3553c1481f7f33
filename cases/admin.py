# Outbound webhooks: KB owners register endpoints and watch deliveries (their own module).
from . import outbound_admin  # noqa: E402, F401
