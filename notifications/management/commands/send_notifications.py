import datetime
import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from notifications import outbox


class Command(BaseCommand):
    help = (
        "Send due notification emails and outbound webhooks (retrying failures, never twice). "
        "--digest builds the daily digests first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--digest", action="store_true", help="Build one digest email per digest reader first.")
        parser.add_argument(
            "--loop",
            action="store_true",
            help=(
                "Keep running: send every --interval seconds; digests, review reminders and the KCS measures' "
                "snapshot of yesterday and probable duplicate articles daily; zero-result search alerts and popular "
                "searches (suggestions) hourly."
            ),
        )
        parser.add_argument("--once", action="store_true", help="Send what is due once and stop (the default without --loop).")
        parser.add_argument("--interval", type=float, default=30.0, help="Seconds between runs with --loop (default 30).")

    def handle(self, *args, digest: bool, loop: bool, once: bool, interval: float, **options):
        if digest:
            self.stdout.write(f"Digests built: {outbox.build_digests()}")
        if once or not loop:
            self._send()
            return
        from health.services import send_review_reminders
        from insights import alerts, snapshot
        from search import duplicates, suggest

        last_digest_day = last_reminder_day = last_snapshot_day = last_duplicates_day = last_alert_hour = None
        try:
            while True:
                today = timezone.localdate()
                if last_reminder_day != today:
                    # Owners hear about articles that fell due for review (once per article and due date).
                    send_review_reminders(today)
                    last_reminder_day = today
                if last_snapshot_day != today:
                    # The day that ended, for the KCS measures' trends (taking it again replaces it).
                    snapshot.take(today - datetime.timedelta(days=1))
                    last_snapshot_day = today
                if last_duplicates_day != today:
                    # Probable duplicate pairs for KB owners (/duplicates/), compared across the KB.
                    duplicates.refresh()
                    last_duplicates_day = today
                hour = timezone.now().replace(minute=0, second=0, microsecond=0)
                if last_alert_hour != hour:
                    # KB owners hear of queries that keep finding nothing (once per query and week).
                    alerts.check_zero_results()
                    # Popular past searches offered as you type, rebuilt from the search log here
                    # rather than by a keystroke that finds the list stale.
                    suggest.refresh()
                    last_alert_hour = hour
                if last_digest_day != today and outbox.digest_due():
                    outbox.build_digests()
                    last_digest_day = today
                self._send(quiet=True)
                time.sleep(interval)
        except KeyboardInterrupt:
            return

    def _send(self, quiet: bool = False) -> None:
        from cases import outbound  # the outbound webhooks share this worker and its outbox loop

        sent, failed = outbox.send_due()
        if not quiet or sent or failed:
            self.stdout.write(f"Emails sent: {sent}, failed (will retry): {failed}")
        delivered, failed = outbound.send_due()
        if not quiet or delivered or failed:
            self.stdout.write(f"Webhooks delivered: {delivered}, failed (will retry or given up): {failed}")
