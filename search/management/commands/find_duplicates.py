from django.core.management.base import BaseCommand

from search import duplicates


class Command(BaseCommand):
    help = (
        "List probable duplicate pairs across the knowledge base for KB owners (/duplicates/): by meaning "
        "when the semantic layer is on, by title otherwise. Dismissed pairs are never listed again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--titles", action="store_true", help="Compare titles only, even with the semantic layer on.")

    def handle(self, *args, titles: bool, **options):
        found = duplicates.find_pairs(use_vectors=False if titles else None)
        counts = duplicates.store(found)
        self.stdout.write(
            f"Compared {found.articles} articles by {found.method} in {found.seconds:.1f} s: "
            f"{len(found.pairs)} probable pairs ({counts['added']} new, {counts['updated']} re-scored, "
            f"{counts['removed']} no longer listed)."
        )
