from django.core.management.base import BaseCommand

from health.services import send_review_reminders


class Command(BaseCommand):
    help = "Tell owners about their articles that are due for review (once per article per due date). Run daily."

    def handle(self, *args, **options):
        sent = send_review_reminders()
        self.stdout.write(f"{sent} review reminder{'s' if sent != 1 else ''} sent.")
