"""Names pykeops 2.3 has and kred does not: importing them works (clients
import whole modules), using them raises a NotImplementedError that names
them, instead of an AttributeError deep inside a client."""


def missing(qualified_name, why="kred does not implement it"):
    """A callable that raises NotImplementedError naming `qualified_name`."""

    def unavailable(*args, **kwargs):
        raise NotImplementedError(f"{qualified_name} is part of pykeops 2.3's API, but {why} "
                                  "(this pykeops is kred's compatibility layer)")

    unavailable.__name__ = qualified_name.rsplit(".", 1)[-1]
    unavailable.__qualname__ = qualified_name
    unavailable.__doc__ = f"Not available in kred: calling it raises NotImplementedError."
    return unavailable


def define_missing(namespace, module_name, names, why="kred does not implement it"):
    """Binds each of `names` in `namespace` to missing(module_name.name)."""
    for name in names:
        namespace[name] = missing(f"{module_name}.{name}", why)
