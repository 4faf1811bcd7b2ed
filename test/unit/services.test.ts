import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serviceName } from '../../src/engine/services';

test("service names are nmap's, per transport", () => {
  assert.equal(serviceName(53, 'tcp'), 'domain');
  assert.equal(serviceName(53, 'udp'), 'domain');
  assert.equal(serviceName(8080, 'tcp'), 'http-proxy');
  assert.equal(serviceName(1900, 'udp'), 'upnp');
  assert.equal(serviceName(1900, 'tcp'), undefined);
  assert.equal(serviceName(40000, 'tcp'), undefined);
});
