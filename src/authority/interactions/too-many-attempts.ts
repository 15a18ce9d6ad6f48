/**
 * What the sign-in page says when the throttle refused an attempt: that the
 * password was not checked, and how long to wait, in words a person reads
 * at a glance. The same for every username, known or not.
 *
 * @example
 * ```ts
 * tooManyAttempts(90); // 'Too many sign-in attempts: this one was not checked. Wait 2 minutes, then try again.'
 * ```
 */
export function tooManyAttempts(retryAfterSec: number): string {
  return `Too many sign-in attempts: this one was not checked. Wait ${waitText(retryAfterSec)}, then try again.`;
}

function waitText(seconds: number): string {
  if (seconds < 60) return plural(Math.max(1, Math.ceil(seconds)), 'second');
  if (seconds < 3600) return plural(Math.ceil(seconds / 60), 'minute');
  return plural(Math.ceil(seconds / 3600), 'hour');
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}
