"""pykeops' alias strings ("X = Vi(3)", "P = Pm(2)", "Z = Var(3, 2, 0)"):
read by the C++ importer, with the formula they belong to; here only what
generic_* reductions need of their output alias, and KeOps' category codes
for the aliases LazyTensor writes."""

from .. import _kred

# KeOps' category codes (Var(POS, D, CAT)), from the dialect's VarCategory.
CATEGORY_CODE = _kred.variable_categories()


def parse_output(output):
    """(category, dim) of a generic_* output alias such as "A = Vi(1)"."""
    if not isinstance(output, str) or "=" not in output:
        raise ValueError(f"the output {output!r} must be an alias like 'A = Vi(1)'")
    name = output.split("=", 1)[0].strip()
    signature = _kred.Formula(name, [output]).signature()
    (variable,) = [a for a in signature if a["role"] != "output"]
    if variable["role"] not in ("i", "j"):
        raise ValueError(f"the output {output!r} must be Vi(...) or Vj(...)")
    return variable["role"], variable["dim"]
