import time

from django.core.management.base import BaseCommand, CommandError

from search import indexing
from search.backends.base import RebuildRunning


class Command(BaseCommand):
    help = "Rebuild the search index from the database and swap it in (search keeps answering)."

    def handle(self, *args, **options):
        started = time.perf_counter()
        try:
            count = indexing.rebuild()
        except RebuildRunning as exc:
            raise CommandError(str(exc)) from None  # exit status 1, the message, no traceback
        self.stdout.write(self.style.SUCCESS(f"Indexed {count} articles in {time.perf_counter() - started:.1f} s."))
