import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostRuleset, labTopology, LAB_TRUTH, nftRuleset, STATELESS_TRUTH, zombieRule, zombieRule6 } from '../../src/lab';
import { labRulesets } from '../../src/lab/index';

// What `nft list ruleset` printed in lab 210's namespaces (nftables 1.0.6) after `nft -f -` loaded labRulesets(labTopology(210)).
const MLD_OUTPUT = `	chain output {
		type filter hook output priority filter; policy accept;
		icmpv6 type { mld-listener-report, mld-listener-done, mld2-listener-report } drop comment "keep MLD reports out of captures"
	}
}
`;

const TARGET_LISTED = `table inet portlab {
	chain input {
		type filter hook input priority filter; policy accept;
		tcp dport 25 drop
		tcp dport 8080 drop
		tcp dport 110 reject with icmpx admin-prohibited
		tcp dport 3306 reject with icmpx admin-prohibited
		udp dport 123 drop
		udp dport 137 drop
		udp dport 514 reject with icmpx admin-prohibited
		udp dport 1900 reject with icmpx admin-prohibited
	}

${MLD_OUTPUT}`;

const STATELESS_LISTED = `table inet portlab {
	chain input {
		type filter hook input priority filter; policy accept;
		tcp dport 80 tcp flags syn / syn,ack drop
		tcp dport 25 drop
	}

${MLD_OUTPUT}`;

const ZOMBIE_LISTED = `table inet portlab {
	chain input {
		type filter hook input priority filter; policy accept;
		ip daddr { 198.18.210.4, 198.18.210.5 } ip protocol tcp drop comment "portlab lab zombie answers TCP here"
		ip6 daddr 2001:2:0:210::4 meta l4proto tcp drop comment "portlab lab zombie answers TCP here"
	}

${MLD_OUTPUT}`;

const SCANNER_LISTED = `table inet portlab {
${MLD_OUTPUT}`;

test("each host's ruleset is the text nft lists back, one inet table for both families", () => {
  assert.equal(nftRuleset(LAB_TRUTH), TARGET_LISTED);
  assert.equal(nftRuleset(STATELESS_TRUTH), STATELESS_LISTED);
  const topo = labTopology(210);
  assert.deepEqual(
    labRulesets(topo),
    new Map([
      ['portlab210-scanner', SCANNER_LISTED],
      ['portlab210-target', TARGET_LISTED],
      ['portlab210-stateless', STATELESS_LISTED],
      ['portlab210-zombie', ZOMBIE_LISTED],
    ]),
  );
});

test('no lab rule tracks connections: the stateless host judges each segment alone', () => {
  for (const ruleset of labRulesets(labTopology(210)).values()) assert.doesNotMatch(ruleset, /\bct\b/);
});

test("the zombie's rules name its addresses of both families and nothing else", () => {
  assert.equal(zombieRule(labTopology(3)), 'ip daddr { 198.18.3.4, 198.18.3.5 } ip protocol tcp drop comment "portlab lab zombie answers TCP here"');
  assert.equal(zombieRule6(labTopology(3)), 'ip6 daddr 2001:2:0:3::4 meta l4proto tcp drop comment "portlab lab zombie answers TCP here"');
});

test('a ruleset with no filtered ports has only the chain that keeps MLD quiet', () => {
  assert.equal(nftRuleset([{ port: 22, protocol: 'tcp', truth: 'open' }]), SCANNER_LISTED);
  assert.equal(hostRuleset([]), SCANNER_LISTED);
});
