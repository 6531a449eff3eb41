"""The mailbox between a search's workers and its driver, run as one Ray actor on the driver's node.

Workers post without waiting (``relay.post.remote(message)``): a task blocked in
``ray.get`` lends its CPUs to the next task, which put a second trial on a node
whose one CPU a trial held. The actor is a plain, synchronous one because Ray
runs one caller's calls to such an actor in the order they were made (an
attempt's ``begin`` before its epochs); ``ray.util.queue.Queue``'s actor is
asynchronous, and Ray runs those calls in any order.
"""

from __future__ import annotations

from typing import Any


class Relay:
    """Messages posted by the workers, kept until the driver takes them."""

    def __init__(self) -> None:
        self.messages: list[tuple] = []

    def post(self, message: tuple) -> None:
        """Keeps ``message`` for the driver."""
        self.messages.append(message)

    def take(self) -> list[tuple]:
        """Every message posted since the last take, in the order each worker posted its own."""
        taken, self.messages = self.messages, []
        return taken


def start_relay(ray: Any) -> Any:
    """The relay's actor, pinned to this (the driver's) node and holding no CPU."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    here = ray.get_runtime_context().get_node_id()
    return ray.remote(Relay).options(num_cpus=0, max_concurrency=1,
                                     scheduling_strategy=NodeAffinitySchedulingStrategy(here, soft=False)).remote()
