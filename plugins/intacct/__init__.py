"""intacct-sync: keeps Sage Intacct and the Business Center warehouse in sync.

This package is both an Airflow plugin-folder package and an Airflow provider distribution: the entry
point ``apache_airflow_provider`` calls :func:`get_provider_info`, which declares the ``intacct``
connection type and its form. The form is declared here, as data, because Airflow 3.3 without the FAB
provider has no wtforms to build widgets from Python.
"""

from __future__ import annotations

__version__ = "0.1.0"

HOOK_CLASS = "intacct.hooks.intacct.IntacctHook"

from intacct import setup_steps as _guide  # noqa: E402  (plain data: the guide's menu paths)

# Extra fields of an ``intacct`` connection. Login holds the User ID, password the Web Services user's
# password and host the gateway endpoint; everything else lives in the connection's extra.
CONNECTION_FIELDS: dict[str, dict] = {
    "company_id": {
        "label": "Company ID",
        "description": f"Sage Intacct: {_guide.COMPANY_ID}",
        "schema": {"type": ["string", "null"]},
    },
    "entity_id": {
        "label": "Entity ID",
        "description": f"{_guide.WHERE_ENTITY_ID_IS}. Leave empty for a single-entity company.",
        "schema": {"type": ["string", "null"]},
    },
    "sender_id": {
        "label": "Sender ID",
        "description": f"Sage Intacct: {_guide.WHERE_SENDER_IS_AUTHORIZED}",
        "schema": {"type": ["string", "null"]},
    },
    "sender_password": {
        "label": "Sender password",
        "description": "The password issued with the Web Services sender ID",
        "schema": {"type": ["string", "null"], "format": "password"},
    },
    "timezone": {
        "label": "Company timezone",
        "description": "IANA name of the timezone Intacct reports WHENMODIFIED in (default America/Los_Angeles)",
        "schema": {"type": ["string", "null"]},
    },
    "allowed_hosts": {
        "label": "Allowed non-Intacct hosts",
        "description": "Host names allowed besides *.intacct.com, comma-separated or a JSON list; plain http "
        "is accepted only for loopback hosts (the local emulator)",
        "schema": {"type": ["string", "null"]},
    },
    "page_size": {
        "label": "Page size",
        "description": "Rows per read call (1-2000; default 2000, the gateway's largest page)",
        "schema": {"type": ["integer", "null"], "minimum": 1, "maximum": 2000},
    },
    "write_batch_size": {
        "label": "Write batch size",
        "description": ("Records written per request at most (default 1000; requests are also kept under the "
                        "gateway's 500,000-character limit)"),
        "schema": {"type": ["integer", "null"], "minimum": 1},
    },
    "max_concurrency": {
        "label": "Concurrent requests per company",
        "description": "Client-side limit of requests in flight to one Intacct company (default 2)",
        "schema": {"type": ["integer", "null"], "minimum": 1},
    },
}


def get_provider_info() -> dict:
    return {
        "package-name": "intacct-sync",
        "name": "Sage Intacct sync",
        "description": "Two-way sync between Sage Intacct and the Business Center warehouse.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "Sage Intacct",
                "external-doc-url": "https://developer.intacct.com/web-services/",
                "tags": ["service"],
            }
        ],
        "hooks": [{"integration-name": "Sage Intacct", "python-modules": ["intacct.hooks.intacct"]}],
        "operators": [{"integration-name": "Sage Intacct", "python-modules": ["intacct.operators"]}],
        "connection-types": [
            {
                "connection-type": "intacct",
                "hook-class-name": HOOK_CLASS,
                "hook-name": "Sage Intacct",
                "conn-fields": CONNECTION_FIELDS,
                # Port stays visible and should be filled (443 for Intacct's gateway): Airflow 3.3.2's Test
                # button on the Connections list posts "port": 0 for a stored NULL port, and the server then
                # refuses the test ("host or port to test differs from the stored connection").
                "ui-field-behaviour": {
                    "hidden-fields": ["schema"],
                    "relabeling": {"login": "User ID", "password": "User password", "host": "Endpoint",
                                   "port": "Port (443 for Intacct)"},
                    "placeholders": {
                        "login": "Paymentus-Web",
                        "host": "https://api.intacct.com/ia/xml/xmlgw.phtml",
                        "port": "443",
                    },
                },
            }
        ],
    }
