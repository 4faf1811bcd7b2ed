import type { TextbookCell, TextbookColumn, TextbookWords } from './types';

/**
 * The textbook rows of the techniques that open with a SYN (connect and SYN): they differ only in how
 * an open port's handshake ends. A silent or ICMP-rejecting port is filtered for both.
 */
export function handshakeTextbook(openExchange: (words: TextbookWords) => string): Readonly<Record<TextbookColumn, TextbookCell>> {
  const unanswered = (w: TextbookWords) => `S, S (${w.retries}), ${w.noAnswer} / ICMP 3`;
  return {
    open: { expected: openExchange, allows: ['open'] },
    closed: { expected: () => 'S → RA', allows: ['closed'] },
    filtered: { expected: unanswered, allows: ['filtered'] },
    'open|filtered': { expected: unanswered, allows: ['open|filtered'] },
    unfiltered: { expected: (w) => `${openExchange(w)} / S → RA`, allows: ['open', 'closed'] },
    'closed|filtered': { expected: (w) => `S → RA / ${unanswered(w)}`, allows: ['closed', 'filtered'] },
  };
}
