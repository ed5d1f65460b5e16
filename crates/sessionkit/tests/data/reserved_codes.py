"""Writes reserved-*.gz: gzip bodies that use DEFLATE codes RFC 1951 reserves, with every
checksum and length right. No encoder writes them, so they are built here bit by bit. zlib
refuses them ("invalid literal/length code", "invalid distance code", "too many length or
distance symbols"); libdeflate decodes them (encoding.rs tests both). Run from this folder:

    python3 reserved_codes.py
"""
import struct
import zlib


class Bits:
    def __init__(self):
        self.bits = []

    def put(self, value, count):  # header fields and extra bits: least significant bit first
        self.bits += [(value >> i) & 1 for i in range(count)]

    def code(self, value, count):  # Huffman codes: most significant bit first
        self.bits += [(value >> i) & 1 for i in reversed(range(count))]

    def bytes(self):
        bits = self.bits + [0] * (-len(self.bits) % 8)
        return bytes(sum(bits[i + j] << j for j in range(8)) for i in range(0, len(bits), 8))


def gzip_member(deflate, decoded):
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    return header + deflate + struct.pack("<II", zlib.crc32(decoded), len(decoded))


def fixed_block():
    bits = Bits()
    bits.put(1, 1)  # BFINAL
    bits.put(1, 2)  # BTYPE 01: fixed Huffman codes
    bits.code(0x30 + ord("a"), 8)  # literal 'a'
    return bits


# Litlen symbol 286 (libdeflate: length 258), distance 1.
bits = fixed_block()
bits.code(0xC0 + 6, 8)
bits.code(0, 5)
bits.code(0, 7)  # end of block
litlen_286 = (bits.bytes(), b"a" * 259)

# Distance symbol 30 (libdeflate: 24577 + 13 extra bits) after 25,801 bytes of 'a'.
bits = fixed_block()
decoded = b"a"
for _ in range(100):
    bits.code(0xC0 + 5, 8)  # symbol 285: length 258
    bits.code(0, 5)  # distance 1
    decoded += b"a" * 258
bits.code(1, 7)  # symbol 257: length 3
bits.code(30, 5)
bits.put(0, 13)
decoded += b"a" * 3
bits.code(0, 7)
distance_30 = (bits.bytes(), decoded)

# A dynamic block with 287 litlen code lengths (HLIT 30; zlib allows at most 286): 'a', end.
bits = Bits()
bits.put(1, 1)
bits.put(2, 2)  # BTYPE 10: dynamic Huffman codes
bits.put(30, 5)  # HLIT: 257 + 30 litlen lengths
bits.put(0, 5)  # HDIST: 1 distance length
bits.put(1, 4)  # HCLEN: 4 + 1 precode lengths, for 16, 17, 18, 0, 8
for symbol in (16, 17, 18, 0, 8):
    bits.put(1 if symbol in (0, 8) else 0, 3)
lengths = [8 if s <= 254 or s == 256 else 0 for s in range(287)] + [0]
for length in lengths:
    bits.code(1 if length == 8 else 0, 1)  # precode: '0' is length 0, '1' is length 8
bits.code(ord("a"), 8)
bits.code(255, 8)  # symbol 256, the last length-8 code
hlit_287 = (bits.bytes(), b"a")

for name, (deflate, decoded) in [
    ("litlen-286", litlen_286),
    ("distance-30", distance_30),
    ("hlit-287", hlit_287),
]:
    with open(f"reserved-{name}.gz", "wb") as out:
        out.write(gzip_member(deflate, decoded))
