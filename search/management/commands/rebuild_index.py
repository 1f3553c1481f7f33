import time

from django.core.management.base import BaseCommand

from search import indexing


class Command(BaseCommand):
    help = "Rebuild the search index from the database and swap it in (search keeps answering)."

    def handle(self, *args, **options):
        started = time.perf_counter()
        count = indexing.rebuild()
        self.stdout.write(self.style.SUCCESS(f"Indexed {count} articles in {time.perf_counter() - started:.1f} s."))
