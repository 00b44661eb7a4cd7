// Connect timeouts of one data-plane worker thread, without a Node timer per connection.
// A `setTimeout` per connect attempt (and its `clearTimeout` a few hundred microseconds later,
// when the connect succeeds) allocates a Timeout, links it into Node's timer lists and reads the
// loop clock through the binding. The timer, the registry and the metrics calls are what the
// handler adds per connection to the bare raw proxy (bench/README.md, "Where the time goes").
//
// Here every attempt with the same timeout joins one FIFO list, which is therefore ordered by
// deadline; the entry itself carries the links (no allocation), and leaving is an O(1) unlink.
// One unref'd timer per thread is armed for the earliest head. It is not re-armed when the head
// leaves: when it fires it expires what is due and re-arms for the next head, so under steady
// traffic it fires about once per timeout period. A deadline passes no earlier than its time and
// late only by the timer's own lateness. Time is the thread clock's (performance.now()), or a
// test's manual one (useDeadlineClock).
//
// Due deadlines pass in the check phase after the timer, not in the timer itself: a thread held up
// past a deadline (a busy CPU) runs its timers before the I/O that completed meanwhile, so a connect
// the kernel completed in time would be abandoned as timed out — and retried, adding load where
// there is too much already. The poll phase between them delivers that connect, which clears its
// deadline first.
import type { Clock } from '../model/clock.ts';
import { threadClock } from './thread-clock.ts';

/** One pending connect attempt; the fields are this module's, set by setDeadline. */
export interface DeadlineEntry {
  deadlineAt: number;
  deadlinePrev: DeadlineEntry | null;
  deadlineNext: DeadlineEntry | null;
  deadlineList: DeadlineList | null;
  /** Called once, when the deadline passes before clearDeadline. */
  deadlinePassed(): void;
}

interface DeadlineList { head: DeadlineEntry | null; tail: DeadlineEntry | null }

const lists = new Map<number, DeadlineList>();
let clock: Clock = threadClock;
let timer: unknown = null;
let timerAt = Infinity;
/** When the timer last fired: expireDue() passes what was due then. */
let firedAt = 0;

/** The time deadlines are measured in: pass it to setDeadline. */
export function deadlineNow(): number {
  return clock.now();
}

/** Tests: measure this thread's deadlines on `c` (undefined: the thread clock again). Pending
 *  deadlines keep their times, so swap only between tests. */
export function useDeadlineClock(c: Clock | undefined): void {
  if (timer !== null) clock.clearTimeout(timer);
  timer = null;
  timerAt = Infinity;
  clock = c ?? threadClock;
  let next = Infinity;
  for (const list of lists.values()) if (list.head) next = Math.min(next, list.head.deadlineAt);
  if (next < Infinity) arm(next, clock.now());
}

/** Starts `e`'s deadline `timeoutMs` after `now` (deadlineNow()). */
export function setDeadline(e: DeadlineEntry, timeoutMs: number, now: number): void {
  if (e.deadlineList) clearDeadline(e);
  let list = lists.get(timeoutMs);
  if (!list) lists.set(timeoutMs, (list = { head: null, tail: null }));
  e.deadlineAt = now + timeoutMs;
  e.deadlineList = list;
  e.deadlineNext = null;
  e.deadlinePrev = list.tail;
  if (list.tail) list.tail.deadlineNext = e;
  else list.head = e;
  list.tail = e;
  if (e.deadlineAt < timerAt) arm(e.deadlineAt, now);
}

/** Stops `e`'s deadline; nothing happens if it has none. */
export function clearDeadline(e: DeadlineEntry): void {
  const list = e.deadlineList;
  if (!list) return;
  if (e.deadlinePrev) e.deadlinePrev.deadlineNext = e.deadlineNext;
  else list.head = e.deadlineNext;
  if (e.deadlineNext) e.deadlineNext.deadlinePrev = e.deadlinePrev;
  else list.tail = e.deadlinePrev;
  e.deadlinePrev = e.deadlineNext = null;
  e.deadlineList = null;
}

/** Entries still waiting on this thread (tests). */
export function pendingDeadlines(): number {
  let n = 0;
  for (const list of lists.values()) for (let e = list.head; e; e = e.deadlineNext) n++;
  return n;
}

function arm(at: number, now: number): void {
  if (timer !== null) clock.clearTimeout(timer);
  timerAt = at;
  // Unref'd (the thread clock's timers are): a pending connect keeps the loop alive through its
  // own handle; this timer must not.
  timer = clock.setTimeout(fire, Math.max(1, Math.ceil(at - now)));
}

function fire(): void {
  timer = null;
  timerAt = Infinity;
  firedAt = clock.now();
  setImmediate(expireDue);
}

/** Check phase after fire(): passes the deadlines that were due when the timer fired, so before the
 *  poll phase in between began (one set during that phase waits for the next timer and its poll). */
function expireDue(): void {
  const due = firedAt;
  for (const list of lists.values()) {
    // A callback may start a new attempt (a retry): it joins a tail, with a deadline after now.
    while (list.head && list.head.deadlineAt <= due) {
      const e = list.head;
      clearDeadline(e);
      e.deadlinePassed();
    }
  }
  let next = Infinity;
  for (const [ms, list] of lists) {
    if (list.head) next = Math.min(next, list.head.deadlineAt);
    else lists.delete(ms);
  }
  if (next < timerAt) arm(next, clock.now());
}
