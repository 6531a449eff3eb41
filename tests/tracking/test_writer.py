"""The background writer runs jobs in order, waits on drain, and hands back the first failure."""

import threading

import pytest

from automl.tracking.writer import BackgroundWriter


def test_jobs_run_in_order_off_the_callers_thread_and_drain_waits_for_them():
    writer, seen, gate = BackgroundWriter(), [], threading.Event()
    writer.submit("held", gate.wait, 10)
    for k in range(5):
        writer.submit(f"job {k}", lambda k=k: seen.append((k, threading.current_thread().name)))
    assert seen == []  # nothing ran past the held job: submit did not wait
    gate.set()
    writer.drain()
    assert [k for k, _ in seen] == [0, 1, 2, 3, 4]
    assert {name for _, name in seen} == {"automl-tracking"} and writer.busy_seconds > 0


def test_the_first_failure_is_raised_once_with_its_label_and_later_jobs_are_dropped():
    writer, seen = BackgroundWriter(), []

    def fail():
        raise OSError("disk full\nsecond line")

    writer.submit("artifacts of trial-0003", fail)
    writer.submit("artifacts of trial-0004", seen.append, 4)
    with pytest.raises(RuntimeError, match=r"^artifacts of trial-0003: disk full$"):
        writer.drain()
    assert seen == []  # the store failed: nothing more was tried
    writer.check()  # taken once; the writer is usable again
    writer.submit("artifacts of trial-0005", seen.append, 5)
    writer.drain()
    assert seen == [5]


def test_held_jobs_wait_for_release_and_wait_releases_them():
    writer, seen = BackgroundWriter(), []
    writer.hold("curve of trial-0000", seen.append, 0)
    ran = threading.Event()
    writer.submit("queued", seen.append, "queued")
    writer.submit("marker", ran.set)
    assert ran.wait(10)  # everything queued so far has run
    assert seen == ["queued"]  # the held job has not
    writer.release()
    writer.hold("curve of trial-0001", seen.append, 1)
    writer.wait()  # the end of a search: held jobs are released and run
    assert seen == ["queued", 0, 1]
