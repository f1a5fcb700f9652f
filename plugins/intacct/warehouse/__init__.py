"""The Business Center warehouse: schema (from intacct/warehouse/sql), exact types and chunked access."""

from intacct.warehouse.types import Money, UtcTimestamp
from intacct.warehouse.warehouse import BC_TABLES, SYNC_TABLES, Warehouse

__all__ = ["Warehouse", "BC_TABLES", "SYNC_TABLES", "Money", "UtcTimestamp"]
