/**
 * Container names: Docker's rules for user-given names and generated `adjective_surname`
 * defaults. The word lists are berth's own (adjectives of character; surnames of people who
 * built computing, mathematics and the sciences).
 */
import { randomInt } from 'node:crypto';
import { invalid, systemError } from '../errors';

const ADJECTIVES = [
  'agile', 'amber', 'bold', 'brave', 'bright', 'calm', 'candid', 'clever', 'cosmic', 'crisp',
  'daring', 'deft', 'eager', 'earnest', 'fervent', 'fluent', 'gallant', 'gentle', 'glad', 'hardy',
  'honest', 'humble', 'jolly', 'keen', 'kind', 'lively', 'lucid', 'mellow', 'merry', 'mindful',
  'nimble', 'noble', 'patient', 'placid', 'plucky', 'proud', 'quick', 'quiet', 'radiant', 'rapid',
  'serene', 'sharp', 'silent', 'sincere', 'spry', 'steady', 'stoic', 'sunny', 'swift', 'tender',
  'tidy', 'tranquil', 'upbeat', 'valiant', 'vivid', 'wise', 'witty', 'zealous', 'zesty', 'frosty',
];

const SURNAMES = [
  'agnesi', 'babbage', 'backus', 'bartik', 'boole', 'cantor', 'cerf', 'church', 'codd', 'conway',
  'curie', 'dijkstra', 'easley', 'euler', 'fermat', 'feynman', 'gauss', 'germain', 'goldberg', 'hamming',
  'hertz', 'hilbert', 'hodgkin', 'hoare', 'hollerith', 'hopper', 'jemison', 'johnson', 'kepler', 'knuth',
  'kowalevski', 'lamport', 'leavitt', 'liskov', 'lovelace', 'maxwell', 'meitner', 'mirzakhani', 'napier', 'noether',
  'pascal', 'perlman', 'poincare', 'ramanujan', 'ritchie', 'shannon', 'somerville', 'sutherland', 'thompson', 'torvalds',
  'turing', 'vaughan', 'wilkes', 'wirth', 'wozniak', 'yalow', 'zuse', 'ride', 'rubin', 'franklin',
];

/** Docker's name rule: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`, with an optional leading slash. */
const VALID_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Validates a user-given name and returns it with Docker's leading slash. */
export function normalizeName(name: string): string {
  if (!VALID_NAME.test(name)) throw invalid(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  return name.startsWith('/') ? name : `/${name}`;
}

/** A fresh `/adjective_surname` not in `taken`; a digit suffix after many collisions, as Docker does. */
export function generateName(taken: (name: string) => boolean): string {
  for (let attempt = 0; attempt < 200; attempt++) {
    const adjective = ADJECTIVES[randomInt(ADJECTIVES.length)] as string;
    const surname = SURNAMES[randomInt(SURNAMES.length)] as string;
    let name = `/${adjective}_${surname}`;
    if (attempt >= 10) name += String(randomInt(10));
    if (!taken(name)) return name;
  }
  throw systemError('could not generate a unique container name');
}

export const WORD_LISTS = { ADJECTIVES, SURNAMES };
