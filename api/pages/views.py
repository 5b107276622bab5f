"""Page handlers: each runs GraphQL documents (api/pages/queries.py) through the app's schema
(api/pages/gql.py) and renders a Jinja2 template with the answer."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from api.pages import charts, network, queries
from api.pages.gql import PageError, Runner, runner

TEMPLATES = Path(__file__).resolve().parent / "templates"

PAGE_SIZES = (10, 20, 50, 100)
DEFAULT_PAGE_SIZE = 20
PAPER_ORDERS = {
    "newest": ("DATE_DESC", "Newest first"),
    "oldest": ("DATE_ASC", "Oldest first"),
    "cited": ("CITATION_COUNT_DESC", "Most cited first"),
    "title": ("TITLE_ASC", "Title A–Z"),
}
SEARCH_TYPES = {"paper": "PAPER", "author": "AUTHOR", "venue": "VENUE"}
SHOWN_AUTHORS = 3  # the profile page printed the first three names and "et al."
YEAR_RE = re.compile(r"^\d{4}$")

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "svg"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def author_url(author_id: str) -> str:
    return "/authors/" + quote(author_id, safe=":")


def paper_url(paper_id: str) -> str:
    return "/papers/" + quote(paper_id, safe=":/")


def field_url(category_id: str) -> str:
    return "/fields/" + quote(category_id, safe=":")


def with_query(path: str, **params: Any) -> str:
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return path + ("?" + urlencode(kept) if kept else "")


def percent(value: float | None) -> str | None:
    return None if value is None else f"{round(value * 100)}%"


_env.globals.update(
    author_url=author_url,
    paper_url=paper_url,
    field_url=field_url,
    with_query=with_query,
    percent=percent,
    SHOWN_AUTHORS=SHOWN_AUTHORS,
)


def render(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(_env.get_template(template).render(**context), status_code=status)


def error_page(e: PageError) -> HTMLResponse:
    return render("error.html", status=e.status, title=e.title, message=e.message)


def _int(request: Request, name: str, default: int | None, lo: int, hi: int) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw))
    except ValueError:
        raise PageError(
            400, "Bad request", f"{name}={raw!r} is not a whole number ({lo}..{hi})"
        ) from None
    if not lo <= value <= hi:
        raise PageError(400, "Bad request", f"{name}={value} is out of range ({lo}..{hi})")
    return value


def _id(request: Request) -> str:
    return str(request.path_params["id"])


# --------------------------------------------------------------------------- profile


async def _yearly(run: Runner, author_id: str) -> tuple[dict[int, int], dict[int, int]]:
    """Papers and in-graph citations (to the papers of that year) per publication year."""
    papers: dict[int, int] = {}
    cites: dict[int, int] = {}
    after: str | None = None
    for _ in range(50):  # 5,000 papers at most
        answer = await run(queries.AUTHOR_YEARS, {"id": author_id, "after": after})
        conn = answer["author"]["papers"]
        for edge in conn["edges"]:
            year = edge["node"]["year"]
            if year is not None:
                papers[year] = papers.get(year, 0) + 1
                cites[year] = cites.get(year, 0) + int(edge["node"]["citationCount"])
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    return papers, cites


async def profile(request: Request) -> Response:
    author_id = _id(request)
    try:
        run = runner(request)
        size = _int(request, "size", DEFAULT_PAGE_SIZE, 1, 100) or DEFAULT_PAGE_SIZE
        start = _int(request, "start", 0, 0, 10**7) or 0
        sort = request.query_params.get("sort", "newest")
        if sort not in PAPER_ORDERS:
            raise PageError(
                400, "Bad request", f"sort={sort!r}: use one of {', '.join(PAPER_ORDERS)}"
            )
        after = request.query_params.get("after") or None
        answer = await run(
            queries.PROFILE,
            {
                "id": author_id,
                "first": size,
                "after": after,
                "order": [PAPER_ORDERS[sort][0]],
                "coauthors": 25,
            },
        )
        author = answer["author"]
        if author is None:
            raise PageError(404, "Author not found", f"There is no author {author_id!r}.")
        (papers_per_year, cites_per_year), suggestions = await asyncio.gather(
            _yearly(run, author["id"]),
            run(queries.SUGGESTIONS, {"id": author["id"], "first": 8}),
        )
    except PageError as e:
        return error_page(e)
    conn = author["papers"]
    base = author_url(author["id"])
    next_url = (
        with_query(
            base, sort=sort, size=size, after=conn["pageInfo"]["endCursor"], start=start + size
        )
        if conn["pageInfo"]["hasNextPage"]
        else None
    )
    community_peers = [
        c for c in author["coauthors"] if c["author"]["community"] == author["community"]
    ]
    return render(
        "profile.html",
        title=author["name"] or author["id"],
        author=author,
        papers=[e["node"] for e in conn["edges"]],
        total=conn["totalCount"],
        start=start,
        size=size,
        sort=sort,
        orders=PAPER_ORDERS,
        sizes=PAGE_SIZES,
        base=base,
        next_url=next_url,
        first_url=with_query(base, sort=sort, size=size) if after else None,
        suggestions=suggestions["suggestCollaborators"],
        community_peers=community_peers,
        papers_chart=charts.bar_chart("Papers per year", papers_per_year),
        cites_chart=charts.bar_chart(
            "In-graph citations of the papers of each year", cites_per_year
        ),
        network_url=with_query("/network", author=author["id"]),
        # Our own novelty (a fraction, like reported.novelty): null until a novelty run wrote it
        novelty_ours=(author["novelty"] or {}).get("value"),
        novelty_papers=(author["novelty"] or {}).get("papers"),
    )


# --------------------------------------------------------------------------- network


def _network_params(request: Request) -> tuple[str, int, int]:
    author_id = request.query_params.get("author", "").strip()
    if not author_id:
        raise PageError(400, "Bad request", "Give an author: /network?author=<author id>")
    limit = _int(request, "limit", network.DEFAULT_LIMIT, 2, network.MAX_LIMIT)
    hops = _int(request, "hops", 2, 1, 2)
    return author_id, limit or network.DEFAULT_LIMIT, hops or 2


async def network_page(request: Request) -> Response:
    try:
        author_id, limit, hops = _network_params(request)
        answer = await runner(request)(queries.NETWORK_EGO, {"id": author_id, "first": 1})
    except PageError as e:
        return error_page(e)
    author = answer["author"]
    if author is None:
        return error_page(PageError(404, "Author not found", f"There is no author {author_id!r}."))
    return render(
        "network.html",
        title=f"Co-author network of {author['name'] or author['id']}",
        author=author,
        limit=limit,
        hops=hops,
        limits=(50, 150, 300, 500),
        data_url=with_query("/network.json", author=author["id"], limit=limit, hops=hops),
    )


async def network_json(request: Request) -> Response:
    try:
        author_id, limit, hops = _network_params(request)
        net = await network.compose(runner(request), author_id, limit, hops)
    except PageError as e:
        return JSONResponse({"error": e.message}, status_code=e.status)
    except network.AuthorNotFound as e:
        return JSONResponse({"error": str(e)}, status_code=404)
    return JSONResponse(network.to_json(net))


# --------------------------------------------------------------------------- paper


async def paper(request: Request) -> Response:
    paper_id = _id(request)
    try:
        first = _int(request, "first", 25, 1, 100) or 25
        answer = await runner(request)(queries.PAPER, {"id": paper_id, "first": first})
    except PageError as e:
        return error_page(e)
    p = answer["paper"]
    if p is None:
        return error_page(PageError(404, "Paper not found", f"There is no paper {paper_id!r}."))
    return render("paper.html", title=p["title"] or p["id"], paper=p, first=first)


# --------------------------------------------------------------------------- path


def author_ref(text: str) -> str:
    """What the path form accepts: an author id in any form, or a name (``name:`` is added)."""
    text = text.strip()
    return text if ":" in text else f"name:{text}"


async def path(request: Request) -> Response:
    src = request.query_params.get("from", "").strip()
    dst = request.query_params.get("to", "").strip()
    context: dict[str, Any] = {"title": "Collaboration path", "src": src, "dst": dst}
    try:
        k = _int(request, "k", 3, 1, 5) or 3
        max_hops = _int(request, "maxHops", 6, 1, 10) or 6
        year_from = _int(request, "yearFrom", None, 0, 3000)
        year_to = _int(request, "yearTo", None, 0, 3000)
        context.update(k=k, max_hops=max_hops, year_from=year_from, year_to=year_to)
        if not (src and dst):
            return render("path.html", path=None, asked=False, **context)
        answer = await runner(request)(
            queries.PATH,
            {
                "from": author_ref(src),
                "to": author_ref(dst),
                "k": k,
                "maxHops": max_hops,
                "yearFrom": year_from,
                "yearTo": year_to,
            },
        )
    except PageError as e:
        if e.status == 400 or e.status == 404:
            return render(
                "path.html", status=e.status, path=None, asked=True, error=e.message, **context
            )
        return error_page(e)
    return render("path.html", path=answer["collaborationPath"], asked=True, **context)


# --------------------------------------------------------------------------- fields


async def fields(request: Request) -> Response:
    try:
        answer = await runner(request)(queries.CATEGORIES, {})
    except PageError as e:
        return error_page(e)
    cats = [c for c in answer["categories"] if c["paperCount"] > 0]
    cats.sort(key=lambda c: (c["scheme"] or "", -c["paperCount"], c["id"]))
    schemes: dict[str, list[Mapping[str, Any]]] = {}
    for c in cats:
        schemes.setdefault(c["scheme"] or "other", []).append(c)
    return render("fields.html", title="Fields", schemes=schemes)


FIELD_COMMUNITIES_SHOWN = 10


async def _communities(run: Runner, category: str) -> dict[str, Any]:
    """The persisted Leiden communities with most papers in the field; none (not an error
    page) before the first run."""
    try:
        answer: dict[str, Any] = await run(
            queries.FIELD_COMMUNITIES, {"id": category, "first": FIELD_COMMUNITIES_SHOWN}
        )
    except PageError as e:
        if e.status >= 500 and "leiden" not in e.message.lower():
            raise
        return {"communities": [], "missing": e.message}
    return answer


FIELD_SECTIONS = ("years", "influence", "rising", "communities")
FIELD_SECTION_TITLES = {
    "years": "Papers and citations per year",
    "influence": "Influential papers and authors",
    "rising": "Rising authors",
    "communities": "Communities working in the field",
}


async def field(request: Request) -> Response:
    """The field's header; its sections (yearly counts over the field's papers, and analytics
    that run igraph over the field's subgraph: seconds on a large field) are server-rendered
    fragments the page loads after it is shown (``field_section``), each a page of its own."""
    category = _id(request)
    try:
        year_from = _int(request, "from", None, 0, 3000)
        year_to = _int(request, "to", None, 0, 3000)
        head = await runner(request)(queries.FIELD, {"id": category})
        cat = head["category"]
        if cat is None:
            raise PageError(404, "Field not found", f"There is no category {category!r}.")
    except PageError as e:
        return error_page(e)
    period = {"from": year_from, "to": year_to}
    return render(
        "field.html",
        title=cat["name"] or cat["id"],
        section="fields",
        cat=cat,
        year_from=year_from,
        year_to=year_to,
        titles=FIELD_SECTION_TITLES,
        sections={
            name: {
                "page": with_query(f"{field_url(cat['id'])}/{name}", **period),
                "fragment": with_query(f"{field_url(cat['id'])}/{name}", **period, fragment=1),
            }
            for name in FIELD_SECTIONS
        },
    )


#: The caption of the field page's citation chart: what "citations per year" counts.
CITATIONS_CAPTION = (
    "Citations per year: citations made in that year to the field's papers (citations the "
    "field received, counted by the citing paper's year)"
)
MAX_YEARS_SHOWN = 60


async def _years_section(
    run: Runner, category: str, year_from: int | None, year_to: int | None
) -> dict[str, Any]:
    answer = await run(
        queries.FIELD_YEARS, {"id": category, "yearFrom": year_from, "yearTo": year_to}
    )
    cat = answer["category"]
    if cat is None:
        raise PageError(404, "Field not found", f"There is no category {category!r}.")
    yearly = cat["yearly"][-MAX_YEARS_SHOWN:]
    papers = {r["year"]: r["papers"] for r in yearly}
    shown = [y for y, n in papers.items() if n]
    return {
        "first_year": min(shown, default=None),
        "last_year": max(shown, default=None),
        "papers_chart": charts.bar_chart("Papers per year", papers),
        "citations_chart": charts.bar_chart(
            CITATIONS_CAPTION, {r["year"]: r["citations"] for r in yearly}
        ),
    }


async def field_section(request: Request) -> Response:
    """One analytics section of a field page: a fragment (``?fragment=1``, what the page loads)
    or, without it, a page of its own (for readers without JavaScript)."""
    category = _id(request)
    name = str(request.path_params["section"])
    fragment = request.query_params.get("fragment") == "1"
    context: dict[str, Any] = {
        "cat_id": category,
        "name": name,
        "heading": FIELD_SECTION_TITLES.get(name, name),
    }
    try:
        if name not in FIELD_SECTIONS:
            raise PageError(404, "Not found", f"A field page has no section {name!r}.")
        run = runner(request)
        year_from = _int(request, "from", None, 0, 3000)
        year_to = _int(request, "to", None, 0, 3000)
        context.update(year_from=year_from, year_to=year_to)
        if name == "years":
            context.update(await _years_section(run, category, year_from, year_to))
        elif name == "influence":
            answer = await run(
                queries.FIELD_INFLUENCE,
                {"id": category, "yearFrom": year_from, "yearTo": year_to, "first": 10},
            )
            context.update(papers=answer["influentialPapers"], authors=answer["influentialAuthors"])
        elif name == "rising":
            answer = await run(queries.FIELD_RISING, {"id": category, "year": year_to, "first": 10})
            context.update(rising=answer["risingAuthors"])
        else:
            communities = await _communities(run, category)
            context.update(
                communities=communities["communities"],
                communities_missing=communities.get("missing"),
            )
    except PageError as e:
        if not fragment:
            return error_page(e)
        context.update(error=e.message)
        return render("_field_section.html", status=e.status, **context)
    if fragment:
        return render("_field_section.html", **context)
    return render("field_section.html", title=f"{category}: {name}", section="fields", **context)


# --------------------------------------------------------------------------- search


async def search(request: Request) -> Response:
    q = request.query_params.get("q", "").strip()
    kind = request.query_params.get("type", "")
    context: dict[str, Any] = {"title": f"Search: {q}" if q else "Search", "q": q, "kind": kind}
    if not q:
        return render("search.html", hits=None, **context)
    try:
        if kind and kind not in SEARCH_TYPES:
            raise PageError(400, "Bad request", f"type={kind!r}: use paper, author or venue")
        types = [SEARCH_TYPES[kind]] if kind else None
        answer = await runner(request)(queries.SEARCH, {"q": q, "types": types, "first": 50})
        # The facet counts: every type, whatever is selected (a second document when filtered).
        everything = (
            answer
            if not kind
            else await runner(request)(queries.SEARCH, {"q": q, "types": None, "first": 50})
        )
    except PageError as e:
        status = 400 if e.status == 400 else e.status
        return render("search.html", status=status, hits=None, error=e.message, **context)
    hits = answer["search"]
    facets = {
        name: sum(h["__typename"] == f"{name.capitalize()}Hit" for h in everything["search"])
        for name in SEARCH_TYPES
    }
    categories: dict[str, int] = {}
    for h in hits:
        if h["__typename"] == "PaperHit" and h["paper"]["primaryCategory"]:
            cid = h["paper"]["primaryCategory"]["id"]
            categories[cid] = categories.get(cid, 0) + 1
    return render(
        "search.html",
        hits=hits,
        facets=facets,
        categories=sorted(categories.items(), key=lambda kv: (-kv[1], kv[0]))[:10],
        **context,
    )
