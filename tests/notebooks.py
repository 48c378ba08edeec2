"""Re-execute the book's notebooks so that a re-run leaves a clean diff, or check that it would.

Usage (from the repository root, with the project's environment)::

    python tests/notebooks.py execute [NOTEBOOK ...]   # re-execute in place (default: book/*.ipynb)
    python tests/notebooks.py check [NOTEBOOK ...]     # re-execute into a temporary copy and compare

Both run every notebook top to bottom in a fresh kernel started in the notebook's folder, then
store it in one normal form: no execution timestamps (nbclient's ``record_timing`` off, stale
``metadata.execution`` removed), consecutive stream outputs merged (a print that the kernel
flushed in two pieces is one output), no interpreter version in the notebook's metadata, and
nbformat's JSON layout. ``check`` fails when the fresh copy differs from the stored file anywhere
except in the outputs of cells tagged ``nbval-ignore-output`` (timings, machine-dependent figures),
and prints the differing lines.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert.preprocessors import CoalesceStreamsPreprocessor

IGNORE_TAG = "nbval-ignore-output"
CELL_TIMEOUT = 1200  # seconds; the slowest cell (chapter 9's timings) takes well under a minute


def execute(path: Path) -> nbformat.NotebookNode:
    """Run the notebook at ``path`` in a fresh kernel and return it in normal form."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    nb, _ = CoalesceStreamsPreprocessor().preprocess(nb, {})
    nb.metadata.get("language_info", {}).pop("version", None)
    return nb


def ignoring_tagged_outputs(fresh: nbformat.NotebookNode, stored: nbformat.NotebookNode) -> str:
    """Serialise ``fresh`` with the stored outputs of cells tagged ``nbval-ignore-output``."""
    copy = nbformat.from_dict(fresh)
    for new, old in zip(copy.cells, stored.cells, strict=False):
        if IGNORE_TAG in new.metadata.get("tags", []) and new.get("source") == old.get("source"):
            new.outputs = old.get("outputs", [])
    return nbformat.writes(copy) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["execute", "check"])
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(Path("book").glob("*.ipynb"))
    changed = []
    with tempfile.TemporaryDirectory(prefix="notebooks-") as tmp:
        for path in paths:
            start = time.perf_counter()
            fresh = execute(path)
            seconds = time.perf_counter() - start
            if args.mode == "execute":
                nbformat.write(fresh, path)
                print(f"{path}: executed in {seconds:.0f} s")
                continue
            stored_text = path.read_text()
            fresh_text = ignoring_tagged_outputs(fresh, nbformat.reads(stored_text, as_version=4))
            (Path(tmp) / path.name).write_text(fresh_text)
            if fresh_text == stored_text:
                print(f"{path}: unchanged by a fresh run ({seconds:.0f} s)")
                continue
            changed.append(path)
            diff = list(difflib.unified_diff(stored_text.splitlines(), fresh_text.splitlines(),
                                             f"{path} (stored)", f"{path} (fresh run)", n=1, lineterm=""))
            print(f"{path}: CHANGED by a fresh run ({seconds:.0f} s), outside cells tagged {IGNORE_TAG}:")
            print("\n".join(line[:200] for line in diff[:60]))
            if len(diff) > 60:
                print(f"... {len(diff) - 60} more diff lines")
    if changed:
        print(f"{len(changed)} of {len(paths)} notebooks change when re-executed: run `make notebooks`, "
              f"or tag cells whose output differs from run to run {IGNORE_TAG}")
        return 1
    if args.mode == "check":
        print(f"all {len(paths)} notebooks re-execute to exactly what is stored")
    return 0


if __name__ == "__main__":
    sys.exit(main())
