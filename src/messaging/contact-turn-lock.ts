import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { redisScript } from '../redis/redis-script.js';

/** The rate limit's rolling window. */
const WINDOW_MS = 60_000;

/**
 * Lua shared by the scripts that start a turn: takes a place in the contact's
 * rate limit if fewer than `limit` turns started in the last window.
 * -1: taken (the slot is in the set); otherwise the instant the oldest leaves the window.
 */
const TAKE_SLOT = `
local function takeSlot(turns, now, window, limit, slot)
  redis.call('zremrangebyscore', turns, '-inf', now - window)
  if redis.call('zcard', turns) < limit then
    redis.call('zadd', turns, now, slot)
    redis.call('pexpire', turns, window)
    return -1
  end
  local oldest = redis.call('zrange', turns, 0, 0, 'WITHSCORES')
  return tonumber(oldest[2]) + window
end`;

/** What a script answers for a contact that is busy, or a lock let go: no turn starts. */
const NO_TURN = -2;

/**
 * KEYS: the lock, the contact's "more arrived" flag, the contact's turns;
 * ARGV: token, ttl, now, window, limit, slot.
 * Taken: the flag is cleared (the holder's first claim sees every message stored
 * so far) and the turn's rate-limit slot is taken. Busy: the flag is raised for
 * the holder, which looks again before letting go.
 */
const ACQUIRE = `${TAKE_SLOT}
if redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then
  redis.call('del', KEYS[2])
  return takeSlot(KEYS[3], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6])
end
redis.call('set', KEYS[2], '1', 'PX', ARGV[2])
return ${NO_TURN}`;
/**
 * KEYS: the lock, the turns; ARGV: token, the slot to give back ('' for none).
 * The lock is deleted only while it still holds our token: one that expired and was re-taken is not ours.
 */
const RELEASE = `
if ARGV[2] ~= '' then redis.call('zrem', KEYS[2], ARGV[2]) end
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
/**
 * KEYS: the lock, the flag, the turns; ARGV: token, ttl, the slot to give back
 * ('' for none), now, window, limit, the next slot. Kept (a message's job
 * found the contact busy since the flag was last cleared): the lock's expiry is
 * renewed and the next turn's slot taken, as ACQUIRE answers. Released, or no
 * longer ours: NO_TURN.
 */
const RELEASE_UNLESS_MORE = `${TAKE_SLOT}
if ARGV[3] ~= '' then redis.call('zrem', KEYS[3], ARGV[3]) end
if redis.call('get', KEYS[1]) ~= ARGV[1] then return ${NO_TURN} end
if redis.call('del', KEYS[2]) == 1 then
  redis.call('pexpire', KEYS[1], ARGV[2])
  return takeSlot(KEYS[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7])
end
redis.call('del', KEYS[1])
return ${NO_TURN}`;
/** KEYS: the turns; ARGV: the slot to give back ('' for none), now, window, limit, the next slot. */
const NEXT_TURN = `${TAKE_SLOT}
if ARGV[1] ~= '' then redis.call('zrem', KEYS[1], ARGV[1]) end
return takeSlot(KEYS[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5])`;

export type TurnAdmission = { admitted: true } | { admitted: false; retryAt: Date };

export interface HeldTurn {
  /**
   * Whether the current turn may answer under the rate limit. An admitted turn
   * holds a slot; unless it calls `useSlot` (its agent answered), the slot is
   * given back when the turn ends, so turns that answer nothing (a person is
   * handling the contact, nothing was waiting, the agent failed) do not count.
   */
  readonly admission: TurnAdmission;
  useSlot(): void;
  /**
   * Lets go unless a message's job found the contact busy meanwhile (false:
   * still held, look for waiting messages again, with a fresh admission). Atomic
   * with that job's attempt, so a message stored during a turn is either seen
   * by this holder's next look or taken by its own job after the release, never
   * left waiting.
   */
  releaseUnlessMore(now: Date): Promise<boolean>;
  /** Starts another turn without letting go (a batch that may have left messages behind). */
  nextTurn(now: Date): Promise<void>;
  release(): Promise<void>;
  /** True once per window for a contact over the limit: they get one "aguarde" notice. */
  noticeDue(): Promise<boolean>;
}

/**
 * One turn at a time per contact, across every worker process, and at most
 * `turnsPerMinute` turns per contact per rolling minute. The lock is a Redis
 * key with a token and a short expiry, renewed while the turn runs: a process
 * killed mid-turn stops renewing, so the contact is free again within `ttlMs`.
 * The rate limit's slot is taken in the same script as the lock (and given back
 * in the one that lets go), so a turn costs Redis no round trip for it: a
 * contact who writes faster is not answered now, their messages stay waiting
 * and are answered together by the first turn the window allows. A slot taken
 * by a turn whose process died stays counted.
 */
export class ContactTurnLock {
  private readonly acquireScript;
  private readonly releaseScript;
  private readonly extendScript;
  private readonly releaseUnlessMoreScript;
  private readonly nextTurnScript;

  constructor(
    private readonly redis: Redis,
    private readonly options: { ttlMs: number; turnsPerMinute: number },
  ) {
    this.acquireScript = redisScript<number>(redis, 'oxyAcquireTurnLock', 3, ACQUIRE);
    this.releaseScript = redisScript<number>(redis, 'oxyReleaseTurnLock', 2, RELEASE);
    this.extendScript = redisScript<number>(redis, 'oxyExtendTurnLock', 1, EXTEND);
    this.releaseUnlessMoreScript = redisScript<number>(redis, 'oxyReleaseTurnLockUnlessMore', 3, RELEASE_UNLESS_MORE);
    this.nextTurnScript = redisScript<number>(redis, 'oxyNextTurn', 1, NEXT_TURN);
  }

  async acquire(organizationId: string, phone: string, now: Date): Promise<HeldTurn | null> {
    const { ttlMs, turnsPerMinute } = this.options;
    const key = `turn-lock:${organizationId}:${phone}`;
    const moreKey = `turn-more:${organizationId}:${phone}`;
    const turnsKey = `turns:${organizationId}:${phone}`;
    const keys = [key, moreKey, turnsKey];
    const token = randomUUID();
    let slot: string = randomUUID();
    const taken = await this.acquireScript(keys, token, ttlMs, now.getTime(), WINDOW_MS, turnsPerMinute, slot);
    if (taken === NO_TURN) return null;
    const renewal = setInterval(() => {
      this.extendScript([key], token, ttlMs).catch(() => undefined);
    }, Math.floor(ttlMs / 3));
    renewal.unref();

    let admission = admissionOf(taken);
    let used = false;
    // The slot this turn took and did not use: given back by the script that ends the turn.
    const unused = () => (admission.admitted && !used ? slot : '');
    const startTurn = (answer: number, nextSlot: string) => {
      admission = admissionOf(answer);
      slot = nextSlot;
      used = false;
    };
    return {
      get admission() {
        return admission;
      },
      useSlot: () => {
        used = true;
      },
      releaseUnlessMore: async (at: Date) => {
        const nextSlot = randomUUID();
        const answer = await this.releaseUnlessMoreScript(keys, token, ttlMs, unused(), at.getTime(), WINDOW_MS, turnsPerMinute, nextSlot);
        if (answer === NO_TURN) {
          clearInterval(renewal);
          return true;
        }
        startTurn(answer, nextSlot);
        return false;
      },
      nextTurn: async (at: Date) => {
        const nextSlot = randomUUID();
        startTurn(await this.nextTurnScript([turnsKey], unused(), at.getTime(), WINDOW_MS, turnsPerMinute, nextSlot), nextSlot);
      },
      release: async () => {
        clearInterval(renewal);
        await this.releaseScript([key, turnsKey], token, unused()).catch(() => undefined);
      },
      noticeDue: async () => (await this.redis.set(`turns-notice:${organizationId}:${phone}`, '1', 'PX', WINDOW_MS, 'NX')) === 'OK',
    };
  }
}

function admissionOf(answer: number): TurnAdmission {
  return answer < 0 ? { admitted: true } : { admitted: false, retryAt: new Date(answer) };
}
