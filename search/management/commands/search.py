import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.html import strip_tags

from accounts.choices import Kind
from accounts.models import User
from search.backends.base import SearchRequest
from search.service import search


class Command(BaseCommand):
    help = "Search the knowledge base from the command line (every non-archived article unless --as USER)."

    def add_arguments(self, parser):
        parser.add_argument("query", nargs="?", default="")
        parser.add_argument("--limit", type=int, default=10)
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--queries", help="File with one query per line; prints one JSON list per line.")
        parser.add_argument("--as", dest="as_user", help="Search as this user (what they may see).")

    def handle(self, *args, **options):
        user = self._user(options["as_user"])
        if options["queries"]:
            with open(options["queries"], encoding="utf-8") as fh:
                for line in fh:
                    self.stdout.write(json.dumps(self._run(line.strip(), user, options["limit"])))
            return
        if not options["query"]:
            raise CommandError("Give a query, or --queries FILE.")
        rows = self._run(options["query"], user, options["limit"])
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        for n, row in enumerate(rows, 1):
            self.stdout.write(f"{n:2}. {row['title']}  [{row['slug']}] {row['score']:.2f}")
            self.stdout.write(f"    {strip_tags(row['snippet'])[:160]}")
        if not rows:
            self.stdout.write("No results.")

    def _user(self, username):
        if not username:
            # Staff view of the knowledge base: a superuser sees every article.
            return User(username="cli", kind=Kind.STAFF, is_superuser=True, is_active=True)
        try:
            return User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user {username!r}.") from None

    def _run(self, text, user, limit):
        if not text:
            return []
        results = search(SearchRequest(text=text, user=user, per_page=limit, facets=False))
        return [
            {
                "slug": h.slug,
                "external_id": h.external_id,
                "title": h.title,
                "score": round(h.score, 4),
                "snippet": h.snippet,
                "state": h.state,
                "audience": h.audience,
            }
            for h in results.hits
        ]
