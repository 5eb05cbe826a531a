"""Test suite; mirrors the code layout (tests/geo, tests/routing, tests/domain, tests/web)."""
