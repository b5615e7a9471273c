"""``python -m judgekit``."""

from judgekit.cli import main

if __name__ == "__main__":  # vLLM's engine starts in a spawned process that re-imports this
    main()
