"""``python -m judgekit``."""

from judgekit._cli import main

main()
