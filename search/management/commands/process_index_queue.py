import time

from django.core.management.base import BaseCommand

from search import indexing


class Command(BaseCommand):
    help = "Retry pending search-index updates (once, or every few seconds with --loop)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true")
        parser.add_argument("--interval", type=float, default=5.0)
        parser.add_argument(
            "--drain", action="store_true", help="Once, but until no due update is left (not only the first 1,000)."
        )

    def handle(self, *args, **options):
        while True:
            done = indexing.process_pending()
            if options["drain"]:
                while more := indexing.process_pending():
                    done += more
            if done or not options["loop"]:
                self.stdout.write(f"Processed {done} index updates; {indexing.pending_count()} pending.")
            if not options["loop"]:
                return
            time.sleep(options["interval"])
