import time

from django.core.management.base import BaseCommand

from search import suggest


class Command(BaseCommand):
    help = (
        f"Rebuild the popular searches offered as you type: queries searched at least {suggest.MIN_SEARCHES} times "
        f"in the last {suggest.WINDOW_DAYS} days that found something (hourly from cron)."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        written = suggest.refresh()
        self.stdout.write(f"{written} popular searches in {time.perf_counter() - started:.1f} s.")
