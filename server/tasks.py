"""Background tasks of a server process: stopping them the one way."""

from __future__ import annotations

import asyncio
import contextlib


async def cancel(*tasks: asyncio.Task | None) -> None:
    """Cancel every task given (None is skipped) and wait until each has ended. An error a task ends
    with while it stops is not raised: stopping must reach the next worker and the database."""
    running = [task for task in tasks if task is not None]
    for task in running:
        task.cancel()
    for task in running:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
