#!/usr/bin/env python3
"""sync_fuzz.py - a differential fuzzer for the sync.

Random tables over the types the README says the sync supports (and pairs of
types that differ between the source and the target), random rows, random
minimal changes on the source (the sync must carry them) and on the target
(drift the sync must repair), run on every path:

  checksum  two databases, SYNC_CHECKSUM=on   (row hashes per segment)
  off       two databases, SYNC_CHECKSUM=off  (copy diff / copy stage)
  one       one database, schema slave -> prod (INSERT ... SELECT)

Each result is checked by a comparator that uses none of syncfn's code: the
source rows are COPYed out as text and COPYed into a scratch table made LIKE
the target table (its types and collations), and the target must then hold
exactly those rows, byte for byte as COPY TO STDOUT writes them, plus the
target-only rows as they were, but those a delete rule deletes. Each path runs:

  sync 1  into the empty target tables (the initial copy)
  sync 2  no change: must write nothing (and leaves the checksum's
          "tables found alike" for the whole-table shortcut)
  change  the scenario's changes, on the source and on the target (some
          scenarios with track_counts off, which the shortcut's counts miss)
  sync 3  checked: rows as COPY would have written them, counts exact
          (inserted = keys new to the target, updated = rows whose COPY
          text differed), or a refusal when the source holds one key twice
          as the target sees it (the target then unchanged)
  sync 4  no change: must write nothing (no churn)

On a failure it prints the seed, the path, and the smallest scenario it
reduced to (delta debugging over tables, changes, rows and columns) as SQL
a person can paste.

  sync_fuzz.py [--seed N] [--seconds S] [--only I] [--paths checksum,off,one]
               [--exclude CLASS,...] [--keep-going] [--reduce-seconds S]

Needs PGHOST/PGPORT/PGUSER of a server it may create databases on (psql on
PATH, superuser: it turns track_counts off for some changes), and SYNCFN (the
binary). tests/fuzz/sync_fuzz.sh starts a throwaway server and runs this.

Classes --exclude knows (FUZZ_SYNC_EXCLUDE too), for findings that are not
the row hash's:
  bpchar    unconstrained bpchar columns (trailing blanks)
  citext    citext columns and keys (needs the citext extension)
  nondet    a nondeterministic (case-insensitive ICU) collation on target text
  pairs     columns whose type differs between source and target
  keypairs  keys whose type differs (text -> citext / int / ci collation, int -> bigint)
  dupkey    changes that give the source two rows with one key as the target sees it
  arrays    array columns
  xml       xml columns
  untracked changes made with track_counts off
  names     column names like the ones syncfn's statements generate, keywords, quoted names
  rules     per-table rules (SYNC_RULES): a row filter on the key (some rows,
            or none), excluded columns, a delete rule (with rows gone from
            the source among the changes), mode insert_only, on some tables
            of a scenario
  incr      incremental rules: a fifth of the scenarios (FUZZ_INCR_SHARE) give some tables a
            column wm (timestamp, timestamptz, date or an integer type) and
            an "incremental" rule on it (a lookback, with the scenario's
            where, exclude_columns and delete, and now and then
            insert_only); those scenarios run their own steps
            (run_incr_path)
"""
import argparse
import datetime
import decimal
import json
import math
import os
import random
import re
import struct
import subprocess
import sys
import threading
import time
import traceback
import unicodedata
import uuid as uuidmod

CLASSES = ('bpchar', 'citext', 'nondet', 'pairs', 'keypairs', 'dupkey', 'arrays', 'xml', 'untracked', 'names',
           'incr')
# column names a table takes now and then: the names syncfn's own statements
# give to expressions and aliases (sql/*.sql, function/sync/*.c), short ones,
# keywords, quoted ones
TRICKY_NAMES = ['syncfn_ck_seg', 'syncfn_ck_g', 'syncfn_ck_s', 'h', 'k', 't', 'm', 'n', 's', 'x', 'seg', 'seed',
                'inserted', 'text_cmp', 'seq', 'ctid_', '"order"', '"select"', '"Mixed Case"', '"a""b"', '"c,d"']
PATHS = ('checksum', 'off', 'one')
MAX_TABLES = 6   # every scenario drops t1..t6 first
PGOPTIONS = ('-c DateStyle=ISO,MDY -c IntervalStyle=postgres -c extra_float_digits=3 '
             '-c TimeZone=UTC -c bytea_output=hex -c xmloption=content -c array_nulls=on '
             '-c lc_monetary=C -c standard_conforming_strings=on -c client_min_messages=warning')


def qlit(s):
    return "'" + s.replace("'", "''") + "'"


# --------------------------------------------------------------------------
# Types: a value is None (NULL) or a Python value the type renders as the
# literal its input function reads; mutate() gives minimal changes of it.

class Ty:
    cls = ()          # exclusion classes
    cmp_text = False

    collate = None

    def __init__(self, name):
        self.name = name

    def decl(self):
        return self.name + (' COLLATE ' + self.collate if self.collate else '')

    def lit(self, v):
        return qlit(str(v))

    def expr(self, v):
        return 'NULL' if v is None else '%s::%s' % (self.lit(v), self.name)

    def gen(self, r):
        raise NotImplementedError

    def muts(self, r, v):
        """list of (tag, new value)"""
        return []

    def gen_n(self, r):
        return None if r.random() < 0.12 else self.gen(r)

    def mutate(self, r, v):
        if v is None:
            return ('null->value', self.gen(r))
        c = self.muts(r, v)
        if r.random() < 0.1 or not c:
            return ('value->null', None)
        return r.choice(c)


class IntTy(Ty):
    BOUNDS = {'smallint': 2**15, 'int': 2**31, 'bigint': 2**63}

    def __init__(self, name):
        super().__init__(name)
        self.b = self.BOUNDS[name]

    def ok(self, x):
        return -self.b <= x < self.b

    def gen(self, r):
        return r.choice([0, 1, -1, self.b - 1, -self.b, r.randint(-1000, 1000), r.randint(-self.b, self.b - 1),
                         4294967297 if self.b > 2**32 else 7])

    def muts(self, r, v):
        c = [('+1', v + 1), ('-1', v - 1), ('sign', -v), ('*10000', v * 10000), ('zero', 0),
             ('+2^32', v + 2**32)]
        return [(t, x) for t, x in c if self.ok(x) and x != v]


class DomainTy(IntTy):
    def __init__(self):
        Ty.__init__(self, 'posint')
        self.b = 2**31

    def ok(self, x):
        return 0 < x < self.b

    def gen(self, r):
        return r.choice([1, 2, 7, 2**31 - 1, r.randint(1, 10**6)])


D = decimal.Decimal


class NumTy(Ty):
    """numeric, numeric(p,s): values kept as strings as typed (scale matters)"""

    def __init__(self, name, p=None, s=None):
        super().__init__(name)
        self.p, self.s = p, s

    def fits(self, x):
        if x in ('NaN',):
            return True
        try:
            d = D(x)
        except decimal.InvalidOperation:
            return False
        if self.p is None:
            return True
        return abs(d) < D(10) ** (self.p - self.s)

    def gen(self, r):
        c = r.choice(['0', '1', '-1', '1.5', '1.50', '-0.001', '0.1', 'NaN', '1.00', '10000.00', '123.456',
                      '%d.%02d' % (r.randint(-999, 999), r.randint(0, 99)), str(r.randint(-99999, 99999))])
        return c if self.fits(c) else '1.5'

    def muts(self, r, v):
        c = []
        if v != 'NaN':
            d = D(v)
            c.append(('scale+', v + '0' if '.' in v else v + '.0'))
            if '.' in v and v.endswith('0'):
                c.append(('scale-', v[:-1].rstrip('.')))
            c.append(('sign', str(-d) if d != 0 else '-' + v.lstrip('-')))
            c.append(('*10000', str(d * 10000)))
            c.append(('/10000', str(d / 10000)))
            c.append(('nan', 'NaN'))
            c.append(('+0.01', str(d + D('0.01'))))
        else:
            c.append(('nan->0', '0'))
        return [(t, x) for t, x in c if self.fits(x) and x != v]


class FloatTy(Ty):
    cmp_text = True

    def __init__(self, name):
        super().__init__(name)
        self.f4 = name == 'real'

    def gen(self, r):
        return r.choice(['0', '-0', '1.5', 'NaN', 'Infinity', '-Infinity', '1e-30', '3.4028235e38' if self.f4
                         else '1.7976931348623157e308', repr(r.uniform(-1e6, 1e6)), '0.1'])

    def next_up(self, x):
        if self.f4:
            b = struct.unpack('<I', struct.pack('<f', x))[0]
            b = b + 1 if x >= 0 else b - 1
            return repr(struct.unpack('<f', struct.pack('<I', b & 0xffffffff))[0])
        return repr(math.nextafter(x, math.inf))

    def muts(self, r, v):
        c = [('nan', 'NaN'), ('neg-zero', '-0'), ('zero', '0')]
        try:
            x = float(v)
            if math.isfinite(x):
                c.append(('sign', repr(-x)))
                if x != 0:
                    c.append(('ulp', self.next_up(struct.unpack('<f', struct.pack('<f', x))[0] if self.f4 else x)))
        except ValueError:
            pass
        return [(t, x) for t, x in c if x != v]


WORDS = ['', 'ab', 'AbC', 'x', 'ab  ', ' ab', '\u00e9t\u00e9', 'e\u0301te\u0301', 'Stra\u00dfe', '\u65e5\u672c',
         'tab\there', 'new\nline', 'back\\slash', 'q"uote', "it's", '\u212b', 'A\u030a', 'ﬁ', 'null', 'NULL']


class TextTy(Ty):
    def __init__(self, name, maxlen=None, blank_padded=False, ci=False):
        super().__init__(name)
        self.maxlen, self.padded, self.ci = maxlen, blank_padded, ci

    def fits(self, s):
        if self.padded and self.maxlen:
            return len(s.rstrip(' ')) <= self.maxlen
        return self.maxlen is None or len(s) <= self.maxlen

    def gen(self, r):
        for _ in range(20):
            s = r.choice(WORDS)
            if r.random() < 0.3:
                s = s + r.choice(['', ' ', 'Z', 'z', '\u00e9'])
            if self.fits(s):
                return s
        return 'a'

    def muts(self, r, v):
        c = [('upper', v.upper()), ('lower', v.lower()), ('swapcase', v.swapcase()),
             ('nfd', unicodedata.normalize('NFD', v)), ('nfc', unicodedata.normalize('NFC', v)),
             ('trailing-blank+', v + ' '), ('trailing-blank-', v.rstrip(' ')), ('leading-blank', ' ' + v),
             ('empty', ''), ('append', v + 'x')]
        return [(t, x) for t, x in c if x != v and self.fits(x)]


class BoolTy(Ty):
    def gen(self, r):
        return r.choice(['t', 'f'])

    def muts(self, r, v):
        return [('flip', 'f' if v == 't' else 't')]


class UuidTy(Ty):
    def gen(self, r):
        return r.choice([str(uuidmod.UUID(int=r.getrandbits(128))), '00000000-0000-0000-0000-000000000000'])

    def muts(self, r, v):
        h = '0' if v[-1] != '0' else '1'
        return [('last-digit', v[:-1] + h), ('first-digit', ('f' if v[0] != 'f' else 'e') + v[1:])]


class DateTy(Ty):
    def gen(self, r):
        return r.choice(['2024-02-29', '1970-01-01', 'infinity', '-infinity', '1500-06-01', '2300-01-01',
                         str(datetime.date(2000, 1, 1) + datetime.timedelta(days=r.randint(-40000, 40000)))])

    def muts(self, r, v):
        c = [('infinity', 'infinity'), ('-infinity', '-infinity')]
        if 'inf' not in v:
            d = datetime.date.fromisoformat(v)
            c += [('+1day', str(d + datetime.timedelta(days=1))), ('-1day', str(d - datetime.timedelta(days=1)))]
        return [(t, x) for t, x in c if x != v]


class TsTy(Ty):
    def __init__(self, name, tz=False):
        super().__init__(name)
        self.tz = tz

    def gen(self, r):
        d = datetime.datetime(2000, 1, 1) + datetime.timedelta(seconds=r.randint(-8 * 10**9, 8 * 10**9),
                                                              microseconds=r.choice([0, 1, 123456, 999999]))
        s = r.choice([d.isoformat(' '), '2024-01-15 10:30:00.123456', '1970-01-01 00:00:00', 'infinity',
                      '-infinity', '1600-01-01 00:00:00.000001', '2200-01-01 00:00:00'])
        if self.tz and 'inf' not in s:
            s += r.choice(['+00', '+02', '-05:30'])
        return s

    def muts(self, r, v):
        c = [('infinity', 'infinity')]
        if 'inf' not in v:
            base, tz = v, ''
            for sep in ('+', '-'):
                i = v.rfind(sep)
                if i > 10:
                    base, tz = v[:i], v[i:]
                    break
            d = datetime.datetime.fromisoformat(base)
            for t, dd in (('+1us', datetime.timedelta(microseconds=1)), ('-1us', -datetime.timedelta(microseconds=1)),
                          ('+1day', datetime.timedelta(days=1))):
                c.append((t, (d + dd).isoformat(' ') + tz))
            if self.tz:
                c.append(('tz-shift', (d + datetime.timedelta(hours=2)).isoformat(' ') + '+02'))
        return [(t, x) for t, x in c if x != v]


class TimeTy(Ty):
    def gen(self, r):
        return r.choice(['00:00:00', '23:59:59.999999', '12:00:00', '10:30:00.5'])

    def muts(self, r, v):
        return [('other', x) for x in ['00:00:00', '23:59:59.999999', '12:00:00.000001'] if x != v]


class IntervalTy(Ty):
    cmp_text = True
    ALTS = [['1 day', '24 hours'], ['1 mon', '30 days'], ['0', '00:00:00'], ['-1 days +00:00:01'],
            ['1 year 2 mons 3 days 04:05:06.7'], ['1 day 00:00:01', '1 day 00:00:00']]

    def gen(self, r):
        return r.choice(r.choice(self.ALTS))

    def muts(self, r, v):
        c = []
        for g in self.ALTS:
            if v in g:
                c += [('equal-other-text', x) for x in g if x != v]
        if ':' not in v and 'second' not in v:   # '1 second 1 second' is no interval
            c.append(('+1s', v + ' 1 second' if v != '0' else '1 second'))
        return c


class JsonTy(Ty):
    cmp_text = True

    def gen(self, r):
        return r.choice(['{"b": 1, "a": [1, 2]}', '{"a": null}', '[]', '{}', 'null', '1.5', '"x"',
                         '{"k": 1.50, "a": "\u00e9"}'])

    def muts(self, r, v):
        c = [('spacing', v.replace(' ', '')), ('spacing+', v.replace(':', ' :')),
             ('scale', v.replace('1.5', '1.50') if '1.50' not in v else v.replace('1.50', '1.5')),
             ('int->float', v.replace('1', '1.0', 1))]
        try:
            o = json.loads(v)
            if isinstance(o, dict) and len(o) > 1:
                c.append(('key-order', json.dumps(dict(reversed(list(o.items()))), ensure_ascii=False)))
        except ValueError:
            pass
        return [(t, x) for t, x in c if x != v and self.valid(x)]

    @staticmethod
    def valid(x):
        try:
            json.loads(x)
            return True
        except ValueError:
            return False


class ByteaTy(Ty):
    def gen(self, r):
        return r.choice(['\\x', '\\x00', '\\x00ff10', '\\x' + '%08x' % r.getrandbits(32)])

    def muts(self, r, v):
        c = [('append', v + 'ab'), ('empty', '\\x')]
        if len(v) > 2:
            c.append(('flip', v[:-1] + ('0' if v[-1] != '0' else '1')))
        return [(t, x) for t, x in c if x != v]


class InetTy(Ty):
    def __init__(self, name='inet'):
        super().__init__(name)
        self.cidr = name == 'cidr'

    def gen(self, r):
        if self.cidr:
            return r.choice(['10.0.0.0/8', '192.168.0.0/24', '2001:db8::/32', '0.0.0.0/0'])
        return r.choice(['192.168.0.1/24', '10.0.0.1', '1.2.3.4/32', '::1', '2001:db8::1/64', '0.0.0.0'])

    def muts(self, r, v):
        if self.cidr:
            return [('mask', x) for x in ['10.0.0.0/16', '192.168.0.0/25', '2001:db8::/48'] if x != v]
        base = v.split('/')[0]
        c = [('mask', base + '/24' if ':' not in base else base + '/64'), ('no-mask', base),
             ('other', '10.0.0.2')]
        return [(t, x) for t, x in c if x != v]


class XmlTy(Ty):
    cls = ('xml',)
    cmp_text = True

    def gen(self, r):
        return r.choice(['<a>x &amp; y</a>', '<b/>', '', 'text', '<?xml version="1.0"?><a/>', '<a  x="1"/>'])

    def muts(self, r, v):
        c = [('empty-elem', '<b></b>'), ('self-closing', '<b/>'),
             ('decl', '<?xml version="1.0"?>' + v if not v.startswith('<?xml') else v[len('<?xml version="1.0"?>'):]),
             ('spacing', v.replace('  ', ' ')), ('entity', v.replace('&amp;', '&#38;'))]
        return [(t, x) for t, x in c if x != v]


class EnumTy(Ty):
    def __init__(self):
        super().__init__('mood')

    def gen(self, r):
        return r.choice(['sad', 'ok', 'happy'])

    def muts(self, r, v):
        return [('other', x) for x in ['sad', 'ok', 'happy'] if x != v]


class PointTy(Ty):
    cmp_text = True

    def gen(self, r):
        return r.choice(['(1.5,-2)', '(0,0)', '(-0,0)', '(1e-10,1e10)'])

    def muts(self, r, v):
        c = [('neg-zero', {'(0,0)': '(-0,0)', '(-0,0)': '(0,0)'}.get(v, v)),
             ('swap', '(%s,%s)' % tuple(reversed(v[1:-1].split(','))))]
        return [(t, x) for t, x in c if x != v]


class ArrTy(Ty):
    """arrays of an element type; a value is (lower bounds, dims, flat list)"""
    cls = ('arrays',)

    def __init__(self, elem, ename=None):
        super().__init__((ename or elem.name) + '[]')
        self.el = elem
        self.cmp_text = elem.cmp_text

    def lit(self, v):
        lbs, dims, flat = v
        if not flat:
            return qlit('{}')

        def el(x):
            if x is None:
                return 'NULL'
            s = self.el.lit(x)[1:-1].replace("''", "'")
            return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'

        def nest(d, off):
            if d == len(dims) - 1:
                return '{' + ','.join(el(x) for x in flat[off:off + dims[d]]) + '}', off + dims[d]
            parts = []
            for _ in range(dims[d]):
                p, off = nest(d + 1, off)
                parts.append(p)
            return '{' + ','.join(parts) + '}', off
        body = nest(0, 0)[0]
        if any(lb != 1 for lb in lbs):
            body = ''.join('[%d:%d]' % (lb, lb + n - 1) for lb, n in zip(lbs, dims)) + '=' + body
        return qlit(body)

    def gen(self, r):
        shape = r.choice([(), (1,), (2,), (3,), (1,), (2, 1), (2, 2), (1, 2)])
        if not shape:
            return ((), (), [])
        n = 1
        for d in shape:
            n *= d
        pnull = r.choice([0, 0.35, 1])      # all NULL a third of the time
        flat = [None if r.random() < pnull else self.el.gen(r) for _ in range(n)]
        lbs = tuple(r.choice([1, 1, 1, 0, -1, 5]) for _ in shape)
        return (lbs, tuple(shape), flat)

    def muts(self, r, v):
        lbs, dims, flat = v
        c = []
        if not flat:
            c += [('empty->{NULL}', ((1,), (1,), [None])), ('empty->{x}', ((1,), (1,), [self.el.gen(r)]))]
            return c
        n = len(flat)
        for i in range(n):
            if flat[i] is not None:
                c.append(('elem-null', (lbs, dims, flat[:i] + [None] + flat[i + 1:])))
                m = self.el.muts(r, flat[i])
                if m:
                    t, x = r.choice(m)
                    c.append(('elem-' + t, (lbs, dims, flat[:i] + [x] + flat[i + 1:])))
            else:
                c.append(('elem-null->value', (lbs, dims, flat[:i] + [self.el.gen(r)] + flat[i + 1:])))
        c.append(('lower-bound-1', (tuple(lb - 1 for lb in lbs), dims, flat)))
        c.append(('lower-bound+1', (tuple(lb + 1 for lb in lbs), dims, flat)))
        if len(dims) == 1:
            c.append(('append-null', (lbs, (n + 1,), flat + [None])))
            c.append(('as-2d', (lbs + (1,), (n, 1), flat)))
            if n % 2 == 0:
                c.append(('as-2d-pairs', (lbs + (1,), (n // 2, 2), flat)))
        else:
            c.append(('flatten', (lbs[:1], (n,), flat)))
            c.append(('transpose-dims', (lbs, tuple(reversed(dims)), flat)))
        if n > 1 and flat[0] != flat[-1]:
            c.append(('swap-elems', (lbs, dims, [flat[-1]] + flat[1:-1] + [flat[0]])))
        c.append(('empty', ((), (), [])))
        return c


def type_pool(have_citext, have_icu, excl):
    """(weight, source type, target type or None for the same)"""
    i2, i4, i8 = IntTy('smallint'), IntTy('int'), IntTy('bigint')
    txt = TextTy('text')
    pool = [
        (3, i2, None), (3, i4, None), (3, i8, None),
        (5, NumTy('numeric'), None), (6, NumTy('numeric(12,3)', 12, 3), None), (6, NumTy('numeric(10,2)', 10, 2), None),
        (2, FloatTy('real'), None), (3, FloatTy('double precision'), None),
        (4, txt, None), (2, TextTy('varchar(20)', 20), None), (2, TextTy('char(5)', 5, True), None),
        (2, BoolTy('bool'), None), (2, UuidTy('uuid'), None), (2, DateTy('date'), None),
        (2, TsTy('timestamp'), None), (2, TsTy('timestamptz', True), None), (1, TimeTy('time'), None),
        (2, IntervalTy('interval'), None), (2, JsonTy('json'), None), (2, JsonTy('jsonb'), None),
        (2, ByteaTy('bytea'), None), (1, InetTy('inet'), None), (1, InetTy('cidr'), None),
        (1, XmlTy('xml'), None), (1, EnumTy(), None), (1, DomainTy(), None), (1, PointTy('point'), None),
        # arrays
        (3, ArrTy(i4), None), (2, ArrTy(i2), None), (1, ArrTy(i8), None), (3, ArrTy(txt), None),
        (2, ArrTy(TextTy('varchar', 10), 'varchar'), None), (1, ArrTy(BoolTy('bool')), None),
        (1, ArrTy(DateTy('date')), None), (1, ArrTy(UuidTy('uuid')), None), (1, ArrTy(ByteaTy('bytea')), None),
        (1, ArrTy(NumTy('numeric')), None), (1, ArrTy(JsonTy('jsonb')), None), (1, ArrTy(EnumTy()), None),
        (1, ArrTy(FloatTy('double precision')), None),
    ]
    bp = TextTy('bpchar', None)
    bp.cls = ('bpchar',)
    pool.append((2, bp, None))
    pairs = [
        (i2, i4), (i4, i8), (TsTy('timestamp'), TsTy('timestamptz', True)), (FloatTy('real'), FloatTy('double precision')),
        (NumTy('numeric', 10, 2), NumTy('numeric(10,2)', 10, 2)), (BoolTy('bool'), txt), (TextTy('char(5)', 5, True), txt),
        (InetTy('inet'), txt), (XmlTy('xml'), txt), (TextTy('varchar(20)', 20), txt), (ArrTy(i4), ArrTy(i8)),
        (NumTy('numeric', 10, 2), NumTy('money2', 10, 2)),
    ]
    for s, t in pairs:
        pool.append((3, s, t))
    if have_citext:
        ct = TextTy('citext')
        ct.cls = ('citext',)
        pool.append((2, ct, None))
        pool.append((2, txt, ct))
    if have_icu:
        ci = TextTy('text')
        ci.collate = 'ci'
        ci.cls = ('nondet',)
        ci.cmp_text = True
        pool.append((2, txt, ci))
    out = []
    for w, s, t in pool:
        cl = set(s.cls) | set(t.cls if t else ())
        if t is not None:
            cl.add('pairs')
        if cl & excl:
            continue
        out.append((w, s, t))
    return out


# --------------------------------------------------------------------------
# Scenarios

class Col:
    def __init__(self, name, src, tgt=None):
        self.name, self.src, self.tgt = name, src, tgt or src

    @property
    def pair(self):
        return self.tgt.decl() != self.src.decl()


class Table:
    def __init__(self, name, key, cols, rows):
        self.name = name
        self.key = key          # a Col; key values are Python values of key.src
        self.cols = cols        # other Cols
        self.rows = rows        # list of dict name -> value (the key included)

    def allcols(self):
        return [self.key] + self.cols

    def col(self, n):
        for c in self.allcols():
            if c.name == n:
                return c
        return None


class Change:
    """kind: set (assigns {col: ('lit', v) | ('sql', template)}), swapcols,
    swaprows, insert (row dict), delete (key); side: src or dst; tags: what it is"""

    def __init__(self, table, side, kind, tags, **kw):
        self.table, self.side, self.kind, self.tags = table, side, kind, tags
        self.__dict__.update(kw)

    def cols(self):
        if self.kind == 'set':
            return set(self.assigns)
        if self.kind == 'swapcols':
            return {self.c1, self.c2}
        if self.kind == 'swaprows':
            return {self.col}
        return set()

    def keys(self):
        if self.kind in ('set', 'swapcols', 'delete'):
            return [self.key]
        if self.kind == 'swaprows':
            return [self.k1, self.k2]
        return []


class Scenario:
    def __init__(self, tables, changes, untracked, rules=None):
        self.tables, self.changes, self.untracked = tables, changes, untracked
        # table name -> (filter template over {a}id, or None; excluded
        # columns; a delete rule)
        self.rules = rules or {}

    def copy(self, tables=None, changes=None):
        n = Scenario(self.tables if tables is None else tables,
                     self.changes if changes is None else changes, self.untracked, self.rules)
        n.incr = getattr(self, 'incr', None)
        return n

    def rule(self, t):
        """(filter template or None, excluded column names still in t)"""
        w, ex = self.rules.get(t.name, (None, [], False))[:2]
        names = {c.name for c in t.cols}
        return w, [x for x in ex if x in names]

    def deletes(self, t):
        return bool((tuple(self.rules.get(t.name, ())) + (None, [], False))[2])

    def insert_only(self, t):
        return bool(self.rules.get(t.name, (None, [], False, False))[3:4] == (True,))

    def rules_json(self):
        out = {}
        for t in self.tables:
            w, ex = self.rule(t)
            r = {}
            if w:
                r['where'] = w.format(a='')
            if ex:
                r['exclude_columns'] = ex
            if self.deletes(t):  # no guard: the comparator decides
                r['delete'] = {'max_percent': 100}
            if self.insert_only(t):
                r['mode'] = 'insert_only'
            if r:
                out[t.name] = r
        return json.dumps(out) if out else None


# filters over the key only, whose text is the same on both sides for every
# key pair the fuzzer makes (so both servers select the same rows); not
# for a key whose type differs between the sides, where a source key
# ('0560') has another text than the target's (560): each server decides
# the scope from its own row, which the comparator (the source's rows
# converted to the target's types) cannot
RULE_FILTERS = ['length({a}id::text) % 2 = 0', 'length({a}id::text) % 3 <> 1', '{a}id IS NULL']


def gen_rules(r, tables, excl):
    # SYNC_FUZZ_RULES: the share of scenarios with rules (0.3)
    if 'rules' in excl or r.random() >= float(os.environ.get('SYNC_FUZZ_RULES', '0.3')):
        return {}
    rules = {}
    for t in tables:
        if r.random() < 0.5:
            continue
        w = r.choice(RULE_FILTERS + [None]) if not t.key.pair else None
        plain = [c.name for c in t.cols if re.match(r'^c[0-9]+$', c.name)]
        ex = r.sample(plain, r.randint(0, min(2, len(plain)))) if plain else []
        d = r.random() < 0.5
        io = r.random() < 0.3
        if w or ex or d or io:
            rules[t.name] = (w, ex, d, io)
    return rules


def gen_keys(r, kt, n):
    if isinstance(kt, IntTy):
        style = r.choice(['dense', 'sparse', 'neg'])
        if style == 'dense':
            start = r.randint(-5, 100)
            return list(range(start, start + n))
        if style == 'sparse':
            return sorted(r.sample(range(1, 10**6), n))
        return sorted(r.sample(range(-2000, 2000), n))
    if isinstance(kt, UuidTy):
        return [str(uuidmod.UUID(int=r.getrandbits(128))) for _ in range(n)]
    # text keys: distinct case-insensitively; digits only when the target is an int
    seen, out = set(), []
    while len(out) < n:
        k = 'k%d%s' % (r.randint(0, 10**4), r.choice(['', 'a', 'B', 'c\u00e9', ' x']))
        if k.lower() not in seen:
            seen.add(k.lower())
            out.append(k)
    return out


def gen_table(r, name, pool, have_citext, have_icu, excl):
    # key
    kchoices = [(IntTy('int'), None), (IntTy('bigint'), None), (TextTy('text'), None), (UuidTy('uuid'), None)]
    if 'keypairs' not in excl:
        kchoices.append((IntTy('int'), IntTy('bigint')))
        kchoices.append((TextTy('text'), 'int-key'))
        if have_citext and 'citext' not in excl:
            kchoices.append((TextTy('text'), TextTy('citext')))
        if have_icu and 'nondet' not in excl:
            ci = TextTy('text')
            ci.collate = 'ci'
            kchoices.append((TextTy('text'), ci))
    ks, kt = r.choice(kchoices)
    nrows = r.choice([1, 3, 8, 15, 20, 33, 40, 70])
    if kt == 'int-key':
        kt = IntTy('int')
        keys = [str(x) for x in gen_keys(r, kt, nrows)]
    else:
        keys = gen_keys(r, ks, nrows)
    key = Col('id', ks, kt)
    ncols = r.randint(1, 7)
    cols = []
    tot = sum(w for w, _, _ in pool)
    tricky = 'names' not in excl and r.random() < 0.2
    names = r.sample(TRICKY_NAMES, ncols) if tricky else []
    for i in range(ncols):
        nm = names[i] if tricky and r.random() < 0.6 else 'c%d' % (i + 1)
        if cols and r.random() < 0.35:
            c = r.choice(cols)     # same types twice: swaps and cancelling pairs
            cols.append(Col(nm, c.src, c.tgt))
            continue
        x = r.uniform(0, tot)
        for w, s, t in pool:
            x -= w
            if x <= 0:
                break
        cols.append(Col(nm, s, t))
    rows = []
    for k in keys:
        row = {'id': k}
        for c in cols:
            row[c.name] = c.src.gen_n(r)
        rows.append(row)
    return Table(name, key, cols, rows)


def text_drift_sqls(c, srcval):
    """target drift for a column whose type differs: SQL on the target value"""
    t = c.tgt.name
    opts = []
    if srcval is not None:
        opts.append(('cast-form', 'CAST(CAST(%s AS %s) AS %s)' % (c.src.lit(srcval), c.src.name, t)))
    if isinstance(c.tgt, TextTy):
        opts += [('trailing-blank+', "{c} || ' '"), ('upper', 'upper({c})'), ('rtrim', 'rtrim({c})'),
                 ('empty', "''")]
    return opts


def gen_changes(r, t, n, excl, newkey):
    """changes of table t; a Python copy of both sides' values picks minimal
    changes of what the cells hold"""
    src = {row['id']: dict(row) for row in t.rows}
    dst = {row['id']: dict(row) for row in t.rows}   # for columns of the same type
    changes = []
    numcols = {}
    for c in t.cols:
        numcols.setdefault((c.src.name, c.tgt.name), []).append(c)
    for _ in range(n):
        side = 'src' if r.random() < 0.65 else 'dst'
        state = src if side == 'src' else dst
        k = r.choice(list(state))
        row = state[k]
        what = r.random()
        same = [g for g in numcols.values() if len(g) > 1]
        if side == 'src' and what >= 0.96 and len(src) > 1:
            # gone from the source: the target's row is its own now (a
            # delete rule deletes it)
            changes.append(Change(t.name, 'src', 'delete', ['source-delete'], key=k))
            del src[k]
            continue
        if what < 0.08:
            nk = newkey()
            nr = {'id': nk}
            for c in t.cols:
                nr[c.name] = c.src.gen_n(r)
            if side == 'src':
                src[nk] = nr
                changes.append(Change(t.name, 'src', 'insert', ['new-row'], row=nr))
            else:
                changes.append(Change(t.name, 'dst', 'insert', ['target-only-row'], row=nr))
            continue
        if what < 0.12 and 'dupkey' not in excl and isinstance(t.key.src, TextTy) and t.key.pair:
            # a second source row whose key is the same one as the target sees it
            if isinstance(t.key.tgt, IntTy):
                dk = '-0' + k[1:] if k.startswith('-') else '0' + k
            else:
                dk = k.swapcase() if k.swapcase() != k else k.upper()
                if dk == k:
                    continue
            # (k is the target's when side is dst: the source may have
            # lost it to a source-delete)
            if dk in src or k not in src:
                continue
            nr = dict(src[k])
            nr['id'] = dk
            src[dk] = dict(nr)
            changes.append(Change(t.name, 'src', 'insert', ['dup-key'], row=nr))
            continue
        if what < 0.30 and same:
            g = r.choice(same)
            c1, c2 = r.sample(g, 2)
            ty = c1.src
            sub = r.random()
            if isinstance(ty, NumTy) and c1.tgt is c1.src and sub < 0.5:
                # both *10000, or a special pair that swaps
                if sub < 0.25 and row[c1.name] not in (None, 'NaN') and row[c2.name] not in (None, 'NaN'):
                    a, b = str(D(row[c1.name]) * 10000), str(D(row[c2.name]) * 10000)
                    if ty.fits(a) and ty.fits(b):
                        changes.append(Change(t.name, side, 'set', ['numeric-*10000-two-columns'], key=k,
                                              assigns={c1.name: ('lit', a), c2.name: ('lit', b)}))
                        row[c1.name], row[c2.name] = a, b
                        continue
                pa, pb = r.choice([('NaN', '0'), ('1.00', '10000.00'), ('0', '0.00'), ('1', '-1')])
                if ty.fits(pa) and ty.fits(pb):
                    # the base holds (pa, pb) in this row on both sides; the change swaps them
                    for st in (src, dst):
                        if k in st:  # a row one side lacks is set where it is
                            st[k][c1.name], st[k][c2.name] = pa, pb
                    for br in t.rows:
                        if br['id'] == k:
                            br[c1.name], br[c2.name] = pa, pb
                    changes.append(Change(t.name, side, 'set', ['numeric-swap-%s/%s' % (pa, pb)], key=k,
                                          assigns={c1.name: ('lit', pb), c2.name: ('lit', pa)}))
                    row[c1.name], row[c2.name] = pb, pa
                    continue
            changes.append(Change(t.name, side, 'swapcols', ['swap-columns'], key=k, c1=c1.name, c2=c2.name))
            row[c1.name], row[c2.name] = row[c2.name], row[c1.name]
            continue
        if not t.cols:
            continue
        c = r.choice(t.cols)
        if what < 0.40 and len(src) > 1:
            k2 = r.choice([x for x in src if x != k])
            if k2 in state:
                changes.append(Change(t.name, side, 'swaprows', ['swap-rows'], k1=k, k2=k2, col=c.name))
                state[k][c.name], state[k2][c.name] = state[k2][c.name], state[k][c.name]
            continue
        if side == 'dst' and c.pair:
            if k not in src:  # gone from the source
                continue
            opts = text_drift_sqls(c, src[k][c.name])
            if not opts:
                continue
            tag, sql = opts[0] if r.random() < 0.5 else r.choice(opts)
            changes.append(Change(t.name, 'dst', 'set', ['drift-' + tag], key=k, assigns={c.name: ('sql', sql)}))
            continue
        tag, v = c.src.mutate(r, row[c.name])
        if side == 'dst' and v is not None and c.src.name == 'text' and r.random() < 0.2:
            tag, v = 'empty', ''
        changes.append(Change(t.name, side, 'set', [('drift-' if side == 'dst' else '') + tag], key=k,
                              assigns={c.name: ('lit', v)}))
        row[c.name] = v
    return changes


def gen_scenario(r, sid, pool, have_citext, have_icu, excl):
    tables, changes = [], []
    for i in range(r.randint(2, MAX_TABLES)):
        t = gen_table(r, 't%d' % (i + 1), pool, have_citext, have_icu, excl)
        used = {row['id'] for row in t.rows}

        used = {k.lower() if isinstance(k, str) else k for k in used}

        def newkey(t=t, used=used):
            while True:
                if isinstance(t.key.src, IntTy):
                    k = r.randint(2 * 10**6, 3 * 10**6)
                elif isinstance(t.key.tgt, IntTy):
                    k = str(r.randint(10**6, 2 * 10**6))
                else:
                    k = gen_keys(r, t.key.src, 1)[0]
                kk = k.lower() if isinstance(k, str) else k
                if kk not in used:
                    used.add(kk)
                    return k
        changes += gen_changes(r, t, r.randint(1, 16), excl, newkey)
        tables.append(t)
    untracked = 'untracked' not in excl and r.random() < 0.25
    # drawn last, from its own stream, so a seed's scenarios keep their tables and changes
    rules = gen_rules(random.Random(r.random()), tables, excl)
    return Scenario(tables, changes, untracked, rules)


# --------------------------------------------------------------------------
# Rendering SQL

def coldef(c, side):
    ty = c.src if side == 'src' else c.tgt
    return '%s %s' % (c.name, ty.decl())


def create_sql(t, qname, side):
    return 'CREATE TABLE %s (%s, PRIMARY KEY (id));' % (
        qname, ', '.join(coldef(c, side) for c in t.allcols()))


def val_expr(c, v, side):
    if v is None:
        return 'NULL'
    if side == 'src' or not c.pair:
        return c.src.expr(v)
    return 'CAST(%s AS %s)' % (c.src.expr(v), c.tgt.name)


def insert_sql(t, qname, rows, side):
    if not rows:
        return ''
    cols = t.allcols()
    return 'INSERT INTO %s (%s) VALUES\n  %s;' % (qname, ', '.join(c.name for c in cols), ',\n  '.join(
        '(' + ', '.join(val_expr(c, row.get(c.name), side) for c in cols) + ')' for row in rows))


def key_expr(t, k, side):
    return val_expr(t.key, k, side) if side == 'src' else 'CAST(%s AS %s)' % (t.key.src.expr(k), t.key.tgt.name)


def change_sql(ch, t, qname):
    s = ch.side
    if ch.kind == 'insert':
        return insert_sql(t, qname, [ch.row], s)
    if ch.kind == 'delete':
        return 'DELETE FROM %s WHERE id = %s;' % (qname, key_expr(t, ch.key, s))
    if ch.kind == 'set':
        sets = []
        for cn, (how, v) in ch.assigns.items():
            c = t.col(cn)
            if c is None:
                continue
            sets.append('%s = %s' % (cn, val_expr(c, v, s) if how == 'lit' else v.replace('{c}', cn)))
        if not sets:
            return ''
        return 'UPDATE %s SET %s WHERE id = %s;' % (qname, ', '.join(sets), key_expr(t, ch.key, s))
    if ch.kind == 'swapcols':
        return 'UPDATE %s SET %s = %s, %s = %s WHERE id = %s;' % (qname, ch.c1, ch.c2, ch.c2, ch.c1,
                                                                 key_expr(t, ch.key, s))
    if ch.kind == 'swaprows':
        k1, k2 = key_expr(t, ch.k1, s), key_expr(t, ch.k2, s)
        return ('UPDATE %s SET %s = CASE WHEN id = %s THEN (SELECT %s FROM %s WHERE id = %s) '
                'ELSE (SELECT %s FROM %s WHERE id = %s) END WHERE id IN (%s, %s);' % (
                    qname, ch.col, k1, ch.col, qname, k2, ch.col, qname, k1, k1, k2))
    raise ValueError(ch.kind)


def restrict(sc):
    """drop what refers to dropped rows or columns; a row an earlier
    change inserted (on the same side) is there too: dropping a change to
    it (its delete) left a later insert of the same key to collide"""
    out = []
    added = {}
    for ch in sc.changes:
        t = next((x for x in sc.tables if x.name == ch.table), None)
        if t is None:
            continue
        keys = {row['id'] for row in t.rows} | added.get((t.name, ch.side), set())
        if any(k not in keys for k in ch.keys()):
            continue
        names = {c.name for c in t.allcols()}
        if ch.kind == 'set':
            a = {k: v for k, v in ch.assigns.items() if k in names}
            if not a:
                continue
            if len(a) != len(ch.assigns):
                ch = Change(ch.table, ch.side, 'set', ch.tags, key=ch.key, assigns=a)
        elif not ch.cols() <= names:
            continue
        out.append(ch)
        if ch.kind == 'insert':
            added.setdefault((t.name, ch.side), set()).add(ch.row['id'])
    return sc.copy(changes=out)


# --------------------------------------------------------------------------
# Running

class PG:
    def __init__(self, syncfn, verbose=False):
        self.syncfn = syncfn
        self.verbose = verbose
        self.env = dict(os.environ)
        self.env['PGOPTIONS'] = PGOPTIONS
        self.host = os.environ.get('PGHOST', '/tmp')
        self.port = os.environ.get('PGPORT', '5432')
        self.user = os.environ.get('PGUSER', 'postgres')
        self.nsync = 0
        self.npsql = 0
        self.lock = threading.Lock()

    def psql(self, db, sql, check=True):
        with self.lock:
            self.npsql += 1
        p = subprocess.run(['psql', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', db, '-f', '-'],
                           input=sql.encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env)
        if check and p.returncode != 0:
            raise RuntimeError('psql on %s failed: %s\n--- SQL:\n%.3000s' % (db, p.stderr.decode(errors='replace'), sql))
        return p.stdout.decode('utf-8', errors='surrogateescape'), p.stderr.decode(errors='replace'), p.returncode

    def url(self, db):
        return 'postgresql://%s@/%s?host=%s&port=%s' % (self.user, db, self.host, self.port)

    def sync(self, path, tables, rules=None):
        with self.lock:
            self.nsync += 1
        env = {k: v for k, v in os.environ.items()
               if not k.startswith('SYNC_') and k not in ('SOURCE_DATABASE_URL', 'TARGET_DATABASE_URL', 'PGOPTIONS')}
        env['LOG_FORMAT'] = 'json'
        env['SYNC_TABLES'] = ','.join(tables)
        if rules:
            env['SYNC_RULES'] = rules
        if path.two:
            env['SOURCE_DATABASE_URL'] = self.url(path.src_db)
            env['TARGET_DATABASE_URL'] = self.url(path.dst_db)
            env['SYNC_SOURCE_SCHEMA'] = env['SYNC_TARGET_SCHEMA'] = 'public'
            env['SYNC_CHECKSUM'] = path.checksum
        else:
            env['TARGET_DATABASE_URL'] = self.url(path.dst_db)
            env['SYNC_SOURCE_SCHEMA'] = 'slave'
            env['SYNC_TARGET_SCHEMA'] = 'prod'
        p = subprocess.run([self.syncfn, 'sync'], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        out = p.stdout.decode(errors='replace')
        try:
            j = json.loads(out)
        except ValueError:
            j = {}
        return p.returncode, j, out, p.stderr.decode(errors='replace')


class Path:
    def __init__(self, name, prefix):
        self.name = name
        self.two = name != 'one'
        self.checksum = 'on' if name == 'checksum' else 'off'
        if self.two:
            self.src_db, self.dst_db = '%s_%s_src' % (prefix, name), '%s_%s_dst' % (prefix, name)
            self.src_schema = self.dst_schema = 'public'
        else:
            self.src_db = self.dst_db = '%s_one' % prefix
            self.src_schema, self.dst_schema = 'slave', 'prod'

    def sq(self, t):
        return '%s.%s' % (self.src_schema, t.name)

    def dq(self, t):
        return '%s.%s' % (self.dst_schema, t.name)


PREAMBLE = """CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN public.posint AS int CHECK (VALUE > 0);
CREATE DOMAIN public.money2 AS numeric(10,2);
"""


def db_setup(pg, path, have_citext, have_icu):
    dbs = [path.src_db, path.dst_db] if path.two else [path.dst_db]
    for db in dbs:
        pg.psql('postgres', 'DROP DATABASE IF EXISTS %s;\nCREATE DATABASE %s;' % (db, db))
        sql = PREAMBLE + 'CREATE SCHEMA fzcmp;\n'
        if have_citext:
            sql += 'CREATE EXTENSION citext SCHEMA public;\n'
        if have_icu:
            sql += "CREATE COLLATION public.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);\n"
        if not path.two:
            sql += 'CREATE SCHEMA slave; CREATE SCHEMA prod;\n'
        pg.psql(db, sql)


class Failure(Exception):
    def __init__(self, step, kind, table, detail):
        super().__init__('%s: %s' % (step, kind))
        self.step, self.kind, self.table, self.detail = step, kind, table, detail

    def sig(self):
        # a failed sync: the same error, whatever names, numbers and databases it quotes
        m = re.search(r'"error":\s*"([^\n]*)', self.detail) if self.kind == 'sync failed' else None
        err = re.sub(r'\([^)]*\)|"[^"]*"|\\"[^\\]*\\"|[0-9]+|\b[a-z_]+\.t[0-9]+\b', '', m.group(1)) if m else ''
        return (self.step, self.kind, err)


def sections(out):
    res, cur = {}, None
    for line in out.split('\n'):
        if line.startswith('@@FZ@@ '):
            cur = line[7:]
            res[cur] = []
        elif cur is not None:
            res[cur].append(line)
    return {k: '\n'.join(v).rstrip('\n') for k, v in res.items()}


def collist(t):
    return ', '.join(c.name for c in t.allcols())


def counts_sql(s, b, in_s, in_b, cmp):
    """The expected counts: source rows (fz_s, in scope: in_s) the target
    (fz_b) lacks, and those whose compared columns (cmp, a list of '%s.col')
    differ from a target row in scope (in_b)."""
    cols = lambda a: cmp % ((a,) * cmp.count('%s'))
    return ('SELECT (SELECT count(*) FROM %s fz_s WHERE %s AND NOT EXISTS (SELECT 1 FROM %s fz_b WHERE fz_b.id = fz_s.id)), '
            '(SELECT count(*) FROM %s fz_s JOIN %s fz_b ON fz_b.id = fz_s.id '
            'WHERE %s AND %s AND ROW(%s)::text IS DISTINCT FROM ROW(%s)::text);'
            % (s, in_s, b, s, b, in_s, in_b, cols('fz_s'), cols('fz_b')))


def compare(pg, path, sc, step, res, expect_counts=True):
    """the target against the source's rows as COPY writes them, over the
    snapshot fzcmp.b_T taken before the sync"""
    rc, j, out, err = res
    so = ''.join('\\echo @@FZ@@ %s\nCOPY (SELECT %s FROM %s) TO STDOUT;\n' % (t.name, collist(t), path.sq(t))
                 for t in sc.tables)
    srows = sections(pg.psql(path.src_db, so)[0])
    sql = []
    for t in sc.tables:
        s, b, d = 'fzcmp.s_' + t.name, 'fzcmp.b_' + t.name, path.dq(t)
        data = srows.get(t.name, '')
        sql.append('DROP TABLE IF EXISTS %s; CREATE TABLE %s (LIKE %s);' % (s, s, d))
        if data:
            sql.append('COPY %s (%s) FROM STDIN;\n%s\n\\.' % (s, collist(t), data))
        cl = collist(t)
        # the rule: rows in scope (F), columns excluded (kept on the target)
        w, ex = sc.rule(t)
        F = (lambda a: 'coalesce((%s), false)' % w.format(a=a + '.')) if w else (lambda a: 'true')
        cmp = ', '.join('%%s.%s' % c.name for c in t.allcols() if c.name not in ex)
        sql.append('\\echo @@FZ@@ %s dups' % t.name)
        sql.append('SELECT count(*) - count(DISTINCT id) FROM %s fz_s WHERE %s;' % (s, F('fz_s')))
        sql.append('\\echo @@FZ@@ %s counts' % t.name)
        sql.append(counts_sql(s, b, F('fz_s'), F('fz_b'), cmp))
        # a delete rule: the target's rows in scope whose key the source
        # (in scope) lacks are gone
        sql.append('\\echo @@FZ@@ %s deleted' % t.name)
        sql.append('SELECT count(*) FROM %s fz_b WHERE %s AND NOT EXISTS '
                   '(SELECT 1 FROM %s fz_s WHERE fz_s.id = fz_b.id AND %s);' % (b, F('fz_b'), s, F('fz_s')))
        sql.append('\\echo @@FZ@@ %s expected' % t.name)
        qb = ', '.join('fz_b.%s' % c.name for c in t.allcols())
        kept = 'false' if sc.deletes(t) else F('fz_b')
        qs = ', '.join(('fz_b.%s' if c.name in ex else 'fz_s.%s') % c.name for c in t.allcols())
        if sc.insert_only(t):  # a row the target holds is never updated
            qs = ', '.join(('fz_b.%s' if c.name in ex else
                            'CASE WHEN fz_b.id IS NULL THEN fz_s.%s ELSE fz_b.%s END') % ((c.name,) * (1 if c.name in ex else 2))
                           for c in t.allcols())
        sql.append('COPY (SELECT %s FROM ('
                   'SELECT %s FROM %s fz_b WHERE NOT %s '
                   'UNION ALL SELECT %s FROM %s fz_s LEFT JOIN %s fz_b ON fz_b.id = fz_s.id WHERE %s '
                   'AND NOT EXISTS (SELECT 1 FROM %s fz_o WHERE fz_o.id = fz_s.id AND NOT %s) '
                   'UNION ALL SELECT %s FROM %s fz_b WHERE %s AND NOT EXISTS '
                   '(SELECT 1 FROM %s fz_s WHERE fz_s.id = fz_b.id AND %s)) fz_x ORDER BY id) TO STDOUT;'
                   % (cl, qb, b, F('fz_b'), qs, s, b, F('fz_s'), b, F('fz_o'), qb, b, kept, s, F('fz_s')))
        sql.append('\\echo @@FZ@@ %s before' % t.name)
        sql.append('COPY (SELECT %s FROM %s ORDER BY id) TO STDOUT;' % (cl, b))
        sql.append('\\echo @@FZ@@ %s actual' % t.name)
        sql.append('COPY (SELECT %s FROM %s ORDER BY id) TO STDOUT;' % (cl, d))
    o = sections(pg.psql(path.dst_db, '\n'.join(sql) + '\n')[0])
    dups = any(int(o['%s dups' % t.name] or 0) > 0 for t in sc.tables)
    tstats = {x.get('table', '').split('.')[-1]: x for x in j.get('statistics', {}).get('tables', [])}
    if dups:
        # a key the source holds twice as the target sees it: refused, nothing written
        if rc == 0:
            t = next(t for t in sc.tables if int(o['%s dups' % t.name] or 0) > 0)
            raise Failure(step, 'duplicate key (as the target sees it) not refused', t.name,
                          'the source has %s key(s) twice as the target sees them; the sync answered success:\n%s'
                          % (o['%s dups' % t.name], diff_rows(o['%s before' % t.name], o['%s actual' % t.name],
                                                              'before', 'after')) + said(tstats.get(t.name)))
        if 'same key' not in out + err:
            raise Failure(step, 'duplicate key refused with another error', None, (out + err)[-1500:])
        for t in sc.tables:
            if o['%s before' % t.name] != o['%s actual' % t.name]:
                raise Failure(step, 'failed run changed the target', t.name,
                              diff_rows(o['%s before' % t.name], o['%s actual' % t.name], 'before', 'after'))
        return 'refused'
    if rc != 0 or not j.get('success'):
        raise Failure(step, 'sync failed', failed_table(j), 'exit %d: %s\n%s' % (rc, out[-1500:], err[-1500:]))
    for t in sc.tables:
        e, a = o['%s expected' % t.name], o['%s actual' % t.name]
        if e != a:
            raise Failure(step, 'target differs from the source as COPY writes it', t.name,
                          diff_rows(e, a, 'expected', 'target') + said(tstats.get(t.name)))
    if expect_counts:
        for t in sc.tables:
            ins, upd = [int(x) for x in o['%s counts' % t.name].split('|')]
            upd = 0 if sc.insert_only(t) else upd
            st = tstats.get(t.name, {})
            got = (st.get('inserted'), st.get('updated'))
            if got[0] != ins or not isinstance(got[1], int) or got[1] != upd:
                raise Failure(step, 'counts', t.name, 'expected inserted=%d updated=%d (rows whose COPY text '
                              'differed), the sync said inserted=%s updated=%s' % (ins, upd, got[0], got[1])
                              + said(st))
            dl = int(o['%s deleted' % t.name] or 0) if sc.deletes(t) else None
            if st.get('deleted') != dl:
                raise Failure(step, 'deleted count', t.name, 'expected deleted=%s (target rows in scope the '
                              'source lacks), the sync said deleted=%s' % (dl, st.get('deleted')) + said(st))
    return 'ok'


def failed_table(j):
    m = re.search(r'table (?:public|prod|slave)\.(t[0-9]+)\b', str(j.get('error', '')))
    return m.group(1) if m else None


def said(st):
    if not st:
        return ''
    keys = ('method', 'inserted', 'updated', 'deleted', 'compared_whole', 'segments', 'segments_differing')
    return '\n  (the sync said: %s)' % ', '.join('%s=%s' % (k, st[k]) for k in keys if k in st)


def diff_rows(e, a, en, an):
    el = {ln.split('\t', 1)[0]: ln for ln in e.split('\n') if ln}
    al = {ln.split('\t', 1)[0]: ln for ln in a.split('\n') if ln}
    out = []
    for k in list(el) + [k for k in al if k not in el]:
        if el.get(k) != al.get(k):
            out.append('  %-8s %r\n  %-8s %r' % (en + ':', el.get(k), an + ':', al.get(k)))
    return '\n'.join(out[:6]) + ('\n  ... %d rows differ' % len(out) if len(out) > 6 else '')


def snapshot_sql(path, sc):
    return ''.join('DROP TABLE IF EXISTS fzcmp.b_%s; CREATE TABLE fzcmp.b_%s (LIKE %s); '
                   'INSERT INTO fzcmp.b_%s SELECT * FROM %s;\n' % (t.name, t.name, path.dq(t), t.name, path.dq(t))
                   for t in sc.tables)


def nothing_written(step, res, sc):
    rc, j, out, err = res
    if rc != 0 or not j.get('success'):
        raise Failure(step, 'sync failed', failed_table(j), 'exit %d: %s\n%s' % (rc, out[-1500:], err[-1500:]))
    for x in j['statistics'].get('tables', []):
        if x.get('inserted') or x.get('updated') or x.get('deleted'):
            raise Failure(step, 'a re-sync with no change wrote rows', x['table'].split('.')[-1],
                          'inserted=%s updated=%s deleted=%s method=%s' % (x.get('inserted'), x.get('updated'),
                                                                          x.get('deleted'), x.get('method')))


def drop_sql(path, sc, side):
    sch = path.src_schema if side == 'src' else path.dst_schema
    tn = ['t%d' % (i + 1) for i in range(MAX_TABLES)]
    names = ', '.join('%s.%s' % (sch, t) for t in tn)
    extra = '' if side == 'src' else ', ' + ', '.join('fzcmp.%s_%s' % (p, t) for t in tn for p in 'sb')
    return 'DROP TABLE IF EXISTS %s%s;\n' % (names, extra)


def run_path(pg, path, sc, stats=None, cleanup=False, last_sync=4):
    """runs the scenario on one path; raises Failure"""
    sc = restrict(sc)
    if getattr(sc, 'incr', None):
        return run_incr_path(pg, path, sc, stats, cleanup)
    tabs = {t.name: t for t in sc.tables}
    names = [t.name for t in sc.tables]
    src_sql = drop_sql(path, sc, 'src') + ''.join(
        create_sql(t, path.sq(t), 'src') + '\n' + insert_sql(t, path.sq(t), t.rows, 'src') + '\n' for t in sc.tables)
    dst_sql = ('' if not path.two else drop_sql(path, sc, 'dst')) + ''.join(
        create_sql(t, path.dq(t), 'dst') + '\n' for t in sc.tables)
    if path.two:
        pg.psql(path.src_db, src_sql)
        pg.psql(path.dst_db, dst_sql)
    else:
        pg.psql(path.src_db, drop_sql(path, sc, 'dst') + src_sql + dst_sql)
    try:
        r1 = pg.sync(path, names, sc.rules_json())
        if r1[0] != 0 or not r1[1].get('success'):
            raise Failure('sync 1 (initial copy)', 'sync failed', failed_table(r1[1]), 'exit %d: %s\n%s' % (r1[0], r1[2][-1500:], r1[3][-1500:]))
        r2 = pg.sync(path, names, sc.rules_json())
        nothing_written('sync 2 (no change)', r2, sc)
        pre = 'SET track_counts = off;\n' if sc.untracked else ''
        s_ch = [change_sql(c, tabs[c.table], path.sq(tabs[c.table])) for c in sc.changes if c.side == 'src']
        d_ch = [change_sql(c, tabs[c.table], path.dq(tabs[c.table])) for c in sc.changes if c.side == 'dst']
        if not path.two:
            pg.psql(path.dst_db, pre + '\n'.join(s_ch + d_ch) + '\n' + snapshot_sql(path, sc))
        else:
            if s_ch:
                pg.psql(path.src_db, pre + '\n'.join(s_ch) + '\n')
            pg.psql(path.dst_db, pre + '\n'.join(d_ch) + '\n' + snapshot_sql(path, sc))
        r3 = pg.sync(path, names, sc.rules_json())
        verdict = compare(pg, path, sc, 'sync 3 (after the changes)', r3)
        if stats is not None:
            for x in r3[1].get('statistics', {}).get('tables', []):
                stats.setdefault(path.name, {}).setdefault(x.get('method'), 0)
                stats[path.name][x.get('method')] += 1
        if path.name == 'checksum' and verdict == 'ok':
            # the checksum may say why it cannot run (a key the target
            # compares more loosely than the source): every row is read
            warned = r3[1]['statistics'].get('warnings') or []
            for x in r3[1]['statistics']['tables']:
                why = 'table %s: ' % x['table']
                if any(w.startswith(why) and 'every row is read instead' in w for w in warned):
                    continue
                # a filter may leave the target empty: then the copy into it
                if x.get('method') == 'copy_direct' and sc.rules.get(x['table'].split('.')[-1], (None,))[0]:
                    continue
                if x.get('method') != 'checksum':
                    raise Failure('sync 3 (after the changes)', 'checksum path not taken', x['table'].split('.')[-1],
                                  'method %s with SYNC_CHECKSUM=on' % x.get('method'))
        if verdict == 'ok' and last_sync >= 4:
            r4 = pg.sync(path, names, sc.rules_json())
            nothing_written('sync 4 (no change after the changes)', r4, sc)
    finally:
        if cleanup:
            pg.psql(path.src_db, drop_sql(path, sc, 'src'), check=False)
            pg.psql(path.dst_db, drop_sql(path, sc, 'dst'), check=False)


# --------------------------------------------------------------------------
# Incremental rules (class incr)
#
# Some tables of a scenario get a column wm of an allowed type and an
# "incremental" rule on it. Their steps (run_incr_path): sync 1, the first
# run, full; sync 2, no change; the changes (the scenario's own, which now
# and then set wm to an older value or NULL, and on the source a stamp of
# wm by the server's clock or a sequence on most changed rows); sync 3,
# partial; sync 4, no change; then the rule changed (another lookback) and
# sync 5, full. The slow twin (compare_incr): after a partial run, the
# target holds the source's rows in scope whose wm is at or past where the
# run read from (and that is at or before the previous watermark less the
# lookback, read from syncfn.watermarks), every other row as it was; after a
# full run, every source row in scope, and with a delete rule no target
# row in scope that the source lacks (a partial run deletes none); counts
# exact either way.

STAMP = '<stamp>'   # a value that is the writer's stamp (WmTy.stamp)


class WmTy(Ty):
    """the incremental column: old values at first, so later stamps are newer"""
    TIME = ('timestamp', 'timestamptz', 'date')

    def gen(self, r):
        if self.name in self.TIME:
            d = datetime.datetime(2020, 1, 1) + datetime.timedelta(seconds=r.randint(0, 10**8))
            return d.date().isoformat() if self.name == 'date' else d.isoformat(' ') + (
                '+00' if self.name == 'timestamptz' else '')
        return r.randint(0, 900)

    def gen_n(self, r):
        return None if r.random() < 0.1 else self.gen(r)

    def muts(self, r, v):
        return [('wm-older', self.gen(r))]

    def expr(self, v):
        return self.stamp() if v == STAMP else super().expr(v)

    def stamp(self):
        """the SQL a writer stamps the column with"""
        return {'timestamptz': 'now()', 'timestamp': 'localtimestamp', 'date': 'current_date'}.get(
            self.name, "nextval('public.fz_wmseq')")

    def lookback(self, r):
        if self.name in self.TIME:
            return r.choice([None, '0', '1s', '90s', '2h'])
        return r.choice([None, 0, 1, 7])


def gen_incr(r, sc, excl):
    """a fifth of the scenarios: incremental rules on some tables"""
    if 'incr' in excl or r.random() >= float(os.environ.get('FUZZ_INCR_SHARE', 0.2)):
        return sc
    incr = {}
    # a delete rule (gen_rules') stays: full runs delete, partial runs
    # never do (compare_incr)
    for t in sc.tables:
        if t.key.pair or r.random() < 0.3:
            continue
        ty = WmTy(r.choice(['timestamp', 'timestamptz', 'date', 'smallint', 'int', 'bigint']))
        wm = Col('wm', ty)
        # past a tenth of the table's rows a run goes full: a few dozen
        # more rows leave room for partial runs
        for i in range(max(0, r.choice([0, 60, 120]) - len(t.rows))):
            k = (5 * 10**6 + i if isinstance(t.key.src, IntTy) else
                 str(uuidmod.UUID(int=r.getrandbits(128))) if isinstance(t.key.src, UuidTy) else 'pad%03d' % i)
            row = {'id': k}
            for c in t.cols:
                row[c.name] = c.src.gen_n(r)
            t.rows.append(row)
        for row in t.rows:
            row['wm'] = ty.gen_n(r)
        t.cols.append(wm)
        incr[t.name] = {'column': 'wm', 'lookback': ty.lookback(r), 'insert_only': r.random() < 0.2,
                        'index': r.random() < 0.8}
        # half of the incremental tables without a rule of gen_rules' get
        # a where (that keeps some rows) and excluded columns of their own
        if t.name not in sc.rules and 'rules' not in excl and r.random() < 0.5:
            w = r.choice(RULE_FILTERS[:2] + [None])
            plain = [c.name for c in t.cols if re.match(r'^c[0-9]+$', c.name)]
            ex = r.sample(plain, r.randint(0, min(2, len(plain)))) if plain else []
            if w or ex:
                sc.rules[t.name] = (w, ex, False, False)
        # most changed source rows are stamped; the rest are changes the
        # column never shows (only full runs see them)
        stamped = []
        for ch in sc.changes:
            if ch.table != t.name:
                continue
            if ch.kind == 'insert':
                ch.row['wm'] = STAMP if ch.side == 'src' and r.random() < 0.75 else ty.gen_n(r)
                continue
            x = r.random()
            if ch.side != 'src' or x >= 0.85:
                continue
            for k in ch.keys():
                if x < 0.75:
                    stamped.append(Change(t.name, 'src', 'set', ['wm-stamp'], key=k,
                                          assigns={'wm': ('sql', ty.stamp())}))
                else:
                    v = r.choice([None, ty.gen(r)])
                    stamped.append(Change(t.name, 'src', 'set', ['wm-older' if v is not None else 'wm-null'],
                                          key=k, assigns={'wm': ('lit', v)}))
        sc.changes.extend(stamped)
    if not incr:
        return sc
    # a key the source holds twice as the target sees it is refused before
    # any incremental question: compare() checks that, these steps do not
    sc.changes = [c for c in sc.changes if 'dup-key' not in c.tags]
    sc.incr = incr
    return sc


def incr_rules_json(sc, variant=0):
    """the scenario's rules with the incremental ones; variant 1 changes
    each incremental rule's text (another lookback): a full run"""
    out = json.loads(sc.rules_json() or '{}')
    names = {t.name: t for t in sc.tables}
    for tn, x in sc.incr.items():
        t = names.get(tn)
        if t is None or t.col('wm') is None:
            continue
        rule = out.setdefault(tn, {})
        inc = {'column': x['column']}
        lb = x['lookback']
        if variant:
            lb = 3 if isinstance(t.col('wm').src, WmTy) and t.col('wm').src.name not in WmTy.TIME else '3s'
        if lb is not None:
            inc['lookback'] = lb
        rule['incremental'] = inc
        if x['insert_only']:
            rule['mode'] = 'insert_only'
        # an excluded column is never the watermark
        if 'exclude_columns' in rule:
            rule['exclude_columns'] = [c for c in rule['exclude_columns'] if c != 'wm'] or None
            if not rule['exclude_columns']:
                del rule['exclude_columns']
    return json.dumps(out) if out else None


def incr_of(sc, t):
    """t's incremental rule, or None (its column dropped by a reduction)"""
    x = sc.incr.get(t.name)
    return x if x and t.col('wm') is not None else None


def lookback_secs(x):
    lb = x['lookback']
    if lb is None:
        return 0
    if isinstance(lb, int):
        return lb
    return {'0': 0, '1s': 1, '90s': 90, '2h': 7200, '3s': 3}[lb]


def watermarks(pg, path):
    """table -> watermark text (None: NULL), as syncfn.watermarks holds them"""
    out, _, rc = pg.psql(path.dst_db, "SELECT table_name, coalesce(watermark, '\\N') FROM syncfn.watermarks;",
                         check=False)
    res = {}
    if rc == 0:
        for ln in out.split('\n'):
            if '|' in ln:
                k, v = ln.split('|', 1)
                res[k.split('.')[-1]] = None if v == '\\N' else v
    return res


def compare_incr(pg, path, sc, step, res, prev):
    """the slow twin of an incremental step; prev: the watermarks before it"""
    rc, j, out, err = res
    if rc != 0 or not j.get('success'):
        raise Failure(step, 'sync failed', failed_table(j), 'exit %d: %s\n%s' % (rc, out[-1500:], err[-1500:]))
    tstats = {x.get('table', '').split('.')[-1]: x for x in j.get('statistics', {}).get('tables', [])}
    so = ''.join('\\echo @@FZ@@ %s\nCOPY (SELECT %s FROM %s) TO STDOUT;\n' % (t.name, collist(t), path.sq(t))
                 for t in sc.tables)
    srows = sections(pg.psql(path.src_db, so)[0])
    sql = []
    for t in sc.tables:
        s, b, d = 'fzcmp.s_' + t.name, 'fzcmp.b_' + t.name, path.dq(t)
        st, x = tstats.get(t.name, {}), incr_of(sc, t)
        inc = st.get('incremental') or {}
        if x and not inc:
            raise Failure(step, 'no incremental statistics', t.name, json.dumps(st))
        data = srows.get(t.name, '')
        sql.append('DROP TABLE IF EXISTS %s; CREATE TABLE %s (LIKE %s);' % (s, s, d))
        if data:
            sql.append('COPY %s (%s) FROM STDIN;\n%s\n\\.' % (s, collist(t), data))
        w, ex = sc.rule(t)
        if x:
            ex = [c for c in ex if c != 'wm']
        ins_only = bool(x and x['insert_only']) or sc.insert_only(t)
        partial = bool(x) and inc.get('full') is False
        ty = t.col('wm').src.name if x else None
        if partial:
            frm = inc.get('from')
            p = prev.get(t.name)
            if frm is None or p is None:
                raise Failure(step, 'partial run without a watermark', t.name,
                              'from %r, the previous watermark %r' % (frm, p))
            # where it read from is at or before the previous watermark less the lookback
            lim = ('(%s::numeric - %d)' % (qlit(p), lookback_secs(x)) if ty not in WmTy.TIME else
                   '(%s::%s - make_interval(secs => %d))' % (qlit(p), ty, lookback_secs(x)))
            sql.append('\\echo @@FZ@@ %s from' % t.name)
            sql.append('SELECT %s::%s <= %s;' % (qlit(frm), ty, lim))
            R = lambda a, frm=frm, ty=ty: '(%swm >= %s::%s)' % (a + '.', qlit(frm), ty)
        else:
            R = lambda a: 'true'
        F0 = (lambda a: 'coalesce((%s), false)' % w.format(a=a + '.')) if w else (lambda a: 'true')
        F = lambda a, F0=F0, R=R: '(%s AND %s)' % (F0(a), R(a))
        cmp = ', '.join('%%s.%s' % c.name for c in t.allcols() if c.name not in ex)
        sql.append('\\echo @@FZ@@ %s counts' % t.name)
        sql.append(counts_sql(s, b, F('fz_s'), F0('fz_b'), cmp))
        # a delete rule on a full run: the target's rows in scope whose key
        # the source (in scope) lacks are gone; a partial run deletes none
        deletes = sc.deletes(t) and not partial
        gone = ('%s AND NOT EXISTS (SELECT 1 FROM %s fz_d WHERE fz_d.id = fz_b.id AND %s)'
                % (F0('fz_b'), s, F0('fz_d')) if deletes else 'false')
        sql.append('\\echo @@FZ@@ %s deleted' % t.name)
        sql.append('SELECT count(*) FROM %s fz_b WHERE %s;' % (b, gone))
        sql.append('\\echo @@FZ@@ %s expected' % t.name)
        qb = ', '.join('fz_b.%s' % c.name for c in t.allcols())
        qs = ', '.join(('fz_b.%s' if c.name in ex else 'fz_s.%s') % c.name for c in t.allcols())
        # source rows read and in scope replace (insert_only: only add) the
        # target's; every other target row stays as it was, but those the
        # delete rule takes
        upd = '' if not ins_only else 'AND fz_b.id IS NULL '
        sql.append('COPY (SELECT %s FROM ('
                   'SELECT %s FROM %s fz_s LEFT JOIN %s fz_b ON fz_b.id = fz_s.id WHERE %s %s'
                   'UNION ALL SELECT %s FROM %s fz_b WHERE NOT (%s) AND NOT EXISTS '
                   '(SELECT 1 FROM %s fz_s WHERE fz_s.id = fz_b.id AND %s %s)) fz_x ORDER BY id) TO STDOUT;'
                   % (collist(t), qs, s, b, F('fz_s'), upd, qb, b, gone, s, F('fz_s'),
                      '' if not ins_only else 'AND false'))
        sql.append('\\echo @@FZ@@ %s actual' % t.name)
        sql.append('COPY (SELECT %s FROM %s ORDER BY id) TO STDOUT;' % (collist(t), d))
        sql.append('\\echo @@FZ@@ %s partial' % t.name)
        sql.append('SELECT %s;' % ('true' if partial else 'false'))
        if ins_only:
            sql.append('\\echo @@FZ@@ %s insert_only' % t.name)
            sql.append('SELECT 1;')
    o = sections(pg.psql(path.dst_db, '\n'.join(sql) + '\n')[0])
    for t in sc.tables:
        st = tstats.get(t.name, {})
        if o.get('%s from' % t.name, 't') != 't':
            raise Failure(step, 'incremental run read from past the previous watermark less the lookback', t.name,
                          'from %s, the previous watermark %s, lookback %s' % (
                              (st.get('incremental') or {}).get('from'), prev.get(t.name), incr_of(sc, t)['lookback']))
        e, a = o['%s expected' % t.name], o['%s actual' % t.name]
        if e != a:
            raise Failure(step, 'target differs from the source as COPY writes it (incremental)', t.name,
                          diff_rows(e, a, 'expected', 'target') + said(st) +
                          '\n  (incremental: %s)' % json.dumps(st.get('incremental')))
        ins, upd = [int(v) for v in o['%s counts' % t.name].split('|')]
        if '%s insert_only' % t.name in o:
            upd = 0
        got = (st.get('inserted'), st.get('updated'))
        if got != (ins, upd):
            raise Failure(step, 'counts (incremental)', t.name, 'expected inserted=%d updated=%d, the sync said '
                          'inserted=%s updated=%s' % (ins, upd, got[0], got[1]) + said(st) +
                          '\n  (incremental: %s)' % json.dumps(st.get('incremental')))
        dl = int(o['%s deleted' % t.name] or 0) if sc.deletes(t) else None
        if st.get('deleted') != dl:
            raise Failure(step, 'deleted count (incremental)', t.name, 'expected deleted=%s (a full run: target '
                          'rows in scope the source lacks; a partial run: none), the sync said deleted=%s'
                          % (dl, st.get('deleted')) + said(st) +
                          '\n  (incremental: %s)' % json.dumps(st.get('incremental')))
    return 'ok'


def check_watermarks(pg, path, sc, step):
    """a stored watermark is never past what a writer may stamp next: the
    source's clock (nothing else is open around the runs), or for an
    integer the largest value the table holds"""
    wms = watermarks(pg, path)
    q = []
    for t in sc.tables:
        x, w = incr_of(sc, t), wms.get(t.name)
        if not x or w is None:
            continue
        ty = t.col('wm').src.name
        now = {'timestamptz': 'now()', 'timestamp': 'localtimestamp', 'date': 'current_date'}.get(
            ty, '(SELECT max(wm) FROM %s)' % path.sq(t))
        q.append("SELECT '%s', %s::%s <= %s;" % (t.name, qlit(w), ty if ty in WmTy.TIME else 'numeric', now))
    if not q:
        return
    for ln in pg.psql(path.src_db, '\n'.join(q) + '\n')[0].split('\n'):
        if ln.endswith('|f'):
            tn = ln.split('|')[0]
            raise Failure(step, 'watermark past what a writer may stamp next', tn,
                          'watermark %s (column wm %s)' % (wms.get(tn), tabs_type(sc, tn)))


def tabs_type(sc, tn):
    t = next((x for x in sc.tables if x.name == tn), None)
    return t.col('wm').src.name if t and t.col('wm') else '?'


def expect_full(step, res, sc, want, prev=None):
    """each incremental table's run was full (want True) or partial;
    prev: the watermarks before it"""
    tabs = {x.get('table', '').split('.')[-1]: x for x in res[1].get('statistics', {}).get('tables', [])}
    for t in sc.tables:
        if not incr_of(sc, t):
            continue
        inc = tabs.get(t.name, {}).get('incremental') or {}
        full = inc.get('full')
        # a partial run may still go full when most rows are past the
        # watermark, or when the target is empty (a scope that selects
        # no row keeps it so: the copy into it is the first run's);
        # an integer column read no row (none in scope, or all NULL)
        # keeps none
        ok = {'most rows past the watermark', 'target empty'}
        if prev is not None and prev.get(t.name) is None:
            ok.add('no watermark yet')
        if want and full is not True or (not want and full is not False and inc.get('reason') not in ok):
            raise Failure(step, 'incremental run %s' % ('not full' if want else 'not partial'), t.name,
                          json.dumps(inc))


def run_incr_path(pg, path, sc, stats=None, cleanup=False):
    tabs = {t.name: t for t in sc.tables}
    names = [t.name for t in sc.tables]
    idx = ''.join('CREATE INDEX ON %s (wm);\n' % path.sq(t) for t in sc.tables
                  if incr_of(sc, t) and sc.incr[t.name]['index'])
    seq = 'CREATE SEQUENCE IF NOT EXISTS public.fz_wmseq START 1000;\n'
    src_sql = seq + drop_sql(path, sc, 'src') + ''.join(
        create_sql(t, path.sq(t), 'src') + '\n' + insert_sql(t, path.sq(t), t.rows, 'src') + '\n'
        for t in sc.tables) + idx
    dst_sql = ('' if not path.two else drop_sql(path, sc, 'dst')) + ''.join(
        create_sql(t, path.dq(t), 'dst') + '\n' for t in sc.tables)
    forget = 'DELETE FROM syncfn.watermarks;\n'
    if path.two:
        pg.psql(path.src_db, src_sql)
        pg.psql(path.dst_db, dst_sql)
    else:
        pg.psql(path.src_db, drop_sql(path, sc, 'dst') + src_sql + dst_sql)
    pg.psql(path.dst_db, 'DO $$ BEGIN IF to_regclass(\'syncfn.watermarks\') IS NOT NULL THEN ' +
            forget.strip() + ' END IF; END $$;')
    rules = incr_rules_json(sc)
    try:
        empty = snapshot_sql(path, sc)
        pg.psql(path.dst_db, empty)
        r1 = pg.sync(path, names, rules)
        compare_incr(pg, path, sc, 'sync 1 (incremental, first run)', r1, {})
        expect_full('sync 1 (incremental, first run)', r1, sc, True)
        check_watermarks(pg, path, sc, 'sync 1 (incremental, first run)')
        prev = watermarks(pg, path)
        r2 = pg.sync(path, names, rules)
        nothing_written('sync 2 (incremental, no change)', r2, sc)
        expect_full('sync 2 (incremental, no change)', r2, sc, False, prev)
        s_ch = [change_sql(c, tabs[c.table], path.sq(tabs[c.table])) for c in sc.changes if c.side == 'src']
        d_ch = [change_sql(c, tabs[c.table], path.dq(tabs[c.table])) for c in sc.changes if c.side == 'dst']
        if not path.two:
            pg.psql(path.dst_db, '\n'.join(s_ch + d_ch) + '\n' + snapshot_sql(path, sc))
        else:
            if s_ch:
                pg.psql(path.src_db, '\n'.join(s_ch) + '\n')
            pg.psql(path.dst_db, '\n'.join(d_ch) + '\n' + snapshot_sql(path, sc))
        prev = watermarks(pg, path)
        r3 = pg.sync(path, names, rules)
        compare_incr(pg, path, sc, 'sync 3 (incremental, after the changes)', r3, prev)
        check_watermarks(pg, path, sc, 'sync 3 (incremental, after the changes)')
        if stats is not None:
            for x in r3[1].get('statistics', {}).get('tables', []):
                inc = x.get('incremental')
                k = x.get('method') if inc is None else \
                    'incr_full (%s)' % inc.get('reason') if inc.get('full') else 'incr_partial'
                stats.setdefault(path.name, {}).setdefault(k, 0)
                stats[path.name][k] += 1
        r4 = pg.sync(path, names, rules)
        nothing_written('sync 4 (incremental, no change after the changes)', r4, sc)
        pg.psql(path.dst_db, snapshot_sql(path, sc))
        r5 = pg.sync(path, names, incr_rules_json(sc, 1))
        compare_incr(pg, path, sc, 'sync 5 (incremental, the rule changed: full)', r5, watermarks(pg, path))
        expect_full('sync 5 (incremental, the rule changed: full)', r5, sc, True)
        check_watermarks(pg, path, sc, 'sync 5 (incremental, the rule changed: full)')
    finally:
        if cleanup:
            pg.psql(path.src_db, drop_sql(path, sc, 'src'), check=False)
            pg.psql(path.dst_db, drop_sql(path, sc, 'dst'), check=False)


# --------------------------------------------------------------------------
# Reduction

def reduce(pg, path, sc, fail, deadline, log):
    trials = [0]

    def fails(cand):
        if time.time() > deadline:
            return False
        trials[0] += 1
        try:
            run_path(pg, path, cand, last_sync=4 if fail.step.startswith('sync 4') else 3)
        except Failure as f:
            return f.sig() == fail.sig()
        except RuntimeError as e:
            log('  (reduction trial error: %s)' % str(e).split('\n')[0])
            return False
        return False

    def ddmin(items, mk):
        n = 2
        while len(items) >= 1 and time.time() < deadline:
            chunk = max(1, len(items) // n)
            done = False
            for i in range(0, len(items), chunk):
                rest = items[:i] + items[i + chunk:]
                if fails(mk(rest)):
                    items = rest
                    n = max(n - 1, 2)
                    done = True
                    break
            if not done:
                if chunk == 1:
                    break
                n = min(len(items), n * 2)
        return items

    # the failing table alone
    if fail.table and len(sc.tables) > 1:
        t = [x for x in sc.tables if x.name == fail.table]
        cand = restrict(sc.copy(tables=t))
        if fails(cand):
            sc = cand
    # changes
    ch = ddmin(list(sc.changes), lambda c: sc.copy(changes=c))
    sc = sc.copy(changes=ch)
    # split compound changes into their assignments
    for i, c in enumerate(list(sc.changes)):
        if c.kind == 'set' and len(c.assigns) > 1:
            for cn in list(c.assigns):
                a = {k: v for k, v in c.assigns.items() if k != cn}
                nc = Change(c.table, c.side, 'set', c.tags, key=c.key, assigns=a)
                cand = sc.copy(changes=sc.changes[:i] + [nc] + sc.changes[i + 1:])
                if fails(cand):
                    sc, c = cand, nc
    # untracked: does it matter
    if sc.untracked:
        cand = sc.copy()
        cand.untracked = False
        if fails(cand):
            sc = cand
    # big steps first: only the rows and the columns the changes touch
    def touched_rows(t):
        ks = {k for c in sc.changes if c.table == t.name for k in c.keys()}
        ins = {str(c.row['id']).lower().lstrip('0') for c in sc.changes if c.table == t.name and c.kind == 'insert'}
        return [row for row in t.rows if row['id'] in ks or str(row['id']).lower().lstrip('0') in ins]

    def touched_cols(t):
        cs = {n for c in sc.changes if c.table == t.name for n in c.cols()}
        return [c for c in t.cols if c.name in cs]
    for step in (lambda t: Table(t.name, t.key, t.cols, touched_rows(t)),
                 lambda t: Table(t.name, t.key, touched_cols(t), t.rows)):
        cand = restrict(sc.copy(tables=[step(t) for t in sc.tables]))
        if sum(len(t.rows) + len(t.cols) for t in cand.tables) < sum(len(t.rows) + len(t.cols) for t in sc.tables) \
                and fails(cand):
            sc = cand
    # rows, per table
    for ti, t in enumerate(sc.tables):
        def mk(rows, ti=ti, t=t):
            nt = Table(t.name, t.key, t.cols, rows)
            return restrict(sc.copy(tables=sc.tables[:ti] + [nt] + sc.tables[ti + 1:]))
        rows = ddmin(list(t.rows), mk)
        sc = mk(rows)
    # columns
    for ti, t in enumerate(sc.tables):
        for c in list(t.cols):
            cur = sc.tables[ti]
            nt = Table(cur.name, cur.key, [x for x in cur.cols if x is not c], cur.rows)
            cand = restrict(sc.copy(tables=sc.tables[:ti] + [nt] + sc.tables[ti + 1:]))
            if fails(cand):
                sc = cand
    # values not changed: NULL where that still fails
    for ti, t in enumerate(sc.tables):
        for ri in range(len(t.rows)):
            for c in t.cols:
                cur = sc.tables[ti]
                if cur.rows[ri].get(c.name) is None:
                    continue
                nr = dict(cur.rows[ri])
                nr[c.name] = None
                nt = Table(cur.name, cur.key, cur.cols, cur.rows[:ri] + [nr] + cur.rows[ri + 1:])
                cand = restrict(sc.copy(tables=sc.tables[:ti] + [nt] + sc.tables[ti + 1:]))
                if time.time() < deadline and fails(cand):
                    sc = cand
    return sc, trials[0]


def repro_sql(path, sc):
    tabs = {t.name: t for t in sc.tables}
    pre = PREAMBLE.strip()
    out = []
    if path.two:
        out.append('-- two databases; on the SOURCE database (SYNC_CHECKSUM=%s):' % path.checksum)
    else:
        out.append('-- one database: CREATE SCHEMA slave; CREATE SCHEMA prod; (source slave, target prod)')
    need = lambda word: any(word in c.src.name or word in c.tgt.name for t in sc.tables for c in t.allcols())
    decl = [ln for ln in pre.split('\n') if any(w in ln and need(w) for w in ('mood', 'posint', 'money2'))]
    if need('citext'):
        decl.append('CREATE EXTENSION IF NOT EXISTS citext;')
    if any(c.tgt.collate == 'ci' for t in sc.tables for c in t.allcols()):
        decl.append("CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);")
    out += decl
    for t in sc.tables:
        out.append(create_sql(t, path.sq(t), 'src'))
        out.append(insert_sql(t, path.sq(t), t.rows, 'src'))
    out.append('-- on the TARGET database:' if path.two else '-- target:')
    if path.two:
        out += decl
    for t in sc.tables:
        out.append(create_sql(t, path.dq(t), 'dst'))
    if getattr(sc, 'incr', None):
        out.append("-- with SYNC_RULES='%s' (incremental: run_incr_path's steps)" % incr_rules_json(sc))
    elif sc.rules_json():
        out.append("-- with SYNC_RULES='%s'" % sc.rules_json())
    out.append('-- sync (the initial copy), sync again (nothing to write), then%s:' %
               (' with SET track_counts = off' if sc.untracked else ''))
    for c in sc.changes:
        t = tabs[c.table]
        out.append('%s  -- %s, %s' % (change_sql(c, t, path.sq(t) if c.side == 'src' else path.dq(t)),
                                       'source' if c.side == 'src' else 'target', ', '.join(c.tags)))
    out.append('-- and sync once more: see the failure above.')
    return '\n'.join(x for x in out if x)


def describe_classes(sc):
    tags = sorted({tg for c in sc.changes for tg in c.tags})
    types = sorted({'%s->%s' % (c.src.decl(), c.tgt.decl()) if c.pair else c.src.decl()
                    for t in sc.tables for c in t.allcols()})
    return 'changes: %s; types: %s' % (', '.join(tags) or '(none)', ', '.join(types))


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--seed', type=int, default=None)
    ap.add_argument('--seconds', type=float, default=float(os.environ.get('SYNC_FUZZ_SECONDS', 40)),
                    help='time budget for new scenarios (a reduction comes on top)')
    ap.add_argument('--scenarios', type=int, default=0, help='stop after N scenarios (0: the time budget)')
    ap.add_argument('--min-scenarios', type=int, default=0,
                    help='start at least N scenarios, past the time budget if need be (a loaded machine)')
    ap.add_argument('--only', type=int, default=None, help='run scenario I of the seed only')
    ap.add_argument('--paths', default='checksum,off,one')
    ap.add_argument('--exclude', default=os.environ.get('FUZZ_SYNC_EXCLUDE', ''),
                    help='classes left out: ' + ', '.join(CLASSES))
    ap.add_argument('--jobs', type=int, default=int(os.environ.get('FUZZ_JOBS', 2)),
                    help='scenarios at once (each runs its paths at once too)')
    ap.add_argument('--keep-going', action='store_true', help='go on after a failure (findings collected)')
    ap.add_argument('--reduce-seconds', type=float, default=60, help='time to reduce one failure')
    ap.add_argument('--reduce-total', type=float, default=300, help='time for all reductions')
    ap.add_argument('--no-reduce', action='store_true')
    ap.add_argument('--prefix', default='syncfz', help='database names start with it')
    ap.add_argument('--verbose', action='store_true', help='also count the changes by kind')
    ap.add_argument('--syncfn', default=os.environ.get('SYNCFN', 'build/syncfn'))
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.SystemRandom().randrange(1, 2**31)
    excl = {x.strip() for x in a.exclude.split(',') if x.strip()}
    bad = excl - set(CLASSES)
    if bad:
        ap.error('unknown class(es) %s; known: %s' % (', '.join(sorted(bad)), ', '.join(CLASSES)))
    pnames = [x for x in a.paths.split(',') if x]
    for pn in pnames:
        if pn not in PATHS:
            ap.error('unknown path %s' % pn)
    jobs = 1 if a.only is not None else max(1, a.jobs)
    t0 = time.time()
    plock = threading.Lock()

    def log(*x):
        with plock:
            print(*x, flush=True)
    opts = (' --exclude ' + ','.join(sorted(excl)) if excl else '') + \
        (' --paths ' + a.paths if a.paths != 'checksum,off,one' else '')
    log('sync_fuzz: seed %d (reproduce: tests/fuzz/sync_fuzz.sh --seed %d%s), paths %s, budget %gs, %d job(s)' % (
        seed, seed, opts, a.paths, a.seconds, jobs))
    pg = PG(a.syncfn)
    have_citext = 'citext' not in excl and 'citext' in pg.psql(
        'postgres', "SELECT name FROM pg_available_extensions WHERE name = 'citext';")[0]
    have_icu = 'nondet' not in excl and 'und-x-icu' in pg.psql(
        'postgres', "SELECT collname FROM pg_collation WHERE collname = 'und-x-icu';")[0]
    if not have_citext and 'citext' not in excl:
        log('sync_fuzz: the citext extension is not installed (postgresql-contrib): no citext columns')
    pool = type_pool(have_citext, have_icu, excl)
    wpaths = [[Path(pn, '%s%d' % (a.prefix, w)) for pn in pnames] for w in range(jobs)]
    setups = [threading.Thread(target=db_setup, args=(pg, p, have_citext, have_icu)) for ps in wpaths for p in ps]
    for x in setups:
        x.start()
    for x in setups:
        x.join()
    t_start = time.time()   # the budget counts from here: the databases are made
    failures = []
    counters = {'next': a.only if a.only is not None else 0, 'scenarios': 0, 'changes': 0}
    stats = {}
    tags = {}
    stop = threading.Event()

    def take():
        with plock:
            if stop.is_set():
                return None
            if a.only is not None:
                if counters['scenarios']:
                    return None
            elif (time.time() - t_start > a.seconds and counters['next'] >= max(jobs, a.min_scenarios)) or \
                    (a.scenarios and counters['next'] >= a.scenarios):
                return None
            sid = counters['next']
            counters['next'] += 1
            counters['scenarios'] += 1
            return sid

    def worker(paths):
        while True:
            sid = take()
            if sid is None:
                return
            r = random.Random('%d/%d' % (seed, sid))
            try:
                sc = gen_scenario(r, sid, pool, have_citext, have_icu, excl)
                sc = gen_incr(random.Random(r.random()), sc, excl)
            except Exception as e:   # a generator bug: a failure, never a worker gone quietly
                log('sync_fuzz: HARNESS ERROR seed %d scenario %d (generating it): %s\n%s' % (
                    seed, sid, e, traceback.format_exc()))
                with plock:
                    failures.append((sid, '-', 'harness error', str(e).split('\n')[0]))
                if not a.keep_going:
                    stop.set()
                continue
            with plock:
                counters['changes'] += len(sc.changes)
                counters['ruled'] = counters.get('ruled', 0) + (1 if sc.rules else 0)
                for c in sc.changes:
                    for tg in c.tags:
                        tags[tg] = tags.get(tg, 0) + 1
            results = {}

            def work(p):
                try:
                    run_path(pg, p, sc, stats)
                    results[p.name] = None
                except Failure as f:
                    results[p.name] = f
                except Exception as e:   # a generator or harness problem: say so, never hide it
                    e.where = traceback.format_exc()
                    results[p.name] = e
            th = [threading.Thread(target=work, args=(p,)) for p in paths]
            for x in th:
                x.start()
            for x in th:
                x.join()
            for p in paths:
                f = results.get(p.name)
                if f is None:
                    continue
                if not a.keep_going:
                    stop.set()
                if not isinstance(f, Failure):
                    log('sync_fuzz: HARNESS ERROR seed %d scenario %d path %s: %s\n%s' % (
                        seed, sid, p.name, f, getattr(f, 'where', '')))
                    with plock:
                        failures.append((sid, p.name, 'harness error', str(f).split('\n')[0]))
                    continue
                with plock:
                    when = 'after %.0fs, %d scenario(s), %d change(s)' % (
                        time.time() - t0, counters['scenarios'], counters['changes'])
                    found.append((sid, p, sc, f, when))
                log('sync_fuzz: scenario %d path %s: %s: %s (table %s), %s' % (
                    sid, p.name, f.step, f.kind, f.table, when))

    def report(sid, p, sc, f, when, budget):
        rep = ['', '=== FAIL seed %d scenario %d path %s: %s: %s (table %s), found %s' % (
            seed, sid, p.name, f.step, f.kind, f.table, when), f.detail]
        small, trials, t1 = sc, 0, time.time()
        if not a.no_reduce and budget > 0:
            small, trials = reduce(pg, p, sc, f, t1 + budget, log)
            try:
                run_path(pg, p, small)
                rep.append('(the reduced scenario did not fail again: flaky?)')
            except Failure as f2:
                rep.append('--- reduced in %d trials, %.0fs: %s: %s (table %s)\n%s' % (
                    trials, time.time() - t1, f2.step, f2.kind, f2.table, f2.detail))
            except Exception as e:
                rep.append('(reduced run error: %s)' % e)
        rep.append('--- classes: %s' % describe_classes(small))
        rep.append('--- reproduction (path %s):\n%s' % (p.name, repro_sql(p, small)))
        rep.append('--- rerun: tests/fuzz/sync_fuzz.sh --seed %d --only %d --paths %s%s\n' % (
            seed, sid, p.name, ' --exclude ' + ','.join(sorted(excl)) if excl else ''))
        log('\n'.join(rep))
        with plock:
            failures.append((sid, p.name, f.kind, describe_classes(small)))

    found = []
    ws = [threading.Thread(target=worker, args=(wpaths[w],)) for w in range(jobs)]
    for x in ws:
        x.start()
    for x in ws:
        x.join()
    # the reductions, one at a time once the scenarios are done (faster alone)
    t_red = time.time()
    for sid, p, sc, f, when in sorted(found, key=lambda x: (x[0], x[1].name)):
        left = a.reduce_total - (time.time() - t_red)
        report(sid, p, sc, f, when, min(a.reduce_seconds, left))
    el = time.time() - t0
    log('sync_fuzz: seed %d: %d scenario(s) (%d with rules), %d change(s), %d sync run(s), %d psql call(s) in %.1fs; '
        'methods %s' % (seed, counters['scenarios'], counters.get('ruled', 0), counters['changes'], pg.nsync,
                        pg.npsql, el, json.dumps(stats, sort_keys=True)))
    if a.verbose:
        log('sync_fuzz: changes by kind: ' + ', '.join('%s %d' % kv for kv in sorted(tags.items(), key=lambda kv: -kv[1])))
    if failures:
        log('sync_fuzz: %d FAILURE(S) (seed %d%s):' % (len(failures), seed, opts))
        for sid_, pn, kind, cl in sorted(failures):
            log('  scenario %d path %s: %s [%s]' % (sid_, pn, kind, cl))
        return 1
    log('sync_fuzz: no failure')
    return 0


if __name__ == '__main__':
    sys.exit(main())
