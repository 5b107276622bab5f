"""Cypher of the author clustering (``graph.author_links``): reading and storing cluster
profiles, joining two clusters, and the evidence of name-only authorships and of strong-id
authors for the relink. Values always go in parameters."""

from __future__ import annotations

from graph.ids import AUTHOR_ID_PROPERTY
from graph.ingest_queries import _greater, _name_rank

#: The stored profiles of the name-only clusters under some blocking keys.
CLUSTER_PROFILES = """
UNWIND $blocks AS k
MATCH (a:Author {match_key: k})
WHERE a.cluster_profile IS NOT NULL
RETURN a.id AS id, k AS block, a.cluster_profile AS profile, a.never_with AS never
"""

#: The stored profiles' tokens under some blocking keys (``graph.author_clustering.KeptProfiles``:
#: a load reads again only the profiles it does not hold under their token).
CLUSTER_TOKENS = """
UNWIND $blocks AS k
MATCH (a:Author {match_key: k})
WHERE a.cluster_profile IS NOT NULL
RETURN a.id AS id, k AS block, a.profile_token AS token, a.never_with AS never
"""

#: The stored profiles of some authors (null: none stored).
STORED_PROFILES_OF = """
UNWIND $ids AS i
MATCH (a:Author {id: i})
RETURN a.id AS id, a.cluster_profile AS profile
"""

#: A cluster's evidence, after its mentions were written, with its token
#: (``graph.author_links.profile_row``).
SET_CLUSTER_PROFILES = """
UNWIND $rows AS row
MATCH (a:Author {id: row.id})
SET a.cluster_profile = row.profile, a.profile_token = row.token
"""

#: Which of some author ids a node already holds (a new cluster takes a free one).
AUTHOR_IDS_IN_USE = """
UNWIND $ids AS i
MATCH (a:Author {id: i})
RETURN a.id AS id
"""

_GONE_NAME_BETTER = _greater(_name_rank("gone.name"), _name_rank("keep.name"))
_KEEP_IDS = ",\n    ".join(
    f"keep.{prop} = coalesce(keep.{prop}, ids.{prop})" for prop in AUTHOR_ID_PROPERTY.values()
)

#: Two authors shown to be one person (two clusters of earlier loads a batch joined, or a
#: ``[[merge]]`` of the overrides file): every authorship of the absorbed one moves to the
#: survivor (position, raw name and source kept; its match too, unless the row gives one),
#: printed forms, sources and the ids the survivor lacks are united, the display name follows
#: the writer's rule (``graph.identity.display_name_rank``), and the absorbed node goes (before
#: its ids move, so no uniqueness constraint sees them twice).
JOIN_AUTHORS = f"""
UNWIND $rows AS row
MATCH (keep:Author {{id: row.survivor}}), (gone:Author {{id: row.absorbed}})
CALL (keep, gone, row) {{
  MATCH (gone)-[r:AUTHORED]->(x:Paper)
  MERGE (keep)-[r2:AUTHORED]->(x)
  SET r2.position = coalesce(r2.position, r.position),
      r2.raw_name = coalesce(r2.raw_name, r.raw_name),
      r2.source = coalesce(r2.source, r.source),
      r2.match_rule = coalesce(row.match_rule, r2.match_rule, r.match_rule),
      r2.match_score = CASE WHEN row.match_rule IS NULL
                            THEN coalesce(r2.match_score, r.match_score) END,
      r2.match_evidence = CASE WHEN row.match_rule IS NULL
                               THEN coalesce(r2.match_evidence, r.match_evidence) END
  DELETE r
}}
SET keep.name_variants = keep.name_variants +
        [n IN gone.name_variants WHERE NOT n IN keep.name_variants],
    keep.sources = keep.sources + [s IN gone.sources WHERE NOT s IN keep.sources],
    keep.affiliation = coalesce(keep.affiliation, gone.affiliation)
SET keep.name_variants_text = reduce(t = '', n IN keep.name_variants | t + ' ' + n),
    keep.never_with = CASE WHEN keep.never_with IS NULL AND gone.never_with IS NULL THEN null
        ELSE coalesce(keep.never_with, []) +
             [i IN coalesce(gone.never_with, []) WHERE NOT i IN coalesce(keep.never_with, [])]
        END
SET keep.name_key = CASE WHEN {_GONE_NAME_BETTER} THEN gone.name_key ELSE keep.name_key END,
    keep.name = CASE WHEN {_GONE_NAME_BETTER} THEN gone.name ELSE keep.name END
WITH keep, gone, properties(gone) AS ids
DETACH DELETE gone
WITH keep, ids
SET {_KEEP_IDS}
"""

#: What the paper of each name-only authorship says (the mention side of the relink).
MENTION_EVIDENCE = """
UNWIND $items AS it
MATCH (n:Author {id: it.author})-[r:AUTHORED]->(x:Paper {id: it.paper})
OPTIONAL MATCH (x)-[:PUBLISHED_IN]->(v:Venue)
RETURN it.author AS author, it.paper AS paper, coalesce(r.raw_name, n.name) AS name,
       r.position AS position, r.match_rule AS rule, n.never_with AS never, x.title AS title,
       x.abstract AS abstract, x.year AS year,
       v.name AS venue, [(x)-[:IN_CATEGORY]->(c:Category) | c.id] AS categories,
       [(x)<-[r2:AUTHORED]-(o:Author) WHERE o <> n | coalesce(r2.raw_name, o.name)] AS coauthors,
       [(x)<-[:AUTHORED]-(o:Author) | o.id] AS listed
"""

#: What the papers of each strong-id candidate say (the most recent ``$per_author``).
CANDIDATE_EVIDENCE = """
UNWIND $ids AS cid
MATCH (c:Author {id: cid})
CALL (c) {
  MATCH (c)-[r:AUTHORED]->(x:Paper)
  WITH r, x ORDER BY x.year DESC, x.id LIMIT $per_author
  OPTIONAL MATCH (x)-[:PUBLISHED_IN]->(v:Venue)
  RETURN collect({
    paper: x.id, name: coalesce(r.raw_name, c.name), title: x.title, abstract: x.abstract,
    year: x.year, venue: v.name, categories: [(x)-[:IN_CATEGORY]->(k:Category) | k.id],
    coauthors: [(x)<-[r2:AUTHORED]-(o:Author) WHERE o <> c | coalesce(r2.raw_name, o.name)]
  }) AS papers
}
RETURN c.id AS id, c.affiliation AS affiliation, papers
"""
