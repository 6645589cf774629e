"""The API's documentation pages, Swagger UI and Redoc, with no internet: everything they show
comes from the server (drf-spectacular-sidecar's copies), nothing from a CDN."""
import pytest


@pytest.mark.parametrize("url, shown", [
    ("/api/docs/", "#swagger-ui .opblock-summary"),  # an operation of the schema
    ("/api/redoc/", "[role=menu] li"),  # an entry of Redoc's side menu, above its footer
])
def test_the_api_docs_ask_nothing_outside_the_server(transactional_db, page, url, shown):
    page.goto(url)
    page.locator(shown).first.wait_for()
    page.wait_for_load_state("networkidle")
    assert "units" in page.content()
    # The `page` fixture fails the test if the page asked for anything outside the server.


def test_redoc_s_footer_is_there_without_its_logo_from_a_cdn(transactional_db, page):
    page.goto("/api/redoc/")
    footer = page.get_by_text("API docs by Redocly")
    footer.wait_for()
    page.wait_for_load_state("networkidle")
    assert footer.is_visible()
    # Its logo (an <img> of the CDN in Redoc's bundle) is never fetched: the `page` fixture fails
    # the test on any request outside the server.
