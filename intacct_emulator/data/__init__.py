"""The data side of the emulated gateway: companies, their records, the query languages and business rules."""

from intacct_emulator.data.datasets import build_dataset
from intacct_emulator.data.query import parse_query_filter, parse_read_by_query
from intacct_emulator.data.schema import OBJECTS
from intacct_emulator.data.store import QueryResult, Store
from intacct_emulator.data.world import Clock, Company, Entity, Role, Scope, Sender, User, World

__all__ = ["OBJECTS", "Clock", "Company", "Entity", "QueryResult", "Role", "Scope", "Sender", "Store", "User",
           "World", "build_dataset", "parse_query_filter", "parse_read_by_query"]
