#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kcs_site.settings")
    from kcs_site.local_key import use_local_key_if_unset

    # Commands on a checkout with no DJANGO_SECRET_KEY use its own random key (var/secret_key).
    use_local_key_if_unset()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
