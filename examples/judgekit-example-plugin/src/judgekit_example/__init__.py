"""judgekit domain ``example``: customer-support replies, judged pairwise.

The content lives in ``content/`` beside this file, so it ships inside the wheel.
"""

from pathlib import Path

from judgekit import Domain

domain = Domain.at(
    "example",
    Path(__file__).parent / "content",
    description="Customer-support replies (an example plugin to copy).",
)
