"""Whole-request speed of the emulated gateway with a million bills.

Target (issue: the emulator must never be what a benchmark measures): with 1,000,000 bills loaded, a
2,000-row ``query`` page ordered by WHENMODIFIED, RECORDNO after a keyset cursor answers in under 50 ms of
emulator time — XML parsing, authentication, the store and serialisation included (no HTTP socket).

    python bench/bench_emulator_gateway.py [--bills 1000000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lxml import etree  # noqa: E402

from intacct_emulator import DEMO_CREDENTIALS, Emulator  # noqa: E402

TARGET_MS = 50.0
FIELDS = ["RECORDNO", "RECORDID", "VENDORID", "DOCNUMBER", "DESCRIPTION", "WHENCREATED", "WHENDUE", "STATE",
          "CURRENCY", "TRX_TOTALENTERED", "TRX_TOTALPAID", "TRX_TOTALDUE", "WHENMODIFIED"]


def envelope(authentication: str, function: str) -> bytes:
    creds = DEMO_CREDENTIALS
    return (
        f"<?xml version='1.0' encoding='UTF-8'?><request><control><senderid>{creds['sender_id']}</senderid>"
        f"<password>{creds['sender_password']}</password><controlid>bench</controlid><uniqueid>false</uniqueid>"
        f"<dtdversion>3.0</dtdversion></control><operation><authentication>{authentication}</authentication>"
        f"<content><function controlid='f1'>{function}</function></content></operation></request>"
    ).encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bills", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    emu = Emulator.from_dataset("generated", seed=0, vendors=20_000, bills=args.bills)
    creds = DEMO_CREDENTIALS
    login = (f"<login><userid>{creds['user_id']}</userid><companyid>{creds['company_id']}</companyid>"
             f"<password>{creds['user_password']}</password><locationid>US01</locationid></login>")
    answer = emu.handle_http("POST", emu.url, envelope(login, "<getAPISession/>"))
    session_id = etree.fromstring(answer.body).findtext(".//sessionid")
    authentication = f"<sessionid>{session_id}</sessionid>"

    def query(after: str | None, after_recordno: int = 0) -> bytes:
        select = "".join(f"<field>{name}</field>" for name in FIELDS)
        where = "" if after is None else (
            f"<filter><or><greaterthan><field>WHENMODIFIED</field><value>{after}</value></greaterthan>"
            f"<and><equalto><field>WHENMODIFIED</field><value>{after}</value></equalto>"
            f"<greaterthan><field>RECORDNO</field><value>{after_recordno}</value></greaterthan></and></or></filter>")
        order = ("<orderby><order><field>WHENMODIFIED</field><ascending/></order>"
                 "<order><field>RECORDNO</field><ascending/></order></orderby>")
        return envelope(authentication, f"<query><object>APBILL</object><select>{select}</select>{where}{order}"
                                        f"<pagesize>2000</pagesize><offset>0</offset></query>")

    # A cursor in the middle of the table: the last row of a page read with an offset.
    probe = envelope(authentication, "<query><object>APBILL</object><select><field>RECORDNO</field>"
                     "<field>WHENMODIFIED</field></select><orderby><order><field>WHENMODIFIED</field><ascending/>"
                     "</order><order><field>RECORDNO</field><ascending/></order></orderby>"
                     f"<pagesize>1</pagesize><offset>{args.bills // 4}</offset></query>")
    row = etree.fromstring(emu.handle_http("POST", emu.url, probe).body).find(".//data/APBILL")
    request = query(row.findtext("WHENMODIFIED"), int(row.findtext("RECORDNO")))

    emu.handle_http("POST", emu.url, request)  # warm: the sort order is built once after loading
    samples = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        response = emu.handle_http("POST", emu.url, request)
        samples.append((time.perf_counter() - started) * 1000)
    data = etree.fromstring(response.body).find(".//data")
    rows = int(data.get("count"))
    median = statistics.median(samples)
    print(f"bills loaded: {args.bills:,}; page rows: {rows:,}; totalcount attribute: {data.get('totalcount')}")
    print(f"whole-request time for a 2,000-row keyset page: median {median:.1f} ms, "
          f"min {min(samples):.1f} ms, max {max(samples):.1f} ms over {args.repeat} runs (target < {TARGET_MS:.0f} ms)")
    if rows != 2000:
        print("FAILED: the page did not hold 2,000 rows")
        return 1
    if median >= TARGET_MS:
        print("FAILED: the emulator is slower than its target")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
