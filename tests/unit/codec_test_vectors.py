#!/usr/bin/env python3
# Copyright fleetsim authors.
#
# Regenerates the table between "BEGIN GENERATED" and "END GENERATED" in codec_test.cc from
# CPython's own `struct` module, so that the expected bytes are Python's, not ours:
#   python3 tests/unit/codec_test_vectors.py tests/unit/codec_test.cc
# The tests never run this script; it documents where the embedded hex came from.
import math
import struct
import sys

SIGNED, UNSIGNED, FLOATS, BYTES = 'bhilqn', 'BHILQNP?', 'efd', 'csp'


class I(int):  # Forces Value::Int for an input that would otherwise be typed by its code.
    pass


def items(spec):
    """(code, offset, width) of every value of spec, offsets computed with calcsize."""
    prefix = spec[0] if spec[:1] in ('@', '=', '<', '>', '!') else ''
    body, out, done, i = spec[len(prefix):], [], '', 0
    while i < len(body):
        if body[i].isspace():
            i += 1
            continue
        j = i
        while body[j].isdigit():
            j += 1
        count, code = int(body[i:j]) if j > i else 1, body[j]
        if code in 'sp':
            out.append((code, struct.calcsize(prefix + done), count))
        elif code != 'x':
            base, w = struct.calcsize(prefix + done + '0' + code), struct.calcsize(prefix + code)
            out += [(code, base + k * w, w) for k in range(count)]
        done += body[i:j + 1]
        i = j + 1
    return out


def cfloat(x):
    neg = math.copysign(1.0, x) < 0
    if math.isnan(x):
        return '-kNaN' if neg else 'kNaN'
    if math.isinf(x):
        return '-kInf' if neg else 'kInf'
    if x == 0:
        return '-0.0' if neg else '0.0'
    return x.hex()


def cbytes(b):
    s = ''.join(chr(c) if 32 <= c < 127 and chr(c) not in '"\\?' else '\\%03o' % c for c in b)
    return 'B("%s")' % s


def cvalue(code, v):
    if isinstance(v, bytes):
        return cbytes(v)
    if isinstance(v, float):
        return 'F(%s)' % cfloat(v)
    if isinstance(v, I) or code in SIGNED or v < 0:
        return 'Int(%s)' % ('INT64_MIN' if v == -2**63 else '%d' % v)
    return 'Uint(%du)' % int(v)


def row(spec, values):
    packed = struct.pack(spec, *values)
    unpacked = struct.unpack(spec, packed)
    fields = items(spec)
    assert len(fields) == len(values) == len(unpacked), spec
    assert struct.calcsize(spec) == len(packed)
    return '    {"%s", {%s}, "%s", {%s}, {%s}},' % (
        spec.encode('unicode_escape').decode(),
        ', '.join(cvalue(c, v) for (c, _, _), v in zip(fields, values)),
        packed.hex(),
        ', '.join(cvalue(c, v) for (c, _, _), v in zip(fields, unpacked)),
        ', '.join(str(o) for _, o, _ in fields))


INTS = {
    'b': [-128, 127, 0, -1, 0x12], 'B': [0, 255, 1, 0xa5],
    'h': [-32768, 32767, 0, -1, 0x1234], 'H': [0, 65535, 0x1234],
    'i': [-2**31, 2**31 - 1, 0, -1, 0x12345678], 'I': [0, 2**32 - 1, 0x12345678],
    'q': [-2**63, 2**63 - 1, -1, 0x0102030405060708], 'Q': [0, 2**64 - 1, 0x0102030405060708],
}
NAN, INF = float('nan'), float('inf')
PER_CODE = dict(INTS)
PER_CODE.update({
    '?': [True, False, True],
    'e': [0.0, -0.0, 1.0, -2.5, 65504.0, 2.0**-14, 2.0**-24, INF, -INF, NAN, -NAN, 0.1, 1 / 3],
    'f': [0.0, -0.0, 1.5, -3.4028234663852886e38, 2.0**-149, 0.1, INF, NAN, 1e-50],
    'd': [0.0, -0.0, 1.5, 1e308, 5e-324, 0.1, -INF, NAN],
    'c': [b'a', b'\x00', b'\xff'],
})
ONE = {'b': -2, 'B': 0xab, 'h': -3, 'H': 0xbeef, 'i': -4, 'I': 0xdeadbeef, 'l': -5,
       'L': 0xcafef00d, 'q': -6, 'Q': 0x1122334455667788, 'n': -7, 'N': 8, 'P': 0x1000,
       '?': True, 'e': 1.5, 'f': -2.25, 'd': 3.125, 'c': b'z', 's': b'hello', 'p': b'hi'}


def rows():
    out = []
    # Every code in every byte order, at its boundaries; '<' and '!' also with repeat counts.
    for prefix in ['', '@', '=', '<', '>', '!']:
        native = prefix in ('', '@')
        for code in 'bBhHiIlLqQnNP?efdc':
            if code in 'nNP' and not native:
                continue
            if code in 'lL':  # long is 8 bytes natively (LP64), 4 with standard sizes.
                vals = PER_CODE[('q' if native else 'i') if code == 'l' else ('Q' if native else 'I')]
            elif code in 'nN':
                vals = PER_CODE['q' if code == 'n' else 'Q']
            elif code == 'P':
                vals = [0, 2**64 - 1, 0x0102030405060708]
            else:
                vals = PER_CODE[code]
            out.append((prefix + code * len(vals), vals))
            if prefix == '!':
                out.append((prefix + '%d%s' % (len(vals), code), vals))
    # Native alignment (and its absence with '=' and the standard orders).
    for prefix in ['@', '=']:
        for body in ['bi', 'ih', 'hq', 'b0i', 'llh0l', 'b?h', 'be', 'bf', 'bd', 'bP', 'bn', 'bN',
                     'cq', '5sq', '3pi', 'b3h', 'xi', 'bxi', '0s', 'h0s', '?q', 'bl', 'bL', 'ihb',
                     'ih0q', 'b0h', 'ee', 'bxxxxxxxq', 'i 2x h', 'HBBIH']:
            if prefix in ('=', '<') and any(c in body for c in 'nNP'):
                continue
            spec, vals = prefix + body, []
            for code, _, width in items(prefix + body):
                vals.append(ONE[code][:width] if code == 's' else ONE[code])
            out.append((spec, vals))
    out += [(s, [ONE[c] for c, _, _ in items(s)]) for s in ('bi', 'hq', 'b0i', '<bi', '<hq')]
    # s and p: padding, truncation, embedded NULs, the 255 cap of the Pascal length byte.
    # ('0p' is tested by hand: CPython 3.11 cannot unpack it, SystemError.)
    out += [('<5s', [b'ab']), ('<2s', [b'abcd']), ('<0s', [b'abc']), ('<s', [b'xy']),
            ('<s', [b'']), ('>10s', [b'a\x00b']), ('<3p', [b'xyz']), ('<1p', [b'x']),
            ('<5p', [b'']), ('<4p', [b'a\x00b']), ('<p', [b'abc']),
            ('<300p', [b'a' * 400]), ('<257p', [b'b' * 256]), ('@3sh', [b'abc', 7]),
            ('<2s3s', [b'ab', b'cde'])]
    # Pads, whitespace, empty formats and protocol-like formats.
    out += [('<x', []), ('<3xHx', [0x0102]), ('>2xh3x', [-2]), ('< h H\tI\n', [-1, 2, 3]),
            (' h', [0x0102]), ('', []), ('@', []), ('<', []), ('!', []),
            ('!HBBIH', [0x1f2e, 1, 2, 0xdeadbeef, 0x55aa]),
            ('<I10sxe', [17, b'FS00000000001', 0.5]),
            ('>4sHQd?', [b'RDP1', 1, 2**63 + 5, -0.25, False]),
            ('=bi', [1, I(-1)]), ('<Q', [I(5)]), ('>h', [True])]
    # Half floats: Python's rounding at every kind of boundary (half to even, subnormals,
    # underflow, the largest finite value).
    halves = [65504.0, 65519.99, 2.0**-14, 2.0**-24, 2.0**-25, 2.0**-25 * (1 + 2.0**-52),
              3 * 2.0**-25, 5 * 2.0**-25, 1 + 2.0**-11, 1 + 3 * 2.0**-11, 2049.0, 2051.0, 0.1,
              -0.1, 1e-8, -1e-8, 2.0**-14 - 2.0**-25, 2.0**-14 - 2.0**-24, 65503.99, 32768 + 16.0,
              -65504.0, 1e-300, -5e-324]
    out += [('<%de' % len(halves), halves), ('>%de' % len(halves), halves)]
    # Floats: rounding of doubles that are just inside the float range.
    out += [('<f', [3.4028235e38 * 1.0000000001]), ('>2f', [1 + 2.0**-24, 1 + 3 * 2.0**-24]),
            ('<3d', [2.0**-1074, -1.7976931348623157e308, 2.0**53 + 1])]
    return out


def main():
    path = sys.argv[1]
    text = open(path).read()
    begin = text.index('\n', text.index('// BEGIN GENERATED')) + 1
    end = text.rindex('\n', 0, text.index('// END GENERATED')) + 1
    body = '\n'.join(row(s, v) for s, v in rows()) + '\n'
    open(path, 'w').write(text[:begin] + body + text[end:])


if __name__ == '__main__':
    main()
