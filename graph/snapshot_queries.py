"""Cypher of the in-memory analytics snapshot (``graph.snapshot``): its version fingerprint and
the one read that exports it. Labels and relationship types from ``graph.labels``; values only
as ``$parameters``.

The export is one query (one read transaction, so its parts agree with each other): nine
``CALL`` subqueries each collect one table as parallel lists, returned in slices of ``$chunk``
elements per record (as the analytics export does, ``graph.analytics.queries``). Nodes are
named by their internal number ``id(n)`` inside the export only (stable within the transaction;
they never leave it): integers keep the transfer small and the mapping to vertices a numpy
search.
"""

from __future__ import annotations

from graph import stamp
from graph.labels import Label, RelType

PAPER = Label.PAPER.value
AUTHOR = Label.AUTHOR.value
CATEGORY = Label.CATEGORY.value
AUTHORED = RelType.AUTHORED.value
CITES = RelType.CITES.value
IN_CATEGORY = RelType.IN_CATEGORY.value
PUBLISHED_IN = RelType.PUBLISHED_IN.value
VENUE = Label.VENUE.value
SUBCATEGORY_OF = RelType.SUBCATEGORY_OF.value
STAMP = stamp.LABEL

#: The snapshot's version: counts of every label and relationship type it is made of, read from
#: Neo4j's count store (O(1)) — the signal the co-author graph cache uses
#: (``graph.collab_queries.COAUTHOR_FINGERPRINT``), widened to citations and categories, and the
#: writers' stamp (``graph.stamp``). Any load, merge or deletion moves the counts; any write
#: through the writers, one that moves no count included (a year, a citation count), moves the
#: stamp.
FINGERPRINT = f"""
CALL () {{ MATCH (n:{PAPER}) RETURN count(n) AS papers }}
CALL () {{ MATCH (n:{AUTHOR}) RETURN count(n) AS authors }}
CALL () {{ MATCH (n:{CATEGORY}) RETURN count(n) AS categories }}
CALL () {{ MATCH ()-[r:{CITES}]->() RETURN count(r) AS citations }}
CALL () {{ MATCH ()-[r:{AUTHORED}]->() RETURN count(r) AS authorships }}
CALL () {{ MATCH ()-[r:{IN_CATEGORY}]->() RETURN count(r) AS in_category }}
CALL () {{ MATCH ()-[r:{SUBCATEGORY_OF}]->() RETURN count(r) AS subcategory_of }}
CALL () {{ MATCH (n:{VENUE}) RETURN count(n) AS venues }}
CALL () {{ MATCH ()-[r:{PUBLISHED_IN}]->() RETURN count(r) AS published_in }}
CALL () {{ OPTIONAL MATCH (s:{STAMP} {{id: 'graph'}}) RETURN s.stamp AS stamp }}
RETURN papers, authors, categories, citations, authorships, in_category, subcategory_of,
       venues, published_in, stamp
"""

FINGERPRINT_FIELDS = (
    "papers", "authors", "categories", "citations", "authorships", "in_category",
    "subcategory_of", "venues", "published_in", "stamp",
)  # fmt: skip

#: The columns of :data:`EXPORT`, in order (one list per column in every record).
EXPORT_COLUMNS = (
    "paper_keys", "paper_ids", "paper_years", "paper_stubs", "paper_citations", "paper_counted",
    "paper_dates", "paper_titles", "paper_titled",
    "cite_src", "cite_dst",
    "author_keys", "author_ids",
    "auth_author", "auth_paper",
    "cat_keys", "cat_ids",
    "in_paper", "in_cat",
    "sub_child", "sub_parent",
    "venue_keys", "venue_ids",
    "pub_paper", "pub_venue",
)  # fmt: skip

_LISTS = ", ".join(EXPORT_COLUMNS)
_SLICES = ", ".join(f"{c}[i..i + $chunk] AS {c}" for c in EXPORT_COLUMNS)
_SIZES = ", ".join(f"size({c})" for c in EXPORT_COLUMNS)

#: Papers (a missing year is ``$no_year``), citations, authors, authorships, categories,
#: category links, the category hierarchy, venues and venue links. Stubs are papers (cited,
#: never citing). A relationship type fixes the labels of its ends (the graph model:
#: ``CITES`` joins papers, ``AUTHORED`` an author to a paper, and so on), so the relationship
#: tables do not check them: a label check reads every end node (at 1M papers it took the
#: export from 8 s to 20 s), and a row naming a node outside the node tables is refused when
#: the snapshot is built (``graph.snapshot``).
EXPORT = f"""
CALL () {{
  MATCH (p:{PAPER})
  RETURN collect(id(p)) AS paper_keys, collect(p.id) AS paper_ids,
         collect(coalesce(p.year, $no_year)) AS paper_years,
         collect(coalesce(p.stub, false)) AS paper_stubs,
         collect(coalesce(p.citation_count, 0)) AS paper_citations,
         collect(p.citation_count IS NOT NULL) AS paper_counted,
         collect(coalesce(toString(p.date), '')) AS paper_dates,
         collect(coalesce(p.title, '')) AS paper_titles,
         collect(p.title IS NOT NULL) AS paper_titled
}}
CALL () {{
  MATCH (a)-[:{CITES}]->(b)
  RETURN collect(id(a)) AS cite_src, collect(id(b)) AS cite_dst
}}
CALL () {{ MATCH (a:{AUTHOR}) RETURN collect(id(a)) AS author_keys, collect(a.id) AS author_ids }}
CALL () {{
  MATCH (a)-[:{AUTHORED}]->(p)
  RETURN collect(id(a)) AS auth_author, collect(id(p)) AS auth_paper
}}
CALL () {{ MATCH (c:{CATEGORY}) RETURN collect(id(c)) AS cat_keys, collect(c.id) AS cat_ids }}
CALL () {{
  MATCH (p)-[:{IN_CATEGORY}]->(c)
  RETURN collect(id(p)) AS in_paper, collect(id(c)) AS in_cat
}}
CALL () {{
  MATCH (c)-[:{SUBCATEGORY_OF}]->(d)
  RETURN collect(id(c)) AS sub_child, collect(id(d)) AS sub_parent
}}
CALL () {{ MATCH (v:{VENUE}) RETURN collect(id(v)) AS venue_keys, collect(v.id) AS venue_ids }}
CALL () {{
  MATCH (p)-[:{PUBLISHED_IN}]->(v)
  RETURN collect(id(p)) AS pub_paper, collect(id(v)) AS pub_venue
}}
WITH {_LISTS}, reduce(m = 1, s IN [{_SIZES}] | CASE WHEN s > m THEN s ELSE m END) AS max_len
UNWIND range(0, max_len - 1, $chunk) AS i
RETURN {_SLICES}
"""
