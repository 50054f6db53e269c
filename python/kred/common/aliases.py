"""Parsing of pykeops alias strings: "X = Vi(3)", "Y = Vj(1, 3)",
"P = Pm(2)", "Z = Var(3, 2, 0)"."""

import re
from dataclasses import dataclass

from .. import _kred

_ALIAS = re.compile(r"^\s*([A-Za-z_]\w*)\s*=\s*(Vi|Vj|Pm|Var)\s*\(([^)]*)\)\s*$")
# KeOps' category codes (Var(POS, D, CAT)), from the dialect's VarCategory.
CATEGORY_CODE = _kred.variable_categories()
_CATEGORY_OF_VAR = {code: name for name, code in CATEGORY_CODE.items()}
_CATEGORY = {"Vi": "i", "Vj": "j", "Pm": "param"}


@dataclass(frozen=True)
class Alias:
    name: str
    category: str  # "i", "j" or "param"
    dim: int
    position: int


def parse_aliases(aliases):
    """The aliases, in position order. Positions are explicit (Vi(0, 3)) or
    given by order of appearance, as in pykeops."""
    if isinstance(aliases, str):
        aliases = [aliases]
    parsed, next_position = [], 0
    for text in aliases:
        if not isinstance(text, str):
            raise TypeError(f"aliases must be strings like 'X = Vi(3)', got {text!r}")
        m = _ALIAS.match(text)
        if not m:
            raise ValueError(f"alias {text!r} is malformed; expected 'NAME = Vi(D)', "
                             "'NAME = Vj(D)', 'NAME = Pm(D)', 'NAME = Vi(POS, D)' "
                             "or 'NAME = Var(POS, D, CAT)'")
        name, kind, args = m.groups()
        try:
            numbers = [int(a) for a in args.split(",")] if args.strip() else []
        except ValueError:
            raise ValueError(f"alias {text!r}: arguments must be integers") from None
        if kind == "Var":
            if len(numbers) != 3 or numbers[2] not in _CATEGORY_OF_VAR:
                raise ValueError(f"alias {text!r}: expected Var(POS, D, CAT) with "
                                 "CAT 0 (i), 1 (j) or 2 (parameter)")
            position, dim, category = numbers[0], numbers[1], _CATEGORY_OF_VAR[numbers[2]]
        elif len(numbers) == 1:
            position, dim, category = next_position, numbers[0], _CATEGORY[kind]
        elif len(numbers) == 2:
            position, dim, category = numbers[0], numbers[1], _CATEGORY[kind]
        else:
            raise ValueError(f"alias {text!r}: expected {kind}(D) or {kind}(POS, D)")
        if dim < 1:
            raise ValueError(f"alias {text!r}: the dimension must be >= 1")
        next_position = max(next_position, position + 1)
        parsed.append(Alias(name, category, dim, position))
    parsed.sort(key=lambda a: a.position)
    for previous, alias in zip(parsed, parsed[1:]):
        if alias.position == previous.position:
            raise ValueError(f"aliases {previous.name} and {alias.name} both have "
                             f"position {alias.position}")
    # Gaps may be filled by inline variables (Var(1, 3, 1) in the formula);
    # the import checks that every position is taken.
    return parsed


def parse_output(output):
    """(category, dim) of a generic_* output alias such as "A = Vi(1)"."""
    (alias,) = parse_aliases([output])
    if alias.category == "param":
        raise ValueError(f"the output {output!r} must be Vi(...) or Vj(...)")
    return alias.category, alias.dim
