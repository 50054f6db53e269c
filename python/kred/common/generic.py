"""pykeops' generic_sum, generic_logsumexp, generic_argmin, generic_argkmin:
a Genred whose axis (and K) come from an output alias like "A = Vi(1)"."""

from .aliases import parse_output


def make_generic(genred_class):
    def reduction(reduction_op, formula, output, aliases, kwargs, k_from_output=False):
        category, dim = parse_output(output)
        axis = 1 if category == "i" else 0
        if k_from_output:
            kwargs.setdefault("opt_arg", dim)
        return genred_class(formula, list(aliases), reduction_op=reduction_op, axis=axis,
                            **kwargs)

    def generic_sum(formula, output, *aliases, **kwargs):
        """Sum of `formula` over j (output "A = Vi(D)") or over i ("A = Vj(D)")."""
        return reduction("Sum", formula, output, aliases, kwargs)

    def generic_logsumexp(formula, output, *aliases, **kwargs):
        """log(sum exp(formula)), a scalar formula; output "A = Vi(1)" or Vj."""
        return reduction("LogSumExp", formula, output, aliases, kwargs)

    def generic_argmin(formula, output, *aliases, **kwargs):
        """Index of the minimum of `formula`; output "A = Vi(D)" or Vj."""
        return reduction("ArgMin", formula, output, aliases, kwargs)

    def generic_argkmin(formula, output, *aliases, **kwargs):
        """Indices of the K smallest values; K is the output's dimension
        ("A = Vi(K)")."""
        return reduction("ArgKMin", formula, output, aliases, kwargs, k_from_output=True)

    return generic_sum, generic_logsumexp, generic_argmin, generic_argkmin
