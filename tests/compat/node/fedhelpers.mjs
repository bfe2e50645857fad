// Federation helpers shared by federation.test.mjs and federation-client.mjs:
// the IMS Tea client and an STS Tea client built without credentials, both
// behind helpers.mjs' TeaRam call() (wire names in, toMap() out).
import ImsMod from '@alicloud/ims20190815';
import OpenApi from '@alicloud/openapi-core';
import StsMod from '@alicloud/sts20150401';

import { REGION, TeaRam } from './helpers.mjs';

const { Config } = OpenApi.$OpenApiUtil;

/** @alicloud/ims20190815 behind TeaRam's call() (wire names in, toMap() out). */
export function teaIms(srv, ak, sk) {
  const c = new TeaRam(srv, ak, sk);
  c.client = new ImsMod.default(new Config({
    accessKeyId: ak ?? srv.accessKeyId, accessKeySecret: sk ?? srv.accessKeySecret,
    endpoint: srv.endpoint, protocol: srv.scheme ?? 'http', regionId: REGION,
  }));
  c.models = ImsMod;
  c.flavour = 'tea-ims';
  return c;
}

/** @alicloud/sts20150401 built with no credentials at all. */
export function anonymousSts(srv) {
  const c = new TeaRam(srv, undefined, undefined, undefined, { product: 'sts' });
  c.client = new StsMod.default(new Config({ endpoint: srv.endpoint, protocol: srv.scheme ?? 'http', regionId: REGION }));
  c.flavour = 'tea-sts-anonymous';
  return c;
}

export function oidcTrust(providerArn, condition) {
  const st = { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Federated: [providerArn] } };
  if (condition) st.Condition = condition;
  return JSON.stringify({ Version: '1', Statement: [st] });
}
