/** Levenshtein distance: a misspelt name is a few edits from the one meant. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}

/**
 * The known name `name` most likely meant, or `undefined` when none is
 * close. A prefix of a known name (`OAUTH_ISSUER` for `OAUTH_ISSUER_URL`)
 * is the commonest slip and counts as one edit; case is ignored; beyond a
 * third of the name's own part (after `ownPrefix`) a suggestion is a
 * guess, not a help.
 *
 * @example
 * ```ts
 * closestName('GATEHOUSE_STROE', ['GATEHOUSE_STORE', 'PORT'], /^(OAUTH|GATEHOUSE)_/); // 'GATEHOUSE_STORE'
 * closestName('stateDri', ['stateDir', 'store']); // 'stateDir'
 * ```
 */
export function closestName(name: string, known: Iterable<string>, ownPrefix?: RegExp): string | undefined {
  let best: { name: string; score: number } | undefined;
  const wanted = name.toLowerCase();
  for (const candidate of known) {
    const lower = candidate.toLowerCase();
    const score = lower.startsWith(wanted) || wanted.startsWith(lower) ? 1 : distance(wanted, lower);
    if (!best || score < best.score) best = { name: candidate, score };
  }
  const own = ownPrefix ? name.replace(ownPrefix, '') : name;
  return best && best.score <= Math.max(2, Math.floor(own.length / 3)) ? best.name : undefined;
}
