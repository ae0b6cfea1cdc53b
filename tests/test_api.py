"""Public-API hygiene: the facade exports what it names and imports only the core stack."""

import subprocess
import sys

import custvalue


def test_all_names_resolve() -> None:
    for name in custvalue.__all__:
        assert hasattr(custvalue, name), name


def test_version_is_a_string() -> None:
    assert isinstance(custvalue.__version__, str)
    assert custvalue.__version__.count(".") == 2


def test_import_does_not_pull_matplotlib_or_dask() -> None:
    code = (
        "import sys, custvalue; "
        "bad = [m for m in ('matplotlib', 'dask', 'click', 'lifetimes') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
