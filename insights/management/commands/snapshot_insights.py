import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from insights import snapshot


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Not a date: {text!r} (use YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = (
        "Write the KCS measures' daily figures (insights.DailyFigure) for one day: yesterday by default, "
        "or --day. Taking a day again replaces its figures. `send_notifications --loop` takes yesterday's "
        "snapshot once a day; from cron run this just after midnight. "
        "--backfill --since D reconstructs the days from D to yesterday that have no snapshot: articles per "
        "state and audience (from their state and audience change records), open flags (created/closed "
        "times), decided and linked cases, article views and searches (their timestamps). It cannot "
        "reconstruct articles past their review date (review dates are changed in place) nor count "
        "articles deleted since; those days keep no such figure."
    )

    def add_arguments(self, parser):
        parser.add_argument("--day", type=_date, help="The day to take (YYYY-MM-DD); default yesterday.")
        parser.add_argument("--backfill", action="store_true", help="Reconstruct earlier days without a snapshot.")
        parser.add_argument("--since", type=_date, help="With --backfill: the first day (YYYY-MM-DD).")

    def handle(self, *args, day=None, backfill: bool = False, since=None, **options):
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        if backfill:
            if since is None:
                raise CommandError("--backfill needs --since YYYY-MM-DD (the first day to reconstruct).")
            until = min(day or yesterday, yesterday)
            if since > until:
                raise CommandError(f"--since {since} is after {until}: nothing to reconstruct.")
            written = snapshot.backfill(since, until)
            self.stdout.write(f"Reconstructed {since} to {until}: {written} figures written.")
            return
        day = day or yesterday
        if day > timezone.localdate():
            raise CommandError(f"{day} has not happened yet.")
        self.stdout.write(f"Snapshot of {day}: {snapshot.take(day)} figures written.")
