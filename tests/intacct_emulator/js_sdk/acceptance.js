// Drives Sage Intacct's JavaScript SDK (unchanged) against the emulator and prints what it saw as one line
// "RESULT <json>". Usage: node --require ./loopback_dns.js acceptance.js <scenario>; the settings come in the
// ACCEPTANCE_CONFIG environment variable (JSON: endpoint, sender, company, user and passwords).
"use strict";
const IA = require("@intacct/intacct-sdk");

const config = JSON.parse(process.env.ACCEPTANCE_CONFIG || "{}");
const F = IA.Functions;
const Q = F.Common.NewQuery;

function clientFor(entityId, overrides = {}) {
  const clientConfig = new IA.ClientConfig();
  clientConfig.endpointUrl = config.endpoint;
  clientConfig.senderId = config.sender_id;
  clientConfig.senderPassword = config.sender_password;
  clientConfig.companyId = config.company_id;
  clientConfig.userId = config.user_id;
  clientConfig.userPassword = config.user_password;
  clientConfig.entityId = entityId;
  Object.assign(clientConfig, overrides);
  return new IA.OnlineClient(clientConfig);
}

function requestConfig() {
  const requestConfig = new IA.RequestConfig();
  requestConfig.maxRetries = 0;
  requestConfig.maxTimeout = 15000;
  return requestConfig;
}

async function run(client, fn) {
  const response = await client.execute(fn, requestConfig());
  const result = response.getResult();
  result.ensureStatusSuccess();
  return result;
}

function failureOf(error) {
  return { exception: error.constructor.name, message: error.message, errors: error.errors || [] };
}

async function expectFailure(promise) {
  try {
    await promise;
  } catch (error) {
    return failureOf(error);
  }
  return { exception: null };
}

// A generic <create><APBILL>: the SDK has no class for it, so user code writes the function itself (the
// SDK's documented extension point, AbstractFunction).
class GenericBillCreate extends F.AbstractFunction {
  constructor(bill) {
    super();
    this.bill = bill;
  }

  writeXml(xml) {
    xml.writeStartElement("function");
    xml.writeAttribute("controlid", this.controlId, true);
    xml.writeStartElement("create");
    xml.writeStartElement("APBILL");
    for (const [name, value] of Object.entries(this.bill.header)) {
      xml.writeElement(name, value);
    }
    xml.writeStartElement("APBILLITEMS");
    for (const line of this.bill.lines) {
      xml.writeStartElement("APBILLITEM");
      for (const [name, value] of Object.entries(line)) {
        xml.writeElement(name, value);
      }
      xml.writeEndElement();
    }
    xml.writeEndElement(); // APBILLITEMS
    xml.writeEndElement(); // APBILL
    xml.writeEndElement(); // create
    xml.writeEndElement(); // function
  }
}

const scenarios = {
  // Entity sessions, paged with readByQuery then readMore.
  async paging() {
    const seen = {};
    for (const entity of ["US01", "CA01"]) {
      const client = clientFor(entity);
      const query = new F.Common.ReadByQuery();
      query.objectName = "VENDOR";
      query.fields = ["RECORDNO", "VENDORID"];
      query.pageSize = config.page_size;
      let result = await run(client, query);
      const pages = [result.data.map((row) => row.VENDORID)];
      const totalCount = result.totalCount;
      while (result.numRemaining > 0) {
        const more = new F.Common.ReadMore();
        more.resultId = result.resultId;
        result = await run(client, more);
        pages.push(result.data.map((row) => row.VENDORID));
      }
      seen[entity] = { pages, totalCount, lastResultId: result.resultId };
    }
    return seen;
  },

  // query with a filter (and/or, like) and an order.
  async query() {
    const query = new Q.Query();
    query.fromObject = "VENDOR";
    query.selectFields = new Q.QuerySelect.SelectBuilder().addFields(["RECORDNO", "VENDORID", "NAME"]).selects;
    query.filter = new Q.QueryFilter.AndOperator([
      new Q.QueryFilter.Filter("STATUS").equalTo("active"),
      new Q.QueryFilter.Filter("NAME").like("A%"),
    ]);
    query.orderBy = new Q.QueryOrderBy.OrderBuilder().addDescending("NAME").addAscending("RECORDNO").orders;
    query.pageSize = 2000;
    const result = await run(clientFor("US01"), query);
    return { listType: result.listType, totalCount: result.totalCount, rows: result.data };
  },

  // read by RECORDNO and readByName by VENDORID.
  async read() {
    const client = clientFor("US01");
    const read = new F.Common.Read();
    read.objectName = "VENDOR";
    read.keys = config.record_nos.map(Number);
    read.fields = ["RECORDNO", "VENDORID", "NAME"];
    const byKey = await run(client, read);
    const byName = new F.Common.ReadByName();
    byName.objectName = "VENDOR";
    byName.names = config.vendor_ids;
    const named = await run(client, byName);
    return { read: byKey.data, readByName: named.data };
  },

  // Vendors created and updated with the SDK's own classes; a bill by generic create and by create_bill.
  async writes() {
    const client = clientFor("US01");
    const vendor = new F.AccountsPayable.VendorCreate();
    vendor.vendorId = "JS-0001";
    vendor.vendorName = "JavaScript SDK Supplies";
    vendor.printAs = "JavaScript SDK Supplies";
    vendor.primaryEmailAddress = "ap@js-sdk.example.com";
    const created = await run(client, vendor);

    const rename = new F.AccountsPayable.VendorUpdate();
    rename.vendorId = "JS-0001";
    rename.vendorName = "JavaScript SDK Supplies Inc";
    const renamed = await run(client, rename);

    const generic = new GenericBillCreate({
      header: { WHENCREATED: "03/02/2026", WHENDUE: "04/01/2026", VENDORID: "JS-0001", RECORDID: "JS-BILL-1" },
      lines: [{ ACCOUNTNO: config.accounts[0], TRX_AMOUNT: "120.50", ENTRYDESCRIPTION: "Paper", LOCATIONID: "US01" }],
    });
    const genericBill = await run(client, generic);

    const legacy = new F.AccountsPayable.BillCreate();
    legacy.vendorId = "JS-0001";
    legacy.transactionDate = new Date(2026, 2, 2);
    legacy.dueDate = new Date(2026, 3, 1);
    legacy.billNumber = "JS-BILL-2";
    const line = new F.AccountsPayable.BillLineCreate();
    line.glAccountNumber = config.accounts[1];
    line.transactionAmount = 79.45;
    line.memo = "Toner";
    line.locationId = "US01";
    legacy.lines = [line];
    const legacyBill = await run(client, legacy);

    return {
      vendor: created.data,
      renamed: renamed.data,
      genericBill: genericBill.data,
      legacyBillKey: legacyBill.key,
    };
  },

  async metadata() {
    const client = clientFor("US01");
    const lookup = new F.Common.Lookup();
    lookup.objectName = "APBILL";
    const looked = await run(client, lookup);
    const inspect = new F.Common.Inspect(); // the SDK's default object is "*"
    const inspected = await run(client, inspect);
    const fieldsOf = (type) => {
      const fields = type.Fields.Field;
      return (Array.isArray(fields) ? fields : [fields]).map((f) => (typeof f === "string" ? f : f.ID));
    };
    return {
      lookup: { name: looked.data[0].$.Name, fields: fieldsOf(looked.data[0]) },
      inspect: inspected.data.map((type) => type.$.Name),
    };
  },

  // Each failure level must arrive as the SDK's exception for it.
  async errors() {
    const readVendors = () => {
      const query = new F.Common.ReadByQuery();
      query.objectName = "VENDOR";
      query.pageSize = 1;
      return query;
    };
    const outcome = {};
    outcome.wrongSenderPassword = await expectFailure(
      run(clientFor("US01", { senderPassword: "wrong" }), readVendors()));
    outcome.wrongUserPassword = await expectFailure(
      run(clientFor("US01", { userPassword: "wrong" }), readVendors()));
    outcome.unknownCompany = await expectFailure(
      run(clientFor("US01", { companyId: "NO-SUCH-COMPANY" }), readVendors()));
    const client = clientFor("US01");
    const more = new F.Common.ReadMore();
    more.resultId = "no-such-result";
    outcome.invalidResultId = await expectFailure(run(client, more));
    const duplicate = new F.AccountsPayable.VendorCreate();
    duplicate.vendorId = config.vendor_ids[0];
    duplicate.vendorName = "Duplicate";
    outcome.duplicateVendor = await expectFailure(run(client, duplicate));
    return outcome;
  },

  async errorsHttp401() {
    const query = new F.Common.ReadByQuery();
    query.objectName = "VENDOR";
    return { wrongUserPassword: await expectFailure(run(clientFor("US01", { userPassword: "wrong" }), query)) };
  },
};

async function main() {
  const name = process.argv[2];
  if (!scenarios[name]) {
    throw new Error(`unknown scenario ${name}; use one of ${Object.keys(scenarios).join(", ")}`);
  }
  const outcome = await scenarios[name]();
  process.stdout.write(`RESULT ${JSON.stringify(outcome)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n${JSON.stringify(error.errors || [])}\n`);
  process.exit(1);
});
