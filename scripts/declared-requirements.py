"""Prints the declared dependencies of installed distributions, one per line.

Usage: python declared-requirements.py <excluded,comma,list> <dist>...

Markers are evaluated for the running interpreter without extras, and the
excluded names are dropped: the set-up scripts install a package with
--no-deps, then these, leaving out what only downloads from outside PyPI.
pip's vendored `packaging` does the parsing.
"""

import importlib.metadata as md
import sys

from pip._vendor.packaging.requirements import Requirement

excluded = {n.strip().lower() for n in sys.argv[1].split(",") if n.strip()}
for dist in sys.argv[2:]:
    for line in md.requires(dist) or []:
        req = Requirement(line)
        if req.name.lower() in excluded:
            continue
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        print(str(req))
