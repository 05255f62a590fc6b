#!/usr/bin/env python3
"""Independent reference for coinflip's random streams (docs/sampling.md).

A from-scratch ChaCha20 block function (D. J. Bernstein's original layout: constants, 8 key words,
a 64-bit block counter in words 12-13 and a 64-bit stream id in words 14-15) used the way coinflip
uses it: key = seed as 8 little-endian bytes + 24 zero bytes; stream id = (domain << 56) | index;
next_u64 = two consecutive 32-bit output words, the first one the low half; a uniform is
(x >> 11) * 2**-53.

    python3 docs/scripts/chacha_reference.py SEED DOMAIN INDEX [COUNT]
"""
import struct
import sys

MASK = 0xFFFFFFFF


def rotl(x, n):
    return ((x << n) & MASK) | (x >> (32 - n))


def quarter(s, a, b, c, d):
    s[a] = (s[a] + s[b]) & MASK; s[d] = rotl(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & MASK; s[b] = rotl(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & MASK; s[d] = rotl(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & MASK; s[b] = rotl(s[b] ^ s[c], 7)


def block(key_words, counter, stream):
    init = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574] + key_words + [
        counter & MASK, counter >> 32, stream & MASK, stream >> 32]
    s = list(init)
    for _ in range(10):
        quarter(s, 0, 4, 8, 12); quarter(s, 1, 5, 9, 13)
        quarter(s, 2, 6, 10, 14); quarter(s, 3, 7, 11, 15)
        quarter(s, 0, 5, 10, 15); quarter(s, 1, 6, 11, 12)
        quarter(s, 2, 7, 8, 13); quarter(s, 3, 4, 9, 14)
    return [(x + y) & MASK for x, y in zip(s, init)]


def words(seed, domain, index):
    key = struct.pack("<Q", seed) + bytes(24)
    key_words = list(struct.unpack("<8I", key))
    stream = (domain << 56) | index
    counter = 0
    while True:
        for w in block(key_words, counter, stream):
            yield w
        counter += 1


def next_u64s(seed, domain, index, count):
    it = words(seed, domain, index)
    return [next(it) | (next(it) << 32) for _ in range(count)]


if __name__ == "__main__":
    seed, domain, index = (int(a) for a in sys.argv[1:4])
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    for x in next_u64s(seed, domain, index, count):
        print(x, (x >> 11) * 2.0**-53)
