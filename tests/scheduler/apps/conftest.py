"""marathon 0.13.0 uses collections.Iterable (gone since Python 3.10): restored for its tests."""

from __future__ import annotations

import collections
import collections.abc

for _name in ("Iterable", "Mapping", "MutableMapping", "Sequence"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))
