"""Local Sphinx extension for the book's HTML and PDF editions.

- Bibliography labels in the author-year form of the citations in the text ("Hagan and Menhaj,
  1994", "Baydin et al., 2018", "The MathWorks, 2024c"), through a small pybtex label style.
- The PDF numbers propositions, exercises and figures as the web edition does ("Proposition
  2.2", not "2.5.1"): sphinx-jupyterbook-latex sets ``numfig_secnum_depth = 2`` when the book has
  parts, counting the unnumbered part as a level; the chapter alone is meant.
- Proofs in the PDF as plain paragraphs ("Proof. ... □"): sphinx-proof gives a proof an
  admonition without a title, which LaTeX draws as a box with an empty title bar.
- Every script once per page: sphinx-thebe adds its inline configuration script twice (once
  through the registry, once through the builder), and the second copy re-declares a `const`,
  an error in every page's console.
"""

from __future__ import annotations

from types import SimpleNamespace

import pybtex.plugin
from docutils import nodes
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from sphinx.application import Sphinx
from sphinxcontrib.bibtex.style.referencing import PersonStyle
from sphinxcontrib.bibtex.style.template import author_or_editor_or_title, field, join


class AuthorYearLabelStyle(BaseLabelStyle):
    """Labels "Author, year" built with the same person style as the author_year citations."""

    def format_labels(self, sorted_entries):
        person = PersonStyle()
        template = join(sep=", ")[author_or_editor_or_title(sep=person.sep, sep2=person.sep2,
                                                            last_sep=person.last_sep, other=person.other),
                                  field("year")]
        data = {"style": SimpleNamespace(person=person)}
        for entry in sorted_entries:
            yield template.format_data({**data, "entry": entry}).render_as("text")


class AuthorYearStyle(PlainStyle):
    """pybtex's plain style (sorted by author, year, title) with author-year labels."""

    default_label_style = "lmnotes_author_year"


pybtex.plugin.register_plugin("pybtex.style.labels", "lmnotes_author_year", AuthorYearLabelStyle)
pybtex.plugin.register_plugin("pybtex.style.formatting", "lmnotes_author_year", AuthorYearStyle)


def dedupe_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Drop the second copy of any script (same file or same inline body and attributes).

    Runs first among the page's handlers (Sphinx stops at the first one that returns a template)
    and edits the list in place, the one that scripts added later for this page go to."""
    files = context.get("script_files", [])
    seen, scripts = set(), []
    for script in files:
        # an inline script's filename is None or "", depending on who added it
        key = (getattr(script, "filename", script) or "", tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            scripts.append(script)
    files[:] = scripts


def number_by_chapter(app: Sphinx) -> None:
    """In a LaTeX build, number by chapter (runs after sphinx-jupyterbook-latex's handler)."""
    if app.builder.format == "latex":
        app.config.numfig_secnum_depth = 1


def plain_proofs(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """In a LaTeX build, turn each untitled proof box into its paragraphs, ended by a square."""
    if app.builder.format != "latex":
        return
    for box in list(doctree.findall(nodes.admonition)):
        if type(box) is nodes.admonition and "proof" in box["classes"] and not isinstance(box.next_node(), nodes.title):
            body = nodes.container(classes=["proof"])
            body.extend(box.children)
            if isinstance(body.children[-1], nodes.paragraph):
                body.children[-1] += nodes.raw("", r"\nobreak\hfill\(\square\)", format="latex")
            box.replace_self(body)


def setup(app: Sphinx) -> dict:
    app.connect("doctree-resolved", plain_proofs)
    app.connect("builder-inited", number_by_chapter, priority=900)
    app.connect("html-page-context", dedupe_scripts, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
