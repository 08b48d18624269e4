# SPDX-License-Identifier: BSD-3-Clause
"""A small event loop: epoll readers plus a timer heap. One process drives
thousands of clients with it; asyncio's per-datagram overhead is not needed."""
import heapq
import itertools
import selectors
import time


class Timer:
    __slots__ = ("when", "fn", "args", "cancelled")

    def __init__(self, when, fn, args):
        self.when, self.fn, self.args, self.cancelled = when, fn, args, False

    def cancel(self):
        self.cancelled = True


class Loop:
    def __init__(self):
        self.sel = selectors.DefaultSelector()
        self.heap = []
        self.seq = itertools.count()
        self.now = time.monotonic()

    def call_later(self, delay, fn, *args):
        t = Timer(time.monotonic() + delay, fn, args)
        heapq.heappush(self.heap, (t.when, next(self.seq), t))
        return t

    def add_reader(self, sock, fn):
        self.sel.register(sock, selectors.EVENT_READ, fn)

    def remove_reader(self, sock):
        try:
            self.sel.unregister(sock)
        except (KeyError, ValueError):
            pass

    def run_once(self, max_wait=0.2):
        self.now = time.monotonic()
        wait = max_wait
        while self.heap and self.heap[0][2].cancelled:
            heapq.heappop(self.heap)
        if self.heap:
            wait = max(0.0, min(wait, self.heap[0][0] - self.now))
        for key, _ in self.sel.select(wait):
            key.data(key.fileobj)
        self.now = time.monotonic()
        while self.heap and self.heap[0][0] <= self.now:
            _, _, t = heapq.heappop(self.heap)
            if not t.cancelled:
                t.cancelled = True
                t.fn(*t.args)

    def run_until(self, pred, timeout=None):
        end = None if timeout is None else time.monotonic() + timeout
        while not pred():
            if end is not None and time.monotonic() >= end:
                return False
            self.run_once()
        return True
