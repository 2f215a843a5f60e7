"""Where the tests find the repository and the project's read-only reference folder beside the checkout."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# The project's read-only reference folder, beside the checkout (`../shared`).
SHARED = REPO_ROOT.parent / "shared"
# VK's official API schema inside it.
VK_API_SCHEMA = SHARED / "vk-api-schema"
