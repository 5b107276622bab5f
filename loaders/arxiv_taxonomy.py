"""The arXiv category taxonomy: codes → human names, hierarchy and legacy archives.

Used by every parser that meets arXiv category codes (Kaggle snapshot, API Atom, Paperscape,
profile pages). ``category(code)`` returns a ``CategoryRef`` in the ``arxiv`` scheme with its
parent chain:

- a subject class hangs under its archive: ``cs.CL`` → ``arxiv:cs`` "Computer Science",
  ``math.AG`` → ``arxiv:math``, ``cond-mat.stat-mech`` → ``arxiv:cond-mat`` →
  ``arxiv-group:physics``;
- the Physics **group** and the ``physics`` **archive** are two categories, as on
  arxiv.org/category_taxonomy: the archives of the group (``astro-ph``, ``cond-mat``,
  ``gr-qc``, ``hep-*``, ``math-ph``, ``nlin``, ``nucl-*``, ``quant-ph`` and ``physics``
  itself) hang under the group ``arxiv-group:physics`` "Physics (group)"; the archive
  ``arxiv:physics`` "Physics" holds only ``physics.*`` papers (and papers tagged with the bare
  ``physics`` code). So a filter on ``arxiv:physics`` finds ``physics.optics`` papers but not
  ``hep-th`` ones, and a filter on ``arxiv-group:physics`` finds every physics paper. Every
  ``arxiv:<code>`` id stays what it was; only the group is new (``GROUP_SCHEME`` ids);
- every other top-level archive (``cs``, ``math``, ``q-bio`` …) is its own group and has no
  parent. Old papers are tagged with bare archives (``cond-mat``, ``astro-ph``, ``q-bio``,
  ``math``): those are categories of their own and keep their archive id.

Graphs loaded before the group existed hold ``SUBCATEGORY_OF`` links from the physics archives
to ``arxiv:physics``: ``graph.schema.apply_schema`` moves them to the group (idempotent).

Legacy archives (arXiv's 1990s archives later folded into subject classes) are mapped to their
modern category by ``canonical``: a paper tagged ``cmp-lg`` gets ``arxiv:cs.CL`` only — the
legacy code is not a category node of its own, so ``cmp-lg`` and ``cs.CL`` papers are found
together. The legacy code is kept in the modern category's name, e.g. ``cs.CL`` is named
"Computation and Language (formerly cmp-lg)"; the name is the same whichever code a paper
carried, so every source writes the same name onto the node.

Subject-class aliases that arXiv lists under two names (``math.IT``/``cs.IT``,
``math.MP``/``math-ph``, ``stat.TH``/``math.ST``, ``eess.SY``/``cs.SY``, ``math.NA``/``cs.NA``,
``q-fin.EC``/``econ.GN``) are kept apart: sources tag papers with both, and both are current
codes. Unknown codes never fail: they get the code itself as their name, and their archive as
parent when the prefix is known.
"""

from __future__ import annotations

from functools import lru_cache

from loaders.records import CategoryRef

SCHEME = "arxiv"
GROUP_PREFIX = "arxiv-group"  # ids of arXiv groups that are not also an archive
PHYSICS_GROUP_ID = f"{GROUP_PREFIX}:physics"
PHYSICS_GROUP_NAME = "Physics (group)"

# Top-level archives and groups (no parent).
_TOP: dict[str, str] = {
    "cs": "Computer Science",
    "econ": "Economics",
    "eess": "Electrical Engineering and Systems Science",
    "math": "Mathematics",
    "physics": "Physics",
    "q-bio": "Quantitative Biology",
    "q-fin": "Quantitative Finance",
    "stat": "Statistics",
}

# Archives inside the Physics group (parent: the group, arxiv-group:physics; so is the
# ``physics`` archive itself).
_PHYSICS_ARCHIVES: dict[str, str] = {
    "astro-ph": "Astrophysics",
    "cond-mat": "Condensed Matter",
    "gr-qc": "General Relativity and Quantum Cosmology",
    "hep-ex": "High Energy Physics - Experiment",
    "hep-lat": "High Energy Physics - Lattice",
    "hep-ph": "High Energy Physics - Phenomenology",
    "hep-th": "High Energy Physics - Theory",
    "math-ph": "Mathematical Physics",
    "nlin": "Nonlinear Sciences",
    "nucl-ex": "Nuclear Experiment",
    "nucl-th": "Nuclear Theory",
    "quant-ph": "Quantum Physics",
}

# Subject classes, keyed by archive.
_SUBJECTS: dict[str, dict[str, str]] = {
    "cs": {
        "AI": "Artificial Intelligence",
        "AR": "Hardware Architecture",
        "CC": "Computational Complexity",
        "CE": "Computational Engineering, Finance, and Science",
        "CG": "Computational Geometry",
        "CL": "Computation and Language",
        "CR": "Cryptography and Security",
        "CV": "Computer Vision and Pattern Recognition",
        "CY": "Computers and Society",
        "DB": "Databases",
        "DC": "Distributed, Parallel, and Cluster Computing",
        "DL": "Digital Libraries",
        "DM": "Discrete Mathematics",
        "DS": "Data Structures and Algorithms",
        "ET": "Emerging Technologies",
        "FL": "Formal Languages and Automata Theory",
        "GL": "General Literature",
        "GR": "Graphics",
        "GT": "Computer Science and Game Theory",
        "HC": "Human-Computer Interaction",
        "IR": "Information Retrieval",
        "IT": "Information Theory",
        "LG": "Machine Learning",
        "LO": "Logic in Computer Science",
        "MA": "Multiagent Systems",
        "MM": "Multimedia",
        "MS": "Mathematical Software",
        "NA": "Numerical Analysis",
        "NE": "Neural and Evolutionary Computing",
        "NI": "Networking and Internet Architecture",
        "OH": "Other Computer Science",
        "OS": "Operating Systems",
        "PF": "Performance",
        "PL": "Programming Languages",
        "RO": "Robotics",
        "SC": "Symbolic Computation",
        "SD": "Sound",
        "SE": "Software Engineering",
        "SI": "Social and Information Networks",
        "SY": "Systems and Control",
    },
    "econ": {
        "EM": "Econometrics",
        "GN": "General Economics",
        "TH": "Theoretical Economics",
    },
    "eess": {
        "AS": "Audio and Speech Processing",
        "IV": "Image and Video Processing",
        "SP": "Signal Processing",
        "SY": "Systems and Control",
    },
    "math": {
        "AC": "Commutative Algebra",
        "AG": "Algebraic Geometry",
        "AP": "Analysis of PDEs",
        "AT": "Algebraic Topology",
        "CA": "Classical Analysis and ODEs",
        "CO": "Combinatorics",
        "CT": "Category Theory",
        "CV": "Complex Variables",
        "DG": "Differential Geometry",
        "DS": "Dynamical Systems",
        "FA": "Functional Analysis",
        "GM": "General Mathematics",
        "GN": "General Topology",
        "GR": "Group Theory",
        "GT": "Geometric Topology",
        "HO": "History and Overview",
        "IT": "Information Theory",
        "KT": "K-Theory and Homology",
        "LO": "Logic",
        "MG": "Metric Geometry",
        "MP": "Mathematical Physics",
        "NA": "Numerical Analysis",
        "NT": "Number Theory",
        "OA": "Operator Algebras",
        "OC": "Optimization and Control",
        "PR": "Probability",
        "QA": "Quantum Algebra",
        "RA": "Rings and Algebras",
        "RT": "Representation Theory",
        "SG": "Symplectic Geometry",
        "SP": "Spectral Theory",
        "ST": "Statistics Theory",
    },
    "astro-ph": {
        "CO": "Cosmology and Nongalactic Astrophysics",
        "EP": "Earth and Planetary Astrophysics",
        "GA": "Astrophysics of Galaxies",
        "HE": "High Energy Astrophysical Phenomena",
        "IM": "Instrumentation and Methods for Astrophysics",
        "SR": "Solar and Stellar Astrophysics",
    },
    "cond-mat": {
        "dis-nn": "Disordered Systems and Neural Networks",
        "mes-hall": "Mesoscale and Nanoscale Physics",
        "mtrl-sci": "Materials Science",
        "other": "Other Condensed Matter",
        "quant-gas": "Quantum Gases",
        "soft": "Soft Condensed Matter",
        "stat-mech": "Statistical Mechanics",
        "str-el": "Strongly Correlated Electrons",
        "supr-con": "Superconductivity",
    },
    "nlin": {
        "AO": "Adaptation and Self-Organizing Systems",
        "CD": "Chaotic Dynamics",
        "CG": "Cellular Automata and Lattice Gases",
        "PS": "Pattern Formation and Solitons",
        "SI": "Exactly Solvable and Integrable Systems",
    },
    "physics": {
        "acc-ph": "Accelerator Physics",
        "ao-ph": "Atmospheric and Oceanic Physics",
        "app-ph": "Applied Physics",
        "atm-clus": "Atomic and Molecular Clusters",
        "atom-ph": "Atomic Physics",
        "bio-ph": "Biological Physics",
        "chem-ph": "Chemical Physics",
        "class-ph": "Classical Physics",
        "comp-ph": "Computational Physics",
        "data-an": "Data Analysis, Statistics and Probability",
        "ed-ph": "Physics Education",
        "flu-dyn": "Fluid Dynamics",
        "gen-ph": "General Physics",
        "geo-ph": "Geophysics",
        "hist-ph": "History and Philosophy of Physics",
        "ins-det": "Instrumentation and Detectors",
        "med-ph": "Medical Physics",
        "optics": "Optics",
        "plasm-ph": "Plasma Physics",
        "pop-ph": "Popular Physics",
        "soc-ph": "Physics and Society",
        "space-ph": "Space Physics",
    },
    "q-bio": {
        "BM": "Biomolecules",
        "CB": "Cell Behavior",
        "GN": "Genomics",
        "MN": "Molecular Networks",
        "NC": "Neurons and Cognition",
        "OT": "Other Quantitative Biology",
        "PE": "Populations and Evolution",
        "QM": "Quantitative Methods",
        "SC": "Subcellular Processes",
        "TO": "Tissues and Organs",
    },
    "q-fin": {
        "CP": "Computational Finance",
        "EC": "Economics",
        "GN": "General Finance",
        "MF": "Mathematical Finance",
        "PM": "Portfolio Management",
        "PR": "Pricing of Securities",
        "RM": "Risk Management",
        "ST": "Statistical Finance",
        "TR": "Trading and Market Microstructure",
    },
    "stat": {
        "AP": "Applications",
        "CO": "Computation",
        "ME": "Methodology",
        "ML": "Machine Learning",
        "OT": "Other Statistics",
        "TH": "Statistics Theory",
    },
}

# Legacy archives → the modern category that absorbed them (arxiv.org/archive list).
LEGACY: dict[str, str] = {
    "acc-phys": "physics.acc-ph",
    "adap-org": "nlin.AO",
    "alg-geom": "math.AG",
    "ao-sci": "physics.ao-ph",
    "atom-ph": "physics.atom-ph",
    "bayes-an": "physics.data-an",
    "chao-dyn": "nlin.CD",
    "chem-ph": "physics.chem-ph",
    "cmp-lg": "cs.CL",
    "comp-gas": "nlin.CG",
    "dg-ga": "math.DG",
    "funct-an": "math.FA",
    "mtrl-th": "cond-mat.mtrl-sci",
    "patt-sol": "nlin.PS",
    "plasm-ph": "physics.plasm-ph",
    "q-alg": "math.QA",
    "solv-int": "nlin.SI",
    "supr-con": "cond-mat.supr-con",
}

_LEGACY_OF: dict[str, str] = {modern: legacy for legacy, modern in LEGACY.items()}


def _build_names() -> dict[str, str]:
    names = dict(_TOP) | dict(_PHYSICS_ARCHIVES)
    for archive, subjects in _SUBJECTS.items():
        for sub, name in subjects.items():
            names[f"{archive}.{sub}"] = name
    for modern, legacy in _LEGACY_OF.items():
        names[modern] = f"{names[modern]} (formerly {legacy})"
    return names


NAMES: dict[str, str] = _build_names()
_BY_LOWER: dict[str, str] = {code.lower(): code for code in NAMES} | {
    code.lower(): code for code in LEGACY
}


def canonical(code: str) -> str:
    """The current code for ``code``: legacy archives mapped (``cmp-lg`` → ``cs.CL``),
    case repaired (``CS.cl`` → ``cs.CL``), unknown codes returned stripped and unchanged."""
    text = code.strip()
    text = _BY_LOWER.get(text.lower(), text)
    return LEGACY.get(text, text)


def is_known(code: str) -> bool:
    return canonical(code) in NAMES


def legacy_alias(code: str) -> str | None:
    """The legacy archive folded into ``code`` (``cs.CL`` → ``cmp-lg``), if any."""
    return _LEGACY_OF.get(canonical(code))


def _archive_of(code: str) -> str | None:
    """The archive a code belongs to (``cs.CL`` → ``cs``); None for an archive."""
    if code in _TOP or code in _PHYSICS_ARCHIVES:
        return None
    prefix, dot, _ = code.partition(".")
    if dot and (prefix in _TOP or prefix in _PHYSICS_ARCHIVES):
        return prefix
    return None


@lru_cache(maxsize=1024)
def category(code: str) -> CategoryRef:
    """The ``CategoryRef`` for an arXiv code (legacy codes mapped to their modern category).

    Raises ValueError only for an empty code; unknown codes get their code as name.
    """
    modern = canonical(code)
    if not modern:
        raise ValueError("empty arXiv category code")
    archive = _archive_of(modern)
    parent = category(archive) if archive else None
    if modern in _PHYSICS_ARCHIVES or modern == "physics":
        parent = physics_group()
    return CategoryRef(
        id=f"{SCHEME}:{modern}", name=NAMES.get(modern, modern), scheme=SCHEME, parent=parent
    )


@lru_cache(maxsize=1)
def physics_group() -> CategoryRef:
    """The Physics group (``arxiv-group:physics``): parent of the physics archives."""
    return CategoryRef(id=PHYSICS_GROUP_ID, name=PHYSICS_GROUP_NAME, scheme=SCHEME, parent=None)


def categories(codes: list[str] | tuple[str, ...]) -> tuple[CategoryRef, ...]:
    """Refs for a list of codes, primary first, legacy/modern duplicates removed."""
    seen: set[str] = set()
    out: list[CategoryRef] = []
    for code in codes:
        if not code.strip():
            continue
        ref = category(code)
        if ref.id not in seen:
            seen.add(ref.id)
            out.append(ref)
    return tuple(out)
