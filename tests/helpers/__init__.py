"""Plain modules the tests share, one per subject: builders, scripted servers, recorded sequences, checks.

Test modules import shared code only from here (fixtures arrive through the `conftest.py` files), so a test
module never depends on another test module; `tests/architecture/test_test_layout.py` enforces it.
"""
