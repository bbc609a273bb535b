"""The production cache backend (partyportal.cache): Django's Redis cache with one client per
pool. Needs Redis on 127.0.0.1:6379 (database 14 here); skipped, saying so, without it."""

from __future__ import annotations

import socket
import threading

import pytest

from partyportal.cache import PortalRedisCache

LOCATION = "redis://127.0.0.1:6379/14"


def redis_is_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(not redis_is_up(), reason="no Redis on 127.0.0.1:6379")


@pytest.fixture
def cache():
    backend = PortalRedisCache(LOCATION, {"KEY_PREFIX": "test-redis-cache"})
    backend.clear()
    yield backend
    backend.clear()
    backend.close()


def test_every_cache_call_reuses_one_client(cache):
    client = cache._cache.get_client("a")
    cache.set("a", 1)
    cache.get("a")
    cache.get_many(["a", "b"])
    assert cache._cache.get_client("b") is client
    assert cache._cache.get_client("a", write=True) is client


def test_the_backend_keeps_djangos_semantics(cache):
    cache.set("n", 1, 60)
    assert cache.add("n", 5) is False
    assert cache.incr("n") == 2
    cache.set_many({"x": {"nested": [1, 2]}, "y": "text"})
    assert cache.get_many(["x", "y", "missing"]) == {"x": {"nested": [1, 2]}, "y": "text"}
    cache.delete_many(["x", "y"])
    assert cache.get("x", "gone") == "gone"
    assert cache.touch("n", 60) is True


def test_the_shared_client_serves_threads_at_once(cache):
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(50):
                cache.set(f"k{n}:{i}", i)
                assert cache.get(f"k{n}:{i}") == i
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
