// Money crosses from Routy's decimal currency units into our integer micro-currency columns here.

/** Largest value a PostgreSQL bigint holds. */
const BIGINT_MAX = 9_223_372_036_854_775_807n;

/**
 * A non-negative decimal amount in currency units (`"84.50"`, as PostgreSQL prints a numeric) as
 * integer micro-currency (`"84500000"`), exactly, without floating point; past the sixth decimal
 * it rounds half up. @returns null when the amount does not fit in a bigint column (over about
 * 9.2 trillion currency units), so one oversized value cannot stop an attribution.
 * @throws Error when `value` is not a plain non-negative decimal.
 */
export function decimalToMicro(value: string): string | null {
  const parts = /^(\d+)(?:\.(\d*))?$/.exec(value.trim());
  if (!parts) throw new Error(`not a non-negative decimal: ${JSON.stringify(value)}`);
  const fraction = (parts[2] ?? '').padEnd(7, '0');
  let micro = BigInt(parts[1]!) * 1_000_000n + BigInt(fraction.slice(0, 6));
  if (Number(fraction[6]) >= 5) micro += 1n;
  return micro > BIGINT_MAX ? null : micro.toString();
}
