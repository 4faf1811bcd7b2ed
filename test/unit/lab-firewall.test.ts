import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LAB_TRUTH, nftRuleset } from '../../src/lab';

// What `nft list ruleset` printed in a lab target (nftables 1.0.6) after `nft -f -` loaded nftRuleset(LAB_TRUTH).
const LISTED = `table ip portlab {
	chain input {
		type filter hook input priority filter; policy accept;
		tcp dport 25 drop
		tcp dport 8080 drop
		tcp dport 110 reject with icmp admin-prohibited
		tcp dport 3306 reject with icmp admin-prohibited
		udp dport 123 drop
		udp dport 137 drop
		udp dport 514 reject with icmp admin-prohibited
		udp dport 1900 reject with icmp admin-prohibited
	}
}
`;

test('the ruleset loaded into the target is the text nft lists back', () => {
  assert.equal(nftRuleset(LAB_TRUTH), LISTED);
});

test('a ruleset with no filtered ports is an empty accepting chain', () => {
  assert.equal(
    nftRuleset([{ port: 22, protocol: 'tcp', truth: 'open' }]),
    'table ip portlab {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n}\n',
  );
});
