"""Airflow operators of the Intacct sync: preflight, one sync operator per object, the rejections
check and the run report."""

from intacct.operators.preflight import IntacctPreflightOperator
from intacct.operators.report import IntacctRejectionsOperator, IntacctSyncReportOperator
from intacct.operators.sync import (
    IntacctSyncAccountsOperator,
    IntacctSyncBillsOperator,
    IntacctSyncObjectOperator,
    IntacctSyncVendorsOperator,
)

__all__ = [
    "IntacctPreflightOperator",
    "IntacctSyncObjectOperator",
    "IntacctSyncAccountsOperator",
    "IntacctSyncVendorsOperator",
    "IntacctSyncBillsOperator",
    "IntacctRejectionsOperator",
    "IntacctSyncReportOperator",
]
