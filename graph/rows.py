"""The loaders → graph contract: the rows both writers take, and the author table both keep.

``loaders.writer`` turns canonical records (``loaders.records``) into these rows; the
transactional writer (``graph.ingest``) and the bulk CSV writer (``graph.bulk``) read them and
nothing else. The rows are plain dictionaries at run time (Bolt parameters and the parse
workers' pickles need nothing more) and typed here, so a key read that the contract does not
hold fails the type check instead of a load.

:class:`AuthorTable` is the one place where authorships become author nodes: which node a
reference denotes (strong ids, or the name-only cluster already chosen), the ids that node may
take, and the node's display name, name variants, affiliation and sources.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict

from graph.identity import ExistingAuthor, IdMap, VenueIndex, better_display_name, resolve_author


class RefRow(TypedDict):
    """A paper reference: a cited work, or one end of a citation record."""

    ids: dict[str, str]  # strong ids by kind (graph.ids.PAPER_ID_KINDS)
    title_key: str | None  # graph.ids.title_key: the key of a paper known by title only


class AuthorRow(TypedDict):
    """A printed author: of a paper (with ``position`` and ``raw_name``) or of a profile."""

    ids: dict[str, str]  # strong ids by kind (graph.ids.AUTHOR_ID_KINDS)
    name: str
    name_key: str  # graph.ids.normalize_name
    match_key: str  # graph.ids.match_key: the clustering's blocking key
    affiliation: str | None
    position: NotRequired[int | None]  # 0-based place in the author list
    raw_name: NotRequired[str]  # the name as the source printed it


class VenueRow(TypedDict):
    id: str
    name: str | None
    name_key: str | None  # graph.ids.normalize_title: venue matching (graph.identity.VenueIndex)
    type: str | None
    issn: str | None
    openalex_id: str | None
    dblp_key: str | None


class ParentRow(TypedDict):
    id: str
    name: str | None
    scheme: str


class CategoryRow(TypedDict):
    id: str
    name: str | None
    scheme: str
    primary: bool
    parents: list[ParentRow]  # nearest first


class PaperRow(TypedDict):
    """One paper record with its links."""

    ids: dict[str, str]
    title_key: str | None  # set for every full record with a title (title matching)
    first_author: str | None  # graph.ids.surname_key of the first printed author
    venue_key: str | None  # graph.ids.venue_key (graph.identity.same_work)
    source: str
    rank: int  # graph.paper_values.source_rank: whose values the paper shows
    source_value: str  # graph.paper_values.source_value: this source's own title/year/venue
    source_prefix: str
    stub: bool  # a reference-only record: ids and a title, nothing to show
    props: dict[str, Any]  # graph.paper_values.PAPER_PROPERTIES present in the record
    authors_complete: bool
    source_citation_count: int | None
    authors: list[AuthorRow]
    venue: VenueRow | None
    categories: list[CategoryRow]
    references: list[RefRow]


class CitationRow(TypedDict):
    citing: RefRow
    cited: RefRow


class ProfileRow(TypedDict):
    """A profile page's owner and what the page reports (``reported_*``)."""

    author: AuthorRow
    props: dict[str, Any]


@dataclass(slots=True)
class IngestBatch:
    """What one write transaction takes."""

    papers: list[PaperRow] = field(default_factory=list)
    citations: list[CitationRow] = field(default_factory=list)
    profiles: list[ProfileRow] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.papers) + len(self.citations) + len(self.profiles)


# -- authors --------------------------------------------------------------------------------------
class AuthorNode(TypedDict):
    """An author node as the writers merge it (``MERGE_AUTHORS``, the bulk ``authors.csv``)."""

    id: str
    ids: dict[str, str]  # ids this batch adds to the node
    name: str
    name_key: str
    match_key: str
    affiliation: str | None
    variants: list[str]  # printed names, first seen first
    sources: list[str]


class AuthorTable:
    """Author nodes of the references seen so far, and the strong ids known to be taken.

    ``known`` maps (id kind, value) to the node holding it: the database's answer for a batch
    (``graph.ingest``), or everything seen so far (``graph.bulk``, an empty database). Each
    node's row keeps the best display name (``graph.identity.better_display_name``), every
    printed variant, the latest affiliation and every source, whatever the order of arrival.
    """

    __slots__ = ("known", "nodes")

    def __init__(self, known: dict[tuple[str, str], ExistingAuthor] | None = None) -> None:
        self.known: dict[tuple[str, str], ExistingAuthor] = known if known is not None else {}
        self.nodes: dict[str, AuthorNode] = {}

    def assign(self, ref: AuthorRow, source: str, node: str | None = None) -> str:
        """The node of ``ref``: ``node`` when already decided (a name-only cluster), else
        resolved by strong ids (``graph.identity.resolve_author``) or the printed name."""
        addable: IdMap = {}
        if node is None:
            node, addable, _new = resolve_author(ref["ids"], ref["name_key"], self.known)
        for kind, value in addable.items():
            held = self.known.get((kind, value))
            self.known[(kind, value)] = ExistingAuthor(
                node, {**(held.ids if held else {}), **addable}
            )
        row = self.nodes.get(node)
        if row is None:
            row = self.nodes[node] = AuthorNode(
                id=node, ids={}, name=ref["name"], name_key=ref["name_key"],
                match_key=ref["match_key"], affiliation=None, variants=[], sources=[],
            )  # fmt: skip
        row["ids"].update(addable)
        if better_display_name(ref["name"], row["name"]):
            row["name"], row["name_key"] = ref["name"], ref["name_key"]
        row["affiliation"] = ref.get("affiliation") or row["affiliation"]
        if ref["name"] not in row["variants"]:
            row["variants"].append(ref["name"])
        if source not in row["sources"]:
            row["sources"].append(source)
        return node

    def join(self, survivor: str, gone: str) -> None:
        """Node ``gone`` was shown to be ``survivor`` (clusters joined): one row for both."""
        keep, old = self.nodes.get(survivor), self.nodes.pop(gone, None)
        if keep is None or old is None:
            return
        keep["ids"].update({k: v for k, v in old["ids"].items() if k not in keep["ids"]})
        keep["variants"] += [n for n in old["variants"] if n not in keep["variants"]]
        keep["sources"] += [s for s in old["sources"] if s not in keep["sources"]]
        keep["affiliation"] = keep["affiliation"] or old["affiliation"]
        if better_display_name(old["name"], keep["name"]):
            keep["name"], keep["name_key"] = old["name"], old["name_key"]


# -- venues ---------------------------------------------------------------------------------------
class VenueNodeRow(TypedDict):
    """A venue node as the writers merge it: the row of the first reference to reach it, its
    missing ids filled from later ones, and the other source ids it is known under."""

    id: str
    name: str | None
    name_key: str | None
    type: str | None
    issn: str | None
    openalex_id: str | None
    dblp_key: str | None
    alt_ids: list[str]


class VenueTable:
    """Venue references → venue nodes by ``graph.identity.VenueIndex`` (id, then ISSN, then
    normalised name): the graph's venues for a batch (``graph.ingest``) or every venue seen so
    far (``graph.bulk``)."""

    __slots__ = ("index", "nodes")

    def __init__(self, index: VenueIndex | None = None) -> None:
        self.index = index if index is not None else VenueIndex()
        self.nodes: dict[str, VenueNodeRow] = {}

    def add(self, venue: VenueRow) -> str:
        """The node ``venue`` denotes; its row takes the ids it lacked."""
        node = self.index.resolve(venue["id"], venue["issn"], venue["name_key"])
        row = self.nodes.get(node)
        if row is None:
            row = self.nodes[node] = VenueNodeRow(**venue, alt_ids=[])
            row["id"] = node
        row["issn"] = row["issn"] or venue["issn"]
        row["openalex_id"] = row["openalex_id"] or venue["openalex_id"]
        row["dblp_key"] = row["dblp_key"] or venue["dblp_key"]
        if venue["id"] != node and venue["id"] not in row["alt_ids"]:
            row["alt_ids"].append(venue["id"])
        return node
