"""Cypher of collaboration discovery (``graph.collaboration``): named constants, values only as
``$parameters``. Labels and relationship types come from ``graph.labels``.

Co-authorship is derived, never stored: two ``AUTHORED`` relationships on one paper.
"""

from __future__ import annotations

from graph import stamp
from graph.labels import Label, RelType

AUTHOR = Label.AUTHOR.value
PAPER = Label.PAPER.value
CATEGORY = Label.CATEGORY.value
RUN = Label.ANALYSIS_RUN.value
AUTHORED = RelType.AUTHORED.value
IN_CATEGORY = RelType.IN_CATEGORY.value
PUBLISHED_IN = RelType.PUBLISHED_IN.value
VENUE = Label.VENUE.value

#: Cheap change detector for the in-process co-author graph cache: node and relationship counts
#: come from the count store (no scan), and the writers' stamp (``graph.stamp``). Any load,
#: merge or deletion changes a count; any write through the writers changes the stamp (an
#: authorship moved from one author to another that both stay changes no count).
COAUTHOR_FINGERPRINT = f"""
CALL () {{ MATCH (a:{AUTHOR}) RETURN count(a) AS authors }}
CALL () {{ MATCH (p:{PAPER}) RETURN count(p) AS papers }}
CALL () {{ MATCH ()-[r:{AUTHORED}]->() RETURN count(r) AS authorships }}
CALL () {{ OPTIONAL MATCH (s:{stamp.LABEL} {{id: 'graph'}}) RETURN s.stamp AS stamp }}
RETURN authors, papers, authorships, stamp
"""

_YEAR_FILTER = (
    "($year_from IS NULL OR p.year >= $year_from) AND ($year_to IS NULL OR p.year <= $year_to)"
)

#: Evidence for paths: the author nodes, and for every hop ``[a, b]`` the joint papers of ``a``
#: and ``b`` (in the year range), oldest first, at most ``$per_hop`` of them, with their count.
PATH_EVIDENCE = f"""
CALL () {{
  UNWIND $authors AS aid
  MATCH (a:{AUTHOR} {{id: aid}})
  RETURN collect(a {{.*}}) AS authors
}}
CALL () {{
  UNWIND $pairs AS pair
  CALL (pair) {{
    MATCH (a:{AUTHOR} {{id: pair[0]}})-[:{AUTHORED}]->(p:{PAPER})
          <-[:{AUTHORED}]-(b:{AUTHOR} {{id: pair[1]}})
    WHERE {_YEAR_FILTER}
    WITH p ORDER BY p.year, p.date, p.id
    RETURN collect(p {{.*}}) AS papers
  }}
  RETURN collect({{a: pair[0], b: pair[1], papers: papers[..$per_hop],
                   total: size(papers)}}) AS hops
}}
RETURN authors, hops
"""

#: Facts for scoring collaborator suggestions, in one round trip: the categories of the author
#: and of every candidate (distinct categories of their papers), each candidate's node, and the
#: community property of the latest persisted Leiden run (``$community_key``, null when none).
SUGGESTION_FACTS = f"""
MATCH (u:{AUTHOR} {{id: $author}})
CALL (u) {{
  OPTIONAL MATCH (u)-[:{AUTHORED}]->(:{PAPER})-[:{IN_CATEGORY}]->(c:{CATEGORY})
  RETURN collect(DISTINCT c.id) AS categories
}}
CALL () {{
  UNWIND $candidates AS cid
  MATCH (v:{AUTHOR} {{id: cid}})
  CALL (v) {{
    OPTIONAL MATCH (v)-[:{AUTHORED}]->(:{PAPER})-[:{IN_CATEGORY}]->(c:{CATEGORY})
    RETURN collect(DISTINCT c.id) AS categories
  }}
  RETURN collect({{
    node: v {{.*}}, categories: categories,
    community: CASE WHEN $community_key IS NULL THEN null ELSE v[$community_key] END
  }}) AS candidates
}}
RETURN u {{.*}} AS author, categories,
       CASE WHEN $community_key IS NULL THEN null ELSE u[$community_key] END AS community,
       candidates
"""

#: The stored paper counts of authors (second-hop candidates of a co-author network).
PAPER_COUNTS_OF_AUTHORS = f"""
UNWIND $ids AS aid
MATCH (a:{AUTHOR} {{id: aid}})
RETURN a.id AS id, a.paper_count AS n
"""

#: Authors of a co-author network by id, as property maps without the clustering evidence
#: (``cluster_profile``, kilobytes per name-only author, and its token: never shown).
NETWORK_AUTHORS = f"""
UNWIND $ids AS aid
MATCH (a:{AUTHOR} {{id: aid}})
RETURN a.id AS id, a {{.*, cluster_profile: null, profile_token: null}} AS node
"""

#: Authors by id, as property maps (names of common co-authors in suggestion reasons).
AUTHORS_BY_IDS = f"""
UNWIND $ids AS aid
MATCH (a:{AUTHOR} {{id: aid}})
RETURN a.id AS id, a {{.*}} AS node
"""

#: The newest complete persisted run of an algorithm on a whole graph of one kind (provenance
#: for communities and suggestions; unfinished and failed runs are never followed).
LATEST_WHOLE_GRAPH_RUN = f"""
MATCH (r:{RUN} {{kind: $kind, algorithm: $algorithm, whole_graph: true}})
WHERE coalesce(r.status, 'COMPLETE') = 'COMPLETE'
RETURN r {{ .*, created_at: toString(r.created_at) }} AS run
ORDER BY r.created_at DESC
LIMIT 1
"""

#: Communities of the co-authorship graph from a persisted run: the ``$first`` largest by size,
#: each with its size, ``$top`` members by ``$rank_key`` (PageRank when persisted, else the
#: number of distinct co-authors), its dominant categories (by member papers) and internal
#: edges (distinct co-author pairs inside the community) for the density.
COMMUNITIES = f"""
MATCH (a:{AUTHOR}) WHERE a[$key] IS NOT NULL
WITH a[$key] AS community, collect(a) AS members
WITH community, members, size(members) AS size
ORDER BY size DESC, community
LIMIT $first
CALL (community, members) {{
  UNWIND members AS m
  WITH m, CASE WHEN $rank_key IS NULL THEN null ELSE m[$rank_key] END AS rank
  CALL (m) {{
    OPTIONAL MATCH (m)-[:{AUTHORED}]->(:{PAPER})<-[:{AUTHORED}]-(o:{AUTHOR})
    WHERE o <> m
    RETURN count(DISTINCT o) AS degree
  }}
  WITH m, rank, degree
  ORDER BY coalesce(rank, -1.0) DESC, degree DESC, m.id
  LIMIT $top
  RETURN collect({{node: m {{.*}}, rank: rank, degree: degree}}) AS top_members
}}
CALL (community, members) {{
  UNWIND members AS m
  MATCH (m)-[:{AUTHORED}]->(p:{PAPER})-[:{IN_CATEGORY}]->(c:{CATEGORY})
  WITH c, count(DISTINCT p) AS papers
  ORDER BY papers DESC, c.id
  LIMIT $top_categories
  RETURN collect({{category: c {{.*}}, papers: papers}}) AS categories
}}
CALL (community, members) {{
  UNWIND members AS m
  MATCH (m)-[:{AUTHORED}]->(:{PAPER})<-[:{AUTHORED}]-(o:{AUTHOR})
  WHERE o[$key] = community AND elementId(m) < elementId(o)
  WITH DISTINCT m, o
  RETURN count(*) AS internal_edges
}}
CALL (community, members) {{
  UNWIND members AS m
  MATCH (m)-[:{AUTHORED}]->(p:{PAPER})
  WITH DISTINCT p
  RETURN count(p) AS papers,
         count(CASE WHEN EXISTS {{ (p)-[:{IN_CATEGORY}]->(:{CATEGORY}) }} THEN 1 END)
           AS categorised,
         count(CASE WHEN EXISTS {{ (p)-[:{PUBLISHED_IN}]->(:{VENUE}) }} THEN 1 END) AS with_venue
}}
CALL (community, members) {{
  UNWIND members AS m
  MATCH (m)-[:{AUTHORED}]->(p:{PAPER})-[:{PUBLISHED_IN}]->(v:{VENUE})
  WITH v, count(DISTINCT p) AS papers
  ORDER BY papers DESC, v.id
  LIMIT $top_categories
  RETURN collect({{venue: v {{.*}}, papers: papers}}) AS venues
}}
RETURN community, size, top_members, categories, internal_edges, papers, categorised,
       with_venue, venues
"""

#: Every author's value of a persisted community run (and of a rank run, null when none): the
#: snapshot's communities join them to its arrays (``graph.collaboration.communities``).
COMMUNITY_VALUES = f"""
MATCH (a:{AUTHOR}) WHERE a[$key] IS NOT NULL
RETURN collect(a.id) AS ids, collect(a[$key]) AS community,
       collect(CASE WHEN $rank_key IS NULL THEN null ELSE a[$rank_key] END) AS rank
"""
