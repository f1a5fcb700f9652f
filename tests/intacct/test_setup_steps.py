"""Every place that shows a Sage Intacct menu path uses the setup guide's words, from one module."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from intacct import CONNECTION_FIELDS
from intacct import setup_steps as guide
from intacct.client.errors import REMEDIATIONS
from intacct.hooks.intacct import REQUIRED_FIELDS

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[2]
GUIDE_FILE = REPO_ROOT.parent / "shared" / "seed" / "sage-intacct-sync-setup-guide.txt"
PATHS = (guide.SENDER_AUTHORIZATIONS, guide.SENDER_AUTHORIZATIONS_SECTION, guide.WEB_SERVICES_USERS, guide.ROLES,
         guide.COMPANY_ID, guide.ENTITY_ID)
# Not a step of the guide: the company's subscription to Web Services itself, which Sage sets up.
NOT_IN_THE_GUIDE = ("Company > Subscriptions > Web Services",)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def guide_text() -> str:
    if not GUIDE_FILE.is_file():
        pytest.skip(f"the setup guide is not beside the repository ({GUIDE_FILE.name})")
    return flat(GUIDE_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", PATHS, ids=str)
def test_each_menu_path_is_named_in_the_guide_in_this_order(guide_text, path):
    position = 0
    for segment in path.segments:
        found = guide_text.find(segment, position)
        assert found >= 0, f"{segment!r} of {path} is not in the guide (after position {position})"
        position = found + len(segment)


def test_the_guide_names_the_role_the_subscriptions_and_the_examples(guide_text):
    assert guide.ROLE_NAME in guide_text and guide.SUBSCRIPTIONS_TEXT in guide_text
    assert f"enter {guide.SENDER_ID_EXAMPLE}" in guide_text and guide.USER_ID_EXAMPLE in guide_text


def test_the_readme_shows_the_steps_and_paths_of_the_module():
    readme = flat((REPO_ROOT / "README.md").read_text(encoding="utf-8"))
    for step in guide.STEPS:
        assert f"{step.number}. **{step.title}.** {step.text}" in readme, f"README step {step.number} differs"
    assert f"| Company ID | Sage Intacct: {guide.COMPANY_ID} |" in readme
    assert f"Sage Intacct: {guide.ENTITY_ID}" in readme


def test_the_connection_form_help_uses_the_module():
    assert str(guide.COMPANY_ID) in CONNECTION_FIELDS["company_id"]["description"]
    assert guide.WHERE_ENTITY_ID_IS in CONNECTION_FIELDS["entity_id"]["description"]
    assert guide.WHERE_SENDER_IS_AUTHORIZED in CONNECTION_FIELDS["sender_id"]["description"]
    assert REQUIRED_FIELDS["user_id"][1] == guide.WHERE_USER_IS
    assert REQUIRED_FIELDS["company_id"][1] == guide.WHERE_COMPANY_ID_IS


def test_the_error_remediations_use_the_module():
    assert REMEDIATIONS["sender_not_authorized"] == guide.AUTHORIZE_SENDER
    assert REMEDIATIONS["permission"] == guide.SUBSCRIBE_ROLE
    assert str(guide.WEB_SERVICES_USERS) in REMEDIATIONS["user_credentials"]
    assert str(guide.COMPANY_ID) in REMEDIATIONS["user_credentials"]
    assert str(guide.ENTITY_ID) in REMEDIATIONS["unknown_entity"]


def test_no_place_shows_a_menu_path_the_module_does_not_know():
    """A hand-written "Company > …" anywhere (README, form help, remediations) must be one of the module's."""
    known = [str(path) for path in PATHS]
    places = {
        "README.md": (REPO_ROOT / "README.md").read_text(encoding="utf-8"),
        "connection form": " ".join(field["description"] for field in CONNECTION_FIELDS.values()),
        "remediations": " ".join(REMEDIATIONS.values()),
        "hook messages": " ".join(where for _, where in REQUIRED_FIELDS.values()),
    }
    for place, text in places.items():
        for match in re.finditer(r"(?<!> )Company > ", flat(text)):
            rest = flat(text)[match.start():]
            assert any(rest.startswith(path) for path in (*known, *NOT_IN_THE_GUIDE)), (
                f"{place}: {rest[:70]!r} is not a menu path of intacct.setup_steps")
