# Helper for test_linetable: compiles a varied source and prints, for every
# code object, its raw line table and the interpreter's own line for every
# instruction offset, so the C decoder can be checked against it.
# Output: a "version MAJOR MINOR" line, then one line per code object:
#   name firstlineno table-hex own-answers capi-answers
# own answers come from co_lines() (3.10+) or dis.findlinestarts (3.8/3.9),
# capi answers from PyCode_Addr2Line through ctypes ("-" without ctypes);
# both list one line per code unit (2 bytes), -1 for "no line".
import sys
import dis

try:
    import ctypes
    addr2line = ctypes.pythonapi.PyCode_Addr2Line
    addr2line.argtypes = (ctypes.py_object, ctypes.c_int)
    addr2line.restype = ctypes.c_int
except Exception:
    addr2line = None

BASE = '''
import os

def simple(a, b):
    x = a + b

    y = x * 2


    return y

def loops(n):
    total = 0
    for i in range(n):
        if i % 2:
            continue
        while total < i:
            total += 1
            if total > 100:
                break
    else:
        total -= 1
    return total

def multiline(a,
              b,
              c=3):
    value = simple(
        a,
        b,
    ) + {
        'k': a,
        'v': [b,
              c],
    }['k']
    s = (a
         .__class__
         .__name__)
    return value, s, f"{a}-{b}-{c!r:>10}"

def nested(x):
    def inner(y):
        def innermost(z):
            return x + y + z
        return innermost
    f = lambda q: q * 2
    return inner(x)(f(x))

def comprehensions(data):
    a = [d * 2 for d in data if d]
    b = {d: [e for e in range(d)]
         for d in data}
    c = {d for d in data}
    g = sum(d for d in data)
    return a, b, c, g

def exceptions(v):
    try:
        r = 1 / v
    except ZeroDivisionError as e:
        r = None
    except (TypeError,
            ValueError):
        raise
    else:
        r = r * 2
    finally:
        v = 0
    with open(os.devnull) as fh:
        fh.read()
    for i in range(3):
        try:
            if i:
                return r
        finally:
            v += 1
    return r

class Klass:
    attr = 1

    def method(self):
        return self.attr

    @staticmethod
    def stat(
        x,
    ):
        return x

def données(ü):
     # Ünïcödé comment
    return ü + "日本語" + "🐍"

def gen(n):
    yield n
    yield from range(n)

async def coro(x):
    await x
    async with x as y:
        pass
    return [z async for z in y]

def long_line(a):
    return [a, a + 1, a + 2, a + 3, a + 4, a + 5, a + 6, a + 7, a + 8, a + 9, a + 10, a + 11, a + 12, a + 13, a + 14, a + 15, a + 16, a + 17, a + 18, a + 19, a + 20]

def big_body(a):
    x = ''' + ' + '.join('a * %d' % i for i in range(150)) + '''
    y = [
''' + ''.join('        a + %d,\n' % i for i in range(40)) + '''    ]
    z = (a +
''' + '\n' * 200 + '''         a)
    w = (a +
''' + '\n' * 700 + '''         a)
    return x, y, z, w
'''

# A function starting far down, with line jumps beyond one lnotab byte.
HIGH = '''
def far_away(n):
    r = 0
    for i in range(n):


        r += i
''' + '\n' * 300 + '''        r -= 1
    return r
'''

SRC = BASE + '\n' * 3000 + HIGH


def walk(co):
    yield co
    for c in co.co_consts:
        if hasattr(c, 'co_code'):
            yield from walk(c)


def own_answers(co):
    n = len(co.co_code)
    if sys.version_info >= (3, 10):
        lines = {}
        for start, end, line in co.co_lines():
            for off in range(start, end, 2):
                lines[off] = -1 if line is None else line
        return [lines.get(off, -1) for off in range(0, n, 2)]
    starts = list(dis.findlinestarts(co))
    out = []
    for off in range(0, n, 2):
        line = -1
        for start, l in starts:
            if start <= off:
                line = l
        out.append(line)
    return out


print('version', sys.version_info[0], sys.version_info[1])
code = compile(SRC, 'linetable_sample.py', 'exec')
for co in walk(code):
    table = co.co_linetable if sys.version_info >= (3, 10) else co.co_lnotab
    if addr2line:
        capi = ','.join(str(addr2line(co, off))
                        for off in range(0, len(co.co_code), 2))
    else:
        capi = '-'
    print(co.co_name, co.co_firstlineno, table.hex() or '-',
          ','.join(map(str, own_answers(co))), capi)
