import datetime
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from notifications import outbox

log = logging.getLogger(__name__)

DAILY, HOURLY = "daily", "hourly"
RETRY_AFTER = datetime.timedelta(hours=1)  # a periodic task that failed is tried again this much later


@dataclass
class Periodic:
    """A task of the loop, run once a day or once an hour (and only `when` it says so). One that
    fails is logged and tried again after RETRY_AFTER: the emails, webhooks and other tasks go on."""

    name: str
    every: str
    job: Callable[[datetime.date], object]
    when: Callable[[], bool] | None = None
    done_for: object = None
    retry_at: datetime.datetime | None = None

    def run_if_due(self) -> None:
        now = timezone.now()
        period = timezone.localdate() if self.every == DAILY else now.replace(minute=0, second=0, microsecond=0)
        if self.done_for == period or (self.retry_at and now < self.retry_at):
            return
        try:
            if self.when is not None and not self.when():
                return
            self.job(timezone.localdate())
        except Exception:
            log.exception("The %s task failed; trying again in %s", self.name, RETRY_AFTER)
            self.retry_at = now + RETRY_AFTER
            return
        self.done_for, self.retry_at = period, None


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

        def hourly():
            # KB owners hear of queries that keep finding nothing (once per query and week).
            alerts.check_zero_results()
            # Popular past searches offered as you type, rebuilt from the search log here rather
            # than by a keystroke that finds the list stale.
            suggest.refresh()

        tasks = [
            # Owners hear about articles that fell due for review (once per article and due date).
            Periodic("review reminders", DAILY, lambda today: send_review_reminders(today)),
            # The day that ended, for the KCS measures' trends (taking it again replaces it).
            Periodic("measures snapshot", DAILY, lambda today: snapshot.take(today - datetime.timedelta(days=1))),
            Periodic("zero-result alerts and suggestions", HOURLY, lambda today: hourly()),
            Periodic("digests", DAILY, lambda today: outbox.build_digests(), when=outbox.digest_due),
        ]
        if settings.KCS_DUPLICATES_IN_LOOP:
            # Probable duplicate pairs for KB owners (/duplicates/), compared across the KB. Big
            # sites set KCS_DUPLICATES_IN_LOOP=0 and run `find_duplicates` from cron at night.
            tasks.insert(2, Periodic("probable duplicates", DAILY, lambda today: duplicates.refresh()))
        try:
            while True:
                for task in tasks:
                    task.run_if_due()
                try:
                    self._send(quiet=True)
                except Exception:
                    log.exception("Sending emails and webhooks failed; trying again in %s seconds", interval)
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
