#!/usr/bin/env python3
# Copyright fleetsim authors.
#
# Regenerates the table between "BEGIN GENERATED" and "END GENERATED" in text_template_test.cc
# from Python's own str.format, so that the expected text is Python's, not ours:
#   python3 tests/unit/text_template_test_vectors.py tests/unit/text_template_test.cc
# The tests never run this script; it documents where the embedded strings came from.
import json
import string
import sys

VALUES = [0, 7, -255, 12345, 2**63 - 1, -2**63]  # Must match kValues in the test.
SPECS = [
    '', 'd', 'x', 'X', 'o', 'b', 's', '5', '<5', '>5', '^5', '^6', '=5', '05', '014d', '028x',
    '08x', '08X', '#x', '#X', '#o', '#b', '#d', '#010x', '#<10x', '+d', ' d', '-d', '+05', ' 05',
    '*<8', '*>8', '*^8', '*=8', '0<5', '0>5', '0^7', 'x<05', '_^9b', '+#012X', '<05', '>05',
    '^06', '00', '005', '#05x', '#<5x', '^=5', '.^5', '=+9o', '64b', '066b', '20', '021d',
    '05s', '>5s', '^7s', '*<6s', '0<5s', '10s', '<s', '025s',
]
# Whole templates: (text, {name: value}); names map to slots in order of first use.
TEMPLATES = [
    ('FS{id:014d}', {'id': 42}),
    ('tok-{id:028x}', {'id': 3054}),
    ('02:00:{id:08x}', {'id': 0xdeadbe}),
    ('plain text', {}),
    ('', {}),
    ('{{id}} is {id}', {'id': 5}),
    ('}}{{', {}),
    ('{a}-{b:>4}-{a:#x}', {'a': 255, 'b': -3}),
    ('{v::>5}|{v:~<5}|{v:}', {'v': 1}),
    ('dev{n:05d}.{n:s}@{host_id:X}', {'n': 17, 'host_id': 48879}),
]


def fmt(v, spec):
    return format(str(v), spec) if spec.endswith('s') else format(v, spec)


class StrForS(string.Formatter):
    """str.format, except that type 's' formats str(value), as fleetsim defines it."""

    def format_field(self, value, spec):
        return fmt(value, spec)


def cstr(s):
    return json.dumps(s)  # ASCII only here, so JSON escaping is C++ escaping.


def main():
    path = sys.argv[1]
    text = open(path).read()
    begin = text.index('\n', text.index('// BEGIN GENERATED')) + 1
    end = text.rindex('\n', 0, text.index('// END GENERATED')) + 1
    rows = ['    {%s, {%s}},' % (cstr(s), ', '.join(cstr(fmt(v, s)) for v in VALUES))
            for s in SPECS]
    text = text[:begin] + '\n'.join(rows) + '\n' + text[end:]
    begin = text.index('\n', text.index('// BEGIN GENERATED TEMPLATES')) + 1
    end = text.rindex('\n', 0, text.index('// END GENERATED TEMPLATES')) + 1
    rows = []
    for t, names in TEMPLATES:
        vals = ', '.join('{%s, %d}' % (cstr(k), v) for k, v in names.items())
        rows.append('    {%s, {%s}, %s},' % (cstr(t), vals, cstr(StrForS().format(t, **names))))
    text = text[:begin] + '\n'.join(rows) + '\n' + text[end:]
    open(path, 'w').write(text)


if __name__ == '__main__':
    main()
