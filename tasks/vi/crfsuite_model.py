"""Read a CRFsuite model's attribute dictionary and give every attribute a 2-byte name, weights untouched.

python-crfsuite copies each feature string of an item several times on its way to the tagger, and
libstdc++ allocates every string of more than 15 bytes: pyvi's feature names ("-1:word.lower():nghiên")
made those copies about half of a Tagger.tag call. The model file (crf1d format) keeps attribute
names in a CQDB chunk, a hash table from name to attribute id; `rekey_attributes` appends a new
chunk that maps short names to the same ids and points the header at it. The features, weights and
their order are the model's own, so the tagger's scores are bit for bit the same.

Formats: crfsuite's crf1d_model.c (48-byte header) and cqdb.c (hash: Bob Jenkins' lookup3 hashlittle).
"""

from __future__ import annotations

import struct

_MAGIC = b"lCRF"
_OFF_ATTRS = 36  # header: magic, size, type, version, num_features, num_labels, num_attrs, off_features, off_labels, off_attrs, ...
_CQDB = b"CQDB"
_BYTEORDER = 0x62445371
_TABLES = 256
_DATA = 24 + 8 * _TABLES  # CQDB header (6 uint32), then a (offset, size) reference per hash table
_MASK = 0xFFFFFFFF


class ModelFormatError(ValueError):
    """The bytes are not a CRFsuite crf1d model this module understands."""


def _rot(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & _MASK


def _mix(a: int, b: int, c: int) -> tuple[int, int, int]:
    for x, y, z, shift in ((0, 2, 1, 4), (1, 0, 2, 6), (2, 1, 0, 8), (0, 2, 1, 16), (1, 0, 2, 19), (2, 1, 0, 4)):
        v = [a, b, c]
        v[x] = ((v[x] - v[y]) & _MASK) ^ _rot(v[y], shift)  # a -= c; a ^= rot(c, 4); c += b; and so on
        v[y] = (v[y] + v[z]) & _MASK
        a, b, c = v
    return a, b, c


def _final(a: int, b: int, c: int) -> int:
    for x, y, shift in ((2, 1, 14), (0, 2, 11), (1, 0, 25), (2, 1, 16), (0, 2, 4), (1, 0, 14), (2, 1, 24)):
        v = [a, b, c]
        v[x] = ((v[x] ^ v[y]) - _rot(v[y], shift)) & _MASK  # c ^= b; c -= rot(b, 14); and so on
        a, b, c = v
    return c


def cqdb_hash(key: bytes) -> int:
    """lookup3's hashlittle(key, len(key), 0), as cqdb.c hashes a name with its terminating NUL."""
    a = b = c = (0xDEADBEEF + len(key)) & _MASK
    if not key:
        return c
    blocks = key + bytes(-len(key) % 12)  # the last 1-12 bytes, zero-padded, go to _final instead of _mix
    for offset in range(0, len(blocks), 12):
        x, y, z = struct.unpack_from("<3I", blocks, offset)
        a, b, c = (a + x) & _MASK, (b + y) & _MASK, (c + z) & _MASK
        if offset + 12 < len(blocks):
            a, b, c = _mix(a, b, c)
    return _final(a, b, c)


def read_cqdb(buffer: bytes, start: int) -> dict[int, bytes]:
    """The names of a CQDB chunk at `start`, by id; every hash table entry is checked against its name."""
    chunk, _, _, byteorder = struct.unpack_from("<4s3I", buffer, start)
    if chunk != _CQDB or byteorder != _BYTEORDER:
        raise ModelFormatError(f"no CQDB chunk at offset {start}")
    refs = struct.unpack_from(f"<{2 * _TABLES}I", buffer, start + 24)
    names: dict[int, bytes] = {}
    for table in range(_TABLES):
        offset, size = refs[2 * table], refs[2 * table + 1]
        for slot in range(size):
            hashed, record = struct.unpack_from("<II", buffer, start + offset + 8 * slot)
            if not record:
                continue
            key_id, key_size = struct.unpack_from("<II", buffer, start + record)
            key = buffer[start + record + 8 : start + record + 8 + key_size]
            if hashed != cqdb_hash(key) or hashed % _TABLES != table or key[-1:] != b"\0":
                raise ModelFormatError(f"CQDB entry {key!r} does not match its hash table")
            names[key_id] = key[:-1]
    return names


def write_cqdb(names: dict[int, bytes]) -> bytes:
    """A CQDB chunk mapping each name (no NUL inside) to its id, laid out as cqdb.c's writer lays it out."""
    records = bytearray()
    tables: list[list[tuple[int, int]]] = [[] for _ in range(_TABLES)]
    backward = [0] * (max(names, default=-1) + 1)
    for key_id in sorted(names):
        key = names[key_id] + b"\0"
        record = _DATA + len(records)
        records += struct.pack("<II", key_id, len(key)) + key
        hashed = cqdb_hash(key)
        tables[hashed % _TABLES].append((hashed, record))
        backward[key_id] = record
    buckets = bytearray()
    refs: list[int] = []
    first_table = _DATA + len(records)
    for entries in tables:
        size = 2 * len(entries)  # half of each table stays empty, as cqdb.c leaves it
        refs += [first_table + len(buckets) if entries else 0, size]
        slots = [(0, 0)] * size
        for hashed, record in entries:
            slot = (hashed >> 8) % size
            while slots[slot][1]:
                slot = (slot + 1) % size
            slots[slot] = (hashed, record)
        buckets += b"".join(struct.pack("<II", *entry) for entry in slots)
    backward_offset = first_table + len(buckets)
    tail = buckets + struct.pack(f"<{len(backward)}I", *backward)
    header = struct.pack("<4s5I", _CQDB, _DATA + len(records) + len(tail), 0, _BYTEORDER, len(backward), backward_offset)
    return header + struct.pack(f"<{2 * _TABLES}I", *refs) + bytes(records) + bytes(tail)


def short_name(attribute_id: int) -> bytes:
    """Two bytes, neither of them NUL, naming `attribute_id` (< 65,025)."""
    return bytes((attribute_id // 255 + 1, attribute_id % 255 + 1))


def rekey_attributes(model: bytes) -> tuple[bytes, dict[str, bytes]]:
    """The model with every attribute renamed to its short_name, and each original name's new name."""
    if model[:4] != _MAGIC:
        raise ModelFormatError("not a CRFsuite model file")
    (off_attrs,) = struct.unpack_from("<I", model, _OFF_ATTRS)
    names = read_cqdb(model, off_attrs)
    if len(names) > 255 * 255:
        raise ModelFormatError(f"{len(names)} attributes: more than two bytes can name")
    renamed = bytearray(model) + write_cqdb({key_id: short_name(key_id) for key_id in names})
    struct.pack_into("<I", renamed, 4, len(renamed))  # the header's file size
    struct.pack_into("<I", renamed, _OFF_ATTRS, len(model))
    return bytes(renamed), {name.decode("utf-8"): short_name(key_id) for key_id, name in names.items()}
