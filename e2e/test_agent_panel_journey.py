"""The agent panel inside a ticketing tool: a fake ticketing page on another origin frames it 360 px
wide; the agent signs in inside the frame, searches, links an article as "solved it" and writes a
new article from the case. The ticketing page is shot with the panel at desktop and phone sizes."""

from __future__ import annotations

import threading
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode, urlsplit

import pytest

from cases.models import Case, CaseLink
from search.models import SearchLog

pytestmark = pytest.mark.django_db(transaction=True)

SUBJECT = "A piece is missing from the set I bought"
TICKET_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Ticket 4711 · Fake Desk</title>
<style>body{{margin:0;font-family:sans-serif;display:flex;flex-wrap:wrap;background:#eef0f3}}
main{{flex:1 1 300px;padding:1rem 1.5rem}} aside{{flex:0 0 360px;background:#fff;border-left:1px solid #ccc}}
iframe{{border:0;width:360px;height:760px;display:block}}</style></head>
<body><main><h1>Ticket #4711</h1><p><strong>{subject}</strong></p><p>Bag 3 had no red 2x4 brick.</p></main>
<aside><iframe id="kb-panel" title="Knowledge base" src="{src}"></iframe></aside></body></html>"""


@pytest.fixture
def ticketing_page(live_server, settings):
    """A ticketing tool's page on another origin (another port, same site), framing the panel."""
    host = urlsplit(live_server.url).hostname
    launch = urlencode({"source": "zendesk", "case": "4711", "subject": SUBJECT, "description": "Bag 3 had no red 2x4 brick."})
    body = TICKET_PAGE.format(subject=escape(SUBJECT), src=escape(f"{live_server.url}/agent/panel/?{launch}")).encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((host, 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://{host}:{server.server_port}"
    settings.KCS_PANEL_FRAME_ANCESTORS = [origin]
    yield origin + "/ticket/4711"
    server.shutdown()
    server.server_close()


def test_agent_signs_in_searches_links_and_writes_an_article_inside_the_ticketing_tool(demo, journey, ticketing_page):
    page = journey.page
    page.goto(ticketing_page)
    panel = page.frame_locator("#kb-panel")
    panel.get_by_role("link", name="Sign in").wait_for()
    journey.shot("sign in offered")
    panel.get_by_role("link", name="Sign in").click()
    panel.locator("#id_username").fill("contributor")
    panel.locator("#id_password").fill("kcs-demo")
    panel.locator("main form [type=submit]").click()
    panel.locator(".panel-hit").first.wait_for()  # the case's subject, searched at once
    journey.shot("panel in the ticketing page")
    page.set_viewport_size({"width": 390, "height": 844})
    journey.shot("panel in the ticketing page phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    panel.get_by_label("Search the knowledge base").fill("missing piece construction")
    panel.get_by_role("button", name="Search", exact=True).click()
    # The refined results' forms carry the query (the old page's hits would too, without it).
    panel.locator("input[type=hidden][name=q]").first.wait_for(state="attached")
    hit = panel.locator(".panel-hit", has_text="A piece is missing from my construction set")
    hit.get_by_role("button", name="Link — solved it").click()
    panel.get_by_text("Linked — solved it").wait_for()

    panel.get_by_label("Product").select_option(label="Bricks & Toys")
    with page.context.expect_page() as opened:
        panel.get_by_role("button", name="New article from this case").click()
    editor = opened.value
    editor.wait_for_load_state()
    assert editor.url.endswith("/edit/")
    panel.locator(".panel-links").get_by_text("Created from this case").wait_for()  # the panel reloaded itself
    journey.shot("linked and created")

    case = Case.objects.get(source="zendesk", external_id="4711")
    assert case.subject == SUBJECT
    links = {link.kind: link for link in CaseLink.objects.filter(case=case).select_related("article")}
    assert links["solved"].article.slug == "toy-set-missing-part"
    created = links["created"]
    assert created.article.state == "wip" and created.article.title == SUBJECT
    assert created.article.product.name == "Bricks & Toys" and "red 2x4 brick" in created.article.issue
    assert [s["q"] for s in created.searches] == [SUBJECT, "missing piece construction"]
    assert SearchLog.objects.filter(query="missing piece construction").exists()
