import mqemitter from 'mqemitter';

/** aedes' default: messages delivered at once before the next ones queue. */
export const EMITTER_CONCURRENCY = 100;
/** Nested deliveries from the queue before the rest waits for the next turn of the loop. */
export const MAX_SYNC_DEPTH = 200;

type Callback = (error?: Error) => void;
/** The parts of mqemitter 7's instance this guard relies on (pinned through package.json). */
interface EmitterInternals {
  current: number;
  _doing: boolean;
  _messageQueue: unknown[];
  _messageCallbacks: Callback[];
  _released: () => void;
  _do(message: unknown, callback: Callback): unknown;
}

/**
 * aedes' message emitter, with its queue drained without unbounded recursion.
 *
 * Once `concurrency` deliveries are in progress, mqemitter queues the next messages, and
 * each delivery that ends takes the next one from the queue inside its own call. A message
 * with no subscriber, or whose subscribers answer at once (aedes' own `$SYS` ones), ends
 * inside that call too, so a queue of a few thousand messages (a storm of boxes
 * connecting, each with its `$SYS` notices, subscriptions and retained `state`) recursed
 * until "Maximum call stack size exceeded" (mqemitter PR 204, still open). Here, past
 * MAX_SYNC_DEPTH nested deliveries the message goes back to the head of the queue, its slot
 * stays held, and the draining resumes on the next turn of the event loop: the order of
 * the queue is kept, and new messages still queue behind it.
 */
export function createBrokerEmitter(concurrency = EMITTER_CONCURRENCY): mqemitter.MQEmitter {
  const mq = mqemitter({ concurrency });
  const inner = mq as unknown as EmitterInternals;
  const deliver = inner._do.bind(mq);
  let depth = 0;
  inner._do = (message, callback) => {
    if (depth >= MAX_SYNC_DEPTH) {
      inner._messageQueue.unshift(message);
      inner._messageCallbacks.unshift(callback);
      inner.current++; // released() frees it and takes the head of the queue
      inner._doing = true;
      setImmediate(inner._released);
      return mq;
    }
    depth++;
    try {
      return deliver(message, callback);
    } finally {
      depth--;
    }
  };
  return mq;
}
