"""Sphinx configuration of the custvalue documentation.

Build: ``make docs`` (part of ``make test``), i.e.
``sphinx-build -W --keep-going -b html docs docs/_build/html``.

The site works offline: MathJax is served from the site itself (sphinx-mathjax-offline),
the theme loads nothing from a CDN, and there are no analytics. Pages that cannot go stale
(the glossary, the CLI flags, the numbers we reproduce, the error catalogue) are generated
at build time by ``_ext/custvalue_docs.py``; the notebooks in ``notebooks/`` are executed.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

# the docs call custvalue as users should: a deprecated spelling fails the build
warnings.filterwarnings("error", category=FutureWarning, message=".*deprecated.*")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

import custvalue  # noqa: E402

project = "custvalue"
author = "custvalue developers"
copyright = "custvalue developers"
version = release = custvalue.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax 3 copied into _static: no CDN
    "numpydoc",
    "myst_nb",
    "custvalue_docs",
]

exclude_patterns = ["_build", "_generated", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
templates_path = ["_templates"]
root_doc = "index"
suppress_warnings: list[str] = []

# --- API reference ----------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # numpydoc's Parameters sections say the types
autodoc_default_options = {"members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
add_module_names = True  # page titles are short names; signatures say the module
toc_object_entries_show_parents = "hide"

# --- Markdown and notebooks (myst-nb) ---------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "force"  # every build runs the notebooks top to bottom
nb_execution_raise_on_error = True
nb_execution_timeout = 300
nb_execution_show_tb = True
nb_output_stderr = "error"  # a warning printed by a notebook cell fails the build
nb_merge_streams = True

# --- HTML -------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"custvalue {release}"
html_static_path = ["_static"]
html_css_files = ["custvalue.css"]
html_last_updated_fmt = None
html_show_sourcelink = False
html_copy_source = False
html_theme_options = {
    "navbar_align": "left",
    "header_links_before_dropdown": 7,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "use_edit_page_button": False,
    "icon_links": [],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "secondary_sidebar_items": ["page-toc"],
}
# pages without sub-pages get no (empty) section navigation
html_sidebars: dict[str, list[str]] = {
    page: []
    for page in (
        "index",
        "getting-started",
        "concepts",
        "domain",
        "migrating",
        "scale",
        "errors",
        "mathematics",
        "reproduce",
        "changelog",
    )
}
html_context = {"default_mode": "light"}
