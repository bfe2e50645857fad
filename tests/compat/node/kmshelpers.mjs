// KMS (2016-01-20) clients over the official Node SDKs.
//
// - TeaKms: @alicloud/kms20160120 1.2.0 (the newest on npm; Tea RPC client,
//   RPC V1 HMAC-SHA1). Its typed methods cover the older API surface only (no
//   RotateSecret, UpdateSecretRotationPolicy, SetDeletionProtection, ReEncrypt,
//   BatchGetSecretValue, ...; CreateSecret has no SecretType/ExtendedConfig).
//   For those, call() goes through the same SDK's own doRequest(), which signs
//   and sends exactly like the typed methods.
// - OpenApiKms: @alicloud/openapi-core callApi(), as every generated V3 Tea
//   client calls it (ACS3-HMAC-SHA256), with action/version 2016-01-20.
// - PopKms: @alicloud/pop-core RPCClient (RPC V1, POST form body).
import assert from 'node:assert/strict';

import KmsMod from '@alicloud/kms20160120';
import RpcClient from '@alicloud/rpc-client';
import OpenApi from '@alicloud/openapi-core';
import PopCore from '@alicloud/pop-core';

import { ApiError, REGION } from './helpers.mjs';

export const KMS_VERSION = '2016-01-20';
// Every flavour waits up to 30 s for an answer. The Tea clients' own default
// (httpx: 3 s, both as the read timeout and as the socket's idle timeout)
// is shorter than CreateKey RSA_3072 (or RSA_2048) can take: generating an
// RSA key is a random search for primes, which on a loaded machine took over
// 3 s in about one run of kms-asymmetric.test.mjs in eight.
const TIMEOUT_MS = 30_000;
const { Config, OpenApiRequest, Params } = OpenApi.$OpenApiUtil;
const { OpenApiUtil } = OpenApi;

function lowerFirst(s) { return s.slice(0, 1).toLowerCase() + s.slice(1); }
function clean(params) {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined && v !== null));
}
// Object-valued parameters travel as JSON text in RPC V1 requests.
function flat(params) {
  const out = {};
  for (const [k, v] of Object.entries(clean(params))) {
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        if (item && typeof item === 'object') {
          for (const [kk, vv] of Object.entries(item)) out[`${k}.${i + 1}.${kk}`] = String(vv);
        } else out[`${k}.${i + 1}`] = String(item);
      });
    } else if (v && typeof v === 'object') out[k] = JSON.stringify(v);
    else out[k] = String(v);
  }
  return out;
}

export class TeaKms {
  constructor(srv, ak, sk) {
    this.flavour = 'tea-kms';
    this.client = new KmsMod.default(new RpcClient.Config({
      accessKeyId: ak ?? srv.accessKeyId,
      accessKeySecret: sk ?? srv.accessKeySecret,
      endpoint: srv.endpoint,
      protocol: srv.scheme ?? 'http',
      regionId: REGION,
      readTimeout: TIMEOUT_MS,
      connectTimeout: TIMEOUT_MS,
    }));
    this.typedOnly = false;
  }

  async call(action, params = {}) {
    const method = this.client[lowerFirst(action)];
    const Req = KmsMod[`${action}Request`];
    const p = flat(params);
    let typed = false;
    if (typeof method === 'function' && Req) {
      const byWire = Object.fromEntries(Object.entries(Req.names()).map(([prop, wire]) => [wire, prop]));
      typed = Object.keys(p).every((k) => byWire[k]);
    }
    try {
      if (typed) {
        const byWire = Object.fromEntries(Object.entries(Req.names()).map(([prop, wire]) => [wire, prop]));
        const init = {};
        for (const [k, v] of Object.entries(p)) init[byWire[k]] = v;
        const resp = await method.call(this.client, new Req(init));
        return resp.toMap();
      }
      const body = ['SecretData'].some((k) => k in p) ? { SecretData: p.SecretData } : null;
      const query = { ...p };
      if (body) delete query.SecretData;
      return await this.client.doRequest(action, 'HTTP', 'POST', KMS_VERSION, 'AK', query, body, {});
    } catch (e) {
      if (e && e.data && e.data.Code) {
        const m = /code: (\d+)/.exec(e.message || '');
        throw new ApiError(this.flavour, m ? Number(m[1]) : undefined, e.data.Code, e.data.Message,
          e.data.RequestId, e.data);
      }
      throw e;
    }
  }
}

export class OpenApiKms {
  constructor(srv, ak, sk) {
    this.flavour = 'openapi-v3';
    this.scheme = srv.scheme ?? 'http';
    this.client = new OpenApi.default(new Config({
      accessKeyId: ak ?? srv.accessKeyId,
      accessKeySecret: sk ?? srv.accessKeySecret,
      endpoint: srv.endpoint,
      protocol: srv.scheme ?? 'http',
      regionId: REGION,
      readTimeout: TIMEOUT_MS,
      connectTimeout: TIMEOUT_MS,
    }));
  }

  async call(action, params = {}) {
    const p = flat(params);
    const bodyKeys = ['SecretData'];
    const query = {};
    const body = {};
    for (const [k, v] of Object.entries(p)) (bodyKeys.includes(k) ? body : query)[k] = v;
    const req = new OpenApiRequest({ query: OpenApiUtil.query(query), body: OpenApiUtil.parseToMap(body) });
    const prm = new Params({
      action, version: KMS_VERSION, protocol: this.scheme.toUpperCase(), pathname: '/', method: 'POST',
      authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json',
    });
    let resp;
    try {
      resp = await this.client.callApi(prm, req, {});
    } catch (e) {
      if (e && e.statusCode !== undefined && e.code !== undefined) {
        throw new ApiError(this.flavour, e.statusCode, e.code, e.data?.Message, e.requestId, e.data);
      }
      throw e;
    }
    assert.equal(resp.statusCode, 200, `${action}: HTTP ${resp.statusCode}`);
    return resp.body;
  }
}

export class PopKms {
  constructor(srv, ak, sk) {
    this.flavour = 'pop-core';
    this.client = new PopCore.RPCClient({
      accessKeyId: ak ?? srv.accessKeyId,
      accessKeySecret: sk ?? srv.accessKeySecret,
      endpoint: srv.baseUrl,
      apiVersion: KMS_VERSION,
    }, true);
  }

  async call(action, params = {}) {
    let json, entry;
    try {
      [json, entry] = await this.client.request(action, flat(params), { method: 'POST', timeout: TIMEOUT_MS });
    } catch (e) {
      if (e.data && e.code) {
        throw new ApiError(this.flavour, e.entry?.response?.statusCode, e.code, e.data.Message,
          e.data.RequestId, e.data);
      }
      throw e;
    }
    assert.equal(entry.response.statusCode, 200);
    return json;
  }
}

export const KMS_FLAVOURS = {
  'tea-kms': (srv, ak, sk) => new TeaKms(srv, ak, sk),
  'openapi-v3': (srv, ak, sk) => new OpenApiKms(srv, ak, sk),
  'pop-core': (srv, ak, sk) => new PopKms(srv, ak, sk),
};

export function stages(body) {
  return [...(body?.VersionStages?.VersionStage ?? [])].sort();
}
