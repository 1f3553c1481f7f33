from django.core.management.base import BaseCommand

from insights.alerts import check_zero_results


class Command(BaseCommand):
    help = (
        "Tell KB owners about queries that found nothing KCS_ZERO_RESULT_ALERT_COUNT times within 7 days "
        "(once per query per week). `send_notifications --loop` runs this hourly; use it from cron otherwise."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"Zero-result alerts sent: {check_zero_results()}")
