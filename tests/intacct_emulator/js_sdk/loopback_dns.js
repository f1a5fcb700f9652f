// Preloaded with `node --require`: the SDK accepts only *.intacct.com endpoints, so those names resolve to the
// loopback emulator here, and every other name fails. The SDK itself is not changed.
"use strict";
const dns = require("dns");

const realLookup = dns.lookup;

function loopbackOnly(hostname, options, callback) {
  if (typeof options === "function") {
    callback = options;
    options = {};
  }
  const name = String(hostname || "").toLowerCase().replace(/\.$/, "");
  if (name === "localhost" || name === "127.0.0.1") {
    return realLookup.call(dns, "127.0.0.1", options, callback);
  }
  if (!name.endsWith(".intacct.com")) {
    const error = new Error(`the acceptance test allows only the loopback emulator, not ${hostname}`);
    error.code = "ENOTFOUND";
    return process.nextTick(callback, error);
  }
  if (options && options.all) {
    return process.nextTick(callback, null, [{ address: "127.0.0.1", family: 4 }]);
  }
  return process.nextTick(callback, null, "127.0.0.1", 4);
}

dns.lookup = loopbackOnly;
