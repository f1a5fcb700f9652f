"""A company's records: queries, reads and (through ``writes``) the business rules of changes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from intacct_emulator.data.columns import NULL, LocalTime, NumberColumn, TextColumn, format_cents
from intacct_emulator.data.evaluate import Evaluator
from intacct_emulator.data.messages import unknown_field, unknown_object
from intacct_emulator.data.query import And, Compare, Literal, fields_of
from intacct_emulator.data.schema import ENTITY_FIELD, OBJECTS, ObjectSpec
from intacct_emulator.data.table import Journal, Table
from intacct_emulator.data.world import Clock, Company, Scope
from intacct_emulator.protocol import TextColumns

ADMIN_SCOPE = Scope(entity_id=None, show_private=True)


@dataclass
class QueryResult:
    total: int
    rows: list[dict[str, str]] | TextColumns  # TextColumns: asked for ``as_columns``


class Store:
    def __init__(self, company: Company, clock: Clock):
        from intacct_emulator.data.writes import Writer  # writes needs Store's read helpers

        self.company = company
        self.clock = clock
        self.local = LocalTime(company.timezone)
        self.journal = Journal()
        self.tables: dict[str, Table] = {name: Table(spec, self.journal) for name, spec in OBJECTS.items()}
        self.writer = Writer(self)
        # (object, RECORDNO) -> {field: text, or None to leave the element out}: what every gateway read
        # answers instead of the stored value (malformed data a real company or a broken proxy may send).
        self.raw_values: dict[tuple[str, int], dict[str, str | None]] = {}

    # ---- catalogue ---------------------------------------------------------------------------------------------
    def table(self, object_name: str) -> Table:
        table = self.tables.get((object_name or "").strip().upper())
        if table is None:
            raise unknown_object(object_name)
        return table

    def module_of(self, object_name: str) -> str:
        return self.table(object_name).spec.module

    def spec(self, object_name: str) -> ObjectSpec:
        return self.table(object_name).spec

    @staticmethod
    def resolve_fields(spec: ObjectSpec, fields: list[str] | None) -> list[str]:
        if fields is None:
            return spec.star_fields
        names = [f.strip().upper() for f in fields if f and f.strip()]
        if not names or names == ["*"]:
            return spec.star_fields
        for name in names:
            if spec.field(name) is None:
                raise unknown_field(spec.name, name)
        return list(dict.fromkeys(names))

    # ---- visibility ----------------------------------------------------------------------------------------------
    def scope_mask(self, table: Table, rows: np.ndarray, scope: Scope) -> np.ndarray:
        codes = table.columns[ENTITY_FIELD].codes[rows]  # type: ignore[union-attr]
        if scope.entity_id:
            own = table.columns[ENTITY_FIELD].lookup.get(scope.entity_id)  # type: ignore[union-attr]
            return (codes == 0) | (codes == own) if own is not None else codes == 0
        if scope.show_private:
            return np.ones(len(rows), dtype=bool)
        return codes == 0

    def visible(self, table: Table, row: int, scope: Scope) -> bool:
        return bool(self.scope_mask(table, np.array([row]), scope)[0])

    # ---- reads ---------------------------------------------------------------------------------------------------
    def _matching_rows(self, table: Table, where, scope: Scope, order_by, case_insensitive: bool,
                       function: str | None = None) -> np.ndarray:
        evaluator = Evaluator(table, self.local, case_insensitive, function)
        for name in fields_of(where):
            evaluator.check_field(name)
        order = tuple((name.strip().upper(), bool(desc)) for name, desc in (order_by or ()))
        for name, _ in order:
            if table.spec.field(name) is None:
                raise unknown_field(table.spec.name, name)
        if order:
            perm, leading = table.order(order)
            candidates = perm
            lead_name, lead_desc = order[0]
            bounds = evaluator.implied_range(where, lead_name)
            if bounds is not None and isinstance(table.columns[lead_name], NumberColumn):
                low, high = bounds
                if lead_desc:
                    low, high = -high, -low
                start = int(np.searchsorted(leading, low, side="left"))
                stop = int(np.searchsorted(leading, high, side="right"))
                candidates = perm[start:stop]
        else:
            candidates = np.arange(table.n)
        keep = table.alive[candidates] & self.scope_mask(table, candidates, scope)
        candidates = candidates[keep]
        if where is not None and len(candidates):
            candidates = candidates[evaluator.mask(where, candidates)]
        return candidates

    def format_rows(self, table: Table, rows: np.ndarray, fields: list[str], *,
                    raw: bool = True) -> list[dict[str, str]]:
        """Rows as the gateway answers them; ``raw=False`` (the admin reads): the stored values only."""
        formatted = list(self._text_columns(table, rows, fields))
        if raw and self.raw_values:
            recordnos = table.recordnos()[rows].tolist() if len(rows) else []
            for row, recordno in zip(formatted, recordnos, strict=True):
                for name, text in self.raw_values.get((table.spec.name, int(recordno)), {}).items():
                    if name not in row:
                        continue  # not asked for
                    if text is None:
                        del row[name]
                    else:
                        row[name] = text
        return formatted

    def format_columns(self, table: Table, rows: np.ndarray, fields: list[str]) -> list[dict[str, str]] | TextColumns:
        """What ``format_rows`` answers, as columns of text (written as a page without a mapping per row); as
        rows where some record answers raw values of its own (``set_raw_values``)."""
        if self.raw_values:
            return self.format_rows(table, rows, fields)
        return self._text_columns(table, rows, fields)

    def _text_columns(self, table: Table, rows: np.ndarray, fields: list[str]) -> TextColumns:
        return TextColumns(fields, [
            self._vendor_total_due(table, rows) if table.spec.name == "VENDOR" and name == "TOTALDUE"
            else table.columns[name].format(rows, self.local) for name in fields])

    def set_raw_values(self, object_name: str, recordno: int, values: dict[str, str | None]) -> None:
        """Every later gateway read of the record answers these texts for these fields (None: the element is
        left out); an empty mapping answers the stored values again. Nothing stored changes."""
        table = self.table(object_name)
        for name in values:
            if table.spec.field(name) is None:
                raise unknown_field(table.spec.name, name)
        if table.row_of(int(recordno)) is None:
            raise ValueError(f"No {table.spec.name} record {recordno}.")
        key = (table.spec.name, int(recordno))
        if values:
            self.raw_values[key] = {name.upper(): None if text is None else str(text) for name, text in values.items()}
        else:
            self.raw_values.pop(key, None)

    def _vendor_total_due(self, table: Table, rows: np.ndarray) -> list[str]:
        """VENDOR.TOTALDUE: the sum of TOTALDUE over the vendor's live bills."""
        bills = self.tables["APBILL"]
        due = bills.columns["TOTALDUE"].data[: bills.n]  # type: ignore[union-attr]
        vendor_codes = bills.columns["VENDORID"].codes[: bills.n]  # type: ignore[union-attr]
        counted = bills.alive[: bills.n] & (due != NULL)
        totals = np.bincount(vendor_codes[counted], weights=due[counted],
                             minlength=len(bills.columns["VENDORID"].values))  # type: ignore[union-attr]
        lookup = bills.columns["VENDORID"].lookup  # type: ignore[union-attr]
        ids = table.columns["VENDORID"].format(rows, self.local)
        return [format_cents(int(totals[lookup[vid]])) if vid in lookup else "0" for vid in ids]

    def query(self, object_name: str, *, fields: list[str] | None = None, where=None,
              order_by: list[tuple[str, bool]] | None = None, scope: Scope = ADMIN_SCOPE, offset: int = 0,
              limit: int = 100, case_insensitive: bool = False, function: str | None = None,
              raw: bool = True, as_columns: bool = False) -> QueryResult:
        """``function`` is the gateway function whose enumeration forms the filter uses (None: either);
        ``as_columns``: the rows as ``format_columns`` gives them (the gateway's answers)."""
        table = self.table(object_name)
        names = self.resolve_fields(table.spec, fields)
        rows = self._matching_rows(table, where, scope, order_by, case_insensitive, function)
        page = rows[max(offset, 0): max(offset, 0) + max(limit, 0)]
        formatted = (self.format_columns(table, page, names) if as_columns and raw
                     else self.format_rows(table, page, names, raw=raw))
        return QueryResult(total=len(rows), rows=formatted)

    def matching_keys(self, object_name: str, where, scope: Scope, function: str | None = None) -> list[int]:
        table = self.table(object_name)
        rows = self._matching_rows(table, where, scope, None, False, function)
        return table.recordnos()[rows].tolist()

    def rows(self, object_name: str, keys: list[int], fields: list[str] | None, *,
             as_columns: bool = False) -> list[dict[str, str]] | TextColumns:
        """Records by RECORDNO in the given order; deleted ones are skipped (readMore after a delete).
        ``as_columns``: as ``format_columns`` gives them."""
        table = self.table(object_name)
        names = self.resolve_fields(table.spec, fields)
        found = table.rows_of(np.asarray(keys, dtype=np.int64))
        return self.format_columns(table, found, names) if as_columns else self.format_rows(table, found, names)

    def read(self, object_name: str, keys: list[str], fields: list[str] | None, scope: Scope,
             by_name: bool = False) -> list[dict[str, str]]:
        table = self.table(object_name)
        names = self.resolve_fields(table.spec, fields)
        rows = []
        for key in keys:
            row = self.find_row(table, key.strip(), by_name)
            if row is not None and self.visible(table, row, scope):
                rows.append(row)
        return self.format_rows(table, np.array(rows, dtype=np.int64), names)

    def find_row(self, table: Table, key: str, by_name: bool) -> int | None:
        if by_name:
            if table.spec.id_field is None:
                raise unknown_field(table.spec.name, "name key (readByName is not supported for this object)")
            column = table.columns[table.spec.id_field]
            assert isinstance(column, TextColumn)
            code = column.lookup.get(key)
            if code is None:
                return None
            hits = np.flatnonzero((column.codes[: table.n] == code) & table.alive[: table.n])
            return int(hits[0]) if len(hits) else None
        if not key.isdigit():
            return None
        return table.row_of(int(key))

    # ---- writes (business rules live in writes.py) ----------------------------------------------------------------
    def create(self, object_name: str, element, scope: Scope, user_id: str, source: str = "api") -> dict[str, str]:
        return self.writer.create_element(object_name, element, scope, user_id, source)

    def update(self, object_name: str, element, scope: Scope, user_id: str, source: str = "api") -> dict[str, str]:
        return self.writer.update_element(object_name, element, scope, user_id, source)

    def delete(self, object_name: str, keys: list[str], scope: Scope, user_id: str,
               source: str = "api") -> list[dict[str, str]]:
        return self.writer.delete(object_name, keys, scope, user_id, source)

    def ui_create(self, object_name: str, fields: dict, entity: str | None = None) -> dict[str, str]:
        result = self.writer.create_mapping(object_name, fields, Scope(entity, show_private=True), "Admin", "ui")
        return self.get(object_name, int(result["RECORDNO"]))  # type: ignore[return-value]

    def ui_update(self, object_name: str, recordno: int, fields: dict) -> dict[str, str]:
        self.writer.ui_update(object_name, int(recordno), fields)
        return self.get(object_name, int(recordno))  # type: ignore[return-value]

    def ui_delete(self, object_name: str, recordno: int) -> None:
        self.writer.delete(object_name, [str(recordno)], ADMIN_SCOPE, "Admin", "ui")

    def savepoint(self) -> int:
        return self.journal.position()

    def rollback(self, token: int) -> None:
        self.journal.rollback(token)

    # ---- admin helpers -------------------------------------------------------------------------------------------
    def get(self, object_name: str, recordno: int) -> dict[str, str] | None:
        table = self.table(object_name)
        row = table.row_of(int(recordno))
        if row is None:
            return None
        return self.format_rows(table, np.array([row]), table.spec.field_names, raw=False)[0]

    def find(self, object_name: str, **equals) -> list[dict[str, str]]:
        conditions = tuple(Compare(name.upper(), "=", Literal(str(value))) for name, value in equals.items())
        where = None if not conditions else conditions[0] if len(conditions) == 1 else And(conditions)
        return self.query(object_name, where=where, scope=ADMIN_SCOPE, limit=10**9, raw=False).rows

    def counts(self) -> dict[str, int]:
        return {name: table.count() for name, table in self.tables.items()}
