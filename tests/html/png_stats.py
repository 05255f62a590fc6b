#!/usr/bin/env python3
"""Decodes a PNG screenshot with the standard library only (zlib) and prints what the page shows:
size, distinct colours, share of non-white pixels, and pixels of each chart colour given.

usage: png_stats.py SHOT.png [#rrggbb ...]   -> one "key value" line per figure
Handles 8-bit RGB and RGBA, non-interlaced (what Chromium writes)."""
import struct
import sys
import zlib


def decode(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG file")
    pos, idat, ihdr = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = ihdr
    if depth != 8 or colour not in (2, 6) or interlace:
        sys.exit(f"{path}: unsupported PNG (depth {depth}, colour type {colour})")
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 255
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def main():
    path, wanted = sys.argv[1], sys.argv[2:]
    width, height, bpp, rows = decode(path)
    targets = [tuple(int(h.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)) for h in wanted]
    colours = set()
    non_white = 0
    hits = [0] * len(targets)
    for row in rows:
        for x in range(0, len(row), bpp):
            px = row[x : x + 3]
            colours.add(px)
            if px != b"\xff\xff\xff":
                non_white += 1
            for k, (r, g, b) in enumerate(targets):
                if abs(px[0] - r) <= 3 and abs(px[1] - g) <= 3 and abs(px[2] - b) <= 3:
                    hits[k] += 1
    print(f"size {width}x{height}")
    print(f"colours {len(colours)}")
    print(f"non_white_permille {1000 * non_white // (width * height)}")
    for h, n in zip(wanted, hits):
        print(f"pixels_{h.lstrip('#')} {n}")


main()
