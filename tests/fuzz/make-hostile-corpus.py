#!/usr/bin/env python3
# Writes the crafted hostile-*.mm_profdata files of tests/corpus (format
# version 9), one per finding; tests/bats/hostile_input.bats and the corpus
# replay test run them. Usage: tests/fuzz/make-hostile-corpus.py tests/corpus
import struct
import sys

FIRST_REGULAR_ID = 100000003
ALL_ONES = (1 << 64) - 1
QUERY = b"Query"


def page(tag, data):
    return bytes([tag]) + struct.pack("<I", len(data)) + data


class Profile:
    """String data (addresses from 8), events; no index needed."""

    def __init__(self):
        self.strdata = bytearray(b"MMSD" + struct.pack("<I", 9))
        self.events = bytearray(b"MMES" + struct.pack("<I", 9))

    def string(self, *parts):
        """parts: bytes (text) or int (a reference to that string id)."""
        sid = FIRST_REGULAR_ID + len(self.strdata)
        for p in parts:
            if isinstance(p, int):
                self.strdata += b"\xfe" + struct.pack("<Q", p)
            else:
                self.strdata += p
        self.strdata += b"\xff"
        return sid

    def interval(self, kind, sid, start=0, end=1, thread=1):
        upper = ((start >> 32) << 16) | (end >> 32)
        self.events += struct.pack("<QQIIII", kind, sid, thread, start & 0xFFFFFFFF,
                                   end & 0xFFFFFFFF, upper)

    def bytes(self):
        index = b"MMSI" + struct.pack("<I", 9)
        return (b"MMPD" + struct.pack("<I", 9) + page(1, bytes(self.strdata)) +
                page(2, index) + page(0, bytes(self.events)))


def kind_all_ones():
    p = Profile()
    p.interval(ALL_ONES, p.string(b"typeck"))
    return p


def id_all_ones():
    p = Profile()
    p.interval(p.string(QUERY), ALL_ONES)
    return p


def dag(p, levels, leaf):
    """Level 0 is leaf, each level refers twice to the one below."""
    sid = p.string(leaf)
    ids = [sid]
    for _ in range(levels):
        sid = p.string(sid, sid)
        ids.append(sid)
    return ids


def decode_wrap():
    # Empty strings doubling over 60 levels: the nested decode uses the
    # budget up, and the budget must not wrap around to 4 billion steps.
    p = Profile()
    top = dag(p, 60, b"")[-1]
    p.interval(p.string(QUERY), top)
    return p


def decode_shared():
    # Many events, each with its own string just under the per-string
    # budget, all sharing one sub-string: only a per-file bound stops it.
    p = Profile()
    query = p.string(QUERY)
    level = dag(p, 10, b"x" * 2048)[9]		# 1 MiB of text
    for i in range(600):
        p.interval(query, p.string(level, str(i).encode()))
    return p


FILES = {
    "hostile-kind-all-ones": kind_all_ones,
    "hostile-id-all-ones": id_all_ones,
    "hostile-decode-wrap": decode_wrap,
    "hostile-decode-shared": decode_shared,
}

if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    for name, make in FILES.items():
        with open(f"{out}/{name}.mm_profdata", "wb") as f:
            f.write(make().bytes())
