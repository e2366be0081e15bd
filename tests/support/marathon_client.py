"""The `marathon` PyPI client (0.13.0) on Python >= 3.10, for the end-to-end tests.

It still reaches for `collections.Iterable` and friends, moved to `collections.abc`
in 3.10; restoring those names here, in the tests only, is all it needs.
"""

from __future__ import annotations

import collections
import collections.abc

for _name in ("Iterable", "Mapping", "MutableMapping", "Sequence", "Callable"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))

from marathon import MarathonClient  # noqa: E402
from marathon.models import MarathonApp  # noqa: E402

__all__ = ["MarathonApp", "MarathonClient"]
