"""The Sage Intacct setup steps and menu paths, in the words of the setup guide.

The one source of every menu path the project shows: the README's setup steps, the connection form's help
(provider info), the hook's messages about missing fields and the error remediations of the client. A test
checks that each of them uses these texts and that every path is the guide's own. Plain data, no imports:
the provider info reads it whenever Airflow starts.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MenuPath:
    """Where something is in Sage Intacct, as the guide names it: ``Company > Admin > …``."""

    segments: tuple[str, ...]

    def __str__(self) -> str:
        return " > ".join(self.segments)


# "Click Applications and select Company ... Under the Setup tab ... Configuration. Click Company."
SENDER_AUTHORIZATIONS = MenuPath(("Company", "Setup", "Configuration", "Company"))
# "Go to the Security section ... Scroll down to the space labeled Web Services authorizations"
SENDER_AUTHORIZATIONS_SECTION = MenuPath(("Security", "Web Services authorizations"))
# "choose the Admin tab and look at the section labeled Users, roles & groups. Click Web Services users."
WEB_SERVICES_USERS = MenuPath(("Company", "Admin", "Users, roles & groups", "Web Services users"))
# "click Company ... Within the Users, roles & groups section in the Admin tab, click Roles."
ROLES = MenuPath(("Company", "Admin", "Users, roles & groups", "Roles"))
# "Company > Company Info > ID field"
COMPANY_ID = MenuPath(("Company", "Company Info", "ID"))
# "Company -> Entities -> Entity Id"
ENTITY_ID = MenuPath(("Company", "Entities", "Entity Id"))

SENDER_ID_EXAMPLE = "Paymentus"
USER_ID_EXAMPLE = "Paymentus-Web"
ROLE_NAME = "PAYMENTUS Web Services"
SUBSCRIPTIONS = ("Company", "General Ledger", "Accounts Payable", "Accounts Receivable")
SUBSCRIPTIONS_TEXT = "Company, General Ledger, Accounts Payable, and Accounts Receivable"


@dataclass(frozen=True)
class SetupStep:
    number: int
    title: str
    text: str


STEPS: tuple[SetupStep, ...] = (
    SetupStep(1, "Authorize the sender ID",
              f"Applications > {SENDER_AUTHORIZATIONS}. Go to the Security section and click Edit, scroll down "
              f"to Web Services authorizations and click Add, enter the Sender ID (for example "
              f"`{SENDER_ID_EXAMPLE}`) with Status Active, and click Save."),
    SetupStep(2, "Create the Web Services user",
              f"Applications > {WEB_SERVICES_USERS}. User ID for example `{USER_ID_EXAMPLE}`; Last Name, "
              "First Name and your Email Address. A Web Service User does not have access to the application "
              "user interface and is only used to synchronize the data."),
    SetupStep(3, "Give it a role",
              f"Click Roles Information, select the first Role Name field and click Add; enter "
              f"`{ROLE_NAME}` in the Name field and click Save."),
    SetupStep(4, "Subscribe the role",
              f"{ROLES}: find `{ROLE_NAME}`, click Edit, then View Subscriptions. Check "
              f"{SUBSCRIPTIONS_TEXT}, save the permission settings of each application, then click Save."),
)

# One sentence per fix, shared by the error remediations and the connection form's help.
AUTHORIZE_SENDER = (f"In Sage Intacct: {SENDER_AUTHORIZATIONS} > {SENDER_AUTHORIZATIONS_SECTION}: add sender ID "
                    "'{sender_id}' with status Active (setup step 1).")
WHERE_SENDER_IS_AUTHORIZED = (f"the Web Services sender ID authorized under {SENDER_AUTHORIZATIONS} > "
                              f"{SENDER_AUTHORIZATIONS_SECTION} (setup step 1), e.g. {SENDER_ID_EXAMPLE}")
WHERE_USER_IS = (f"the User ID of the Web Services user ({WEB_SERVICES_USERS}, setup step 2), "
                 f"e.g. {USER_ID_EXAMPLE}")
WHERE_COMPANY_ID_IS = f"the Company ID shown in Sage Intacct under {COMPANY_ID}"
WHERE_ENTITY_ID_IS = f"Sage Intacct: {ENTITY_ID}"
SUBSCRIBE_ROLE = (f"In Sage Intacct: {ROLES} > edit the role of user '{{user_id}}' (e.g. '{ROLE_NAME}') > View "
                  f"Subscriptions: the role of user '{{user_id}}' needs subscriptions to {SUBSCRIPTIONS_TEXT} "
                  "with their permissions (setup step 4).")
