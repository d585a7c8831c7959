"""Only same-site relative paths are accepted as redirect targets."""
from __future__ import annotations

import pytest

from roadmap.accounts.redirects import is_safe_path, safe_next, without_query_param


@pytest.mark.parametrize("target", ["/", "/profile", "/c/x?lang=fr#top", "/a/b/../c"])
def test_local_paths_are_safe(target):
    assert is_safe_path(target) and safe_next(target) == target


@pytest.mark.parametrize("target", [
    None, "", "profile", "//evil.example/", "///evil.example", "/\\evil.example",
    "https://evil.example/", "javascript:alert(1)", "/\tevil", " /profile", "\n/profile",
    "http:/evil.example",
])
def test_other_targets_fall_back(target):
    assert not is_safe_path(target)
    assert safe_next(target, "/home") == "/home"


def test_without_query_param():
    assert without_query_param("/?lang=ar", "lang") == "/"
    assert without_query_param("/c/x?lang=fr&page=2#top", "lang") == "/c/x?page=2#top"
