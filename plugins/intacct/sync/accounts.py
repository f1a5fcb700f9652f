"""Chart of accounts, Intacct → BC only: upsert by account number; gone from Intacct → inactive.

BC never edits accounts; an edit found in bc_accounts is overwritten with Intacct's values and logged. The
object is its spec (``ACCOUNTS``) run by the one-way machinery: there is nothing particular to add.
"""

from __future__ import annotations

from intacct.sync.one_way import OneWaySync
from intacct.sync.spec import ACCOUNTS


class AccountSync(OneWaySync):
    spec = ACCOUNTS
