// Who uses the demo product: end users of customer companies, heavy-tailed (Zipf), joining over
// time, grouped into sessions of a few hours. Ids look like a real app's (opaque, stable per user).
import { hashString, hex32, mix32, Random, WeightedIndex, zipfWeights } from './random.ts';

const CUSTOMERS = [
  'acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark-industries', 'wayne-enterprises', 'wonka',
  'soylent', 'tyrell', 'cyberdyne', 'aperture', 'vandelay', 'dunder-mifflin', 'pied-piper', 'massive-dynamic',
  'oscorp', 'gringotts', 'monarch', 'nakatomi', 'prestige-worldwide', 'sterling-cooper', 'bluth', 'krusty',
];

export type Plan = 'enterprise' | 'pro' | 'starter';

export interface DemoUser {
  id: string;
  customer: string;
  plan: Plan;
  /** A number derived from the seed and the user, for the user's session ids. */
  key: number;
  /** Index of the day the user first appears (negative: before the period). */
  joinDay: number;
}

export class Population {
  readonly users: DemoUser[];
  private readonly pick: WeightedIndex;

  constructor(seed: string, userCount: number, dayCount: number) {
    const random = new Random(`${seed}:users`);
    const customers = new WeightedIndex(zipfWeights(CUSTOMERS.length, 1.1));
    this.users = Array.from({ length: userCount }, (_, rank) => {
      const customerRank = customers.sample(random);
      return {
        id: `user_${(hashString(`${seed}:${rank}`, 7) >>> 0).toString(36).padStart(7, '0')}`,
        key: hashString(`${seed}:${rank}`, 5),
        customer: CUSTOMERS[customerRank]!,
        plan: customerRank < 4 ? 'enterprise' : customerRank < 12 ? 'pro' : 'starter',
        // 60% are there from the start, the rest join evenly over the period: users grow too.
        joinDay: random.chance(0.6) ? -1 : Math.floor(random.next() * dayCount),
      };
    });
    this.pick = new WeightedIndex(zipfWeights(userCount, 1.05));
  }

  /** A user active on `day`, heavy users far more often than light ones. */
  sample(random: Random, day: number): DemoUser {
    let user = this.users[this.pick.sample(random)]!;
    for (let tries = 0; user.joinDay > day && tries < 8; tries++) user = this.users[this.pick.sample(random)]!;
    return user;
  }
}

/** A user's session: the traces of one user within one 3-hour window of a day share it. */
export function sessionId(user: DemoUser, timestamp: number): string {
  const slot = Math.floor(timestamp / 10_800_000);
  return `sess_${hex32(mix32(user.key, slot, 11))}${hex32(mix32(user.key, slot, 13))}`;
}

/** How many users a demo of `calls` calls has: about one per 150 calls, within sensible bounds. */
export function userCountFor(calls: number): number {
  return Math.max(25, Math.min(60_000, Math.round(calls / 150)));
}
