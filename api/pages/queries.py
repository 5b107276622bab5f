"""The GraphQL documents the pages run (api/pages/gql.py executes them in-process).

Each page is a view over these answers; the headless-browser tests POST the same documents to
/graphql and compare what the page shows with the answer.
"""

from __future__ import annotations

# Author header, reported figures, one page of papers, co-authors and top citing authors.
PROFILE = """
query Profile($id: ID!, $first: Int!, $after: String, $order: [PaperOrder!], $coauthors: Int!) {
  author(id: $id) {
    id name orcid affiliation nameVariants sources
    externalIds { orcid openalex s2 dblp aminer }
    paperCount citationCount hIndex i10Index community
    scores { pagerank citationPagerank }
    primaryCategory { id name }
    categories { paperCount category { id name } }
    reported { hIndex citationCount paperCount novelty aiScore source asOf }
    novelty { value papers }
    papers(first: $first, after: $after, orderBy: $order) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node {
        id title abstract year date hasCode codeUrl citationCount sourceCitationCount
        authorsComplete url
        primaryCategory { id name }
        categories { id }
        venue { id name }
        authorships { position rawName author { id name } }
      } }
    }
    coauthors(first: $coauthors) {
      jointPaperCount firstYear lastYear
      author { id name paperCount community }
    }
    topCitingAuthors(first: 10) {
      totalCitations selfCitations
      authors { citations citingPapers author { id name } }
    }
  }
}
"""

# Collaborator suggestions (a separate document: it has its own cost and runs concurrently).
SUGGESTIONS = """
query Suggestions($id: ID!, $first: Int!) {
  suggestCollaborators(authorId: $id, first: $first) {
    score adamicAdar categoryJaccard
    author { id name paperCount }
    reasons {
      commonCoauthorCount sharedCategories community sameCommunity
      commonCoauthors { id name }
    }
  }
}
"""

# Years and citation counts of all an author's papers, a page at a time (the yearly chart).
AUTHOR_YEARS = """
query AuthorYears($id: ID!, $after: String) {
  author(id: $id) {
    papers(first: 100, after: $after, orderBy: [ID_ASC]) {
      pageInfo { hasNextPage endCursor }
      edges { node { year citationCount } }
    }
  }
}
"""

# The ego network, first hop: the author and up to $first co-authors.
NETWORK_EGO = """
query NetworkEgo($id: ID!, $first: Int!) {
  author(id: $id) {
    id name paperCount community scores { pagerank }
    coauthors(first: $first) {
      jointPaperCount
      author { id name paperCount community scores { pagerank } }
    }
  }
}
"""

# The whole network in one document (graph.collaboration.coauthor_network).
NETWORK = """
query Network($id: ID!, $hops: Int!, $limit: Int!) {
  coauthorNetwork(author: $id, hops: $hops, limit: $limit) {
    centre found
    nodes { hop author { id name paperCount community scores { pagerank } } }
    links { source target jointPaperCount }
  }
}
"""

# Co-authors of a batch of authors (second hop and the edges among the authors shown).
NETWORK_BATCH = """
query NetworkBatch($ids: [ID!]!, $first: Int!, $coauthors: Int!) {
  authors(where: { id: { in: $ids } }, first: $first) {
    edges { node {
      id
      coauthors(first: $coauthors) {
        jointPaperCount
        author { id name paperCount community scores { pagerank } }
      }
    } }
  }
}
"""

PAPER = """
query Paper($id: ID!, $first: Int!) {
  paper(id: $id) {
    id title abstract year date doi arxivId url hasCode codeUrl journalRef docType
    citationCount referenceCount sourceCitationCount authorsComplete stub sources novelty
    externalIds { doi arxiv openalex s2 dblp aminer }
    scores { pagerank }
    venue { id name type }
    categoryLinks { primary category { id name } }
    authorships { position rawName author { id name paperCount } }
    references(first: $first, orderBy: [CITATION_COUNT_DESC]) {
      totalCount
      edges { node { id title year citationCount stub } }
    }
    citations(first: $first, orderBy: [DATE_DESC]) {
      totalCount
      edges { node { id title year citationCount } }
    }
    similar(first: 10) {
      score cocitation coupling
      paper { id title year }
    }
  }
}
"""

PATH = """
query Path($from: ID!, $to: ID!, $k: Int!, $maxHops: Int!, $yearFrom: Int, $yearTo: Int) {
  collaborationPath(from: $from, to: $to, k: $k, maxHops: $maxHops,
                    yearFrom: $yearFrom, yearTo: $yearTo) {
    length
    authors { id name paperCount }
    hops {
      jointPaperCount
      from { id name }
      to { id name }
      papers { id title year }
    }
    alternatives {
      length
      authors { id name }
      hops { jointPaperCount from { id name } to { id name } papers { id title year } }
    }
  }
}
"""

FIELD = """
query Field($id: ID!) {
  category(id: $id) {
    id name scheme paperCount
    parent { id name }
    subcategories { id name paperCount }
  }
}
"""

# Papers and citations per year of a field (and period): one field, answered from the
# in-memory analytics snapshot (graph/snapshot.py).
FIELD_YEARS = """
query FieldYears($id: ID!, $yearFrom: Int, $yearTo: Int) {
  category(id: $id) {
    id
    yearly(yearFrom: $yearFrom, yearTo: $yearTo) { year papers citations }
  }
}
"""

FIELD_INFLUENCE = """
query FieldInfluence($id: ID!, $yearFrom: Int, $yearTo: Int, $first: Int!) {
  influentialPapers(category: $id, yearFrom: $yearFrom, yearTo: $yearTo, first: $first) {
    score pagerank citations
    paper { id title year authorsComplete authors { id name } }
  }
  influentialAuthors(category: $id, yearFrom: $yearFrom, yearTo: $yearTo, first: $first) {
    score pagerank citations hIndex paperCount
    author { id name }
  }
}
"""

FIELD_RISING = """
query FieldRising($id: ID!, $year: Int, $first: Int!) {
  risingAuthors(category: $id, year: $year, first: $first) {
    previousWindow { start end }
    recentWindow { start end }
    authors { recentVelocity previousVelocity velocityChange author { id name } }
  }
}
"""

FIELD_COMMUNITIES = """
query FieldCommunities($id: ID!, $first: Int!) {
  communities(category: $id, first: $first) {
    id size density paperCount fieldPaperCount label
    dominantCategories { paperCount category { id } }
    topMembers { author { id name } }
  }
}
"""

CATEGORIES = """
query Categories {
  categories(first: 1000) { id name scheme paperCount }
}
"""

SEARCH = """
query Search($q: String!, $types: [SearchType!], $first: Int!) {
  search(query: $q, types: $types, first: $first) {
    score
    __typename
    ... on PaperHit { paper {
      id title year hasCode authorsComplete primaryCategory { id } authors { id name }
    } }
    ... on AuthorHit { author { id name paperCount hIndex primaryCategory { id } } }
    ... on VenueHit { venue { id name type paperCount } }
  }
}
"""
