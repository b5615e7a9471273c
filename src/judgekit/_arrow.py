"""Python strings as a pyarrow string array, built from its buffers.

``pa.array`` and ``pa.Table.from_pylist`` import pandas (0.2 s and tens of MB) to ask whether a
value is a pandas object; the audit and a run's items snapshot build their string columns
here instead, so neither loads pandas.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

_INT32 = 2**31 - 1


def strings(values: Sequence[str | None]) -> Any:
    """Strings (None: null) as a pyarrow ``string`` array (``large_string`` past 2 GiB of text).

    Args:
        values: The strings, None for a null.

    """
    import numpy as np
    import pyarrow as pa

    data = [b"" if v is None else v.encode("utf-8") for v in values]
    offsets = np.zeros(len(data) + 1, dtype=np.int64)
    np.cumsum([len(d) for d in data], out=offsets[1:])
    kind = pa.string()
    if offsets[-1] <= _INT32:
        offsets = offsets.astype(np.int32)
    else:
        kind = pa.large_string()
    nulls = np.array([v is None for v in values], dtype=bool)
    mask = pa.py_buffer(np.packbits(~nulls, bitorder="little")) if nulls.any() else None
    return pa.Array.from_buffers(kind, len(data),
                                 [mask, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))],
                                 null_count=int(nulls.sum()))
