from django.core.management.base import BaseCommand, CommandError

from search import indexing, semantic


class Command(BaseCommand):
    help = "Report articles missing from, stale in, or extra in the search index and its article vectors; --repair fixes them."

    def add_arguments(self, parser):
        parser.add_argument("--repair", action="store_true", help="Index missing and stale articles, remove extra ones.")

    def handle(self, *args, **options):
        report = indexing.check(repair=options["repair"])
        # A model that cannot run: the keyword index is still checked (and repaired), the vectors not.
        unavailable = report.pop("vectors_unavailable", None)
        names = ["missing", "stale", "extra"]
        if semantic.enabled():
            names += ["vectors_missing", "vectors_stale", "vectors_extra"]
        for name in names:
            ids = report.get(name, [])
            shown = ", ".join(str(i) for i in ids[:20]) + (" …" if len(ids) > 20 else "")
            self.stdout.write(f"{name}: {len(ids)}" + (f" ({shown})" if ids else ""))
        if unavailable:
            self.stdout.write(self.style.ERROR(f"vectors: cannot be checked, matching by meaning cannot run: {unavailable[0]}"))
        problems = sum(len(v) for v in report.values())
        if problems and options["repair"]:
            self.stdout.write(self.style.SUCCESS(f"Repaired {problems} entries."))
        elif problems:
            raise CommandError(f"{problems} index entries are out of date; run check_index --repair.")
        elif unavailable:
            raise CommandError("The keyword index matches the database; the article vectors could not be checked.")
        else:
            self.stdout.write(self.style.SUCCESS("The search index matches the database."))
