"""brainsmith._requirements reads every requirement line as packaging.requirements does: the
same name, specifier and marker, the same lines rejected (with packaging's message)."""

from __future__ import annotations

import pytest
from brainsmith._requirements import canonical_name, parse_requirement
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

LINES = [
    # the simple forms read without packaging.requirements
    "brainsmith-core",
    "brainsmith-core>=0.1",
    "brainsmith-core>=0.1,<0.2",
    "brainsmith-core<0.2,>=0.1",
    "brainsmith-core >= 0.1 , < 0.2",
    "  p004>=1  ",
    "\tp004\t==\t1.0.*",
    "Brainsmith_Core.Next~=1.2",
    "x===weird-1",
    "x!=1.0+local.7",
    "brainsmith-core[compile]<0.2,>=0.1",
    "brainsmith-core[compile, sim] >=0.1",
    "brainsmith-core [ compile ]",
    "brainsmith-core[]>=1",
    "a",
    "A1",
    # what goes to packaging.requirements
    "numpy>=1.24; extra == 'full'",
    "typing-extensions; python_version<'3.12'",
    "pkg (>=1.0)",
    "pkg @ https://example.com/pkg-1.0.tar.gz",
    "pkg[a]@ file:///tmp/pkg",
    # what packaging rejects, and must still be rejected
    "",
    "   ",
    ">=1.0",
    "pkg>=1.0.*",
    "pkg>=",
    "pkg>=1,,<2",
    "pkg>=1,",
    "pkg,>=1",
    "pkg-",
    "-pkg",
    "pkg[a,]",
    "pkg[a b]",
    "pkg[a",
    "pkg>=1 junk",
    "pkg >=1 <2",
    "pkg>=1.0 ;",
    "pkg==1.0 extra",
    "pkg>1!",
    "pkg=1",
    "pkg~1",
    "pkg\n>=1",
]


@pytest.mark.parametrize("line", LINES)
def test_a_line_reads_as_packaging_reads_it(line: str) -> None:
    try:
        expected = Requirement(line)
    except InvalidRequirement as exc:
        with pytest.raises(InvalidRequirement) as raised:
            parse_requirement(line)
        assert str(raised.value) == str(exc)
        return
    got = parse_requirement(line)
    assert got.name == expected.name
    assert got.specifier == expected.specifier
    assert str(got.specifier) == str(expected.specifier)
    assert str(got.marker) == str(expected.marker)


@pytest.mark.parametrize(
    "name", ["Brainsmith_Core", "a.b-c__d", "A--B..C", "plain", "X_Y.Z", "a-_-.b"]
)
def test_canonical_names_are_packagings(name: str) -> None:
    assert canonical_name(name) == canonicalize_name(name)
