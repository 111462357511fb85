import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiKey, apiName, ErrorCode, errorName, supportedApiVersions } from "../src/index.ts";
import { apiSpecs } from "../src/messages/registry.ts";

describe("ApiKey and ErrorCode tables", () => {
  it("have unique values that name back to their keys", () => {
    const codes = Object.values(ErrorCode);
    assert.equal(new Set(codes).size, codes.length);
    for (const [name, code] of Object.entries(ErrorCode)) assert.equal(errorName(code), name);
    assert.equal(errorName(9999), "UNKNOWN_ERROR_CODE(9999)");
    const keys = Object.values(ApiKey);
    assert.equal(new Set(keys).size, keys.length);
    for (const [name, key] of Object.entries(ApiKey)) assert.equal(apiName(key), name);
    assert.equal(apiName(999), "Unknown(999)");
  });

  it("pin the codes the broker relies on", () => {
    assert.equal(ErrorCode.NONE, 0);
    assert.equal(ErrorCode.NOT_LEADER_OR_FOLLOWER, 6);
    assert.equal(ErrorCode.UNSUPPORTED_VERSION, 35);
    assert.equal(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 45);
    assert.equal(ErrorCode.UNKNOWN_TOPIC_ID, 100);
  });
});

describe("message registry", () => {
  it("pairs each API key with its own request and response specs", () => {
    for (const api of apiSpecs) {
      assert.equal(api.request.apiKey, api.apiKey);
      assert.equal(api.response.apiKey, api.apiKey);
      assert.equal(api.request.name, `${apiName(api.apiKey)}Request`);
      assert.equal(api.response.name, `${apiName(api.apiKey)}Response`);
      assert.equal(api.request.validVersions, api.response.validVersions);
      assert.equal(api.request.flexibleVersions, api.response.flexibleVersions);
    }
  });

  it("advertises every registered API once, sorted by key", () => {
    const list = supportedApiVersions();
    assert.equal(list.length, apiSpecs.length);
    assert.deepEqual(
      list.map((a) => a.apiKey),
      [...apiSpecs.map((a) => a.apiKey)].sort((a, b) => a - b),
    );
    for (const range of list) assert.ok(range.minVersion <= range.maxVersion);
  });
});

describe("message specs", () => {
  type Field = { name: string; tag?: number; taggedVersions?: string; fields?: readonly Field[] };
  function check(where: string, fields: readonly Field[]): void {
    const names = new Set<string>();
    const tags = new Set<number>();
    for (const f of fields) {
      assert.match(f.name, /^[a-z][A-Za-z0-9]*$/, `${where}.${f.name} is not lowerCamelCase`);
      assert.ok(!names.has(f.name), `${where}.${f.name} is declared twice`);
      names.add(f.name);
      if (f.tag !== undefined) {
        assert.ok(f.taggedVersions !== undefined, `${where}.${f.name} has a tag but no taggedVersions`);
        assert.ok(!tags.has(f.tag), `${where}: tag ${f.tag} used twice`);
        tags.add(f.tag);
      }
      if (f.fields) check(`${where}.${f.name}`, f.fields);
    }
  }

  it("use unique lowerCamelCase field names and unique tags per struct", () => {
    for (const api of apiSpecs) {
      check(api.request.name, api.request.fields);
      check(api.response.name, api.response.fields);
    }
  });
});
