import type { OAuthGrants } from './oauth-grants';
import type { SeedData } from './seed';

/** What the Pinterest API route modules share. */
export interface EmulatorContext {
  /** The advertiser data every answer is made from. */
  readonly seed: SeedData;
  /** Wall clock; tests may pin it. */
  readonly now: () => Date;
  /** Authorization codes and tokens issued, checked on every API request. */
  readonly grants: OAuthGrants;
}
