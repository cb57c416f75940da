"""Did-you-mean suggestions for names that matched nothing."""

from __future__ import annotations

from collections.abc import Iterable


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """``" (did you mean 'a', 'b'?)"`` for the choices close to ``name``, else ``""``.

    Qualified choices (``ns:Name``) also match on their short part.
    """
    import difflib  # only a name that matched nothing pays for it

    pool = sorted(set(choices))
    short = {c.partition(":")[2] or c: c for c in pool}
    close = difflib.get_close_matches(name, pool, n=3, cutoff=0.6)
    close += [
        short[s] for s in difflib.get_close_matches(name.partition(":")[2] or name, short, n=3)
    ]
    unique = list(dict.fromkeys(close))[:3]
    return f" (did you mean {', '.join(map(repr, unique))}?)" if unique else ""
